extension Resample {
    /// The box of a `sourceWidth` x `sourceHeight` source that the bicubic resize to `width` x
    /// `height` reads for the output `window` (its mirrors read the same box).
    public static func bicubicSourceBox(sourceWidth: Int, sourceHeight: Int, width: Int, height: Int, window: Window) -> Window {
        let (x0, x1) = width == sourceWidth ? (window.x0, window.x1)
            : coefficients(inSize: sourceWidth, outSize: width, range: window.x0..<window.x1).span(window.x0..<window.x1)
        let (y0, y1) = height == sourceHeight ? (window.y0, window.y1)
            : coefficients(inSize: sourceHeight, outSize: height, range: window.y0..<window.y1).span(window.y0..<window.y1)
        return Window(x0: x0, y0: y0, x1: x1, y1: y1)
    }

    /// `bicubic(_:width:height:window:flipX:flipY:)` from a part of the source (`part.width` x
    /// `part.height`): the same bytes as from the whole source, or nil when the part lacks pixels
    /// the window reads.
    public static func bicubic(_ part: ImagePart, width: Int, height: Int, window: Window,
                               flipX: Bool = false, flipY: Bool = false) -> Raster? {
        if part.isWhole { return bicubic(part.raster, width: width, height: height, window: window, flipX: flipX, flipY: flipY) }
        guard window.x0 >= 0, window.y0 >= 0, window.x1 <= width, window.y1 <= height, window.x0 < window.x1, window.y0 < window.y1,
              part.covers(bicubicSourceBox(sourceWidth: part.width, sourceHeight: part.height, width: width, height: height, window: window))
        else { return nil }
        return bicubic(covering: part, width: width, height: height, window: window, flipX: flipX, flipY: flipY)
    }
}
