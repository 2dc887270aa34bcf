import SegImage
/// `mosaic`: mmsegmentation's `RandomMosaic`: four samples on a 2x2 canvas around a random centre.
public struct MosaicStage: MultiImageStage {
    public static let declaration = StageDeclaration(
        name: "mosaic",
        summary: "Put the sample and three other samples of the input on a 2h x 2w canvas around a random centre, as mmseg's RandomMosaic.",
        details: "Draws three donors uniformly from the input's samples (mmseg's `get_indices`: any sample, this one included), then with probability `p` a centre x = int(u·w), y = int(v·h) for u, v uniform in `center_ratio_range` (x first). Each part (this sample top-left, the donors top-right, bottom-left, bottom-right) is resized keeping its aspect ratio to fit h x w (scale min(h/ph, w/pw), sides truncated; image `cv2.resize` INTER_LINEAR, label nearest) and the corner of it touching the centre is pasted onto a canvas of `fill` / `label_fill`. A donor is what the stages before mosaic make of that sample in the same repeat (its own draws). Not applied (`p`): the sample is left as it is, as mmseg does, and shrunk keeping its ratio (same kernels) only when it is larger than 2h x 2w. The output is at most 2h x 2w (exactly that when applied): fix the shard size after it, e.g. with `- pad: {size: [2h, 2w]}` or `random_crop` then `pad`. Refused (by every command that makes samples) when the input lists fewer than two usable samples. Multi-image stages may follow one another as long as one output sample is made from at most 16 source samples: each multiplies the count by 1 + its donors (mosaic 4, class_mix 2), since the donors go through the multi-image stages before it too. Records `mosaic` (1 or 0), `mosaic_donor1`..`mosaic_donor3` (indices of the donors in the input's listing order) and `mosaic_center_x`, `mosaic_center_y`.",
        label: "Parts resized nearest and pasted with the image; the rest of the canvas is `label_fill` (the ignore class by default, mmseg's seg_pad_val 255).",
        random: true,
        parameters: [Keys.imgScale.info, Keys.centerRatio.info, Keys.fill.info, Keys.labelFill.info, Keys.p.info])

    enum Keys {
        static let imgScale = Param<(height: Int, width: Int)>.size("img_scale", default: (640, 640), "[h, w] of one quarter of the canvas, which is 2h x 2w (mmseg's default)")
        static let centerRatio = Param<(Double, Double)>.interval("center_ratio_range", within: 0...2, default: (0.5, 1.5), "the centre is drawn at these fractions of w and h")
        static let fill = Param<[UInt8]>.colour("fill", default: [0, 0, 0], "colour of the canvas outside the parts (mmseg's pad_val)")
        static let labelFill = Param<LabelValue>.label("label_fill", default: .ignore, "label value outside the parts (mmseg's seg_pad_val)")
        static let p = Param<Double>.probability("p", default: 1, "probability of making a mosaic (mmseg's prob)")
    }

    /// The draws of one sample.
    public struct Draw: Sendable, Equatable {
        /// The donors' record indices (top-right, bottom-left, bottom-right).
        public var donors: [Int]
        public var applied: Bool
        /// The centre on the canvas (0 when not applied).
        public var centerX: Int, centerY: Int
        public init(donors: [Int], applied: Bool, centerX: Int, centerY: Int) {
            self.donors = donors; self.applied = applied; self.centerX = centerX; self.centerY = centerY
        }
    }

    /// One part's placement: its resized size, the box it covers on the canvas and the box of the
    /// resized part it shows (x0, y0, x1, y1).
    public struct Placement: Sendable, Equatable {
        public var width: Int, height: Int
        public var paste: Resample.Window
        public var crop: Resample.Window
    }

    let height: Int, width: Int
    let centerRatio: (Double, Double)
    let fill: [UInt8]
    let labelFill: LabelValue
    let p: Double
    public let location: StageArgs
    /// The three other quadrants.
    public static let donorsPerSample = 3

    public init(_ args: StageArgs) throws {
        (height, width) = args[Keys.imgScale]
        centerRatio = args[Keys.centerRatio]
        fill = args[Keys.fill]
        labelFill = args[Keys.labelFill]
        p = args[Keys.p]
        location = args
    }

