import SegImage
/// `cutout`: mmsegmentation's `RandomCutOut`: rectangles of the image (and label) filled.
public struct CutoutStage: Stage {
    public static let declaration = StageDeclaration(
        name: "cutout",
        summary: "Fill random rectangles of the image with a colour and of the label with `label_fill`, as mmseg's RandomCutOut.",
        details: "With probability `p`, draws a hole count n in `n_holes`, then per hole its top-left corner x uniform in [0, W), y uniform in [0, H) and one of the candidate sizes (mmseg's draw order). A hole of `cutout_shape` [h, w] pixels, or of `cutout_ratio` [rh, rw] (int(rh·H) by int(rw·W), truncated), starts at its corner and is cut at the right and bottom borders; holes may overlap. Give either `cutout_shape` or `cutout_ratio`, each one pair or a list of candidates (default: ratio [0.2, 0.2]). Sizes are [height, width] as everywhere in seg-prep; mmseg writes them (w, h), and its `fill_in` is in BGR order. Records `cutout_holes` and, per hole i, `cutout_<i>_x`, `cutout_<i>_y`, `cutout_<i>_height`, `cutout_<i>_width` (clipped).",
        label: "The holes are filled with `label_fill` (the ignore class by default; `keep_label: true` leaves the label alone, as mmseg's seg_fill_in=None).",
        random: true,
        parameters: [Keys.nHoles.info, Keys.shape.info, Keys.ratio.info, Keys.fill.info, Keys.labelFill.info, Keys.keepLabel.info, Keys.p.info])

    enum Keys {
        static let nHoles = Param<(Double, Double)>.range("n_holes", within: 1...1000, integer: true, default: (1, 1), "number of holes, or the range it is drawn from (inclusive)")
        static let shape = Param<[(Double, Double)]?>.pairs("cutout_shape", within: 1...65536, "hole size [height, width] in pixels, or a list of candidates")
        static let ratio = Param<[(Double, Double)]?>.pairs("cutout_ratio", within: 0...1, "hole size as fractions [height, width] of the image, or a list of candidates")
        static let fill = Param<[UInt8]>.colour("fill", default: [0, 0, 0], "colour of the holes")
        static let labelFill = Param<LabelValue>.label("label_fill", default: .ignore, "label value of the holes")
        static let keepLabel = Param<Bool>.flag("keep_label", default: false, "leave the label unchanged")
        static let p = Param<Double>.probability("p", default: 0.5, "probability of cutting holes")
    }

    /// A hole size candidate: pixels, or fractions of the image.
    public enum Size: Sendable, Equatable {
        case pixels(height: Int, width: Int)
        case ratio(height: Double, width: Double)

        /// mmseg's hole size on an image `width` x `height` (ratios truncate).
        func size(width: Int, height: Int) -> (height: Int, width: Int) {
            switch self {
            case .pixels(let h, let w): return (h, w)
            case .ratio(let rh, let rw): return (Int((rh * Double(height)).rounded(.towardZero)), Int((rw * Double(width)).rounded(.towardZero)))
            }
        }
    }

    /// One hole as drawn: its corner and the index of its size candidate.
    public struct Hole: Sendable, Equatable {
        public var x: Int, y: Int, candidate: Int
        public init(x: Int, y: Int, candidate: Int) { self.x = x; self.y = y; self.candidate = candidate }
    }

    let holes: (Int, Int)
    let candidates: [Size]
    let fill: [UInt8]
    let labelFill: LabelValue
    let keepLabel: Bool
    let p: Double

    public init(_ args: StageArgs) throws {
        let n = args[Keys.nHoles]
        holes = (Int(n.0), Int(n.1))
        switch (args[Keys.shape], args[Keys.ratio]) {
        case (let s?, nil):
            candidates = try s.map { h, w in
                guard h == h.rounded(), w == w.rounded() else {
                    throw args.error(Keys.shape, "'cutout.cutout_shape' has [\(fmt(h)), \(fmt(w))], which is not whole pixels", fix: "give sizes [height, width] in whole pixels")
                }
                return .pixels(height: Int(h), width: Int(w))
            }
        case (nil, let r?): candidates = r.map { .ratio(height: $0.0, width: $0.1) }
        case (nil, nil): candidates = [.ratio(height: 0.2, width: 0.2)]
        case (_?, _?):
            throw args.error(Keys.ratio, "'cutout' takes either 'cutout_shape' or 'cutout_ratio', not both", fix: "keep one of them")
        }
        fill = args[Keys.fill]
        labelFill = args[Keys.labelFill]
        keepLabel = args[Keys.keepLabel]
        p = args[Keys.p]
        if keepLabel && args.has(Keys.labelFill) {
            throw args.error(Keys.keepLabel, "'cutout' has both 'label_fill' and 'keep_label: true'", fix: "remove one: keep_label leaves the label unchanged")
        }
    }

