import SegImage
import SegFormat
import SegPipeline
import SegTrain

/// A pipeline's samples as a loader's source: sample `index` of epoch `e` is drawn online, byte for
/// byte what `seg-prep run` writes for source sample `index`, repeat `e`, so every epoch brings
/// fresh draws and a run with `repeats: R` holds exactly epochs `0..<R`.
///
/// ```swift
/// let source = try PipelineSampleSource(path: "pipelines/voc-train.yaml")
/// let loader = try ShardLoader(source: source, options: options)   // workers render the samples
/// ```
public struct PipelineSampleSource: SampleSource {
    public let sampler: PipelineSampler

    /// Opens the pipeline at `path` (`inputRoot` and `seed` override its `input.root` and `seed`).
    ///
    /// Throws `PipelineError` (`file:line:column`) for a bad file and `InputError` when the dataset cannot be listed.
    public init(path: String, inputRoot: String? = nil, seed: UInt64? = nil) throws {
        sampler = try PipelineSampler(path: path, inputRoot: inputRoot, seed: seed)
    }

    public init(sampler: PipelineSampler) { self.sampler = sampler }

    public var count: Int { sampler.count }
    public var height: Int { sampler.height }
    public var width: Int { sampler.width }
    public var classes: [String] { sampler.spec.classes }
    public var labelType: DType { sampler.spec.labelType }
    public var ids: [String] { sampler.ids }

    /// Epoch `e` is the run's repeat `e`.
    public func repeatIndex(_ index: Int, epoch: Int) -> Int { epoch }

    /// Makes the sample (every stage, checked as a run checks it) and hands `body` its bytes.
    ///
    /// Throws `SampleError` naming the source file for a damaged image or label, `SamplerError` for
    /// an index or epoch out of range.
    public func withSample<R>(_ index: Int, epoch: Int, _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> R) throws -> R {
        let sample = try sampler.sample(index, epoch: epoch)
        return try sample.image.pixels.withUnsafeBytes { image in
            try sample.label.pixels.withUnsafeBytes { label in try body(image, label) }
        }
    }

    /// Nothing to read ahead: the worker decodes the source files when it makes the sample.
    public func prefetch(_ index: Int) {}
}
