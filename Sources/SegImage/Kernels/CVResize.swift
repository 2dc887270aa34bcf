import CPixelKernels
import SegFormat
/// OpenCV's 8-bit `cv2.resize` as mmcv calls it, rule for rule (measured against every resize of the
/// mmsegmentation golden data: see fixtures/golden-mmseg/SOURCE.md, "OpenCV kernel facts").
package enum CVResize {
    /// One axis of `INTER_LINEAR`: source index and 11-bit weights of each output index.
    package struct Axis {
        var index: [Int], w0: [Int], w1: [Int]

        /// `clampWeight`: the x axis snaps positions before the first or after the last source
        /// pixel to it (weight 0); the y axis does not (its rows are clamped instead).
        package init(source: Int, destination: Int, clampWeight: Bool) {
            let scale = 1.0 / (Double(destination) / Double(source))
            index = []; w0 = []; w1 = []
            for d in 0..<destination {
                var f = Float((Double(d) + 0.5) * scale - 0.5)
                var s = Int(f.rounded(.down))
                f -= Float(s)
                if clampWeight {
                    if s < 0 { s = 0; f = 0 }
                    if s >= source - 1 { s = source - 1; f = 0 }
                }
                let a: Float = f * 2048, b: Float = (1 - f) * 2048
                index.append(s)
                w1.append(Int(a.rounded(.toNearestOrEven)))
                w0.append(Int(b.rounded(.toNearestOrEven)))
            }
        }
    }

    /// `cv2.resize(src, (width, height), interpolation=cv2.INTER_LINEAR)` for 8-bit pixels, computed
    /// only in `window` of the output (the whole output when nil).
    /// `flipX`: the window's columns in mirrored order (as flipping the result would give).
    package static func bilinear(_ src: Raster, width: Int, height: Int, window: Resample.Window? = nil, flipX: Bool = false) -> Raster {
        linear(src, width: width, height: height, window: window,
               xs: Axis(source: src.width, destination: width, clampWeight: true),
               ys: Axis(source: src.height, destination: height, clampWeight: false), flipX: flipX)
    }

    /// INTER_LINEAR's two fixed-point passes over the positions and weights of `xs` and `ys`: the C
    /// kernel (`sp_resize_linear_u8`, AVX2 on that path), or `linearOracle` where it declines.
    package static func linear(_ src: Raster, width: Int, height: Int, window: Resample.Window?, xs: Axis, ys: Axis,
                               flipX: Bool = false, path: SIMDPath = .current) -> Raster {
        let win = window ?? Resample.Window(x0: 0, y0: 0, x1: width, y1: height)
        let c = src.channels, ww = win.x1 - win.x0, wh = win.y1 - win.y0
        // The Swift passes, where the kernel does not apply or declines.
        func oracle() -> Raster {
            let out = linearOracle(src, width: width, height: height, window: win, xs: xs, ys: ys)
            return flipX ? out.flippedHorizontally() : out
        }
        guard ww > 0, wh > 0, src.width > 0, src.height > 0, let sw = Int32(exactly: src.width), let sh = Int32(exactly: src.height),
              let c32 = Int32(exactly: c), let ww32 = Int32(exactly: ww), let wh32 = Int32(exactly: wh) else { return oracle() }
        // Mirrored columns are the same columns in reverse order: each output column is computed alone.
        let columns = flipX ? Array((win.x0..<win.x1).reversed()) : Array(win.x0..<win.x1)
        let (xi, xw) = tables(xs, columns)
        let (yi, yw) = tables(ys, Array(win.y0..<win.y1))
        var out = [UInt8](repeating: 0, count: ww * wh * c)
        let status = src.pixels.withUnsafeBufferPointer { p in
            out.withUnsafeMutableBufferPointer { o in
                sp_resize_linear_u8(p.baseAddress, sw, sh, c32, xi, xw, ww32, yi, yw, wh32, o.baseAddress, path.level)
            }
        }
        guard status == 0 else { return oracle() }
        return Raster(width: ww, height: wh, channels: c, pixels: out)
    }

    /// The kernel's index table and interleaved weight pairs of `axis` at `positions`.
    private static func tables(_ axis: Axis, _ positions: [Int]) -> (index: [Int32], weights: [Int32]) {
        var index = [Int32](), weights = [Int32]()
        index.reserveCapacity(positions.count)
        weights.reserveCapacity(2 * positions.count)
        for p in positions {
            index.append(Int32(clamping: axis.index[p]))
            weights.append(Int32(clamping: axis.w0[p]))
            weights.append(Int32(clamping: axis.w1[p]))
        }
        return (index, weights)
    }

    /// The same two passes in Swift, one value a step: the oracle the kernel's paths are tested against.
    package static func linearOracle(_ src: Raster, width: Int, height: Int, window: Resample.Window?, xs: Axis, ys: Axis) -> Raster {
        let win = window ?? Resample.Window(x0: 0, y0: 0, x1: width, y1: height)
        let c = src.channels, sw = src.width, sh = src.height
        let ww = win.x1 - win.x0, wh = win.y1 - win.y0, rowLen = ww * c
        var out = [UInt8](repeating: 0, count: ww * wh * c)
        // Per output column of the window: the two source byte offsets and weights, per channel.
        var offsets = [Int](repeating: 0, count: rowLen * 2), weights = [Int32](repeating: 0, count: rowLen * 2)
        for j in 0..<ww {
            let x = win.x0 + j, x0 = xs.index[x], x1 = min(x0 + 1, sw - 1)
            for k in 0..<c {
                offsets[2 * (j * c + k)] = x0 * c + k; offsets[2 * (j * c + k) + 1] = x1 * c + k
                weights[2 * (j * c + k)] = Int32(xs.w0[x]); weights[2 * (j * c + k) + 1] = Int32(xs.w1[x])
            }
        }
        var h0 = [Int32](repeating: 0, count: rowLen), h1 = h0
        var have0 = -1, have1 = -1
        src.pixels.withUnsafeBufferPointer { p in
            offsets.withUnsafeBufferPointer { off in
                weights.withUnsafeBufferPointer { wt in
                    /// The horizontal pass of source row `y` over the window's columns.
                    func horizontal(_ y: Int, into h: inout [Int32]) {
                        let row = p.baseAddress! + y * sw * c
                        h.withUnsafeMutableBufferPointer { hp in
                            for q in 0..<rowLen {
                                hp[q] = Int32(row[off[2 * q]]) &* wt[2 * q] &+ Int32(row[off[2 * q + 1]]) &* wt[2 * q + 1]
                            }
                        }
                    }
                    out.withUnsafeMutableBufferPointer { o in
                        for i in 0..<wh {
                            let y = win.y0 + i
                            let r0 = min(max(ys.index[y], 0), sh - 1), r1 = min(max(ys.index[y] + 1, 0), sh - 1)
                            if r0 == have1 { swap(&h0, &h1); (have0, have1) = (have1, have0) }
                            if r0 != have0 { horizontal(r0, into: &h0); have0 = r0 }
                            if r1 != have1 { if r1 == have0 { h1 = h0 } else { horizontal(r1, into: &h1) }; have1 = r1 }
                            let b0 = Int32(ys.w0[y]), b1 = Int32(ys.w1[y])
                            let dst = o.baseAddress! + i * rowLen
                            h0.withUnsafeBufferPointer { a in
                                h1.withUnsafeBufferPointer { b in
                                    for q in 0..<rowLen {
                                        let v = ((((a[q] >> 4) &* b0) >> 16) &+ (((b[q] >> 4) &* b1) >> 16) &+ 2) >> 2
                                        dst[q] = UInt8(clamping: v)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return Raster(width: ww, height: wh, channels: c, pixels: out)
    }

    /// `cv2.resize(..., interpolation=cv2.INTER_NEAREST)`: `floor(x · src/dst)`, no half-pixel offset.
    package static func nearest(_ src: Raster, width: Int, height: Int, window: Resample.Window? = nil, flipX: Bool = false) -> Raster {
        let win = window ?? Resample.Window(x0: 0, y0: 0, x1: width, y1: height)
        let c = src.channels, ww = win.x1 - win.x0, wh = win.y1 - win.y0
        let fx = 1.0 / (Double(width) / Double(src.width)), fy = 1.0 / (Double(height) / Double(src.height))
        let columns = flipX ? Array((win.x0..<win.x1).reversed()) : Array(win.x0..<win.x1)
        let sx = columns.map { min(Int((Double($0) * fx).rounded(.down)), src.width - 1) }
        var out = [UInt8](repeating: 0, count: ww * wh * c)
        src.pixels.withUnsafeBufferPointer { p in
            out.withUnsafeMutableBufferPointer { o in
                sx.withUnsafeBufferPointer { xs in
                    for i in 0..<wh {
                        let syRow = min(Int((Double(win.y0 + i) * fy).rounded(.down)), src.height - 1) * src.width
                        let dst = o.baseAddress! + i * ww * c
                        if c == 1 {
                            let srcRow = p.baseAddress! + syRow
                            for j in 0..<ww { dst[j] = srcRow[xs[j]] }
                        } else {
                            for j in 0..<ww { for k in 0..<c { dst[j * c + k] = p[(syRow + xs[j]) * c + k] } }
                        }
                    }
                }
            }
        }
        return Raster(width: ww, height: wh, channels: c, pixels: out)
    }

    /// mmcv `imrescale`'s size: the largest scale keeping the aspect ratio with the long side at most
    /// `max(scale)` and the short side at most `min(scale)`, sides rounded half up.
    package static func rescaledSize(width w: Int, height h: Int, scale: (Int, Int)) -> (width: Int, height: Int) {
        let sf = min(Double(max(scale.0, scale.1)) / Double(max(h, w)), Double(min(scale.0, scale.1)) / Double(min(h, w)))
        return (Int(Double(w) * sf + 0.5), Int(Double(h) * sf + 0.5))
    }
}
