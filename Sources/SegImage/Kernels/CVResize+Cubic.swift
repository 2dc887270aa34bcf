/// OpenCV's own 8-bit `INTER_CUBIC` (`HResizeCubic` + `VResizeCubic`), rule for rule as
/// fixtures/cv-resize/SOURCE.md specifies it. (x86 wheels of OpenCV hand 8-bit cubic to Intel
/// IPP by default, whose closed code differs by ±1 in a few percent of bytes; this is the result
/// with `cv2.ipp.setUseIPP(False)` and of builds without IPP.)
extension CVResize {
    /// One axis: the first tap's source index and the four 11-bit weights of each output index.
    package struct CubicAxis {
        var start: [Int], w: [[Int32]]

        init(source: Int, destination: Int) {
            let scale = 1.0 / (Double(destination) / Double(source))
            start = []; w = []
            let a: Float = -0.75
            for d in 0..<destination {
                var f = Float((Double(d) + 0.5) * scale - 0.5)
                let s = Int(f.rounded(.down))
                f = f - Float(s)
                let x1 = f + 1
                var c0 = a * x1; c0 = c0 - 5 * a; c0 = c0 * x1; c0 = c0 + 8 * a; c0 = c0 * x1; c0 = c0 - 4 * a
                func inner(_ x: Float) -> Float { var c: Float = 1.25 * x; c = c - 2.25; c = c * x; c = c * x; return c + 1 }
                let c1 = inner(f), c2 = inner(1 - f)
                let c3 = ((1 - c0) - c1) - c2
                start.append(s - 1)
                w.append([c0, c1, c2, c3].map { c in
                    let v: Float = c * 2048
                    return Int32(min(max(v.rounded(.toNearestOrEven), -32768), 32767))
                })
            }
        }
    }

    /// `cv2.resize(..., interpolation=cv2.INTER_CUBIC)` (OpenCV's kernel) for 8-bit pixels, only in
    /// `window` of the output (the whole output when nil).
    package static func bicubic(_ src: Raster, width: Int, height: Int, window: Resample.Window? = nil) -> Raster {
        let win = window ?? Resample.Window(x0: 0, y0: 0, x1: width, y1: height)
        let c = src.channels, sw = src.width, sh = src.height
        let ww = win.x1 - win.x0, wh = win.y1 - win.y0, rowLen = ww * c
        let xs = CubicAxis(source: sw, destination: width), ys = CubicAxis(source: sh, destination: height)
        // The 8-lane Float loop covers the first (n / 8) * 8 elements of every full output row.
        let simdEnd = (width * c) / 8 * 8, firstElement = win.x0 * c
        var offsets = [Int](repeating: 0, count: rowLen * 4), weights = [Int32](repeating: 0, count: rowLen * 4)
        for j in 0..<ww {
            let x = win.x0 + j
            for k in 0..<c {
                for t in 0..<4 {
                    offsets[4 * (j * c + k) + t] = min(max(xs.start[x] + t, 0), sw - 1) * c + k
                    weights[4 * (j * c + k) + t] = xs.w[x][t]
                }
            }
        }
        var rows: [Int: [Int32]] = [:]
        var out = [UInt8](repeating: 0, count: ww * wh * c)
        let scaleB: Float = 1.0 / Float(1 << 22)
        src.pixels.withUnsafeBufferPointer { p in
            /// The horizontal pass of source row `y` over the window's columns.
            func horizontal(_ y: Int) -> [Int32] {
                if let h = rows[y] { return h }
                let row = p.baseAddress! + y * sw * c
                var h = [Int32](repeating: 0, count: rowLen)
                for q in 0..<rowLen {
                    var sum: Int32 = 0
                    for t in 0..<4 { sum = sum &+ Int32(row[offsets[4 * q + t]]) &* weights[4 * q + t] }
                    h[q] = sum
                }
                if rows.count > 8 { rows.removeAll(keepingCapacity: true) }
                rows[y] = h
                return h
            }
            for i in 0..<wh {
                let y = win.y0 + i
                let h = (0..<4).map { horizontal(min(max(ys.start[y] + $0, 0), sh - 1)) }
                let b = ys.w[y], bf = b.map { Float($0) * scaleB }
                for q in 0..<rowLen {
                    let v: Int32
                    if firstElement + q < simdEnd {
                        var t: Float = Float(h[3][q]) * bf[3]
                        t = Float(h[2][q]) * bf[2] + t
                        t = Float(h[1][q]) * bf[1] + t
                        t = Float(h[0][q]) * bf[0] + t
                        v = Int32(t.rounded(.toNearestOrEven))
                    } else {
                        let sum = Int64(h[0][q]) * Int64(b[0]) + Int64(h[1][q]) * Int64(b[1]) + Int64(h[2][q]) * Int64(b[2])
                            + Int64(h[3][q]) * Int64(b[3]) + (1 << 21)
                        v = Int32(truncatingIfNeeded: sum >> 22)
                    }
                    out[i * rowLen + q] = UInt8(clamping: v)
                }
            }
        }
        return Raster(width: ww, height: wh, channels: c, pixels: out)
    }
}
