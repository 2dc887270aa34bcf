import SegFormat

/// How a `ShardLoader` batches, shuffles, partitions, normalises and prefetches.
///
/// Defaults follow the reference `DataLoader`: shuffle on, `drop_last` off, images scaled by 1/255
/// without mean/std, `Int32` labels, no one-hot.
public struct LoaderOptions: Sendable, Equatable {
    /// Element type of `Batch` labels.
    public enum LabelFormat: String, Sendable, Equatable {
        /// `Batch.labels`, `[B, H, W]` `Int32`.
        case int32
        /// `Batch.labelBytes`, `[B, H, W]` `UInt8` (only up to 255 classes).
        case uint8
    }

    /// Samples per batch (B).
    public var batchSize: Int = 8
    /// Drop the last, smaller batch of an epoch instead of delivering it.
    public var dropLast: Bool = false
    /// Shuffle every epoch with a permutation fixed by `(seed, epoch)`.
    public var shuffle: Bool = true
    /// Seed of the shuffle.
    public var seed: UInt64 = 0
    /// This process's rank and the number of ranks (`DistributedSampler` semantics).
    public var rank: Int = 0
    public var worldSize: Int = 1
    /// `DistributedSampler(drop_last=True)`: truncate instead of padding so ranks get equal counts.
    public var dropUneven: Bool = false
    /// Worker threads converting batches (at least 1).
    public var workers: Int = 2
    /// Preallocated batch buffers, recycled: at most `queueDepth − 1` batches are prepared ahead while
    /// the trainer holds one (at least 2; nil = `workers + 2`).
    public var queueDepth: Int? = nil
    /// Per-channel (R, G, B) mean and standard deviation applied after the /255 scaling; nil = none.
    public var mean: [Float]? = nil
    public var std: [Float]? = nil
    /// Label element type.
    public var labelFormat: LabelFormat = .int32
    /// Also build one-hot targets `[B, H, W, C + 1]` Float32 (the reference's `seg_labels`).
    public var oneHot: Bool = false

    public init() {}

    /// Preallocated batches actually used.
    public var resolvedQueueDepth: Int { max(2, queueDepth ?? workers + 2) }

    /// Checks ranges; throws `LoaderError` saying which option to change.
    public func validate(classes: Int) throws {
        guard batchSize >= 1 else { throw LoaderError.option(name: "batchSize", value: "\(batchSize)", expected: "use a batch size of at least 1") }
        guard workers >= 1 else { throw LoaderError.option(name: "workers", value: "\(workers)", expected: "use at least 1 worker thread") }
        guard worldSize >= 1, rank >= 0, rank < worldSize else {
            throw LoaderError.option(name: "rank", value: "\(rank), outside 0..<\(worldSize)", expected: "pass a rank below the world size")
        }
        if let q = queueDepth, q < 2 { throw LoaderError.option(name: "queueDepth", value: "\(q)", expected: "use at least 2 buffers") }
        for (name, v) in [("mean", mean), ("std", std)] {
            if let v, v.count != 3 { throw LoaderError.option(name: name, value: "\(v.count) values", expected: "give one per channel (R, G, B)") }
        }
        if let std, std.contains(where: { !($0 > 0) }) { throw LoaderError.option(name: "std", value: "\(std), with a value that is not positive", expected: "give standard deviations above 0") }
        if labelFormat == .uint8 && classes > 255 {
            throw LoaderError.option(name: "classes", value: "\(classes), which do not fit UInt8 labels with an ignore class", expected: "use the int32 label format")
        }
    }
}
