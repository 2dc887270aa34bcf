extension CVResize {
    /// The box of a `sourceWidth` x `sourceHeight` source that `bilinear` to `width` x `height` reads
    /// for the output `window` (both pixels of each pair, after OpenCV's clamping; mirrored columns
    /// read the same box).
    package static func bilinearSourceBox(sourceWidth: Int, sourceHeight: Int, width: Int, height: Int,
                                          window: Resample.Window) -> Resample.Window {
        box(xs: Axis(source: sourceWidth, destination: width, clampWeight: true),
            ys: Axis(source: sourceHeight, destination: height, clampWeight: false),
            sourceWidth: sourceWidth, sourceHeight: sourceHeight, window: window)
    }

    /// The source box the positions of `xs` and `ys` read for `window`.
    private static func box(xs: Axis, ys: Axis, sourceWidth: Int, sourceHeight: Int, window: Resample.Window) -> Resample.Window {
        var box = Resample.Window(x0: Int.max, y0: Int.max, x1: 0, y1: 0)
        for p in window.x0..<window.x1 {
            box.x0 = min(box.x0, xs.index[p])
            box.x1 = max(box.x1, min(xs.index[p] + 1, sourceWidth - 1) + 1)
        }
        for p in window.y0..<window.y1 {
            box.y0 = min(box.y0, min(max(ys.index[p], 0), sourceHeight - 1))
            box.y1 = max(box.y1, min(max(ys.index[p] + 1, 0), sourceHeight - 1) + 1)
        }
        return box
    }

    /// `bilinear(_:width:height:window:flipX:)` from a part of the source (`part.width` x
    /// `part.height`): the same bytes as from the whole source, or nil when the part lacks pixels
    /// the window reads. Positions are taken in the part: every position the window reads lies in
    /// it, and a clamp at the part's edge happens only where that edge is the source's.
    package static func bilinear(_ part: ImagePart, width: Int, height: Int, window: Resample.Window, flipX: Bool = false) -> Raster? {
        if part.isWhole { return bilinear(part.raster, width: width, height: height, window: window, flipX: flipX) }
        guard window.fits(width: width, height: height) else { return nil }
        var xs = Axis(source: part.width, destination: width, clampWeight: true)
        var ys = Axis(source: part.height, destination: height, clampWeight: false)
        guard part.covers(box(xs: xs, ys: ys, sourceWidth: part.width, sourceHeight: part.height, window: window)) else { return nil }
        xs.index = xs.index.map { $0 - part.x }
        ys.index = ys.index.map { $0 - part.y }
        return linear(part.raster, width: width, height: height, window: window, xs: xs, ys: ys, flipX: flipX)
    }
}
