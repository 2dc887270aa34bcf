import SegImage
/// The one renderer of a sample's geometry: it computes the output window only.
extension Sample {
    /// Computes the pending geometry: `image` and `label` become the output and the geometry the
    /// identity. Only the part of the mirrored resize that lands on the output is resampled (the
    /// filters are separable, so that part equals the same window of the whole resize); a source
    /// left in its files is read at that window only; a JPEG kept encoded decodes shrunk when
    /// `shrink_on_load` allows it. `context` is needed for sources left in their files.
    ///
    /// Throws `SampleError` when a deferred file cannot be decoded or read.
    public mutating func render(context: StageContext? = nil) throws {
        if geometry.isIdentity && source == .pixels { return }
        try render(image: true, context: context)
    }

    /// The label as the pending geometry would render it, without touching the image.
    public func renderedLabel(context: StageContext? = nil) throws -> Raster {
        var copy = self
        try copy.render(image: false, context: context)
        return copy.label
    }

    private mutating func render(image withImage: Bool, context: StageContext?) throws {
        let g = geometry, full = g.resized(source: sourceSize)
        let inner = g.crop ?? Resample.Window(x0: 0, y0: 0, x1: full.width, y1: full.height)
        // The output passes the size gate before any of it is allocated (a canvas of pad,
        // letterbox or place, a tile window, a crop).
        let output = g.canvas.map { (width: $0.width, height: $0.height) } ?? (width: inner.width, height: inner.height)
        try StageContext.checkSize(
            width: output.width, height: output.height, in: context, by: "its output window", what: "the size of pad, letterbox, place or tile", sample: self)
        // The visible part of the window (coordinates of the mirrored resize) and where it goes.
        var visible = inner, at = (x: 0, y: 0)
        if let c = g.canvas {
            let u0 = max(0, -c.dx), v0 = max(0, -c.dy)
            visible = Resample.Window(x0: inner.x0 + u0, y0: inner.y0 + v0,
                                      x1: inner.x0 + min(inner.width, c.width - c.dx), y1: inner.y0 + min(inner.height, c.height - c.dy))
            at = (c.dx + u0, c.dy + v0)
        }
        let sourceLabelBytes = windowedSource ? (context?.labelBytes ?? 1) : label.channels
        var outImage = Raster(width: 0, height: 0, channels: 3, pixels: [])
        var outLabel = Raster(width: 0, height: 0, channels: sourceLabelBytes, pixels: [])
        if visible.x0 < visible.x1 && visible.y0 < visible.y1 {
            // The same window of the unmirrored resize.
            var w = visible
            if g.flipX { (w.x0, w.x1) = (full.width - visible.x1, full.width - visible.x0) }
            if g.flipY { (w.y0, w.y1) = (full.height - visible.y1, full.height - visible.y0) }
            (outImage, outLabel) = try renderWindow(w, image: withImage, context: context)
        } else if withImage, case .encoded = source {
            // Nothing of the image is visible: it is still decoded, so a damaged file is refused
            // whatever the draw.
            try decodeImage(forTarget: g.resize.map { ($0.width, $0.height) })
        }
        if let c = g.canvas {
            let bytes = max(outLabel.channels, c.labelFill > 255 ? 2 : 1)
            // A window that covers the whole canvas is the canvas: nothing to fill and copy over.
            let covers = { (r: Raster) in at.x == 0 && at.y == 0 && r.width == c.width && r.height == c.height }
            let placed = outLabel.label(bytes: bytes)!
            if !covers(placed) {
                outLabel = Raster(width: c.width, height: c.height, fill: Raster.labelPixel(c.labelFill, bytes: bytes),
                                  placing: placed, dx: at.x, dy: at.y)
            } else {
                outLabel = placed
            }
            if withImage && !(covers(outImage) && outImage.channels == c.fill.count) {
                outImage = outImage.pixels.isEmpty ? Raster(width: c.width, height: c.height, fill: c.fill)
                    : Raster(width: c.width, height: c.height, fill: c.fill, placing: outImage, dx: at.x, dy: at.y)
            }
        }
        label = outLabel
        if withImage { image = outImage }
        geometry = Geometry()
        source = .pixels
    }

