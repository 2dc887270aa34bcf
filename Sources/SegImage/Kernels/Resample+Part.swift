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
        guard window.fits(width: width, height: height) else { return nil }
        return bicubic(part, plan: bicubicPlan(sourceWidth: part.width, sourceHeight: part.height, width: width, height: height, window: window),
                       flipX: flipX, flipY: flipY)
    }

    /// The bicubic resize of a plan (`bicubicPlan`, whose box told the decoder what to decode) from a
    /// part of the source it was made for: the coefficient tables are built once per render. Nil
    /// when the part is of another source size or lacks the plan's box.
    package static func bicubic(_ part: ImagePart, plan: BicubicPlan, flipX: Bool = false, flipY: Bool = false) -> Raster? {
        guard plan.sourceWidth == part.width, plan.sourceHeight == part.height, part.covers(plan.box),
              plan.window.fits(width: plan.width, height: plan.height) else { return nil }
        return bicubicPasses(part, plan: plan, flipX: flipX, flipY: flipY)
    }
}
