import Foundation

/// A bounded, ordered hand-off of preallocated batches between worker threads and one consumer.
///
/// Workers `claim` a free buffer together with the next batch number, fill it, and `publish` it;
/// the consumer `take`s batches strictly in batch-number order and `recycle`s each when done. At most
/// `bound` batches exist (the buffers), so at most `bound` are ever ready, and batches in flight
/// always fit the ring `ready[k % bound]`.
final class BatchQueue: @unchecked Sendable {
    /// Number of buffers, the most batches ever held ready.
    let bound: Int
    /// Batches this epoch delivers.
    let total: Int

    private let condition = NSCondition()
    private var free: [Batch]
    private var ready: [Batch?]
    private var readyCount = 0
    private var nextClaim = 0
    private var nextDeliver = 0
    private var cancelled = false
    private var failure: Error?
    private var runningWorkers = 0
    private var stats = LoaderStats()

    /// A queue over `buffers` for `total` batches.
    init(buffers: [Batch], total: Int) {
        bound = buffers.count
        self.total = total
        free = buffers
        free.reserveCapacity(buffers.count)
        ready = [Batch?](repeating: nil, count: buffers.count)
        stats.queueDepth = buffers.count
    }

    /// Seconds on a monotonic clock.
    static func now() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }

    /// CPU seconds used by the calling thread.
    static func threadCPUTime() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }

    /// Registers a worker thread that will call `workerFinished()` when it ends.
    func workerStarted() {
        condition.lock(); runningWorkers += 1; condition.unlock()
    }

    /// Marks a worker thread as ended.
    func workerFinished() {
        condition.lock(); runningWorkers -= 1; condition.broadcast(); condition.unlock()
    }

    /// Waits for a free buffer and returns it with the next batch number; nil when all are claimed or the queue is cancelled.
    func claim() -> (batch: Batch, index: Int)? {
        condition.lock()
        defer { condition.unlock() }
        while !cancelled && nextClaim < total && free.isEmpty { condition.wait() }
        guard !cancelled, nextClaim < total else { return nil }
        let batch = free.removeLast()
        let index = nextClaim
        nextClaim += 1
        return (batch, index)
    }

    /// Hands a filled batch to the consumer; `seconds` and `cpuSeconds` are the wall and CPU time the worker spent filling it.
    func publish(_ batch: Batch, index: Int, seconds: Double, cpuSeconds: Double) {
        condition.lock()
        ready[index % bound] = batch
        readyCount += 1
        stats.maxReady = max(stats.maxReady, readyCount)
        stats.fillSeconds += seconds
        stats.fillCPUSeconds += cpuSeconds
        condition.broadcast()
        condition.unlock()
    }

    /// Records a worker's error; the consumer's next `take` throws it.
    func fail(_ error: Error) {
        condition.lock()
        if failure == nil { failure = error }
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }

    /// The next batch in order, waiting for it if needed; nil after the last one.
    ///
    /// Throws the first error a worker met.
    func take() throws -> Batch? {
        condition.lock()
        defer { condition.unlock() }
        if let failure { throw failure }
        guard nextDeliver < total, !cancelled else { return nil }
        let slot = nextDeliver % bound
        let start = BatchQueue.now()
        while ready[slot] == nil && failure == nil && !cancelled { condition.wait() }
        let waited = BatchQueue.now() - start
        if let failure { throw failure }
        guard let batch = ready[slot] else { return nil }
        ready[slot] = nil
        readyCount -= 1
        if nextDeliver == 0 { stats.firstWaitSeconds = waited }
        nextDeliver += 1
        stats.waitSeconds += waited
        stats.batches += 1
        stats.samples += batch.count
        return batch
    }

    /// Returns a buffer the consumer is done with.
    func recycle(_ batch: Batch) {
        condition.lock()
        free.append(batch)
        condition.broadcast()
        condition.unlock()
    }

    /// Stops workers from claiming more batches and wakes every waiter.
    func cancel() {
        condition.lock(); cancelled = true; condition.broadcast(); condition.unlock()
    }

    /// Blocks until every registered worker has ended.
    func waitForWorkers() {
        condition.lock()
        while runningWorkers > 0 { condition.wait() }
        condition.unlock()
    }

    /// A snapshot of the counters.
    var snapshot: LoaderStats {
        condition.lock(); defer { condition.unlock() }
        return stats
    }
}
