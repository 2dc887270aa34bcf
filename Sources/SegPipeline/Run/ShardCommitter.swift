import Foundation
import SegFormat

/// Flushes and renames written shards on a background queue, in order, so the workers never wait
/// for the disk; the run waits for all of them before it writes the manifest.
final class ShardCommitter: @unchecked Sendable {
    private let queue = DispatchQueue(label: "seg-prep.shard-commit")
    private let lock = NSLock()
    private var failure: Error?

    /// Queues `file` for `commit()` after the shards submitted before it, then `then` (skipped
    /// when the commit fails).
    func submit(_ file: PendingShardFile, then: @escaping @Sendable () throws -> Void = {}) {
        queue.async {
            do {
                try file.commit()
                try then()
            } catch {
                self.lock.withLock { if self.failure == nil { self.failure = error } }
            }
        }
    }

    /// Throws the first commit failure so far, if any.
    func check() throws {
        if let failure = lock.withLock({ failure }) { throw failure }
    }

    /// Waits for every queued commit, then throws the first failure, if any.
    func finish() throws {
        queue.sync {}
        try check()
    }
}
