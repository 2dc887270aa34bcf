import Foundation

/// OpenCV's 8-bit `INTER_AREA`, rule for rule as fixtures/cv-resize/SOURCE.md specifies it: block
/// means for exact integer factors, the general area table for other downscales, and the
/// INTER_LINEAR passes with area positions when any axis is upscaled.
extension CVResize {
    /// `cv2.resize(..., interpolation=cv2.INTER_AREA)` for 8-bit pixels, only in `window` of the
    /// output (the whole output when nil).
    package static func area(_ src: Raster, width: Int, height: Int, window: Resample.Window? = nil) -> Raster {
        let win = window ?? Resample.Window(x0: 0, y0: 0, x1: width, y1: height)
        if width == src.width && height == src.height {
            var out = Raster(width: win.x1 - win.x0, height: win.y1 - win.y0, fill: [UInt8](repeating: 0, count: src.channels))
            out.paste(src, dx: -win.x0, dy: -win.y0)
            return out
        }
        let sx = 1.0 / (Double(width) / Double(src.width)), sy = 1.0 / (Double(height) / Double(src.height))
        let ix = Int(sx.rounded(.toNearestOrEven)), iy = Int(sy.rounded(.toNearestOrEven))
        let fast = abs(sx - Double(ix)) < Double.ulpOfOne && abs(sy - Double(iy)) < Double.ulpOfOne
        if sx >= 1 && sy >= 1 {
            return fast ? blockMean(src, ix: ix, iy: iy, window: win) : generalArea(src, width: width, height: height, window: win)
        }
        return linear(src, width: width, height: height, window: win,
                      xs: areaAxis(source: src.width, destination: width, isX: true),
                      ys: areaAxis(source: src.height, destination: height, isX: false))
    }

    /// A1: the mean of each `ix` x `iy` block (`(S + 2) >> 2` for 2x2 with 1, 3 or 4 channels, else
    /// `rhe(Float(S) * (1 / Float(ix * iy)))`).
    package static func blockMean(_ src: Raster, ix: Int, iy: Int, window win: Resample.Window) -> Raster {
        let c = src.channels, ww = win.x1 - win.x0, wh = win.y1 - win.y0
        let shift = ix == 2 && iy == 2 && c != 2
        let inverse: Float = 1 / Float(ix * iy)
        var out = [UInt8](repeating: 0, count: ww * wh * c)
        src.pixels.withUnsafeBufferPointer { p in
            for i in 0..<wh {
                for j in 0..<ww {
                    for k in 0..<c {
                        var sum = 0
                        for dy in 0..<iy {
                            let row = ((win.y0 + i) * iy + dy) * src.width
                            for dx in 0..<ix { sum += Int(p[(row + (win.x0 + j) * ix + dx) * c + k]) }
                        }
                        let v = shift ? (sum + 2) >> 2 : Int((Float(sum) * inverse).rounded(.toNearestOrEven))
                        out[(i * ww + j) * c + k] = UInt8(clamping: v)
                    }
                }
            }
        }
        return Raster(width: ww, height: wh, channels: c, pixels: out)
    }

    /// One axis of `computeResizeAreaTab`: for each output index, its (source index, Float weight)
    /// taps in order.
    package static func areaTable(source n: Int, destination: Int) -> [[(Int, Float)]] {
        let scale = 1.0 / (Double(destination) / Double(n))
        return (0..<destination).map { d in
            let fsx1 = Double(d) * scale, fsx2 = fsx1 + scale
            let cell = min(scale, Double(n) - fsx1)
            var sx1 = Int(fsx1.rounded(.up)), sx2 = Int(fsx2.rounded(.down))
            sx2 = min(sx2, n - 1); sx1 = min(sx1, sx2)
            var taps: [(Int, Float)] = []
            if Double(sx1) - fsx1 > 1e-3 { taps.append((sx1 - 1, Float((Double(sx1) - fsx1) / cell))) }
            for s in sx1..<max(sx1, sx2) { taps.append((s, Float(1.0 / cell))) }
            if fsx2 - Double(sx2) > 1e-3 { taps.append((sx2, Float(min(min(fsx2 - Double(sx2), 1.0), cell) / cell))) }
            return taps
        }
    }

    /// A2: Float sums over the area table, horizontally then vertically, rounded half to even.
    package static func generalArea(_ src: Raster, width: Int, height: Int, window win: Resample.Window) -> Raster {
        let c = src.channels, ww = win.x1 - win.x0, wh = win.y1 - win.y0, rowLen = ww * c
        let xt = areaTable(source: src.width, destination: width), yt = areaTable(source: src.height, destination: height)
        var rows: [Int: [Float]] = [:]
        var out = [UInt8](repeating: 0, count: ww * wh * c)
        src.pixels.withUnsafeBufferPointer { p in
            func horizontal(_ y: Int) -> [Float] {
                if let h = rows[y] { return h }
                var h = [Float](repeating: 0, count: rowLen)
                let row = y * src.width
                for j in 0..<ww {
                    for (s, a) in xt[win.x0 + j] {
                        for k in 0..<c {
                            let v: Float = Float(p[(row + s) * c + k]) * a
                            h[j * c + k] = h[j * c + k] + v
                        }
                    }
                }
                if rows.count > 64 { rows.removeAll(keepingCapacity: true) }
                rows[y] = h
                return h
            }
            for i in 0..<wh {
                let taps = yt[win.y0 + i]
                var acc = [Float](repeating: 0, count: rowLen)
                for (t, (s, b)) in taps.enumerated() {
                    let h = horizontal(s)
                    for q in 0..<rowLen {
                        let v: Float = b * h[q]
                        acc[q] = t == 0 ? v : acc[q] + v
                    }
                }
                for q in 0..<rowLen { out[i * rowLen + q] = UInt8(clamping: Int(acc[q].rounded(.toNearestOrEven))) }
            }
        }
        return Raster(width: ww, height: wh, channels: c, pixels: out)
    }

    /// A3's positions: s = floor(d · scale), f from the cell edge, the x axis clamped at the last pixel.
    package static func areaAxis(source: Int, destination: Int, isX: Bool) -> Axis {
        let inv = Double(destination) / Double(source), scale = 1.0 / inv
        var axis = Axis(source: source, destination: destination, clampWeight: isX)
        for d in 0..<destination {
            var s = Int((Double(d) * scale).rounded(.down))
            var f = Float(Double(d + 1) - Double(s + 1) * inv)
            f = f <= 0 ? 0 : f - f.rounded(.down)
            if isX && s >= source - 1 { s = source - 1; f = 0 }
            let a: Float = f * 2048, b: Float = (1 - f) * 2048
            axis.index[d] = s
            axis.w1[d] = Int(a.rounded(.toNearestOrEven))
            axis.w0[d] = Int(b.rounded(.toNearestOrEven))
        }
        return axis
    }
}
