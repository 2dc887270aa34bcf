/// OpenCV's 8-bit `cv2.resize` as mmcv calls it, rule for rule (measured against every resize of the
/// mmsegmentation golden data: see fixtures/golden-mmseg/SOURCE.md, "OpenCV kernel facts").
enum CVResize {
    /// One axis of `INTER_LINEAR`: source index and 11-bit weights of each output index.
    struct Axis {
        var index: [Int], w0: [Int], w1: [Int]

        /// `clampWeight`: the x axis snaps positions before the first or after the last source
        /// pixel to it (weight 0); the y axis does not (its rows are clamped instead).
        init(source: Int, destination: Int, clampWeight: Bool) {
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

    /// `cv2.resize(src, (width, height), interpolation=cv2.INTER_LINEAR)` for 8-bit pixels.
    static func bilinear(_ src: Raster, width: Int, height: Int) -> Raster {
        let c = src.channels, sw = src.width, sh = src.height
        let xs = Axis(source: sw, destination: width, clampWeight: true)
        let ys = Axis(source: sh, destination: height, clampWeight: false)
        var out = [UInt8](repeating: 0, count: width * height * c)
        src.pixels.withUnsafeBufferPointer { p in
            func row(_ y: Int) -> [Int32] {
                var h = [Int32](repeating: 0, count: width * c)
                let base = y * sw * c
                for x in 0..<width {
                    let x0 = xs.index[x], x1 = min(x0 + 1, sw - 1)
                    for k in 0..<c {
                        h[x * c + k] = Int32(p[base + x0 * c + k]) * Int32(xs.w0[x]) + Int32(p[base + x1 * c + k]) * Int32(xs.w1[x])
                    }
                }
                return h
            }
            var cache: [Int: [Int32]] = [:]
            for y in 0..<height {
                let r0 = min(max(ys.index[y], 0), sh - 1), r1 = min(max(ys.index[y] + 1, 0), sh - 1)
                if cache.count > 4 { cache = cache.filter { $0.key >= r0 } }
                let h0 = cache[r0] ?? row(r0); cache[r0] = h0
                let h1 = cache[r1] ?? row(r1); cache[r1] = h1
                let b0 = Int32(ys.w0[y]), b1 = Int32(ys.w1[y])
                for i in 0..<(width * c) {
                    let v = ((((h0[i] >> 4) &* b0) >> 16) &+ (((h1[i] >> 4) &* b1) >> 16) &+ 2) >> 2
                    out[y * width * c + i] = UInt8(clamping: v)
                }
            }
        }
        return Raster(width: width, height: height, channels: c, pixels: out)
    }

    /// `cv2.resize(..., interpolation=cv2.INTER_NEAREST)`: `floor(x · src/dst)`, no half-pixel offset.
    static func nearest(_ src: Raster, width: Int, height: Int) -> Raster {
        let c = src.channels
        let fx = 1.0 / (Double(width) / Double(src.width)), fy = 1.0 / (Double(height) / Double(src.height))
        let sx = (0..<width).map { min(Int((Double($0) * fx).rounded(.down)), src.width - 1) }
        var out = [UInt8](repeating: 0, count: width * height * c)
        for y in 0..<height {
            let syRow = min(Int((Double(y) * fy).rounded(.down)), src.height - 1) * src.width
            for x in 0..<width {
                for k in 0..<c { out[(y * width + x) * c + k] = src.pixels[(syRow + sx[x]) * c + k] }
            }
        }
        return Raster(width: width, height: height, channels: c, pixels: out)
    }

    /// mmcv `imrescale`'s size: the largest scale keeping the aspect ratio with the long side at most
    /// `max(scale)` and the short side at most `min(scale)`, sides rounded half up.
    static func rescaledSize(width w: Int, height h: Int, scale: (Int, Int)) -> (width: Int, height: Int) {
        let sf = min(Double(max(scale.0, scale.1)) / Double(max(h, w)), Double(min(scale.0, scale.1)) / Double(min(h, w)))
        return (Int(Double(w) * sf + 0.5), Int(Double(h) * sf + 0.5))
    }
}
