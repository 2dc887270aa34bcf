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

    /// Whether the window at (`y`, `x`) passes the `cat_max_ratio` test on `label`.
    func passes(_ label: Raster, y: Int, x: Int, ignore: Int) -> Bool {
        var counts = [Int](repeating: 0, count: 256)
        let h = min(height, label.height - y), w = min(width, label.width - x)
        label.pixels.withUnsafeBufferPointer { p in
            counts.withUnsafeMutableBufferPointer { n in
                for r in y..<(y + h) {
                    let row = p.baseAddress! + r * label.width + x
                    for c in 0..<w { n[Int(row[c])] += 1 }
                }
            }
        }
        counts[255] = 0
        if ignore < 256 { counts[ignore] = 0 }
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
        let h = min(height, r.height - y), w = min(width, r.width - x), c = r.channels
        var out = [UInt8](); out.reserveCapacity(h * w * c)
        for row in y..<(y + h) { out += r.pixels[((row * r.width + x) * c)..<((row * r.width + x + w) * c)] }
        return Raster(width: w, height: h, channels: c, pixels: out)
    }

    /// Takes a pending `resize`: the whole resized label decides the window, then only the window
    /// of the image is resampled.
    public static var acceptsPendingResize: Bool { true }

    public func apply(_ sample: inout Sample, random: inout SeededRandom, context: StageContext) throws {
        if sample.windowedSource, let cache = context.windows {
            try applyToWindows(&sample, random: &random, context: context, cache: cache)
            return
        }
        var window: PendingResize?
        if let p = sample.pending, p.method != .pillowBicubic, !p.horizontalFlip, !p.verticalFlip {
            window = p
            sample.label = CVResize.nearest(sample.label, width: p.width, height: p.height)
            sample.pending = nil
        } else {
            try sample.materialize()
            try sample.decodeImage()
        }
        let (fullH, fullW) = window.map { ($0.height, $0.width) } ?? (sample.image.height, sample.image.width)
        let marginH = max(fullH - height, 0), marginW = max(fullW - width, 0)
        // Drawn one window at a time, as mmseg does (rows first), so later draws are not consumed.
        var candidates: [(Int, Int)] = []
        var picked = 0
        for i in 0..<11 {
            candidates.append((Int(random.unit() * Double(marginH + 1)), Int(random.unit() * Double(marginW + 1))))
            if catMaxRatio >= 1 || i == 10 || passes(sample.label, y: candidates[i].0, x: candidates[i].1, ignore: context.ignoreIndex) {
                picked = i
                break
            }
        }
        let (y, x) = candidates[picked]
        if let p = window {
            let area = Resample.Window(x0: x, y0: y, x1: min(x + width, p.width), y1: min(y + height, p.height))
            sample.image = p.cvImage(sample.image, window: area)
        } else {
            sample.image = Self.crop(sample.image, y: y, x: x, height: height, width: width)
        }
        sample.label = Self.crop(sample.label, y: y, x: x, height: height, width: width)
        sample.params["crop_y"] = Double(y)
        sample.params["crop_x"] = Double(x)
        sample.params["crop_tries"] = Double(picked + 1)
    }

    /// The same draws and test on a large source `decode` left unread: only each tested window of
    /// the label, and the kept window of the image, are read (libvips region reads).
    func applyToWindows(_ sample: inout Sample, random: inout SeededRandom, context: StageContext, cache: WindowCache) throws {
        let image = try WindowReader.open(cache, sample.imagePath, id: sample.id, what: "image")
        let labels = try WindowReader.open(cache, sample.labelPath, id: sample.id, what: "label")
        let (fullH, fullW) = (image.image.height, image.image.width)
        let marginH = max(fullH - height, 0), marginW = max(fullW - width, 0)
        func box(_ c: (Int, Int)) -> (y: Int, x: Int, height: Int, width: Int) {
            (c.0, c.1, min(height, fullH - c.0), min(width, fullW - c.1))
        }
        var candidates: [(Int, Int)] = []
        var picked = 0
        var label: Raster?
        for i in 0..<11 {
            candidates.append((Int(random.unit() * Double(marginH + 1)), Int(random.unit() * Double(marginW + 1))))
            if catMaxRatio >= 1 || i == 10 { picked = i; label = nil; break }
            let l = try WindowReader.indices(labels, box(candidates[i]), id: sample.id, context: context)
            if passes(l, y: 0, x: 0, ignore: context.ignoreIndex) { picked = i; label = l; break }
        }
        let b = box(candidates[picked])
        sample.label = try label ?? WindowReader.indices(labels, b, id: sample.id, context: context)
        sample.image = try WindowReader.rgb(image.image, b, id: sample.id) { try image.read(x: b.x, y: b.y, width: b.width, height: b.height) }
        sample.windowedSource = false
        sample.params["crop_y"] = Double(b.y)
        sample.params["crop_x"] = Double(b.x)
        sample.params["crop_tries"] = Double(picked + 1)
    }
}
