/// The reference's letterbox: an image scaled to fit `width` x `height` keeping its aspect ratio
/// (sides truncated to whole pixels, at least 1) and centred on a canvas.
public struct Letterbox: Sendable, Equatable {
    public let width: Int, height: Int
    public let scale: Double
    /// Size of the scaled image and its offset on the canvas.
    public let nw: Int, nh: Int, dx: Int, dy: Int

    public init(source: (width: Int, height: Int), width: Int, height: Int) {
        self.width = width
        self.height = height
        scale = min(Double(width) / Double(source.width), Double(height) / Double(source.height))
        nw = max(1, Int(Double(source.width) * scale))
        nh = max(1, Int(Double(source.height) * scale))
        dx = (width - nw) / 2
        dy = (height - nh) / 2
    }

    /// `image` resized (Pillow bicubic) onto a canvas of `fill`.
    public func image(_ image: Raster, fill: [UInt8]) -> Raster {
        var canvas = Raster(width: width, height: height, fill: fill)
        canvas.paste(Resample.bicubic(image, width: nw, height: nh), dx: dx, dy: dy)
        return canvas
    }

    /// The scaled image's window of a one-channel canvas map (`width * height` values), `nw` x `nh`.
    public func window(_ map: [UInt8]) -> Raster {
        var crop = [UInt8](repeating: 0, count: nw * nh)
        for y in 0..<nh {
            for x in 0..<nw { crop[y * nw + x] = map[(y + dy) * width + x + dx] }
        }
        return Raster(width: nw, height: nh, channels: 1, pixels: crop)
    }
}
