/// One window of a tiled source image: where it starts, its size (the tile size) and the size of
/// the image it is cut from. Border windows may reach past the image (`border: pad`).
public struct TileWindow: Sendable, Equatable {
    public var y: Int, x: Int
    public var height: Int, width: Int
    public var imageHeight: Int, imageWidth: Int

    /// The part of the window inside the image: (y, x, height, width), possibly empty.
    public var inside: (y: Int, x: Int, height: Int, width: Int) {
        let h = max(0, min(y + height, imageHeight) - y), w = max(0, min(x + width, imageWidth) - x)
        return (y, x, h, w)
    }

    /// The sample id of this window of source sample `id`: `<id>@<y>_<x>`.
    public func id(of id: String) -> String { "\(id)@\(y)_\(x)" }

    /// How border windows are made.
    public enum Border: String, Sendable, CaseIterable {
        /// Windows start at multiples of the stride; those reaching past the image are padded.
        case pad
        /// The last window of a row or column is moved back inside the image (as mmsegmentation's
        /// slide inference); an image smaller than a window is still padded.
        case shift
    }

    /// Window starts along one axis of `length` pixels for windows of `size` at `stride`:
    /// n = max(length − size + stride − 1, 0) / stride + 1 windows (mmsegmentation's slide-inference
    /// count), starting at k·stride (those that start inside the image: with a stride larger than
    /// the size the last one may not), or with `shift` at min(k·stride, max(length − size, 0)).
    public static func starts(length: Int, size: Int, stride: Int, border: Border) -> [Int] {
        let n = max(length - size + stride - 1, 0) / stride + 1
        if border == .pad { return (0..<n).map { $0 * stride }.filter { $0 < length } }
        return (0..<n).map { min($0 * stride, max(length - size, 0)) }
    }

    /// How many starts `starts` gives, without making them.
    public static func count(length: Int, size: Int, stride: Int, border: Border) -> Int {
        let n = max(length - size + stride - 1, 0) / stride + 1
        // With `pad`, the starts at or past the end are dropped: those below `length` are kept.
        return border == .pad ? min(n, (max(length, 1) - 1) / stride + 1) : n
    }

    /// Every window of an image, in raster order (rows of windows top to bottom, each left to right).
    public static func grid(imageHeight: Int, imageWidth: Int, size: (height: Int, width: Int),
                            stride: (y: Int, x: Int), border: Border) -> [TileWindow] {
        let ys = starts(length: imageHeight, size: size.height, stride: stride.y, border: border)
        let xs = starts(length: imageWidth, size: size.width, stride: stride.x, border: border)
        return ys.flatMap { y in
            xs.map { x in TileWindow(y: y, x: x, height: size.height, width: size.width, imageHeight: imageHeight, imageWidth: imageWidth) }
        }
    }
}
