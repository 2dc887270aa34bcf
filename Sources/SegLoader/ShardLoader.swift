import Foundation
import SegFormat

/// Feeds training from shard folders or any other `SampleSource` (a pipeline made online):
/// shuffled, rank-partitioned batches converted by worker threads into a bounded queue of
/// preallocated, recycled buffers. Workers read (or render) the samples themselves, so a source
/// that draws samples online draws epoch `e` while the trainer steps.
///
/// ```swift
/// var options = LoaderOptions(); options.batchSize = 8; options.seed = 42
/// let loader = try ShardLoader(folders: ["out/camvid-train"], options: options)
/// for epoch in 0..<20 {
///     try loader.epoch(epoch).forEach { batch in train(batch.images, batch.labels, batch.count) }
/// }
/// ```
/// Batch contents depend only on the source, the options and the epoch, never on `workers`.
/// One epoch runs at a time per loader.
public final class ShardLoader: @unchecked Sendable {
    /// Where the samples come from: validated, mapped folders (`ShardSet`) or a pipeline.
    public let source: any SampleSource
    /// The shard folders, when the source is shards.
    public var shards: ShardSet? { source as? ShardSet }
    /// Options in force.
    public let options: LoaderOptions
    /// Which samples this rank reads each epoch.
    public let sampler: EpochSampler

    let converter: BatchConverter
    /// The preallocated batch buffers, reused by every epoch.
    let buffers: [Batch]
    private let lock = NSLock()
    private var epochRunning = false

    /// Opens, validates and maps `folders`, then allocates `queueDepth` batch buffers.
    ///
    /// Throws `LoaderError`/`ManifestError` for missing or damaged folders and invalid options.
    public convenience init(folders: [String], options: LoaderOptions = LoaderOptions(), verifyChecksums: Bool = false) throws {
        try self.init(source: ShardSet(folders: folders, verifyChecksums: verifyChecksums), options: options)
    }

    /// A loader over already opened shards; throws `LoaderError` when an option is out of range.
    public convenience init(shards: ShardSet, options: LoaderOptions = LoaderOptions()) throws {
        try self.init(source: shards, options: options)
    }

    /// A loader over `source`; throws `LoaderError` when an option is out of range.
    public init(source: any SampleSource, options: LoaderOptions = LoaderOptions()) throws {
        try options.validate(classes: source.classes.count)
        self.source = source
        self.options = options
        self.sampler = EpochSampler(count: source.count, seed: options.seed, shuffle: options.shuffle,
                                    rank: options.rank, worldSize: options.worldSize, dropUneven: options.dropUneven)
        self.converter = BatchConverter(classes: source.classes.count, labelType: source.labelType, options: options)
        self.buffers = (0..<options.resolvedQueueDepth).map { _ in
            Batch(capacity: options.batchSize, height: source.height, width: source.width,
                  classes: source.classes.count, options: options)
        }
    }

    /// Samples this rank reads per epoch (before dropping a short last batch).
    public var samplesPerEpoch: Int { sampler.samplesPerRank }

    /// Batches per epoch on this rank.
    public var batchesPerEpoch: Int {
        let n = sampler.samplesPerRank, b = options.batchSize
        return options.dropLast ? n / b : (n + b - 1) / b
    }

    /// Global sample indices of `epoch` on this rank, in delivery order (all of them, even those a
    /// `dropLast` would leave out).
    public func sampleOrder(epoch: Int) -> [Int] { sampler.indices(epoch: epoch) }

    /// Starts `epoch`: workers begin filling batches at once.
    ///
    /// - Precondition: no other epoch of this loader is still running (finish it or drop it first).
    public func epoch(_ epoch: Int) -> LoaderEpoch {
        lock.lock()
        precondition(!epochRunning, "an epoch of this loader is still running; finish or release it before starting another")
        epochRunning = true
        lock.unlock()
        return LoaderEpoch(loader: self, epoch: epoch)
    }

    /// Called by `LoaderEpoch` when its workers have stopped.
    func epochEnded() {
        lock.lock(); epochRunning = false; lock.unlock()
    }
}