    public func plan(_ state: inout PlanState) throws {
        try state.requireDecoded()
        try state.checkLabel(labelFill, parameter: "label_fill")
        if state.size != nil || state.awaitingPlacement {
            throw state.fail("'mosaic' comes after a stage that already fixed the output size",
                             fix: "put mosaic before the stages that fix the size (pad, letterbox, random_resize + place)")
        }
        state.bound = (2 * height, 2 * width)
    }

    /// The draws of one sample, in mmseg's order: three donors, the coin, then the centre (x first).
    public func draw(donors: Donors?, random: inout SeededRandom) -> Draw {
        var picked: [Int] = []
        for _ in 0..<3 { picked.append(donors?.draw(&random) ?? -1) }
        guard random.unit() < p else { return Draw(donors: picked, applied: false, centerX: 0, centerY: 0) }
        let cx = Self.truncated(random.value(in: centerRatio) * Double(width))
        let cy = Self.truncated(random.value(in: centerRatio) * Double(height))
        return Draw(donors: picked, applied: true, centerX: cx, centerY: cy)
    }

    /// `int(v)` for a finite value within Int's range (0 otherwise).
    static func truncated(_ v: Double) -> Int {
        v.isFinite && abs(v) < 1e15 ? Int(v.rounded(.towardZero)) : 0
    }

    /// mmseg's placement of a part `partWidth` x `partHeight` at corner `corner` (0 top-left,
    /// 1 top-right, 2 bottom-left, 3 bottom-right) around the centre, for quarters `height` x `width`.
    public static func placement(corner: Int, partWidth: Int, partHeight: Int, centerX cx: Int, centerY cy: Int,
                                 height: Int, width: Int) -> Placement {
        let s = min(Double(height) / Double(max(partHeight, 1)), Double(width) / Double(max(partWidth, 1)))
        let nw = max(1, truncated(Double(partWidth) * s)), nh = max(1, truncated(Double(partHeight) * s))
        let w2 = 2 * width, h2 = 2 * height
        var (x1, y1, x2, y2, c0, r0, c1, r1) = (0, 0, 0, 0, 0, 0, 0, 0)
        switch corner {
        case 0:
            (x1, y1, x2, y2) = (max(cx - nw, 0), max(cy - nh, 0), cx, cy)
            (c0, r0, c1, r1) = (nw - (x2 - x1), nh - (y2 - y1), nw, nh)
        case 1:
            (x1, y1, x2, y2) = (cx, max(cy - nh, 0), min(cx + nw, w2), cy)
            (c0, r0, c1, r1) = (0, nh - (y2 - y1), min(nw, x2 - x1), nh)
        case 2:
            (x1, y1, x2, y2) = (max(cx - nw, 0), cy, cx, min(h2, cy + nh))
            (c0, r0, c1, r1) = (nw - (x2 - x1), 0, nw, min(y2 - y1, nh))
        default:
            (x1, y1, x2, y2) = (cx, cy, min(cx + nw, w2), min(h2, cy + nh))
            (c0, r0, c1, r1) = (0, 0, min(nw, x2 - x1), min(y2 - y1, nh))
        }
        return Placement(width: nw, height: nh, paste: Resample.Window(x0: x1, y0: y1, x1: x2, y1: y2),
                         crop: Resample.Window(x0: c0, y0: r0, x1: c1, y1: r1))
    }