    /// The window `w` of the unmirrored resize of the source, mirrored as the geometry says.
    private mutating func renderWindow(_ w: Resample.Window, image withImage: Bool,
                                       context: StageContext?) throws -> (image: Raster, label: Raster) {
        let g = geometry
        if case .windows = source {
            guard let context, let cache = context.windows else {
                throw SampleError(id: id, file: imagePath, problem: "was left in its file without a window reader", fix: "process it through the pipeline")
            }
            let box = (y: w.y0, x: w.x0, height: w.height, width: w.width)
            if g.resize != nil {
                // A resize needs the whole source: read it all, then resize as for decoded pixels.
                let (sw, sh) = sourceSize
                try readWindows(box: (0, 0, sh, sw), image: withImage, cache: cache, context: context)
            } else {
                try readWindows(box: box, image: withImage, cache: cache, context: context)
                return (withImage ? flipped(image, g) : image, flipped(label, g))
            }
        }
        // A JPEG kept encoded is decoded only in the box the window reads, where the resize can
        // take a part of its source (the same bytes as from the whole image).
        var part = ImagePart(whole: image)
        var bicubicPlan: Resample.BicubicPlan?   // its tables serve the box and then the resize
        if withImage, case .encoded = source {
            part = try decodeImagePart(forTarget: g.resize.map { ($0.width, $0.height) }) { sw, sh in
                guard let r = g.resize else { return w }
                switch r.method {
                case .pillowBicubic:
                    let plan = Resample.bicubicPlan(sourceWidth: sw, sourceHeight: sh, width: r.width, height: r.height, window: w)
                    bicubicPlan = plan
                    return plan.box
                case .cvBilinear:
                    return CVResize.bilinearSourceBox(sourceWidth: sw, sourceHeight: sh, width: r.width, height: r.height, window: w)
                case .cvBicubic, .cvArea, .cvNearest:
                    return nil
                }
            }
            if part.isWhole { image = part.raster }   // (OpenCV's cubic, area and nearest resize `image`)
        }
        guard let r = g.resize else {
            let box = Resample.Window(x0: w.x0 - part.x, y0: w.y0 - part.y, x1: w.x1 - part.x, y1: w.y1 - part.y)
            let im = withImage ? flipped(try covered(part.covers(w) ? part.raster.window(box) : nil), g) : image
            return (im, flipped(label.window(w), g))
        }
        switch r.method {
        case .pillowBicubic:
            let im = !withImage ? image
                : try covered(bicubicPlan.map { Resample.bicubic(part, plan: $0, flipX: g.flipX, flipY: g.flipY) }
                              ?? Resample.bicubic(part, width: r.width, height: r.height, window: w, flipX: g.flipX, flipY: g.flipY))
            return (im, Resample.nearest(label, width: r.width, height: r.height, window: w, flipX: g.flipX, flipY: g.flipY))
        case .cvBilinear:
            // The horizontal mirror folded into the resize (columns in reverse order), the vertical after it.
            var v = g
            v.flipX = false
            let im = withImage ? flipped(try covered(CVResize.bilinear(part, width: r.width, height: r.height, window: w, flipX: g.flipX)), v) : image
            return (im, flipped(CVResize.nearest(label, width: r.width, height: r.height, window: w, flipX: g.flipX), v))
        case .cvBicubic, .cvArea, .cvNearest:
            let im = withImage ? flipped(r.cvImage(image, window: w), g) : image
            return (im, flipped(CVResize.nearest(label, width: r.width, height: r.height, window: w), g))
        }
    }

    /// A window rendered from a decoded part, or the error that the part lacked pixels it reads
    /// (the boxes are computed by the functions that render: this does not happen).
    private func covered(_ r: Raster?) throws -> Raster {
        guard let r else {
            throw SampleError(id: id, file: imagePath, problem: "was decoded in a box that misses pixels its window reads",
                              fix: "report this with the pipeline file; `decode: {}` of a PNG copy of the image avoids it")
        }
        return r
    }

    /// Reads the window `box` of the source files into `image` (when asked) and `label`.
    private mutating func readWindows(box: (y: Int, x: Int, height: Int, width: Int), image withImage: Bool,
                                      cache: WindowCache, context: StageContext) throws {
        let labels = try WindowReader.open(cache, labelPath, id: id, what: "label")
        label = try WindowReader.indices(labels, box, id: id, context: context)
        if withImage {
            let file = try WindowReader.open(cache, imagePath, id: id, what: "image")
            image = try WindowReader.rgb(file.image, box, id: id) { try file.read(x: box.x, y: box.y, width: box.width, height: box.height) }
        }
        source = .pixels
    }

    private func flipped(_ r: Raster, _ g: Geometry) -> Raster {
        var out = r
        if g.flipX { out = out.flippedHorizontally() }
        if g.flipY { out = out.flippedVertically() }
        return out
    }
}

extension Geometry.Resize {
    /// The window `w` of `image` resized by OpenCV's rule of `method` (unmirrored).
    func cvImage(_ image: Raster, window w: Resample.Window) -> Raster {
        switch method {
        case .cvBilinear: return CVResize.bilinear(image, width: width, height: height, window: w)
        case .cvBicubic: return CVResize.bicubic(image, width: width, height: height, window: w)
        case .cvArea: return CVResize.area(image, width: width, height: height, window: w)
        case .cvNearest, .pillowBicubic: return CVResize.nearest(image, width: width, height: height, window: w)
        }
    }
}
