import SegImage
/// `random_crop`: mmsegmentation's `RandomCrop` with its `cat_max_ratio` rule.
public struct RandomCropStage: Stage {
    public static let declaration = StageDeclaration(
        name: "random_crop",
        summary: "Crop a random window, retrying while one class dominates it, as mmseg's RandomCrop.",
        details: "Draws the window's top and left offsets in `0 … max(side − size, 0)` (rows first). With `cat_max_ratio` below 1, up to ten windows are tested in order and the first whose largest class covers less than `cat_max_ratio` of its labelled pixels, with at least two classes, is kept; if none passes, an eleventh window is used untested. Pixels of the ignore class (and 255) are left out of the count. A side smaller than `size` keeps its size (follow with `pad`).",
        label: "Cropped with the image; its classes decide the window.",
        random: true,
        parameters: [Keys.size.info, Keys.catMaxRatio.info])

    enum Keys {
        static let size = Param<(height: Int, width: Int)>.size("size", "window [height, width] (mmseg's crop_size)")
        static let catMaxRatio = Param<Double>.number("cat_max_ratio", in: 0...1, default: 1, "largest share one class may have in the window; 1 accepts the first window")
    }

    let height: Int, width: Int
    let catMaxRatio: Double

    public init(_ args: StageArgs) throws {
        (height, width) = args[Keys.size]
        catMaxRatio = args[Keys.catMaxRatio]
    }

    public func plan(_ state: inout PlanState) throws {
        try state.requireDecoded()
        if state.size != nil || state.awaitingPlacement {
            throw state.fail("'random_crop' comes after a stage that already fixed the output size", fix: "put random_crop after resize and before pad")
        }
        state.bound = (height, width)
    }

    /// Whether the window at (`y`, `x`) passes the `cat_max_ratio` test on `label`; value 255 is
    /// left out of the count too (mmseg's ignore value) unless the pipeline's labels are 16-bit
    /// (`wide`), where it is a class.
    func passes(_ label: Raster, y: Int, x: Int, ignore: Int, wide: Bool = false) -> Bool {
        let h = min(height, label.height - y), w = min(width, label.width - x)
        var counts: [Int]
        if label.channels == 1 {
            counts = [Int](repeating: 0, count: 256)
            label.pixels.withUnsafeBufferPointer { p in
                counts.withUnsafeMutableBufferPointer { n in
                    for r in y..<(y + h) {
                        let row = p.baseAddress! + r * label.width + x
                        for c in 0..<w { n[Int(row[c])] += 1 }
                    }
                }
            }
        } else {
            counts = label.window(Resample.Window(x0: x, y0: y, x1: x + w, y1: y + h)).labelHistogram
        }
        if !wide && counts.count > 255 { counts[255] = 0 }
        if ignore < counts.count { counts[ignore] = 0 }
        let present = counts.filter { $0 > 0 }
        let total = present.reduce(0, +)
        return present.count > 1 && Double(present.max() ?? 0) / Double(total) < catMaxRatio
    }

    /// The window among `candidates` (offsets [y, x], at most 11) that mmseg keeps: its index.
    func pick(_ label: Raster, candidates: [(Int, Int)], ignore: Int) -> Int {
        guard catMaxRatio < 1 else { return 0 }
        for i in 0..<min(10, candidates.count - 1) where passes(label, y: candidates[i].0, x: candidates[i].1, ignore: ignore) {
            return i
        }
        return min(10, candidates.count - 1)
    }

    /// Crops image and label to the window at (`y`, `x`).
    static func crop(_ r: Raster, y: Int, x: Int, height: Int, width: Int) -> Raster {
        r.window(Resample.Window(x0: x, y0: y, x1: min(x + width, r.width), y1: min(y + height, r.height)))
    }

    public static var isGeometric: Bool { true }

    /// Draws the windows one at a time, as mmseg does (rows first), testing each on its window of
    /// the label as the geometry so far renders it (only that window is rendered, or read from a
    /// large source `decode` left in its files), and composes the kept one onto the geometry; the
    /// renderer then resamples only that window of the image.
    public func apply(_ sample: inout Sample, random: inout SeededRandom, context: StageContext) throws {
        if sample.geometry.canvas != nil { try sample.render(context: context) }
        let (fullW, fullH) = sample.outputSize
        let marginH = max(fullH - height, 0), marginW = max(fullW - width, 0)
        func box(_ c: (Int, Int)) -> Resample.Window {
            Resample.Window(x0: c.1, y0: c.0, x1: min(c.1 + width, fullW), y1: min(c.0 + height, fullH))
        }
        // A candidate's label, rendered (nearest; or read from the file) for its window only.
        func label(_ w: Resample.Window) throws -> Raster {
            var probe = sample
            _ = probe.geometry.compose(crop: w)
            return try probe.renderedLabel(context: context)
        }
        // One window as mmseg picks it: its offsets and the candidates tried.
        func choose() throws -> ((Int, Int), Int) {
            var candidates: [(Int, Int)] = []
            var picked = 0
            for i in 0..<11 {
                candidates.append((Int(random.unit() * Double(marginH + 1)), Int(random.unit() * Double(marginW + 1))))
                if catMaxRatio >= 1 || i == 10 { picked = i; break }
                if passes(try label(box(candidates[i])), y: 0, x: 0, ignore: context.ignoreIndex, wide: context.labelBytes == 2) { picked = i; break }
            }
            return (candidates[picked], picked + 1)
        }
        var (window, tries) = try choose()
        // Rare-class sampling: redrawn (from the same generator) until the window holds the drawn class.
        if let c = sample.rareClass, context.cropRetries > 0 {
            var retries = 0
            while retries < context.cropRetries, try !Self.holds(label(box(window)), value: c) {
                (window, tries) = try choose()
                retries += 1
            }
            sample.params["crop_retries"] = Double(retries)
        }
        let (y, x) = window
        _ = sample.geometry.compose(crop: box(window))
        sample.params["crop_y"] = Double(y)
        sample.params["crop_x"] = Double(x)
        sample.params["crop_tries"] = Double(tries)
    }

    /// Whether `label` holds a pixel of value `value`.
    static func holds(_ label: Raster, value: Int) -> Bool {
        if label.channels == 1 { return (0..<256).contains(value) && label.pixels.contains(UInt8(truncatingIfNeeded: value)) }
        let h = label.labelHistogram
        return value < h.count && h[value] > 0
    }
}
