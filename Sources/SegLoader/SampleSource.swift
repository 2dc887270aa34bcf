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
    /// `withSample` for a loader, which records what it delivers: `body` also receives the index of
    /// the sample made, which a source may choose in place of `index` (a pipeline with `on_error:
    /// skip` makes the next sample when one cannot be made). By default the sample `index` itself.
    func withDeliveredSample<R>(_ index: Int, epoch: Int, _ body: (Int, UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> R) throws -> R
    /// A hint that sample `index` will be read soon.
    func prefetch(_ index: Int)
}

extension SampleSource {
    public func withDeliveredSample<R>(_ index: Int, epoch: Int, _ body: (Int, UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> R) throws -> R {
        try withSample(index, epoch: epoch) { try body(index, $0, $1) }
    }
}

extension ShardSet: SampleSource {
    /// Shards hold fixed samples: every epoch reads the stored repeat.
    public func repeatIndex(_ index: Int, epoch: Int) -> Int { repeats[index] }

    public func withSample<R>(_ index: Int, epoch: Int, _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> R) throws -> R {
        try withSample(index, body)
    }
}
