import SegFormat

/// The keys of a pipeline file outside `stages`, declared once for the parser and the docs.
public enum PipelineKeys {
    /// The top level.
    public enum Top {
        static let version = Param<Int>.integer("version", in: 1...1, default: 1, "layout version of the file")
        static let input = Param<ParameterValues.Located>.node("input", .section, "the dataset: `{format: voc, root: DIR, split: train}`")
        static let classes = Param<ParameterValues.Located>.node("classes", .classes, "`N` or a list of class names; the ignore class takes index N")
        static let ignoreIndex = Param<Int?>.integer("ignore_index", in: 1...65_535, "label value of ignored pixels (padding, `ignore` in remaps, void classes), recorded in index.json; default: the class count, as the reference (mmsegmentation uses 255); must not be a class index. Labels are stored as U8, or U16 when a class index or this value is above 255")
        static let seed = Param<Int>.integer("seed", in: 0...Int.max, default: 0, "seed every random draw is keyed by (with the sample id, repeat and stage)")
        static let repeats = Param<Int>.integer("repeats", in: 1...10_000, default: 1, "augmented copies of each source sample")
        static let stages = Param<ParameterValues.Located>.node("stages", .list, "a list of stages starting with `- decode: {}`")
        static let output = Param<ParameterValues.Located>.node("output", .section, "where shards go: `{dir: out/NAME}`")
        static let onError = Param<PipelineSpec.OnError>.choice("on_error", default: .fail, "bad samples: `fail` the run (after keeping complete shards) or `skip` them")

        public static let all = [version.info, input.info, classes.info, ignoreIndex.info, seed.info, repeats.info, stages.info, output.info, onError.info]
    }

    /// `input:`: `format` picks the source (`SourceRegistry`), whose own keys follow.
    public enum Input {
        static let format = Param<String>.word("format", choices: SourceRegistry.names, default: "voc", "dataset layout (the input source)")
        static let labelColors = Param<ParameterValues.Located?>.optionalNode("label_colors", .palette, "label files are RGB images whose colours stand for classes (any colour not listed is an error); default: labels hold class indices")

        static let reduceZeroLabel = Param<Bool>.flag("reduce_zero_label", default: false, "mmsegmentation's reduce-zero-label after reading: 0 (and 255) become the ignore class, v becomes v − 1 (built into `format: ade20k`); on 16-bit label PNGs only 0 is ignored")

        static let sampling = Param<ParameterValues.Located?>.optionalNode("sampling", .sampling, "how the `repeats` budget (sources × repeats samples) is spread over the sources: `uniform` (every source `repeats` times) or `{rare_class: {…}}` (DAFormer's rare-class sampling, keys below)")

        /// The keys every source takes.
        public static let common = [format.info, labelColors.info, reduceZeroLabel.info, sampling.info]
    }

    /// `input.sampling: {rare_class: {…}}`: each sample draws a class c with p(c) ∝ exp((1 − f_c)/T)
    /// (f_c: the class's share of the labelled source pixels), then a source holding c.
    public enum RareClass {
        static let temperature = Param<Double>.number("temperature", in: 0.0001...100, default: 0.01, "T: lower favours rare classes more strongly (DAFormer uses 0.01)")
        static let minPixels = Param<Int>.integer("min_pixels", in: 1...1_000_000_000, default: 1, "pixels of class c a source must hold (after value-mapping label stages) to be drawn for c")
        static let cropRetries = Param<Int>.integer("crop_retries", in: 0...100, default: 10, "times `random_crop` redraws its window until the window holds c (the last draw is kept)")

        public static let all = [temperature.info, minPixels.info, cropRetries.info]
    }

    /// `output:`.
    public enum Output {
        static let dir = Param<String>.text("dir", "output folder (relative to the pipeline file, or absolute)")
        static let samplesPerShard = Param<Int>.integer("samples_per_shard", in: 1...100_000, default: 64, "samples in each shard file")
        static let checksum = Param<ChecksumAlgorithm>.choice("checksum", default: .xxh3, "each shard's checksum in index.json: `xxh3-128` (fast integrity check) or `sha256` (cryptographic)")

        static let minSurvival = Param<ParameterValues.Located?>.optionalNode("min_survival", .classFractions, "floor on label survival per class, e.g. `{bicyclist: 0.5}`: `seg-prep check` warns when, of the drawn samples made from sources holding the class, a smaller fraction keeps a pixel of it")

        public static let all = [dir.info, samplesPerShard.info, checksum.info, minSurvival.info]
    }
}
