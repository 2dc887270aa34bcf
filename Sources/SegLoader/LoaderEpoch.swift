import Foundation

/// One running epoch of a `ShardLoader`: hands out batches in order while worker threads fill the
/// next ones.
///
/// `next()` returns a batch that stays the caller's until the following `next()` call, which
/// recycles it. Dropping the epoch (or reaching its end) stops and joins the workers.
public final class LoaderEpoch: @unchecked Sendable {
    /// The epoch number (keys the shuffle).
    public let epoch: Int
    /// Batches this epoch delivers.
    public let batchCount: Int

    private let loader: ShardLoader
    private let queue: BatchQueue
    private var held: Batch?
    private var finished = false

    init(loader: ShardLoader, epoch: Int) {
        self.loader = loader
        self.epoch = epoch
        let order = loader.sampler.indices(epoch: epoch)
        let size = loader.options.batchSize
        batchCount = loader.batchesPerEpoch
        queue = BatchQueue(buffers: loader.buffers, total: batchCount)
        let source = loader.source
        let converter = loader.converter
        let queue = self.queue
        for w in 0..<loader.options.workers {
            queue.workerStarted()
            let thread = Thread {
                defer { queue.workerFinished() }
                while let (batch, k) = queue.claim() {
                    let start = BatchQueue.now(), startCPU = BatchQueue.threadCPUTime()
                    do {
                        let first = k * size
                        let count = min(size, order.count - first)
                        // The batch this worker will likely take next: its pages are read meanwhile.
                        let ahead = (k + loader.options.workers) * size
                        if ahead < order.count { for i in order[ahead..<min(order.count, ahead + size)] { source.prefetch(i) } }
                        batch.epoch = epoch
                        batch.index = k
                        batch.count = count
                        batch.samples.removeAll(keepingCapacity: true)
                        batch.ids.removeAll(keepingCapacity: true)
                        batch.repeats.removeAll(keepingCapacity: true)
                        for slot in 0..<count {
                            // The sample the source made (a pipeline skipping a damaged one makes another).
                            let i = try converter.fill(batch, slot: slot, from: source, sample: order[first + slot], epoch: epoch)
                            batch.samples.append(i)
                            batch.ids.append(source.ids[i])
                            batch.repeats.append(source.repeatIndex(i, epoch: epoch))
                        }
                    } catch {
                        queue.fail(error)
                        return
                    }
                    queue.publish(batch, index: k, seconds: BatchQueue.now() - start,
                                  cpuSeconds: BatchQueue.threadCPUTime() - startCPU)
                }
            }
            thread.name = "seg-loader-\(w)"
            thread.start()
        }
    }

    /// The next batch in order, or nil after the last; waits if the workers are behind.
    ///
    /// Recycles the batch returned by the previous call. Throws if a worker failed to read or make a sample.
    public func next() throws -> Batch? {
        if let held { queue.recycle(held); self.held = nil }
        guard !finished else { return nil }
        do {
            guard let batch = try queue.take() else { finish(); return nil }
            held = batch
            return batch
        } catch {
            finish()
            throw error
        }
    }

    /// Calls `body` with every remaining batch in order; each batch is valid only during its call.
    ///
    /// Rethrows `body`'s errors and throws worker errors.
    public func forEach(_ body: (Batch) throws -> Void) throws {
        while let batch = try next() { try body(batch) }
    }

    /// Counters so far: batches delivered, consumer wait, worker fill time, most batches queued.
    public var stats: LoaderStats { queue.snapshot }

    /// Stops the workers and waits for them; later `next()` calls return nil.
    public func finish() {
        guard !finished else { return }
        finished = true
        queue.cancel()
        queue.waitForWorkers()
        loader.epochEnded()
    }

    deinit { finish() }
}
