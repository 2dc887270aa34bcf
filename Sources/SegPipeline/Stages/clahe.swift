import SegImage
import SegFormat
/// `clahe`: mmsegmentation's `CLAHE`, which is OpenCV's `createCLAHE(clip, tiles).apply` on each
/// channel, reproduced bit for bit.
public struct CLAHEStage: Stage {
    public static let declaration = StageDeclaration(
        name: "clahe",
        summary: "Contrast-limited adaptive histogram equalisation of each channel, as mmseg's CLAHE (OpenCV's createCLAHE, bit-exact).",
        details: "With probability `p`, equalises R, G and B independently (no colour-space conversion, as mmseg; hues can shift). OpenCV's algorithm: the image is cut into `tile_grid_size` tiles (padded at the bottom and right by reflection when the tiles do not divide it), each tile's 256-bin histogram is clipped at max(int(clip_limit · tile area / 256), 1) with the excess spread over the bins, its cumulative sum scaled by 255 / area becomes the tile's table, and each pixel interpolates bilinearly between the tables of the four nearest tile centres, in float32 with OpenCV's rounding. `clip_limit: 0` turns clipping off. Records `clahe` (1 when applied).",
        label: "Unchanged.",
        random: true,
        parameters: [Keys.clipLimit.info, Keys.tiles.info, Keys.p.info])

    enum Keys {
        static let clipLimit = Param<Double>.number("clip_limit", in: 0...1000, default: 40, "histogram clip limit relative to a uniform histogram (0: no clipping)")
        static let tiles = Param<[Double]>.numbers("tile_grid_size", within: 1...256, default: [8, 8], "[rows, columns] of tiles (mmseg and OpenCV write (columns, rows))")
        static let p = Param<Double>.probability("p", default: 0.5, "probability of equalising")
    }

    let clipLimit: Double
    let tilesY: Int, tilesX: Int
    let p: Double

    public init(_ args: StageArgs) throws {
        clipLimit = args[Keys.clipLimit]
        let t = args[Keys.tiles]
        guard t.allSatisfy({ $0 == $0.rounded() }) else {
            throw args.error(Keys.tiles, "'clahe.tile_grid_size' is [\(t.map(fmt).joined(separator: ", "))], not whole numbers", fix: "give [rows, columns] as integers, e.g. [8, 8]")
        }
        (tilesY, tilesX) = (Int(t[0]), Int(t[1]))
        p = args[Keys.p]
    }

    public func plan(_ state: inout PlanState) throws {
        try state.requireDecoded()
        if let s = state.size, s.height < tilesY || s.width < tilesX {
            throw state.fail("'clahe' has \(tilesY)x\(tilesX) tiles, more than the \(s.height)x\(s.width) pixels of the output",
                             fix: "use fewer tiles than pixels in each direction", parameter: "tile_grid_size")
        }
    }

    public func apply(_ sample: inout Sample, random: inout SeededRandom, context: StageContext) throws {
        let on = random.unit() < p
        if on { Self.equalise(&sample.image, clipLimit: clipLimit, tilesX: tilesX, tilesY: tilesY) }
        sample.params["clahe"] = on ? 1 : 0
    }

    /// Equalises every channel of `image` in place: the C kernel (`PixelKernels.clahe`), or
    /// `equaliseNaive` for sizes it refuses.
    public static func equalise(_ image: inout Raster, clipLimit: Double, tilesX: Int, tilesY: Int, path: SIMDPath = .current) {
        if !PixelKernels.clahe(&image, clipLimit: clipLimit, tilesX: tilesX, tilesY: tilesY, path: path) {
            equaliseNaive(&image, clipLimit: clipLimit, tilesX: tilesX, tilesY: tilesY)
        }
    }

    /// The oracle of `equalise`: OpenCV's steps in plain Swift (the tests compare every path of the
    /// kernel with it, and it with the golden data).
    public static func equaliseNaive(_ image: inout Raster, clipLimit: Double, tilesX: Int, tilesY: Int) {
        interpolate(&image, luts: tablesNaive(image, clipLimit: clipLimit, tilesX: tilesX, tilesY: tilesY), tilesX: tilesX, tilesY: tilesY)
    }

    /// OpenCV's BORDER_REFLECT_101 index of `i` in `0..<n`.
    static func reflect101(_ i: Int, _ n: Int) -> Int {
        if n <= 1 { return 0 }
        let period = 2 * (n - 1)
        var j = i % period
        if j < 0 { j += period }
        return j < n ? j : period - j
    }

    /// The padded image size OpenCV's CLAHE cuts into tiles.
    static func tileSize(width: Int, height: Int, tilesX: Int, tilesY: Int) -> (width: Int, height: Int) {
        if width % tilesX == 0 && height % tilesY == 0 { return (width / tilesX, height / tilesY) }
        return ((width + tilesX - width % tilesX) / tilesX, (height + tilesY - height % tilesY) / tilesY)
    }

    /// The tables of channel `c`, `tilesY * tilesX` of 256 entries, row by row of tiles (the C
    /// kernel's, or `tablesNaive`'s for sizes it refuses).
    public static func tables(_ image: Raster, channel c: Int, clipLimit: Double, tilesX: Int, tilesY: Int) -> [UInt8] {
        let n = tilesX * tilesY * 256
        let all = PixelKernels.claheTables(image, clipLimit: clipLimit, tilesX: tilesX, tilesY: tilesY)
            ?? tablesNaive(image, clipLimit: clipLimit, tilesX: tilesX, tilesY: tilesY)
        return Array(all[(c * n)..<((c + 1) * n)])
    }

