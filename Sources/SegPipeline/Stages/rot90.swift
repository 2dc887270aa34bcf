/// `rot90`: a random multiple of 90° (remote sensing's rotations, mmseg's RandomRotFlip rot90).
public struct Rot90Stage: Stage {
    public static let declaration = StageDeclaration(
        name: "rot90",
        summary: "Rotate the sample by a random multiple of 90° with probability p (lossless).",
        details: "With probability `p`, draws k uniformly in `k` (default 0, 1, 2 or 3) and turns image and label k quarter turns counter-clockwise, as `np.rot90(a, k)` (mmseg's RandomRotFlip, albumentations' RandomRotate90): pixels are moved, never resampled. Odd k swaps height and width: after a stage that fixes a non-square output size this is refused (put rot90 before it, make that size square, or keep k even); after `random_crop` the size bound becomes square. Renders the pending geometry first. Records `rot90_k` (0 when not applied).",
        label: "Rotated exactly like the image.",
        random: true,
        parameters: [Keys.k.info, Keys.p.info])

    enum Keys {
        static let k = Param<(Double, Double)>.range("k", within: 0...3, integer: true, default: (0, 3), "quarter turns counter-clockwise, or the range they are drawn from")
        static let p = Param<Double>.probability("p", default: 0.5, "probability of rotating")
    }

    let k: (Int, Int)
    let p: Double

    public init(_ args: StageArgs) throws {
        let r = args[Keys.k]
        k = (Int(r.0), Int(r.1))
        p = args[Keys.p]
    }

    public func plan(_ state: inout PlanState) throws {
        try state.requireDecoded()
        let odd = (k.0...k.1).contains { $0 % 2 == 1 }
        try Dihedral.plan(&state, swaps: odd, stage: "rot90", fix: "put rot90 before the stage that fixes the output size, make that size square, or use `k: [2, 2]` (half turns only)")
    }

    public func apply(_ sample: inout Sample, random: inout SeededRandom, context: StageContext) throws {
        var turns = 0
        if random.unit() < p {
            turns = k.0 + min(Int(random.unit() * Double(k.1 - k.0 + 1)), k.1 - k.0)
            sample.image = Dihedral.rotate(sample.image, k: turns)
            sample.label = Dihedral.rotate(sample.label, k: turns)
        }
        sample.params["rot90_k"] = Double(turns)
    }
}

/// `transpose`: swap rows and columns (the main-diagonal mirror of the dihedral group).
public struct TransposeStage: Stage {
    public static let declaration = StageDeclaration(
        name: "transpose",
        summary: "Swap the rows and columns of the sample with probability p (lossless).",
        details: "With probability `p`, image and label become their transposes (pixel (x, y) moves to (y, x), `np.transpose` of the first two axes; albumentations' Transpose). With `rot90` and `flip` it gives all 8 orientations of remote sensing's dihedral group. Swaps height and width, so after a stage that fixes a non-square output size it is refused; after `random_crop` the size bound becomes square. Renders the pending geometry first. Records `transpose` (1 when applied).",
        label: "Transposed exactly like the image.",
        random: true,
        parameters: [Keys.p.info])

    enum Keys {
        static let p = Param<Double>.probability("p", default: 0.5, "probability of transposing")
    }

    let p: Double

    public init(_ args: StageArgs) throws { p = args[Keys.p] }

    public func plan(_ state: inout PlanState) throws {
        try state.requireDecoded()
        try Dihedral.plan(&state, swaps: true, stage: "transpose", fix: "put transpose before the stage that fixes the output size, or make that size square")
    }

    public func apply(_ sample: inout Sample, random: inout SeededRandom, context: StageContext) throws {
        let on = random.unit() < p
        if on {
            sample.image = Dihedral.transpose(sample.image)
            sample.label = Dihedral.transpose(sample.label)
        }
        sample.params["transpose"] = on ? 1 : 0
    }
}

/// Lossless pixel permutations of the square's symmetry group, on rasters of any pixel width.
public enum Dihedral {
    /// Checks a stage that may swap height and width against the planned size.
    static func plan(_ state: inout PlanState, swaps: Bool, stage: String, fix: String) throws {
        guard swaps else { return }
        if let s = state.size, s.height != s.width {
            throw state.fail("'\(stage)' can swap height and width, but the output size is already fixed at \(s.height)x\(s.width), which is not square", fix: fix)
        }
        if let b = state.bound, b.height != b.width {
            let m = max(b.height, b.width)
            state.bound = (m, m)
        }
    }

    /// `r` turned `k` quarter turns counter-clockwise (`np.rot90(r, k)`).
    public static func rotate(_ r: Raster, k: Int) -> Raster {
        let turns = ((k % 4) + 4) % 4
        if turns == 0 { return r }
        let w = r.width, h = r.height
        let (ow, oh) = turns == 2 ? (w, h) : (h, w)
        // Source pixel of output (x, y).
        let source: (Int, Int) -> Int
        switch turns {
        case 1: source = { x, y in x * w + (w - 1 - y) }
        case 2: source = { x, y in (h - 1 - y) * w + (w - 1 - x) }
        default: source = { x, y in (h - 1 - x) * w + y }
        }
        return permute(r, width: ow, height: oh, source: source)
    }

    /// `r` with rows and columns swapped.
    public static func transpose(_ r: Raster) -> Raster {
        let w = r.width
        return permute(r, width: r.height, height: r.width) { x, y in x * w + y }
    }

    static func permute(_ r: Raster, width: Int, height: Int, source: (Int, Int) -> Int) -> Raster {
        let c = r.channels
        let out = [UInt8](unsafeUninitializedCapacity: r.pixels.count) { d, n in
            r.pixels.withUnsafeBufferPointer { s in
                for y in 0..<height {
                    for x in 0..<width {
                        let from = source(x, y) * c, to = (y * width + x) * c
                        for k in 0..<c { d[to + k] = s[from + k] }
                    }
                }
            }
            n = r.pixels.count
        }
        return Raster(width: width, height: height, channels: c, pixels: out)
    }
}
