import SegImage
import Foundation

extension PipelineSpec {
    /// The context every stage of this pipeline sees.
    public var context: StageContext {
        var c = StageContext(classes: classes.count, ignoreIndex: ignoreIndex, height: height, width: width, maxPixels: maxPixels, source: input)
        c.labelColours = labelColours
        c.reduceZeroLabel = reduceZeroLabel
        c.labelBytes = labelBytes
        c.windows = windows
        c.cropWindows = windows != nil && tiling == nil
        c.classNames = classes
        c.pixelBudget = pixelLimit
        if case .rareClass(let r) = sampling { c.cropRetries = r.cropRetries }
        return c
    }

    /// The most pixels an image or label header may claim: the run's or the file's `max_pixels`,
    /// else the decode stage's. Every reader outside a run (`check`, `bench decode`) gates on it.
    public var pixelLimit: Int { maxPixels ?? DecodeStage(labelOnlyFor: self).maxPixels }

    /// Sample `record` of repeat `repeatIndex` as a run makes it: every stage (`process`), any
    /// failure told as a `SampleError` naming the file at fault. `seg-prep run`, `inspect` and
    /// `PipelineSampler` all make samples here.
    public func make(_ record: SampleRecord, repeatIndex: Int, donors: Donors?) throws(SampleError) -> Sample {
        var s = Sample(record: record, repeatIndex: repeatIndex)
        try make(&s, donors: donors)
        return s
    }

    /// `make` on a sample the caller holds, so what was done before a failure stays readable
    /// (`countSource`: the source's class pixels, which a run counts for survival even when the
    /// sample is left out).
    public func make(_ s: inout Sample, donors: Donors?, countSource: Bool = false) throws(SampleError) {
        do {
            try process(&s, donors: donors, countSource: countSource)
        } catch let e as SampleError {
            throw e
        } catch {
            throw SampleError(id: s.id, file: s.imagePath, problem: "failed (\(error))", fix: "check the file, or run with --on-error skip")
        }
    }

    /// Runs every stage on `sample` (drawing from generators keyed by seed, id, repeat and stage)
    /// and checks the result: output size and label values within the classes or the ignore class.
    ///
    /// `timed`, when given, receives each stage's index and wall seconds, `stages.count` for
    /// rendering the geometry (before the first stage that needs pixels, and at the end; a deferred
    /// decode is part of it) and `stages.count + 1` for the final checks.
    ///
    /// Throws `SampleError` naming the file at fault.
    ///
    /// `donors`: the input's other samples, which multi-image stages (`mosaic`, `class_mix`) need.
    /// `countSource`: record the source label's pixels per class in `sample.sourceClassPixels`
    /// once it is decoded (label survival).
    public func process(_ sample: inout Sample, donors: Donors? = nil, countSource: Bool = false,
                        timed: ((Int, Double) -> Void)? = nil) throws {
        try prepare(&sample, before: stages.count, donors: donors, countSource: countSource, timed: timed)
        let ctx = context
        let clock = ContinuousClock()
        let start = clock.now
        defer { if let timed { timed(stages.count + 1, Self.seconds(clock.now - start)) } }
        if sample.label.channels != labelBytes {
            // 16-bit source values mapped into 8-bit classes, or 8-bit values of a 16-bit pipeline.
            if let converted = sample.label.label(bytes: labelBytes) {
                sample.label = converted
            } else if let problem = Self.labelProblem(sample.label, classes: ctx.classes, ignore: ctx.ignoreIndex) {
                throw SampleError(id: sample.id, file: sample.labelPath, problem: problem,
                                  fix: "map the 16-bit values to classes with `- remap_labels: {map: {…}}` after decode, or fix `classes`")
            }
        }
        let s = sample
        guard s.image.width == width, s.image.height == height, s.label.width == width, s.label.height == height else {
            throw SampleError(id: s.id, file: s.imagePath, problem: "came out \(s.image.width)x\(s.image.height), not \(width)x\(height)",
                              fix: "check the geometric stages of the pipeline")
        }
        if let problem = Self.labelProblem(s.label, classes: ctx.classes, ignore: ctx.ignoreIndex) {
            throw SampleError(id: s.id, file: s.labelPath, problem: problem,
                              fix: "add `- remap_labels: {above: \(ctx.classes - 1), to: ignore}` after decode, or fix `classes`")
        }
    }

    /// Runs the stages before `end` on `sample` and renders its geometry (what `process` does
    /// before its final checks; a multi-image stage's donors are made with it).
    func prepare(_ sample: inout Sample, before end: Int, donors: Donors?, countSource: Bool = false,
                 timed: ((Int, Double) -> Void)? = nil) throws {
        if let problem = sample.problem { throw problem }
        var ctx = context
        ctx.donors = donors
        let clock = ContinuousClock()
        func render() throws {
            let start = clock.now
            try sample.render(context: ctx)
            if let timed { timed(stages.count, Self.seconds(clock.now - start)) }
        }
        for (i, stage) in stages.prefix(max(0, min(end, stages.count))).enumerated() {
            // A label-only stage on a sample with nothing pending maps the label in place (the
            // image, maybe still encoded, is untouched); every other stage sees rendered pixels.
            if !type(of: stage).isGeometric && !(type(of: stage).mapsLabelsOnly && sample.labelIsRendered) { try render() }
            let start = clock.now
            var rng = SeededRandom(seed: seed, id: sample.id, repeatIndex: sample.repeatIndex, stage: i)
            ctx.stageIndex = i
            try stage.apply(&sample, random: &rng, context: ctx)
            if let timed { timed(i, Self.seconds(clock.now - start)) }
            if countSource, stage is DecodeStage, !sample.windowedSource { sample.sourceClassPixels = sourceClassPixels(sample.label) }
        }
        try render()
    }

    /// "has label values … beyond the N classes …" when `labels` hold a value that is neither a
    /// class index nor `ignore`, else nil.
    static func labelProblem(_ label: Raster, classes: Int, ignore: Int) -> String? {
        let values: [Int]
        if label.channels == 1 {
            let labels = label.pixels
            let maxValue = Int(labels.max() ?? 0)
            guard maxValue >= classes, maxValue != ignore || ignore != classes else { return nil }
            var seen = [Bool](repeating: false, count: 256)
            for v in labels { seen[Int(v)] = true }
            values = (classes..<256).filter { seen[$0] && $0 != ignore }
        } else {
            let counts = label.labelHistogram
            values = counts.count > classes ? (classes..<counts.count).filter { counts[$0] > 0 && $0 != ignore } : []
        }
        guard !values.isEmpty else { return nil }
        let shown = values.prefix(5).map(String.init).joined(separator: ", ")
        return "has label values \(shown) beyond the \(classes) classes (0..\(classes - 1), ignore = \(ignore))"
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }
}