    /// The mosaic of `parts` (top-left, top-right, bottom-left, bottom-right) around the centre, on a
    /// 2·`height` x 2·`width` canvas of `fill` and `labelFill` (labels widened to the widest part's).
    public static func compose(_ parts: [(image: Raster, label: Raster)], centerX: Int, centerY: Int,
                               height: Int, width: Int, fill: [UInt8], labelFill: Int) -> (image: Raster, label: Raster) {
        let bytes = max(parts.map { $0.label.channels }.max() ?? 1, labelFill > 255 ? 2 : 1)
        var image = Raster(width: 2 * width, height: 2 * height, fill: fill)
        var label = Raster(width: 2 * width, height: 2 * height, label: labelFill, bytes: bytes)
        for (corner, part) in parts.prefix(4).enumerated() {
            let img = part.image, lbl = part.label.label(bytes: bytes) ?? part.label
            guard img.width > 0, img.height > 0, lbl.width == img.width, lbl.height == img.height,
                  img.channels == image.channels, lbl.channels == label.channels else { continue }
            let at = placement(corner: corner, partWidth: img.width, partHeight: img.height, centerX: centerX, centerY: centerY,
                               height: height, width: width)
            let c = at.crop
            guard c.x0 >= 0, c.y0 >= 0, c.x1 <= at.width, c.y1 <= at.height, c.width > 0, c.height > 0,
                  c.width == at.paste.width, c.height == at.paste.height else { continue }
            let same = at.width == img.width && at.height == img.height
            let pieceImage = same ? img.window(c) : CVResize.bilinear(img, width: at.width, height: at.height, window: c)
            let pieceLabel = same ? lbl.window(c) : CVResize.nearest(lbl, width: at.width, height: at.height, window: c)
            image.paste(pieceImage, dx: at.paste.x0, dy: at.paste.y0)
            label.paste(pieceLabel, dx: at.paste.x0, dy: at.paste.y0)
        }
        return (image, label)
    }

    /// This stage's output for `parts` (the sample first) and the draws `d`: the mosaic when
    /// applied, else the sample fitted to the canvas; `ignore` resolves `label_fill`.
    public func output(_ parts: [(image: Raster, label: Raster)], draw d: Draw, ignore: Int) -> (image: Raster, label: Raster) {
        guard d.applied else {
            guard let first = parts.first else { return (Raster(width: 0, height: 0, channels: 3, pixels: []), Raster(width: 0, height: 0, channels: 1, pixels: [])) }
            return Self.fit(first.image, first.label, maxHeight: 2 * height, maxWidth: 2 * width)
        }
        return Self.compose(parts, centerX: d.centerX, centerY: d.centerY, height: height, width: width,
                            fill: fill, labelFill: labelFill.resolve(ignore: ignore))
    }

    /// `image` and `label` shrunk keeping their ratio (INTER_LINEAR, nearest) to fit
    /// `maxHeight` x `maxWidth`, or unchanged when they fit.
    static func fit(_ image: Raster, _ label: Raster, maxHeight: Int, maxWidth: Int) -> (image: Raster, label: Raster) {
        guard image.width > maxWidth || image.height > maxHeight, image.width > 0, image.height > 0 else { return (image, label) }
        let s = min(Double(maxHeight) / Double(image.height), Double(maxWidth) / Double(image.width))
        let w = min(maxWidth, max(1, truncated(Double(image.width) * s))), h = min(maxHeight, max(1, truncated(Double(image.height) * s)))
        return (CVResize.bilinear(image, width: w, height: h), CVResize.nearest(label, width: w, height: h))
    }

    public func apply(_ sample: inout Sample, random: inout SeededRandom, context: StageContext) throws {
        try context.checkSize(width: 2 * width, height: 2 * height, by: "'mosaic'", what: "'mosaic.img_scale'", sample: sample)
        let d = draw(donors: context.donors, random: &random)
        sample.params["mosaic"] = d.applied ? 1 : 0
        for (i, k) in d.donors.enumerated() { sample.params["mosaic_donor\(i + 1)"] = Double(k) }
        guard d.applied else {
            (sample.image, sample.label) = output([(sample.image, sample.label)], draw: d, ignore: context.ignoreIndex)
            return
        }
        sample.params["mosaic_center_x"] = Double(d.centerX)
        sample.params["mosaic_center_y"] = Double(d.centerY)
        guard let donors = context.donors else {
            throw SampleError(id: sample.id, file: sample.imagePath, problem: "reached 'mosaic' without the other samples of the input",
                              fix: "make mosaics with `seg-prep run`, which gives the stage the whole input")
        }
        var parts = [(image: sample.image, label: sample.label)]
        for k in d.donors {
            guard let donor = try donors.sample(k, for: sample, before: context.stageIndex, what: "mosaic") else {
                throw SampleError(id: sample.id, file: donors.records[k].image, problem: "(donor of 'mosaic') was left out by a filter of the pipeline",
                                  fix: "remove the filter before mosaic")
            }
            parts.append((donor.image, donor.label))
        }
        (sample.image, sample.label) = output(parts, draw: d, ignore: context.ignoreIndex)
    }
}
