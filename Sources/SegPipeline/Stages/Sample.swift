import SegImage
/// One sample moving through the stages: its source, pixels and the parameters drawn so far.
public struct Sample: Sendable {
    /// Source id (the line in the split file) and augmentation repeat index.
    public var id: String
    public var repeatIndex: Int
    /// Source files (for messages).
    public var imagePath: String
    public var labelPath: String
    /// RGB image (3 channels) and label map (1 channel, class indices): the source until the
    /// geometry is rendered, then the output; empty until `decode`.
    public var image = Raster(width: 0, height: 0, channels: 3, pixels: [])
    public var label = Raster(width: 0, height: 0, channels: 1, pixels: [])
    /// Parameters drawn by the stages, by name (`scale`, `aspect`, `flip`, `dx`, `dy`, `hue`, …).
    public var params: [String: Double] = [:]
    /// The geometric transforms drawn but not yet computed; `render()` computes the output window.
    public var geometry = Geometry()
    /// How the source image is held until the geometry is rendered (decoded, encoded, in its file).
    public var source = SourceAccess.pixels

    /// A problem found while listing the sample; processing it throws this.
    public var problem: SampleError?
    /// The window of the source image this sample is (`tile`), or nil.
    public var window: TileWindow?
    /// Pixels per class of the source label after the value-mapping stages, before any geometry
    /// (for label survival); set by `PipelineSpec.process(_:countSource:)`, nil for a source left
    /// in its files (only windows of it are read).
    public var sourceClassPixels: [Int]?
    /// The class rare-class sampling drew this sample for (`random_crop` redraws its window until
    /// the window holds it), or nil.
    public var rareClass: Int?

    public init(id: String, repeatIndex: Int, imagePath: String, labelPath: String) {
        self.id = id; self.repeatIndex = repeatIndex; self.imagePath = imagePath; self.labelPath = labelPath
    }

    /// The sample of `record` for augmentation repeat `repeatIndex`.
    public init(record: SampleRecord, repeatIndex: Int) {
        self.init(id: record.id, repeatIndex: repeatIndex, imagePath: record.image, labelPath: record.label)
        problem = record.problem
        window = record.window
    }
}

extension Sample {
    /// A sample already holding decoded pixels (for previews and tests).
    public init(id: String, image: Raster, label: Raster) {
        self.init(id: id, repeatIndex: 0, imagePath: id, labelPath: id)
        self.image = image
        self.label = label
    }
}
