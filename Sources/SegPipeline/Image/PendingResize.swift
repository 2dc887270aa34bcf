/// A resize to `width` x `height`, optionally mirrored, that has been drawn but not yet computed.
///
/// `random_resize` records it and `place` later computes only the pixels that land on the canvas;
/// any other stage first materialises it in full. The result is identical either way.
public struct PendingResize: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var horizontalFlip = false
    public var verticalFlip = false
    /// Pillow's bicubic (`random_resize`) or OpenCV's resize (`resize`); labels nearest either way.
    public var method: Method = .pillowBicubic

    public enum Method: Sendable, Equatable { case pillowBicubic, cvBilinear, cvBicubic, cvArea, cvNearest }

    public init(width: Int, height: Int, method: Method = .pillowBicubic) {
        self.width = width; self.height = height; self.method = method
    }

    /// Computes the window `[x0, x1) x [y0, y1)` of the resized (and flipped) sample.
    ///
    /// Image bicubic, label nearest (both Pillow-exact); only the window's pixels are filtered.
    func render(_ sample: inout Sample, window w: Resample.Window) throws -> (image: Raster, label: Raster) {
        try sample.decodeImage(forTarget: (width, height))
        // The window in the coordinates of the unflipped resize.
        var src = w
        if horizontalFlip { src.x0 = width - w.x1; src.x1 = width - w.x0 }
        if verticalFlip { src.y0 = height - w.y1; src.y1 = height - w.y0 }
        if method != .pillowBicubic {
            var image = cvImage(sample.image, window: src)
            var label = CVResize.nearest(sample.label, width: width, height: height, window: src)
            if horizontalFlip { image = image.flippedHorizontally(); label = label.flippedHorizontally() }
            if verticalFlip { image = image.flippedVertically(); label = label.flippedVertically() }
            return (image, label)
        }
        let image = Resample.bicubic(sample.image, width: width, height: height, window: src,
                                     flipX: horizontalFlip, flipY: verticalFlip)
        let label = Resample.nearest(sample.label, width: width, height: height, window: src,
                                     flipX: horizontalFlip, flipY: verticalFlip)
        return (image, label)
    }
}

extension PendingResize {
    /// The window `w` of `image` resized by OpenCV's rule of `method` (unflipped).
    func cvImage(_ image: Raster, window w: Resample.Window) -> Raster {
        switch method {
        case .cvBilinear: return CVResize.bilinear(image, width: width, height: height, window: w)
        case .cvBicubic: return CVResize.bicubic(image, width: width, height: height, window: w)
        case .cvArea: return CVResize.area(image, width: width, height: height, window: w)
        case .cvNearest, .pillowBicubic: return CVResize.nearest(image, width: width, height: height, window: w)
        }
    }
}

extension Sample {
    /// Applies a pending resize in full (for stages that need the whole resized sample).
    public mutating func materialize() throws {
        guard let p = pending else { return }
        let r = try p.render(&self, window: Resample.Window(x0: 0, y0: 0, x1: p.width, y1: p.height))
        image = r.image
        label = r.label
        pending = nil
    }
}
