extension Resample {
    /// The box of a `sourceWidth` x `sourceHeight` source that the bicubic resize to `width` x
    /// `height` reads for the output `window` (its mirrors read the same box).
    public static func bicubicSourceBox(sourceWidth: Int, sourceHeight: Int, width: Int, height: Int, window: Window) -> Window {
        bicubicPlan(sourceWidth: sourceWidth, sourceHeight: sourceHeight, width: width, height: height, window: window).box
    }

    /// `bicubic(_:width:height:window:flipX:flipY:)` from a part of the source (`part.width` x
    /// `part.height`): the same bytes as from the whole source, or nil when the part lacks pixels
    /// the window reads.
    public static func bicubic(_ part: ImagePart, width: Int, height: Int, window: Window,
                               flipX: Bool = false, flipY: Bool = false) -> Raster? {
        if part.isWhole { return bicubic(part.raster, width: width, height: height, window: window, flipX: flipX, flipY: flipY) }
        guard window.x0 >= 0, window.y0 >= 0, window.x1 <= width, window.y1 <= height, window.x0 < window.x1, window.y0 < window.y1
        else { return nil }
        let plan = bicubicPlan(sourceWidth: part.width, sourceHeight: part.height, width: width, height: height, window: window)
        guard part.covers(plan.box) else { return nil }
        return bicubic(part, plan: plan, flipX: flipX, flipY: flipY)
    }
}
