import SegFormat

/// Resizing kernels that reproduce Pillow 9.4 bit for bit (the reference's `Image.resize`).
///
/// Bicubic: separable Keys a = -0.5 filter, horizontal pass first into a uint8 intermediate, 22-bit
/// fixed-point weights; a pass is skipped when that dimension is unchanged. Nearest: Pillow's affine
/// scale with accumulated source coordinates. Labels only ever go through `nearest`.
public enum Resample {
    /// Fixed-point weights of one pass: for each output index, the first source index and its taps.
    package struct Coefficients {
        var bounds: [Int32]     // (xmin, count) per output index
        var weights: [Int32]    // `taps` per output index, zero-padded
        var taps: Int

        /// The source indices the outputs `range` read: the least first index and the greatest end.
        func span(_ range: Range<Int>) -> (lo: Int, hi: Int) {
            var lo = Int.max, hi = 0
            for i in range {
                lo = min(lo, Int(bounds[2 * i]))
                hi = max(hi, Int(bounds[2 * i]) + Int(bounds[2 * i + 1]))
            }
            return range.isEmpty ? (0, 0) : (lo, hi)
        }

        /// Moves the first source index of the outputs `range` by `delta` (a source that starts later).
        mutating func shift(_ range: Range<Int>, by delta: Int) {
            if delta == 0 { return }
            for i in range { bounds[2 * i] += Int32(truncatingIfNeeded: delta) }
        }

        /// The same table with the output indices in reverse order (a mirrored resize).
        func reversed() -> Coefficients {
            let n = bounds.count / 2
            var b = bounds, w = weights
            for i in 0..<n {
                let j = n - 1 - i
                b[2 * i] = bounds[2 * j]; b[2 * i + 1] = bounds[2 * j + 1]
                for t in 0..<taps { w[i * taps + t] = weights[j * taps + t] }
            }
            return Coefficients(bounds: b, weights: w, taps: taps)
        }
    }

    package static let precisionBits = 22

    package static func cubic(_ x0: Double) -> Double {
        let a = -0.5
        let x = abs(x0)
        if x < 1 { return ((a + 2) * x - (a + 3)) * x * x + 1 }
        if x < 2 { return (((x - 5) * x + 8) * x - 4) * a }
        return 0
    }

    /// Pillow's `precompute_coeffs` + `normalize_coeffs_8bpc` for resizing `inSize` to `outSize`,
    /// for the output indices `range` (all by default; the others get no taps).
    package static func coefficients(inSize: Int, outSize: Int, range: Range<Int>? = nil) -> Coefficients {
        let scale = Double(inSize) / Double(outSize)
        let filterScale = max(scale, 1.0)
        let support = 2.0 * filterScale
        let taps = Int(support.rounded(.up)) * 2 + 1
        var bounds = [Int32](repeating: 0, count: outSize * 2)
        var weights = [Int32](repeating: 0, count: outSize * taps)
        var k = [Double](repeating: 0, count: taps)
        let ss = 1.0 / filterScale
        for xx in (range ?? 0..<outSize).clamped(to: 0..<outSize) {
            let center = (Double(xx) + 0.5) * scale
            var xmin = Int(center - support + 0.5)
            if xmin < 0 { xmin = 0 }
            var xmax = Int(center + support + 0.5)
            if xmax > inSize { xmax = inSize }
            xmax -= xmin
            var ww = 0.0
            for x in 0..<xmax {
                let w = cubic((Double(x + xmin) - center + 0.5) * ss)
                k[x] = w
                ww += w
            }
            for x in 0..<xmax {
                let w = ww != 0 ? k[x] / ww : k[x]
                let f = w * Double(1 << precisionBits)
                weights[xx * taps + x] = Int32(w < 0 ? (f - 0.5).rounded(.towardZero) : (f + 0.5).rounded(.towardZero))
            }
            bounds[2 * xx] = Int32(xmin)
            bounds[2 * xx + 1] = Int32(xmax)
        }
        return Coefficients(bounds: bounds, weights: weights, taps: taps)
    }

    @inline(__always) package static func clip8(_ v: Int32) -> UInt8 {
        let s = v >> Int32(precisionBits)
        return s < 0 ? 0 : (s > 255 ? 255 : UInt8(s))
    }

