extension PipelineSpec {
    /// The context every stage of this pipeline sees.
    public var context: StageContext {
        var c = StageContext(classes: classes.count, height: height, width: width, maxPixels: maxPixels, source: input)
        c.labelColours = labelColours
        return c
    }

    /// Runs every stage on `sample` (drawing from generators keyed by seed, id, repeat and stage)
    /// and checks the result: output size and label values within the classes or the ignore class.
    ///
    /// Throws `SampleError` naming the file at fault.
    public func process(_ sample: inout Sample) throws {
        if let problem = sample.problem { throw problem }
        let ctx = context
        for (i, stage) in stages.enumerated() {
            if !type(of: stage).acceptsPendingResize {
                try sample.materialize()
                try sample.decodeImage()
            }
            var rng = SeededRandom(seed: seed, id: sample.id, repeatIndex: sample.repeatIndex, stage: i)
            try stage.apply(&sample, random: &rng, context: ctx)
        }
        try sample.materialize()
        try sample.decodeImage()
        let s = sample
        guard s.image.width == width, s.image.height == height, s.label.width == width, s.label.height == height else {
            throw SampleError(id: s.id, file: s.imagePath, problem: "came out \(s.image.width)x\(s.image.height), not \(width)x\(height)",
                              fix: "check the geometric stages of the pipeline")
        }
        let maxValue = s.label.pixels.max() ?? 0
        if Int(maxValue) > ctx.ignoreIndex {
            let values = Set(s.label.pixels.filter { Int($0) > ctx.ignoreIndex }).sorted().prefix(5).map(String.init).joined(separator: ", ")
            throw SampleError(
                id: s.id, file: s.labelPath,
                problem: "has label values \(values) beyond the \(ctx.classes) classes (0..\(ctx.classes - 1), ignore = \(ctx.ignoreIndex))",
                fix: "add `- remap_labels: {above: \(ctx.classes - 1), to: ignore}` after decode, or fix `classes`")
        }
    }
}
