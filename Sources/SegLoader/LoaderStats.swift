/// Timings and queue occupancy of one loader epoch (or several, summed with `+`).
///
/// Times are seconds of wall clock. `waitSeconds` is the time the consumer spent blocked in
/// `LoaderEpoch.next()`; `fillSeconds` the summed time workers spent converting batches.
public struct LoaderStats: Sendable, Equatable {
    /// Batches and samples handed to the consumer.
    public var batches = 0
    public var samples = 0
    /// Consumer time blocked waiting for the next batch, in total and for the first batch of the epoch.
    public var waitSeconds = 0.0
    public var firstWaitSeconds = 0.0
    /// Worker time spent filling batches, summed over workers.
    public var fillSeconds = 0.0
    /// CPU time of the worker threads while filling batches (unaffected by other processes' load).
    public var fillCPUSeconds = 0.0
    /// Most batches ever ready and waiting in the queue, and the queue's bound (preallocated buffers).
    public var maxReady = 0
    public var queueDepth = 0

    public init() {}

    /// Mean time one worker took to produce a batch, in milliseconds.
    public var msPerBatch: Double { batches > 0 ? fillSeconds * 1000 / Double(batches) : 0 }
    /// Mean CPU time one worker spent producing a batch, in milliseconds.
    public var cpuMsPerBatch: Double { batches > 0 ? fillCPUSeconds * 1000 / Double(batches) : 0 }
    /// Mean consumer wait per batch, in milliseconds.
    public var waitMsPerBatch: Double { batches > 0 ? waitSeconds * 1000 / Double(batches) : 0 }
    /// Mean consumer wait per batch excluding each epoch's first batch (the prefetch warm-up), in milliseconds.
    public var steadyWaitMsPerBatch: Double {
        batches > 1 ? (waitSeconds - firstWaitSeconds) * 1000 / Double(batches - 1) : 0
    }

    /// Sums counts and times; keeps the larger occupancy figures.
    public static func + (a: LoaderStats, b: LoaderStats) -> LoaderStats {
        var s = LoaderStats()
        s.batches = a.batches + b.batches
        s.samples = a.samples + b.samples
        s.waitSeconds = a.waitSeconds + b.waitSeconds
        s.firstWaitSeconds = a.firstWaitSeconds + b.firstWaitSeconds
        s.fillSeconds = a.fillSeconds + b.fillSeconds
        s.fillCPUSeconds = a.fillCPUSeconds + b.fillCPUSeconds
        s.maxReady = max(a.maxReady, b.maxReady)
        s.queueDepth = max(a.queueDepth, b.queueDepth)
        return s
    }
}
