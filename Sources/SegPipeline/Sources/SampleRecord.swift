import SegImage
/// One sample of a dataset as a source lists it: a stable id, its image file and its label file.
public struct SampleRecord: Sendable, Equatable {
    /// The id (unique in the dataset; keys every random draw and names the sample in the manifest).
    public var id: String
    public var image: String
    public var label: String
    /// Why the sample cannot be made (an image without a label, …), found while listing: the
    /// sample fails with this error when it is processed (or is skipped with `--on-error skip`).
    public var problem: SampleError?
    /// The window of the image this sample is (set by a `tile` stage's listing), or nil for the
    /// whole image.
    public var window: TileWindow?

    public init(id: String, image: String, label: String, problem: SampleError? = nil) {
        self.id = id; self.image = image; self.label = label; self.problem = problem
    }
}