    /// The tables of every channel in turn (`tilesY * tilesX * 256` entries each), from one pass
    /// over the pixels: the oracle of the C kernel's.
    static func tablesNaive(_ image: Raster, clipLimit: Double, tilesX: Int, tilesY: Int) -> [UInt8] {
        let w = image.width, h = image.height, ch = image.channels
        let (tw, th) = tileSize(width: w, height: h, tilesX: tilesX, tilesY: tilesY)
        let area = tw * th
        let lutScale = Float(255) / Float(area)
        let limit = clipLimit > 0 ? max(Int(clipLimit * Double(area) / 256), 1) : 0
        let perChannel = tilesX * tilesY * 256
        var luts = [UInt8](repeating: 0, count: perChannel * ch)
        guard w > 0, h > 0 else { return luts }
        let columns = (0..<(tw * tilesX)).map { reflect101($0, w) * ch }
        var counts = [Int](repeating: 0, count: 256 * ch)
        image.pixels.withUnsafeBufferPointer { pb in
        columns.withUnsafeBufferPointer { cb in
        counts.withUnsafeMutableBufferPointer { hb in
        luts.withUnsafeMutableBufferPointer { lb in
            guard let px = pb.baseAddress, let cols = cb.baseAddress, let hist = hb.baseAddress, let out = lb.baseAddress else { return }
            for ty in 0..<tilesY {
                for tx in 0..<tilesX {
                    hist.update(repeating: 0, count: 256 * ch)
                    for yy in (ty * th)..<((ty + 1) * th) {
                        let row = px + reflect101(yy, h) * w * ch
                        for xx in (tx * tw)..<((tx + 1) * tw) {
                            let p = row + cols[xx]
                            for c in 0..<ch { hist[c &* 256 &+ Int(p[c])] &+= 1 }
                        }
                    }
                    for c in 0..<ch {
                        let bins = hist + c * 256
                        if limit > 0 {
                            var excess = 0
                            for i in 0..<256 where bins[i] > limit { excess += bins[i] - limit; bins[i] = limit }
                            let add = excess / 256, r = excess % 256
                            for i in 0..<256 { bins[i] += add }
                            if r > 0 {
                                let step = max(256 / r, 1)
                                var i = 0, done = 0
                                while i < 256 && done < r { bins[i] += 1; i += step; done += 1 }
                            }
                        }
                        let table = out + c * perChannel + (ty * tilesX + tx) * 256
                        var sum = 0
                        for i in 0..<256 {
                            sum += bins[i]
                            let v = (Float(sum) * lutScale).rounded(.toNearestOrEven)
                            table[i] = UInt8(min(max(v, 0), 255))
                        }
                    }
                }
            }
        }
        }
        }
        }
        return luts
    }

    /// OpenCV's bilinear blend of the tile tables for every pixel; `luts` holds the tables of each
    /// channel in turn (`tilesY * tilesX * 256` entries per channel).
    static func interpolate(_ image: inout Raster, luts: [UInt8], tilesX: Int, tilesY: Int) {
        let w = image.width, h = image.height, ch = image.channels
        let (tw, th) = tileSize(width: w, height: h, tilesX: tilesX, tilesY: tilesY)
        let perChannel = tilesX * tilesY * 256
        guard w > 0, h > 0, luts.count == perChannel * ch else { return }
        /// Per position: the two tiles' table offsets and the float32 weights, as OpenCV computes them.
        func axis(_ n: Int, tile: Int, tiles: Int, scale: Int) -> (lo: [Int], hi: [Int], a: [Float], a1: [Float]) {
            let inv = Float(1) / Float(tile)
            var lo = [Int](repeating: 0, count: n), hi = lo, a = [Float](repeating: 0, count: n), a1 = a
            for x in 0..<n {
                let f = Float(x) * inv - 0.5
                let t1 = Int(f.rounded(.down))
                a[x] = f - Float(t1)
                a1[x] = 1 - a[x]
                hi[x] = min(t1 + 1, tiles - 1) * scale
                lo[x] = max(t1, 0) * scale
            }
            return (lo, hi, a, a1)
        }
        let xs = axis(w, tile: tw, tiles: tilesX, scale: 256), ys = axis(h, tile: th, tiles: tilesY, scale: tilesX * 256)
        luts.withUnsafeBufferPointer { lb in
        xs.lo.withUnsafeBufferPointer { xlo in
        xs.hi.withUnsafeBufferPointer { xhi in
        xs.a.withUnsafeBufferPointer { xa in
        xs.a1.withUnsafeBufferPointer { xa1 in
            image.pixels.withUnsafeMutableBufferPointer { pb in
                guard let L = lb.baseAddress, let px = pb.baseAddress else { return }
                for y in 0..<h {
                    let ya = ys.a[y], ya1 = ys.a1[y]
                    let row = px + y &* w &* ch
                    for c in 0..<ch {
                        let r1 = L + (c * perChannel + ys.lo[y]), r2 = L + (c * perChannel + ys.hi[y])
                        for x in 0..<w {
                            let o = x &* ch &+ c
                            let s = Int(row[o])
                            let c1 = xlo[x] &+ s, c2 = xhi[x] &+ s
                            let top = (Float(r1[c1]) * xa1[x] + Float(r1[c2]) * xa[x]) * ya1
                            let bottom = (Float(r2[c1]) * xa1[x] + Float(r2[c2]) * xa[x]) * ya
                            // Round to nearest even by adding and removing 2^23 (0 <= v <= 255).
                            let v = ((top + bottom) + 0x1p23) - 0x1p23
                            row[o] = UInt8(min(max(v, 0), 255))
                        }
                    }
                }
            }
        }
        }
        }
        }
        }
    }
}
