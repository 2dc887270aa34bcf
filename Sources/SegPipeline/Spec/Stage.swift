/// One step of a pipeline: declared (for parsing and docs), planned (before any pixel), applied (per sample).
///
/// A new stage is one file with a type conforming to `Stage` plus one line in `StageRegistry.all`.
public protocol Stage: Sendable {
    /// Name, documentation and parameters; the parser and `seg-prep stages` both read this.
    static var declaration: StageDeclaration { get }
    /// Builds the stage from checked parameters; throws `PipelineError` for values that conflict.
    init(_ args: StageArgs) throws
    /// Checks the stage against what the stages before it produce and records what it produces.
    func plan(_ state: inout PlanState) throws
    /// Transforms one sample; draws only from `random`, records its draws in `sample.params`.
    func apply(_ sample: inout Sample, random: inout SeededRandom, context: StageContext) throws
    /// Whether `apply` only composes onto the sample's geometry; any other stage sees the
    /// rendered pixels (`Sample.render`).
    static var isGeometric: Bool { get }
    /// Whether `apply` only maps label values pixel by pixel, reading nothing else: then a sample
    /// whose geometry is the identity is not rendered for it, and a JPEG kept encoded stays so
    /// (to be decoded only where the output window reads).
    static var mapsLabelsOnly: Bool { get }
}

extension Stage {
    public static var isGeometric: Bool { false }
    public static var mapsLabelsOnly: Bool { false }
}

/// Facts every stage may need while applying.
public struct StageContext: Sendable {
    /// Number of real classes.
    public var classes: Int
    /// Label value of ignored pixels (`classes` unless the pipeline sets `ignore_index`).
    public var ignoreIndex: Int
    /// The pipeline's output size in pixels.
    public var height: Int
    public var width: Int
    /// A pixel limit for decoded files that replaces `decode`'s `max_pixels` (`--max-pixels`).
    public var maxPixels: Int?
    /// The pipeline's own pixel limit (`decode`'s `max_pixels`), which `rasterLimit` falls back on.
    public var pixelBudget: Int?
    /// The input source, which reads label files into class indices (nil: palette/grey PNGs).
    public var source: (any InputSource)?
    /// The colours of colour-coded label images, or nil when label files hold class indices.
    public var labelColours: LabelColours?
    /// Bytes per label value the pipeline stores (1: U8; 2: U16, when a class or the ignore value
    /// is above 255); labels are read at least this wide.
    public var labelBytes = 1
    /// The open files windows are read from, when a `tile` stage cuts the images or `random_crop`
    /// follows `decode`.
    public var windows: WindowCache?
    /// `random_crop` directly follows `decode` (large images are read as windows).
    public var cropWindows = false
    /// Label values go through mmsegmentation's reduce-zero-label after the source's own mapping.
    public var reduceZeroLabel = false
    /// The pipeline's class names (`class_mix`'s `classes` may name them).
    public var classNames: [String] = []
    /// Times `random_crop` redraws its window until it holds `Sample.rareClass` (rare-class sampling).
    public var cropRetries = 0
    /// Index of the stage being applied in the pipeline's `stages`.
    public var stageIndex = 0
    /// The other samples of the input, for stages that mix samples (`mosaic`, `class_mix`); nil
    /// outside a run (previews), where such stages fail the sample.
    public var donors: Donors?

    public init(classes: Int, ignoreIndex: Int? = nil, height: Int, width: Int, maxPixels: Int? = nil, source: (any InputSource)? = nil) {
        self.classes = classes; self.ignoreIndex = ignoreIndex ?? classes; self.height = height; self.width = width; self.maxPixels = maxPixels
        self.source = source
    }
}

/// What the stages planned so far produce; stages check and update it before any pixel is read.
public struct PlanState: Sendable {
    public var classes: Int
    /// `decode` has run.
    public var decoded = false
    /// Stages planned before the current one.
    public var planned = 0
    /// A `tile` stage cuts the images into windows.
    public var tiled = false
    /// The fixed output size once a stage sets it: (height, width).
    public var size: (height: Int, width: Int)?
    /// The largest size samples can have so far when it is bounded but not fixed (`random_crop`).
    public var bound: (height: Int, width: Int)?
    /// A `random_resize` is waiting for a `place` to put it on its canvas.
    public var awaitingPlacement = false
    /// The largest label value the pipeline stores (255 for U8 labels, 65535 for U16).
    public var labelMax = 255
    /// `one_hot` has been declared (it must be last).
    public var oneHot = false
    /// The pipeline's class names.
    public var classNames: [String] = []
    /// Name of the current stage and its args (for errors).
    public var current: StageArgs?

    /// An error located at the current stage.
    public func fail(_ message: String, fix: String, parameter: String? = nil) -> PipelineError {
        guard let a = current else { return PipelineError(file: "", line: 0, column: 0, message: message, fix: fix) }
        return a.error(parameter, message, fix: fix)
    }

    /// Throws unless `value` fits the pipeline's labels (`parameter` names it).
    public func checkLabel(_ value: LabelValue, parameter: String) throws {
        guard case .value(let v) = value, Int(v) > labelMax else { return }
        throw fail("'\(parameter)' is \(v), above \(labelMax), the largest label value with \(classes) classes and this ignore value",
                   fix: "use a class index or `ignore` (labels become 16-bit when `classes` or `ignore_index` is above 255)", parameter: parameter)
    }

    /// Throws unless `decode` came before the current stage.
    public func requireDecoded() throws {
        if !decoded {
            throw fail("stage '\(current?.stage ?? "?")' comes before 'decode'", fix: "put `- decode: {}` first in `stages`")
        }
    }
}