    public func plan(_ state: inout PlanState) throws {
        try state.requireDecoded()
        if !keepLabel { try state.checkLabel(labelFill, parameter: "label_fill") }
    }

    /// The holes of one sample (none when the coin says no), drawn in mmseg's order.
    public func draw(width: Int, height: Int, random: inout SeededRandom) -> [Hole] {
        guard random.unit() < p else { return [] }
        return (0..<random.integer(in: holes)).map { _ in
            let x = random.below(width), y = random.below(height)
            return Hole(x: x, y: y, candidate: random.below(candidates.count))
        }
    }

    /// The boxes (x0, y0, x1, y1) the holes cover on an image `width` x `height`, in order.
    public func boxes(_ holes: [Hole], width: Int, height: Int) -> [(x0: Int, y0: Int, x1: Int, y1: Int)] {
        holes.map { h in
            let s = candidates[min(max(h.candidate, 0), candidates.count - 1)].size(width: width, height: height)
            return (h.x, h.y, min(max(h.x + s.width, 0), width), min(max(h.y + s.height, 0), height))
        }
    }

    /// Fills the boxes of `holes` in the image (with `fill`) and, unless `keep_label`, in the label.
    public func cut(_ sample: inout Sample, holes: [Hole], ignore: Int, labelBytes: Int = 1) {
        let boxes = self.boxes(holes, width: sample.image.width, height: sample.image.height)
        for b in boxes { Self.fill(&sample.image, b, with: fill) }
        if !keepLabel, !boxes.isEmpty {
            let v = labelFill.resolve(ignore: ignore)
            let bytes = max(sample.label.channels, labelBytes, v > 255 ? 2 : 1)
            if bytes != sample.label.channels, let wide = sample.label.label(bytes: bytes) { sample.label = wide }
            let value = sample.label.channels == 1 ? [UInt8(truncatingIfNeeded: v)] : Raster.littleEndian(v)
            for b in boxes { Self.fill(&sample.label, b, with: value) }
        }
    }

    /// Sets every pixel of box `b` of `r` to `value` (one byte per channel).
    static func fill(_ r: inout Raster, _ b: (x0: Int, y0: Int, x1: Int, y1: Int), with value: [UInt8]) {
        let c = r.channels, w = r.width
        let x0 = max(b.x0, 0), y0 = max(b.y0, 0), x1 = min(b.x1, r.width), y1 = min(b.y1, r.height)
        guard x0 < x1, y0 < y1, value.count == c else { return }
        r.pixels.withUnsafeMutableBufferPointer { px in
            for y in y0..<y1 {
                for x in x0..<x1 {
                    for k in 0..<c { px[(y * w + x) * c + k] = value[k] }
                }
            }
        }
    }

    public func apply(_ sample: inout Sample, random: inout SeededRandom, context: StageContext) throws {
        let holes = draw(width: sample.image.width, height: sample.image.height, random: &random)
        cut(&sample, holes: holes, ignore: context.ignoreIndex, labelBytes: context.labelBytes)
        let boxes = self.boxes(holes, width: sample.image.width, height: sample.image.height)
        sample.params["cutout_holes"] = Double(holes.count)
        for (i, b) in boxes.enumerated() {
            sample.params["cutout_\(i)_x"] = Double(b.x0)
            sample.params["cutout_\(i)_y"] = Double(b.y0)
            sample.params["cutout_\(i)_height"] = Double(b.y1 - b.y0)
            sample.params["cutout_\(i)_width"] = Double(b.x1 - b.x0)
        }
    }
}
