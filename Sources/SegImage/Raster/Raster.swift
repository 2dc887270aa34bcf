/// A packed 8-bit raster: `height` rows of `width` pixels of `channels` interleaved bytes.
public struct Raster: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var channels: Int
    /// Row-major bytes, `width * height * channels` of them.
    public var pixels: [UInt8]

    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        precondition(pixels.count == width * height * channels, "raster size mismatch")
        self.width = width; self.height = height; self.channels = channels; self.pixels = pixels
    }

    /// A raster of the given size with every pixel set to `fill` (one value per channel).
    public init(width: Int, height: Int, fill: [UInt8]) {
        self.width = width; self.height = height; self.channels = fill.count
        if fill.allSatisfy({ $0 == fill[0] }) {
            pixels = [UInt8](repeating: fill[0], count: width * height * fill.count)
        } else {
            pixels = [UInt8](unsafeUninitializedCapacity: width * height * fill.count) { buf, n in
                for i in 0..<(width * height) { for c in 0..<fill.count { buf[i * fill.count + c] = fill[c] } }
                n = width * height * fill.count
            }
        }
    }

    /// A `width` x `height` raster of `fill` with `src` pasted at (`dx`, `dy`) (parts outside
    /// cropped): the pixels of `Raster(width:height:fill:)` then `paste`, with each byte written
    /// once (the fill only around the pasted part). `src` must have `fill.count` channels.
    public init(width: Int, height: Int, fill: [UInt8], placing src: Raster, dx: Int, dy: Int) {
        let c = fill.count
        let x0 = max(0, dx), y0 = max(0, dy), x1 = min(width, dx + src.width), y1 = min(height, dy + src.height)
        guard src.channels == c, x0 < x1, y0 < y1 else {
            self.init(width: width, height: height, fill: fill)
            paste(src, dx: dx, dy: dy)
            return
        }
        let uniform = fill.allSatisfy { $0 == fill[0] }
        let srcW = src.width
        let pixels = [UInt8](unsafeUninitializedCapacity: width * height * c) { buf, n in
            src.pixels.withUnsafeBufferPointer { s in
                guard let base = buf.baseAddress, let from = s.baseAddress else { return }
                /// Sets `count` pixels from pixel `start` to the fill.
                func fillPixels(_ start: Int, _ count: Int) {
                    if uniform {
                        (base + start * c).initialize(repeating: fill[0], count: count * c)
                    } else {
                        for i in start..<(start + count) { for ch in 0..<c { (base + i * c + ch).initialize(to: fill[ch]) } }
                    }
                }
                fillPixels(0, y0 * width)
                for y in y0..<y1 {
                    fillPixels(y * width, x0)
                    (base + (y * width + x0) * c).initialize(from: from + ((y - dy) * srcW + (x0 - dx)) * c, count: (x1 - x0) * c)
                    fillPixels(y * width + x1, width - x1)
                }
                fillPixels(y1 * width, (height - y1) * width)
            }
            n = width * height * c
        }
        self.init(width: width, height: height, channels: c, pixels: pixels)
    }

    /// Copies `src` onto this raster with its top-left corner at (`dx`, `dy`); parts outside are cropped.
    ///
    /// Both rasters must have the same channel count. Offsets may be negative.
    public mutating func paste(_ src: Raster, dx: Int, dy: Int) {
        precondition(src.channels == channels)
        let x0 = max(0, dx), y0 = max(0, dy)
        let x1 = min(width, dx + src.width), y1 = min(height, dy + src.height)
        guard x0 < x1, y0 < y1 else { return }
        let c = channels, rowBytes = (x1 - x0) * c
        let dstW = width, srcW = src.width
        pixels.withUnsafeMutableBufferPointer { dst in
            src.pixels.withUnsafeBufferPointer { s in
                for y in y0..<y1 {
                    let d = (y * dstW + x0) * c
                    let o = ((y - dy) * srcW + (x0 - dx)) * c
                    (dst.baseAddress! + d).update(from: s.baseAddress! + o, count: rowBytes)
                }
            }
        }
    }

    /// The pixels of `w` (which must lie inside the raster).
    public func window(_ w: Resample.Window) -> Raster {
        if w.x0 == 0 && w.y0 == 0 && w.x1 == width && w.y1 == height { return self }
        let c = channels, rowBytes = w.width * c
        let out = [UInt8](unsafeUninitializedCapacity: rowBytes * w.height) { d, n in
            pixels.withUnsafeBufferPointer { s in
                for y in 0..<w.height {
                    (d.baseAddress! + y * rowBytes).initialize(from: s.baseAddress! + ((w.y0 + y) * width + w.x0) * c, count: rowBytes)
                }
            }
            n = rowBytes * w.height
        }
        return Raster(width: w.width, height: w.height, channels: c, pixels: out)
    }

    /// The raster mirrored left to right.
    public func flippedHorizontally() -> Raster {
        let c = channels, w = width
        var out = pixels
        pixels.withUnsafeBufferPointer { sb in
            out.withUnsafeMutableBufferPointer { db in
                let s = sb.baseAddress!, d = db.baseAddress!
                for y in 0..<height {
                    let srow = s + y &* w &* c, drow = d + y &* w &* c
                    if c == 3 {
                        for x in 0..<w {
                            let so = srow + x &* 3, dO = drow + (w &- 1 &- x) &* 3
                            dO[0] = so[0]; dO[1] = so[1]; dO[2] = so[2]
                        }
                    } else if c == 1 {
                        for x in 0..<w { drow[w &- 1 &- x] = srow[x] }
                    } else {
                        for x in 0..<w { (drow + (w &- 1 &- x) &* c).update(from: srow + x &* c, count: c) }
                    }
                }
            }
        }
        return Raster(width: width, height: height, channels: channels, pixels: out)
    }

    /// The raster mirrored top to bottom.
    public func flippedVertically() -> Raster {
        let rowBytes = width * channels
        var out = pixels
        pixels.withUnsafeBufferPointer { s in
            out.withUnsafeMutableBufferPointer { d in
                for y in 0..<height {
                    (d.baseAddress! + y * rowBytes).update(from: s.baseAddress! + (height - 1 - y) * rowBytes, count: rowBytes)
                }
            }
        }
        return Raster(width: width, height: height, channels: channels, pixels: out)
    }
}
