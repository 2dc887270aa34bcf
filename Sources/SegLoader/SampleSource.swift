import SegFormat

/// Where a loader's samples come from: a fixed number of samples of one size, each rendered into
/// packed bytes for (index, epoch).
///
/// Shard folders (`ShardSet`) replay what was written whatever the epoch; a pipeline made online
/// (`PipelineSampleSource` in SegTasks) draws sample `index` of epoch `e` as a run's repeat `e`.
/// `withSample` is called from several worker threads at once.
public protocol SampleSource: Sendable {
    /// Samples in one epoch.
    var count: Int { get }
    /// Image height and width in pixels.
    var height: Int { get }
    var width: Int { get }
    /// Class names; the ignore class is their count.
    var classes: [String] { get }
    /// Element type of the label bytes (U8, or little-endian U16).
    var labelType: DType { get }
    /// Source id of each sample.
    var ids: [String] { get }
    /// The repeat of sample `index` delivered in `epoch` (what `Batch.repeats` records).
    func repeatIndex(_ index: Int, epoch: Int) -> Int
    /// Calls `body` with sample `index` of `epoch`: packed RGB bytes `[H, W, 3]` and label bytes `[H, W]`.
    ///
    /// Throws an error naming the file at fault when the sample cannot be read or made.
    func withSample<R>(_ index: Int, epoch: Int, _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> R) throws -> R
    /// A hint that sample `index` will be read soon.
    func prefetch(_ index: Int)
}

extension ShardSet: SampleSource {
    /// Shards hold fixed samples: every epoch reads the stored repeat.
    public func repeatIndex(_ index: Int, epoch: Int) -> Int { repeats[index] }

    public func withSample<R>(_ index: Int, epoch: Int, _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> R) throws -> R {
        try withSample(index, body)
    }
}
