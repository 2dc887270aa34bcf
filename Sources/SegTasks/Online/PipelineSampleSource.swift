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
    /// The samples replaced under `on_error: skip` (see `withSample`).
    public let skipped = SkippedSamples()

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
    /// With `on_error: skip` in the pipeline, a sample that cannot be made (a damaged file) is
    /// recorded in `skipped` and replaced by the next one of the epoch that can (index + 1, + 2, …,
    /// wrapping): a batch keeps its size, as `run` keeps going without the sample.
    ///
    /// Throws `SampleError` naming the source file for a damaged image or label (with `on_error:
    /// skip`, only when no sample of the epoch can be made), `SamplerError` for an index or epoch
    /// out of range.
    public func withSample<R>(_ index: Int, epoch: Int, _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> R) throws -> R {
        try withDeliveredSample(index, epoch: epoch) { try body($1, $2) }
    }

    /// `withSample`, with the index of the sample made: `index`, or the one that replaced it.
    public func withDeliveredSample<R>(_ index: Int, epoch: Int, _ body: (Int, UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> R) throws -> R {
        let (made, sample) = try make(index, epoch: epoch)
        return try sample.image.pixels.withUnsafeBytes { image in
            try sample.label.pixels.withUnsafeBytes { label in try body(made, image, label) }
        }
    }

    private func make(_ index: Int, epoch: Int) throws -> (Int, Sample) {
        guard sampler.spec.onError == .skip, count > 0 else { return (index, try sampler.sample(index, epoch: epoch)) }
        var first: SampleError?
        for step in 0..<count {
            let i = step == 0 ? index : (index + step) % count
            do {
                return (i, try sampler.sample(i, epoch: epoch))
            } catch let e as SampleError {
                skipped.record(e)
                if first == nil { first = e }
            }
        }
        throw first ?? SamplerError.indexOutOfRange(index: index, count: count, file: sampler.spec.file)
    }

    /// Nothing to read ahead: the worker decodes the source files when it makes the sample.
    public func prefetch(_ index: Int) {}
}