    /// Bicubic resize of an 8-bit raster to `width` x `height` (Pillow `BICUBIC`).
    public static func bicubic(_ src: Raster, width: Int, height: Int) -> Raster {
        var r = src
        if width != src.width { r = horizontal(r, width: width) }
        if height != src.height { r = vertical(r, height: height) }
        return r
    }

    /// The `window` of the bicubic resize of `src` to `width` x `height`, computing only those pixels,
    /// optionally mirrored (as flipping the result would give).
    ///
    /// Equal, byte for byte, to cropping `bicubic(src, width:, height:)` to the window (then
    /// flipping); source rows the window does not need are never filtered, and a flip is folded
    /// into the passes by walking their coefficient tables backwards. `window` must lie inside the
    /// resized image.
    public static func bicubic(_ src: Raster, width: Int, height: Int, window: Window,
                               flipX: Bool = false, flipY: Bool = false) -> Raster {
        if window.x0 == 0 && window.y0 == 0 && window.x1 == width && window.y1 == height && !flipX && !flipY {
            return bicubic(src, width: width, height: height)
        }
        return bicubicPasses(ImagePart(whole: src), plan: bicubicPlan(sourceWidth: src.width, sourceHeight: src.height, width: width,
                                                                       height: height, window: window), flipX: flipX, flipY: flipY)
    }

    /// The coefficient tables of a windowed bicubic resize (nil for an axis that keeps its size)
    /// and the source box they read: computed once, for the box and for the passes.
    package struct BicubicPlan {
        var sourceWidth: Int, sourceHeight: Int
        var width: Int, height: Int, window: Window
        var horizontal: Coefficients?, vertical: Coefficients?
        package var box: Window
    }

    package static func bicubicPlan(sourceWidth: Int, sourceHeight: Int, width: Int, height: Int, window: Window) -> BicubicPlan {
        let h = width == sourceWidth ? nil : coefficients(inSize: sourceWidth, outSize: width, range: window.x0..<window.x1)
        let v = height == sourceHeight ? nil : coefficients(inSize: sourceHeight, outSize: height, range: window.y0..<window.y1)
        let (x0, x1) = h?.span(window.x0..<window.x1) ?? (window.x0, window.x1)
        let (y0, y1) = v?.span(window.y0..<window.y1) ?? (window.y0, window.y1)
        return BicubicPlan(sourceWidth: sourceWidth, sourceHeight: sourceHeight, width: width, height: height, window: window, horizontal: h, vertical: v,
                           box: Window(x0: x0, y0: y0, x1: x1, y1: y1))
    }

    /// The window of the bicubic resize from a part of the source that holds the plan's box.
    static func bicubicPasses(_ part: ImagePart, plan: BicubicPlan, flipX: Bool, flipY: Bool) -> Raster {
        let src = part.raster, window = plan.window, width = plan.width
        // Source rows the vertical pass reads for the window's rows, in the part.
        let rowLo = plan.box.y0, rows = (plan.box.y0 - part.y)..<(plan.box.y1 - part.y)
        var mid: Raster
        if var co = plan.horizontal {
            // (Mirrored, output j of the window is the unmirrored window's x1 - 1 - j: the same range.)
            co.shift(window.x0..<window.x1, by: -part.x)
            var first = window.x0
            if flipX { co = co.reversed(); first = width - window.x1 }
            mid = horizontal(src, rows: rows, coefficients: co, columns: first..<(first + window.width))
        } else {
            let c = src.channels
            mid = crop(Raster(width: src.width, height: rows.count, channels: c,
                              pixels: Array(src.pixels[(rows.lowerBound * src.width * c)..<(rows.upperBound * src.width * c)])),
                       x0: window.x0 - part.x, x1: window.x1 - part.x)
            if flipX { mid = mid.flippedHorizontally() }
        }
        guard let co = plan.vertical else { return flipY ? mid.flippedVertically() : mid }
        // Vertical pass over the window's rows only, with bounds shifted to the rows kept.
        let outRows = flipY ? Array((window.y0..<window.y1).reversed()) : Array(window.y0..<window.y1)
        var bounds = [Int32](repeating: 0, count: 2 * outRows.count)
        var weights = [Int32](repeating: 0, count: outRows.count * co.taps)
        for (i, yy) in outRows.enumerated() {
            bounds[2 * i] = co.bounds[2 * yy] - Int32(rowLo)
            bounds[2 * i + 1] = co.bounds[2 * yy + 1]
            for t in 0..<co.taps { weights[i * co.taps + t] = co.weights[yy * co.taps + t] }
        }
        return vertical(mid, coefficients: Coefficients(bounds: bounds, weights: weights, taps: co.taps))
    }

