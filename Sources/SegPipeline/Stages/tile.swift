import SegImage
/// `tile`: cuts every source image into a grid of windows, each a sample.
public struct TileStage: Stage {
    public static let declaration = StageDeclaration(
        name: "tile",
        summary: "Cut each image into a grid of windows; each window is a sample (`<id>@<y>_<x>`).",
        details: """
        Along each axis of L pixels, windows of size S at stride T number n = max(L − S + T − 1, 0) / T + 1 \
        (mmsegmentation's slide-inference count) and start at k·T for k < n (with T > S, a last start at or \
        past L is dropped: that window would hold no pixel). `border: pad` pads windows \
        that reach past the image (image `fill`, label `label_fill`); `border: shift` moves the last \
        window of a row or column back to start at L − S (an image smaller than S is still padded). \
        Windows are listed in raster order per image before any pixel is read (from the image header), and \
        libvips reads each window's region only: TIFF (tiled or striped, BigTIFF) reads the tiles or strips \
        it needs; JPEG, PNG and other formats stream top to bottom, decoded once, keeping only the rows of \
        the current band of windows (and a few behind, for threads still on them), so memory stays \
        bounded. A file damaged part way gives its windows above the damage and names the rest. Windows with fewer than `min_labelled` of their pixels labelled (not \
        ignore) are left out and listed in the manifest's `skipped`. Labels may be 8-bit or 16-bit \
        greyscale. A GeoTIFF image's georeferencing (ModelTransformationTag, or ModelTiepointTag with \
        ModelPixelScaleTag, read with libtiff) goes into each window's parameters: `geo_x`, `geo_y` (the \
        model coordinates of the window's top-left corner), `geo_pixel_width`, `geo_pixel_height` \
        (negative for north-up), and `geo_row_rotation`, `geo_column_rotation` for rotated images. \
        Must directly follow `decode`; the stages after it apply per window.
        """,
        label: "Cut like the image; padding gets `label_fill` (ignore by default).",
        random: false,
        parameters: [Keys.size.info, Keys.stride.info, Keys.border.info, Keys.minLabelled.info, Keys.fill.info, Keys.labelFill.info, Keys.maxPixels.info])

    enum Keys {
        static let size = Param<(height: Int, width: Int)>.size("size", "window [height, width]")
        static let stride = Param<(height: Int, width: Int)?>.optionalSize("stride", "step between windows [y, x] (default: the size; smaller overlaps)")
        static let border = Param<TileWindow.Border>.choice("border", default: .pad, "windows past the image edge: `pad` them, or `shift` the last one inside")
        static let minLabelled = Param<Double>.probability("min_labelled", default: 0, "keep a window only if at least this fraction of its pixels is labelled (not ignore)")
        static let fill = Param<[UInt8]>.colour("fill", default: [0, 0, 0], "image padding colour")
        static let labelFill = Param<LabelValue>.label("label_fill", default: .ignore, "label padding value")
        static let maxPixels = Param<Int>.integer("max_pixels", in: 1...(1 << 40), default: 1 << 32,
            "refuse source images whose header claims more pixels (tiling's own limit in place of decode's; 65536 x 65536 by default)")
    }

    public let height: Int, width: Int
    public let strideY: Int, strideX: Int
    public let border: TileWindow.Border
    let minLabelled: Double
    let fill: [UInt8]
    let labelFill: LabelValue
    public let maxPixels: Int

    public init(_ args: StageArgs) throws {
        (height, width) = args[Keys.size]
        let stride = args[Keys.stride] ?? (height, width)
        (strideY, strideX) = stride
        border = args[Keys.border]
        minLabelled = args[Keys.minLabelled]
        fill = args[Keys.fill]
        labelFill = args[Keys.labelFill]
        maxPixels = args[Keys.maxPixels]
    }

    public func plan(_ state: inout PlanState) throws {
        try state.requireDecoded()
        try state.checkLabel(labelFill, parameter: "label_fill")
        guard state.planned == 1 else {
            throw state.fail("'tile' must come directly after 'decode'", fix: "move `- tile: {…}` to the second place in `stages`")
        }
        state.size = (height, width)
        state.tiled = true
    }

    /// The most windows a run cuts from its input (each is a record of the sample list).
    public static let maxWindows = 1 << 24

    /// How many windows `windows(imageHeight:imageWidth:)` lists, without listing them.
    public func windowCount(imageHeight: Int, imageWidth: Int) -> Int {
        let (ny, nx) = (TileWindow.count(length: imageHeight, size: height, stride: strideY, border: border),
                        TileWindow.count(length: imageWidth, size: width, stride: strideX, border: border))
        let (n, overflow) = ny.multipliedReportingOverflow(by: nx)
        return overflow ? Int.max : n
    }

    /// The windows of an image of this size, in raster order.
    public func windows(imageHeight: Int, imageWidth: Int) -> [TileWindow] {
        TileWindow.grid(imageHeight: imageHeight, imageWidth: imageWidth, size: (height, width), stride: (strideY, strideX), border: border)
    }

    /// Pads the window's part inside the image (read by `decode`) to the window size and applies
    /// `min_labelled`.
    public func apply(_ sample: inout Sample, random: inout SeededRandom, context: StageContext) throws {
        guard let w = sample.window else {
            throw SampleError(id: sample.id, file: sample.imagePath, problem: "reached 'tile' without a window", fix: "list the input through the pipeline (seg-prep run)")
        }
        try context.checkSize(width: width, height: height, by: "'tile'", what: "'tile.size'", sample: sample)
        let ignore = labelFill.resolve(ignore: context.ignoreIndex)
        if sample.image.width != width || sample.image.height != height {
            var image = Raster(width: width, height: height, fill: fill)
            image.paste(sample.image, dx: 0, dy: 0)
            var label = Raster(width: width, height: height, label: ignore, bytes: max(sample.label.channels, ignore > 255 ? 2 : 1))
            if let wide = sample.label.label(bytes: label.channels) { sample.label = wide }
            label.paste(sample.label, dx: 0, dy: 0)
            sample.image = image
            sample.label = label
        }
        sample.params["tile_y"] = Double(w.y)
        sample.params["tile_x"] = Double(w.x)
        if let geo = try context.windows.flatMap({ try $0.entry(sample.imagePath).geo }) {
            sample.params.merge(geo.params(x: w.x, y: w.y)) { _, new in new }
        }
        if minLabelled > 0 {
            let counts = sample.label.labelHistogram, n = sample.label.width * sample.label.height
            let ignored = context.ignoreIndex < counts.count ? counts[context.ignoreIndex] : 0
            let labelled = Double(n - ignored) / Double(n)
            if labelled < minLabelled {
                var e = SampleError(id: sample.id, file: sample.labelPath,
                                    problem: "window has \(Int((labelled * 100).rounded()))% of its pixels labelled, below min_labelled \(minLabelled)",
                                    fix: "lower `min_labelled` of tile to keep such windows")
                e.filtered = true
                throw e
            }
        }
    }
}
