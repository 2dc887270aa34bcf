/// The keys of a pipeline file outside `stages`, declared once for the parser and the docs.
public enum PipelineKeys {
    /// The top level.
    public enum Top {
        static let version = Param<Int>.integer("version", in: 1...1, default: 1, "layout version of the file")
        static let input = Param<ParameterValues.Located>.node("input", .section, "the dataset: `{format: voc, root: DIR, split: train}`")
        static let classes = Param<ParameterValues.Located>.node("classes", .classes, "`N` or a list of class names; the ignore class takes index N")
        static let seed = Param<Int>.integer("seed", in: 0...Int.max, default: 0, "seed every random draw is keyed by (with the sample id, repeat and stage)")
        static let repeats = Param<Int>.integer("repeats", in: 1...10_000, default: 1, "augmented copies of each source sample")
        static let stages = Param<ParameterValues.Located>.node("stages", .list, "a list of stages starting with `- decode: {}`")
        static let output = Param<ParameterValues.Located>.node("output", .section, "where shards go: `{dir: out/NAME}`")
        static let onError = Param<PipelineSpec.OnError>.choice("on_error", default: .fail, "bad samples: `fail` the run (after keeping complete shards) or `skip` them")

        public static let all = [version.info, input.info, classes.info, seed.info, repeats.info, stages.info, output.info, onError.info]
    }

    /// `input:`.
    public enum Input {
        public enum Format: String, Sendable, CaseIterable { case voc }
        static let format = Param<Format>.choice("format", default: .voc, "dataset layout")
        static let root = Param<String>.text("root", "dataset folder (relative to the pipeline file, or absolute)")
        static let split = Param<String>.text("split", default: "train", "split file `ImageSets/Segmentation/<split>.txt`")
        static let images = Param<String>.text("images", default: "JPEGImages", "image folder inside root")
        static let labels = Param<String>.text("labels", default: "SegmentationClass", "label folder inside root")

        public static let all = [format.info, root.info, split.info, images.info, labels.info]
    }

    /// `output:`.
    public enum Output {
        static let dir = Param<String>.text("dir", "output folder (relative to the pipeline file, or absolute)")
        static let samplesPerShard = Param<Int>.integer("samples_per_shard", in: 1...100_000, default: 64, "samples in each shard file")

        public static let all = [dir.info, samplesPerShard.info]
    }
}