    /// An output rectangle `[x0, x1) x [y0, y1)` of a resize.
    public struct Window: Sendable, Equatable {
        public var x0: Int, y0: Int, x1: Int, y1: Int
        public init(x0: Int, y0: Int, x1: Int, y1: Int) { self.x0 = x0; self.y0 = y0; self.x1 = x1; self.y1 = y1 }
        public var width: Int { x1 - x0 }
        public var height: Int { y1 - y0 }
        /// Whether the window is non-empty and inside a `width` x `height` image.
        public func fits(width: Int, height: Int) -> Bool { x0 >= 0 && y0 >= 0 && x1 <= width && y1 <= height && x0 < x1 && y0 < y1 }
    }

    package static func crop(_ r: Raster, x0: Int, x1: Int) -> Raster {
        if x0 == 0 && x1 == r.width { return r }
        var out = Raster(width: x1 - x0, height: r.height, fill: [UInt8](repeating: 0, count: r.channels))
        out.paste(r, dx: -x0, dy: 0)
        return out
    }

    package static func horizontal(_ src: Raster, width fullWidth: Int, columns: Range<Int>? = nil, path: SIMDPath = .current) -> Raster {
        guard src.channels == 3 else { return horizontalNaive(src, width: fullWidth, columns: columns) }
        return horizontal(src, rows: 0..<src.height, coefficients: coefficients(inSize: src.width, outSize: fullWidth),
                          columns: columns ?? 0..<fullWidth, path: path)
    }

