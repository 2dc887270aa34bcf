/// Resizing kernels that reproduce Pillow 9.4 bit for bit (the reference's `Image.resize`).
///
/// Bicubic: separable Keys a = -0.5 filter, horizontal pass first into a uint8 intermediate, 22-bit
/// fixed-point weights; a pass is skipped when that dimension is unchanged. Nearest: Pillow's affine
/// scale with accumulated source coordinates. Labels only ever go through `nearest`.
public enum Resample {
    /// Fixed-point weights of one pass: for each output index, the first source index and its taps.
    struct Coefficients {
        var bounds: [Int32]     // (xmin, count) per output index
        var weights: [Int32]    // `taps` per output index, zero-padded
        var taps: Int
    }

    static let precisionBits = 22

    static func cubic(_ x0: Double) -> Double {
        let a = -0.5
        let x = abs(x0)
        if x < 1 { return ((a + 2) * x - (a + 3)) * x * x + 1 }
        if x < 2 { return (((x - 5) * x + 8) * x - 4) * a }
        return 0
    }

    /// Pillow's `precompute_coeffs` + `normalize_coeffs_8bpc` for resizing `inSize` to `outSize`.
    static func coefficients(inSize: Int, outSize: Int) -> Coefficients {
        let scale = Double(inSize) / Double(outSize)
        let filterScale = max(scale, 1.0)
        let support = 2.0 * filterScale
        let taps = Int(support.rounded(.up)) * 2 + 1
        var bounds = [Int32](repeating: 0, count: outSize * 2)
        var weights = [Int32](repeating: 0, count: outSize * taps)
        var k = [Double](repeating: 0, count: taps)
        let ss = 1.0 / filterScale
        for xx in 0..<outSize {
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

    @inline(__always) static func clip8(_ v: Int32) -> UInt8 {
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

    static func horizontal(_ src: Raster, width: Int) -> Raster {
        let co = coefficients(inSize: src.width, outSize: width)
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
                            for xx in 0..<width {
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

    static func vertical(_ src: Raster, height: Int) -> Raster {
        let co = coefficients(inSize: src.height, outSize: height)
        let c = src.channels, w = src.width, taps = co.taps
        let rowLen = w * c
        let half = Int32(1 << (precisionBits - 1))
        var out = [UInt8](repeating: 0, count: rowLen * height)
        var acc = [Int32](repeating: 0, count: rowLen)
        src.pixels.withUnsafeBufferPointer { sb in
            out.withUnsafeMutableBufferPointer { db in
                acc.withUnsafeMutableBufferPointer { ab in
                    let s = sb.baseAddress!, d = db.baseAddress!, a = ab.baseAddress!
                    for yy in 0..<height {
                        let ymin = Int(co.bounds[2 * yy]), n = Int(co.bounds[2 * yy + 1])
                        a.update(repeating: half, count: rowLen)
                        for y in 0..<n {
                            let kv = co.weights[yy * taps + y]
                            let srow = s + (ymin &+ y) &* rowLen
                            for i in 0..<rowLen { a[i] = a[i] &+ Int32(srow[i]) &* kv }
                        }
                        let orow = d + yy &* rowLen
                        for i in 0..<rowLen { orow[i] = clip8(a[i]) }
                    }
                }
            }
        }
        return Raster(width: w, height: height, channels: c, pixels: out)
    }

    /// Source index per output index for Pillow's nearest resize (coordinates accumulated in Double).
    static func nearestTable(inSize: Int, outSize: Int) -> [Int] {
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
        let xs = nearestTable(inSize: src.width, outSize: width)
        let ys = nearestTable(inSize: src.height, outSize: height)
        let c = src.channels, inW = src.width
        var out = [UInt8](repeating: 0, count: width * height * c)
        src.pixels.withUnsafeBufferPointer { s in
            out.withUnsafeMutableBufferPointer { d in
                for y in 0..<height {
                    let srow = ys[y] * inW * c
                    let orow = y * width * c
                    for x in 0..<width {
                        let so = srow + xs[x] * c
                        for ch in 0..<c { d[orow + x * c + ch] = s[so + ch] }
                    }
                }
            }
        }
        return Raster(width: width, height: height, channels: c, pixels: out)
    }
}
