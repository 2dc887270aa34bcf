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
        try Self.checkMemory(source: source, options: options)
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

    /// The most bytes the loader's batch buffers may take together.
    public static let maxBufferBytes = 1 << 32

    /// Refuses options whose batch buffers (images, and one-hot maps of every class) would pass
    /// `maxBufferBytes`, before any is allocated: one-hot maps of thousands of classes are large.
    static func checkMemory(source: any SampleSource, options: LoaderOptions) throws {
        let classes = source.classes.count, depth = options.resolvedQueueDepth
        let channels = 3 + (options.oneHot ? classes + 1 : 0)
        var bytes = 4, overflow = false
        for factor in [source.width, source.height, channels, options.batchSize, depth] where !overflow {
            (bytes, overflow) = bytes.multipliedReportingOverflow(by: max(factor, 0))
        }
        guard overflow || bytes > maxBufferBytes else { return }
        let gib = overflow ? "more than 2^63 bytes" : String(format: "%.1f GiB", Double(bytes) / Double(1 << 30))
        throw LoaderError.option(name: options.oneHot ? "one-hot batches" : "batches",
                                 value: "\(options.batchSize) samples of \(source.width)x\(source.height)\(options.oneHot ? " with \(classes + 1) one-hot channels" : "")",
                                 expected: "the loader's \(depth) batch buffers would take \(gib), more than 4 GiB; lower the batch size\(options.oneHot ? ", or leave one-hot maps off (the labels are enough for cross-entropy)" : "")")
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
