/// One box of a larger image: `raster` holds the pixels of `[x, x + raster.width) x [y, y + raster.height)`
/// of a `width` x `height` image. A JPEG is decoded only in the box its resize reads
/// (`ImageCodec.decodeRGB(_:shrink:id:path:box:)`), and the resizes take the part in place of the
/// whole image, with the same results.
public struct ImagePart: Sendable {
    public var raster: Raster
    public var x: Int, y: Int
    public var width: Int, height: Int

    public init(raster: Raster, x: Int, y: Int, width: Int, height: Int) {
        self.raster = raster; self.x = x; self.y = y; self.width = width; self.height = height
    }

    /// A whole image as its own part.
    public init(whole raster: Raster) {
        self.init(raster: raster, x: 0, y: 0, width: raster.width, height: raster.height)
    }

    public var isWhole: Bool { x == 0 && y == 0 && raster.width == width && raster.height == height }

    /// Whether the part holds every pixel of `box` (coordinates of the whole image).
    public func covers(_ box: Resample.Window) -> Bool {
        box.x0 >= x && box.y0 >= y && box.x1 <= x + raster.width && box.y1 <= y + raster.height
    }
}
