import Dispatch
import Foundation

/// Splits kernels into independent chunks and runs them on the compute threads.
///
/// The worker count is OpenBLAS' thread setting (`ComputeThreads`), so one knob sets both. While
/// workers run, OpenBLAS is held at one thread, so GEMMs called from a worker do not oversubscribe
/// the cores, and kernels called from a worker run serially instead of nesting.
enum Parallel {
    /// Threads a kernel may use now (1 while workers run).
    static var threads: Int { max(1, Int(OpenBLAS.threads)) }

    /// Scalars of work below which a kernel is not worth splitting further.
    static let minimumScalars = 1 << 15

    /// The grain (items per worker at least) for items of `scalars` scalars each.
    static func grain(itemScalars scalars: Int) -> Int {
        max(1, minimumScalars / max(scalars, 1))
    }

    /// The number of workers for `count` items of at least `grain` each.
    static func workers(_ count: Int, grain: Int = 1) -> Int {
        max(1, min(threads, count / max(grain, 1)))
    }

    /// Calls `body(worker, range)` on contiguous chunks of `0..<count`, one per worker.
    ///
    /// `workers` (by default `workers(count, grain:)`) fixes the split, so callers can size
    /// per-worker buffers first; `worker` is in `0..<workers`. Chunks depend only on `count` and
    /// the worker count.
    static func chunks(
        _ count: Int, grain: Int = 1, workers: Int? = nil, _ body: (_ worker: Int, _ range: Range<Int>) -> Void
    ) {
        guard count > 0 else { return }
        let workers = min(count, max(1, workers ?? self.workers(count, grain: grain)))
        if workers == 1 {
            body(0, 0..<count)
            return
        }
        BLASHold.shared.enter()
        withoutActuallyEscaping(body) { body in
            let work = Work(body: body)
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                work.body(w, (w * count / workers)..<((w + 1) * count / workers))
            }
        }
        BLASHold.shared.leave()
    }

    /// Calls `body(index)` for every index of `0..<count`, spread over the workers.
    static func forEach(_ count: Int, grain: Int = 1, _ body: (Int) -> Void) {
        chunks(count, grain: grain) { _, range in for i in range { body(i) } }
    }

    /// A chunk body handed to the workers; every kernel gives each worker disjoint output.
    private struct Work: @unchecked Sendable {
        let body: (_ worker: Int, _ range: Range<Int>) -> Void
    }
}
