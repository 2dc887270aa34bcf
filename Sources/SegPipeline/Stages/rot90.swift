import SegImage
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
            turns = random.integer(in: k)
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
        let w = r.width, h = r.height
        switch ((k % 4) + 4) % 4 {
        case 1: return permute(r, width: h, height: w) { y in (w - 1 - y, w) }           // column w-1-y, top to bottom
        case 2: return permute(r, width: w, height: h) { y in ((h - 1 - y) * w + w - 1, -1) }
        case 3: return permute(r, width: h, height: w) { y in ((h - 1) * w + y, -w) }     // column y, bottom to top
        default: return r
        }
    }

    /// `r` with rows and columns swapped.
    public static func transpose(_ r: Raster) -> Raster {
        let w = r.width
        return permute(r, width: r.height, height: r.width) { y in (y, w) }
    }

    /// A raster `width` x `height` whose row y is the source pixels `start, start + step, …` (in pixels)
    /// of `row(y) = (start, step)`.
    static func permute(_ r: Raster, width: Int, height: Int, row: (Int) -> (start: Int, step: Int)) -> Raster {
        let c = r.channels
        let out = [UInt8](unsafeUninitializedCapacity: r.pixels.count) { d, n in
            r.pixels.withUnsafeBufferPointer { sb in
                guard let s = sb.baseAddress, let o = d.baseAddress else { return }
                for y in 0..<height {
                    let (start, step) = row(y)
                    var p = s + start &* c
                    let q = o + y &* width &* c
                    let stride = step &* c
                    switch c {
                    case 1:
                        for x in 0..<width { q[x] = p.pointee; p += stride }
                    case 3:
                        for x in 0..<width { q[3 &* x] = p[0]; q[3 &* x &+ 1] = p[1]; q[3 &* x &+ 2] = p[2]; p += stride }
                    default:
                        for x in 0..<width { (q + x &* c).update(from: p, count: c); p += stride }
                    }
                }
            }
            n = r.pixels.count
        }
        return Raster(width: width, height: height, channels: c, pixels: out)
    }
}