    /// The horizontal pass over source rows `rows` of an RGB raster, output columns `columns` of the
    /// coefficient table `co` (which may run backwards, for a mirrored result), on the SIMD `path`.
    package static func horizontal(_ src: Raster, rows: Range<Int>, coefficients co: Coefficients, columns: Range<Int>,
                           path: SIMDPath = .current) -> Raster {
        precondition(src.channels == 3, "the horizontal kernel takes RGB")
        let count = columns.count * rows.count * 3
        let out = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            PixelKernels.resampleHorizontal3(src, rows: rows, into: buffer.baseAddress!, width: columns.count,
                                        first: columns.lowerBound, coefficients: co, path: path)
            initialized = count
        }
        return Raster(width: columns.count, height: rows.count, channels: 3, pixels: out)
    }

    /// The horizontal pass in Swift for any channel count (test oracle for the C kernel).
    package static func horizontalNaive(_ src: Raster, width fullWidth: Int, columns: Range<Int>? = nil) -> Raster {
        let co = coefficients(inSize: src.width, outSize: fullWidth)
        let cols = columns ?? 0..<fullWidth
        let width = cols.count, first = cols.lowerBound
        let c = src.channels, h = src.height, inW = src.width, taps = co.taps
        let half = Int32(1 << (precisionBits - 1))
        var out = [UInt8](repeating: 0, count: width * h * c)
        src.pixels.withUnsafeBufferPointer { sb in
            out.withUnsafeMutableBufferPointer { db in
                co.bounds.withUnsafeBufferPointer { bb in
                    co.weights.withUnsafeBufferPointer { kb in
                        let s = sb.baseAddress!, d = db.baseAddress!, b = bb.baseAddress!, k = kb.baseAddress!
                        for y in 0..<h {
                            let row = s + y &* inW &* c
                            var o = d + y &* width &* c
                            for xx in first..<(first &+ width) {
                                let xmin = Int(b[2 &* xx]), n = Int(b[2 &* xx &+ 1])
                                let kk = k + xx &* taps
                                var p = row + xmin &* c
                                if c == 3 {
                                    var a0 = half, a1 = half, a2 = half
                                    for x in 0..<n {
                                        let w = kk[x]
                                        a0 &+= Int32(p[0]) &* w
                                        a1 &+= Int32(p[1]) &* w
                                        a2 &+= Int32(p[2]) &* w
                                        p += 3
                                    }
                                    o[0] = clip8(a0); o[1] = clip8(a1); o[2] = clip8(a2)
                                    o += 3
                                } else {
                                    for ch in 0..<c {
                                        var acc = half
                                        var q = p + ch
                                        for x in 0..<n {
                                            acc &+= Int32(q[0]) &* kk[x]
                                            q += c
                                        }
                                        o[ch] = clip8(acc)
                                    }
                                    o += c
                                }
                            }
                        }
                    }
                }
            }
        }
        return Raster(width: width, height: h, channels: c, pixels: out)
    }

    package static func vertical(_ src: Raster, height: Int, path: SIMDPath = .current) -> Raster {
        vertical(src, coefficients: coefficients(inSize: src.height, outSize: height), path: path)
    }

    package static func vertical(_ src: Raster, coefficients co: Coefficients, path: SIMDPath = .current) -> Raster {
        let height = co.bounds.count / 2
        let count = src.width * src.channels * height
        let out = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            PixelKernels.resampleVertical(src, into: buffer.baseAddress!, rows: height, bounds: co.bounds,
                                     weights: co.weights, taps: co.taps, path: path)
            initialized = count
        }
        return Raster(width: src.width, height: height, channels: src.channels, pixels: out)
    }

    /// The vertical pass in plain Swift (test oracle for the C kernel).
    package static func verticalNaive(_ src: Raster, height: Int) -> Raster {
        let co = coefficients(inSize: src.height, outSize: height)
        let rowLen = src.width * src.channels
        var out = [UInt8](repeating: 0, count: rowLen * height)
        for yy in 0..<height {
            let ymin = Int(co.bounds[2 * yy]), n = Int(co.bounds[2 * yy + 1])
            for i in 0..<rowLen {
                var acc = Int32(1 << (precisionBits - 1))
                for y in 0..<n { acc += Int32(src.pixels[(ymin + y) * rowLen + i]) * co.weights[yy * co.taps + y] }
                out[yy * rowLen + i] = clip8(acc)
            }
        }
        return Raster(width: src.width, height: height, channels: src.channels, pixels: out)
    }

    /// Source index per output index for Pillow's nearest resize (coordinates accumulated in Double).
    package static func nearestTable(inSize: Int, outSize: Int) -> [Int] {
        let step = Double(inSize) / Double(outSize)
        var table = [Int](repeating: 0, count: outSize)
        var xo = step * 0.5
        for x in 0..<outSize {
            table[x] = min(max(xo < 0 ? -1 : Int(xo), 0), inSize - 1)
            xo += step
        }
        return table
    }

    /// Nearest-neighbour resize (Pillow `NEAREST`); values are copied, never blended.
    public static func nearest(_ src: Raster, width: Int, height: Int) -> Raster {
        if width == src.width && height == src.height { return src }
        return nearest(src, width: width, height: height, window: Window(x0: 0, y0: 0, x1: width, y1: height))
    }

    /// The `window` of the nearest-neighbour resize of `src` to `width` x `height`, optionally
    /// mirrored (the mirror of the window's pixels, as flipping the result would give).
    ///
    /// Output rows that read the same source row as the row before (upscaling) are copied.
    public static func nearest(_ src: Raster, width fullWidth: Int, height fullHeight: Int, window: Window,
                               flipX: Bool = false, flipY: Bool = false) -> Raster {
        var xs = Array(nearestTable(inSize: src.width, outSize: fullWidth)[window.x0..<window.x1])
        var ys = Array(nearestTable(inSize: src.height, outSize: fullHeight)[window.y0..<window.y1])
        if flipX { xs.reverse() }
        if flipY { ys.reverse() }
        let width = window.width, height = window.height
        let c = src.channels, inW = src.width
        let rowBytes = width * c
        let out = [UInt8](unsafeUninitializedCapacity: rowBytes * height) { d, initialized in
            src.pixels.withUnsafeBufferPointer { s in
                xs.withUnsafeBufferPointer { xp in
                    for y in 0..<height {
                        let drow = d.baseAddress! + y * rowBytes
                        if y > 0 && ys[y] == ys[y - 1] {
                            drow.update(from: drow - rowBytes, count: rowBytes)
                            continue
                        }
                        let srow = s.baseAddress! + ys[y] * inW * c
                        if c == 1 {
                            for x in 0..<width { drow[x] = srow[xp[x]] }
                        } else {
                            for x in 0..<width {
                                for ch in 0..<c { drow[x &* c &+ ch] = srow[xp[x] &* c &+ ch] }
                            }
                        }
                    }
                }
            }
            initialized = rowBytes * height
        }
        return Raster(width: width, height: height, channels: c, pixels: out)
    }
}
