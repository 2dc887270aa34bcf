import SegImage
/// The geometric transforms drawn for one sample and not yet computed, in one canonical order:
/// resize the source, mirror it, crop a window of the result, put that window on a canvas.
///
/// Geometric stages (`resize`, `random_resize`, `flip`, `random_crop`, `pad`, `place`,
/// `letterbox`) only compose onto it; `Sample.render()` then computes the output window alone,
/// resampling only the source pixels that land on it. Every composition is exact: a flip after
/// a crop or a canvas is the mirrored window of a flipped resize, and a stage that cannot be
/// expressed in this order (a resize of a crop, a crop of a canvas) renders what came before it.
public struct Geometry: Sendable, Equatable {
    /// A resize of the whole source to `width` x `height` by `method` (labels nearest).
    public struct Resize: Sendable, Equatable {
        public var width: Int
        public var height: Int
        public var method: Method

        public enum Method: Sendable, Equatable {
            /// Pillow's bicubic (`random_resize`, `letterbox`), labels Pillow's nearest.
            case pillowBicubic
            /// OpenCV's `cv2.resize` rules (`resize`), labels OpenCV's nearest.
            case cvBilinear, cvBicubic, cvArea, cvNearest
        }

        public init(width: Int, height: Int, method: Method = .pillowBicubic) {
            self.width = width; self.height = height; self.method = method
        }
    }

    /// The output canvas: `width` x `height` of the fills, the window pasted at (`dx`, `dy`)
    /// (negative offsets and windows larger than the canvas crop).
    public struct Canvas: Sendable, Equatable {
        public var width: Int, height: Int
        public var dx: Int, dy: Int
        public var fill: [UInt8]
        /// The label value of the canvas (16-bit values make the label map 16-bit).
        public var labelFill: Int
    }

    public var resize: Resize?
    /// Mirrors of the resized source (left-right, top-bottom).
    public var flipX = false, flipY = false
    /// The window of the mirrored resize that is kept, or nil for all of it.
    public var crop: Resample.Window?
    public var canvas: Canvas?

    public init() {}

    /// No transform is pending: the sample's pixels are its output.
    public var isIdentity: Bool { resize == nil && !flipX && !flipY && crop == nil && canvas == nil }

    /// The size of the resized source (before the crop) for a source of `source`.
    public func resized(source: (width: Int, height: Int)) -> (width: Int, height: Int) {
        resize.map { ($0.width, $0.height) } ?? source
    }

    /// The size of the window before the canvas.
    public func windowSize(source: (width: Int, height: Int)) -> (width: Int, height: Int) {
        crop.map { ($0.width, $0.height) } ?? resized(source: source)
    }

    /// The output size for a source of `source`.
    public func outputSize(source: (width: Int, height: Int)) -> (width: Int, height: Int) {
        canvas.map { ($0.width, $0.height) } ?? windowSize(source: source)
    }

    /// Resizes the source; only composable before any other transform.
    public mutating func compose(resize r: Resize) -> Bool {
        guard isIdentity else { return false }
        resize = r
        return true
    }

    /// Mirrors the output; always composable: the mirror moves inside the crop and the canvas.
    public mutating func composeFlip(vertical: Bool, source: (width: Int, height: Int)) {
        let full = resized(source: source), inner = windowSize(source: source)
        if var c = canvas {
            if vertical { c.dy = c.height - c.dy - inner.height } else { c.dx = c.width - c.dx - inner.width }
            canvas = c
        }
        if var w = crop {
            if vertical { (w.y0, w.y1) = (full.height - w.y1, full.height - w.y0) } else { (w.x0, w.x1) = (full.width - w.x1, full.width - w.x0) }
            crop = w
        }
        if vertical { flipY.toggle() } else { flipX.toggle() }
    }

    /// Keeps the window `w` of the output (it must lie inside it); composable before a canvas.
    public mutating func compose(crop w: Resample.Window) -> Bool {
        guard canvas == nil else { return false }
        if let outer = crop {
            crop = Resample.Window(x0: outer.x0 + w.x0, y0: outer.y0 + w.y0, x1: outer.x0 + w.x1, y1: outer.y0 + w.y1)
        } else {
            crop = w
        }
        return true
    }

    /// Puts the output on a canvas; composable once.
    public mutating func compose(canvas c: Canvas) -> Bool {
        guard canvas == nil else { return false }
        canvas = c
        return true
    }
}
