import SegImage
import Foundation
import SegFormat

/// The writing side of a run: takes each shard from the workers in order, applies the error policy,
/// writes it into the output folder, commits it in the background, and keeps what the manifest needs.
///
/// Used on the writer thread only (`ShardWork.execute` calls it in shard order).
final class ShardWriter {
    let store: OutputFolder
    let onError: PipelineSpec.OnError
    let height: Int, width: Int, classes: Int
    private let committer = ShardCommitter()
    /// Shards written, by global index.
    private(set) var written: [Int: StoredShard] = [:]
    /// Samples that failed under `on_error: fail` (nothing written for their shards).
    private(set) var failures: [SampleError] = []

    init(store: OutputFolder, onError: PipelineSpec.OnError, height: Int, width: Int, classes: Int) {
        self.store = store; self.onError = onError; self.height = height; self.width = width; self.classes = classes
    }

    /// Opens shard `a`'s file and writes its header, for the images streamed in as they finish.
    func begin(_ a: ShardAssembly) throws -> ShardStream {
        try committer.check()
        return try store.begin(a, height: height, width: width)
    }

    /// Finishes shard `a` (its images already in `stream`): abandons it when samples failed and the
    /// policy is `fail`, else writes it without the skipped samples and queues its commit.
    ///
    /// - Returns: whether the shard was written.
    func write(_ a: ShardAssembly, _ stream: ShardStream) throws -> Bool {
        try committer.check()
        let errors = a.results.compactMap { $0?.error }
        let failing = errors.filter { !$0.filtered }
        if !failing.isEmpty && onError == .fail {
            stream.abandon()
            failures.append(contentsOf: failing)
            return false
        }
        let skipped = errors.map { Manifest.SkippedSample(id: $0.id, reason: $0.skipReason, filtered: $0.filtered) }
        let (stored, file) = try store.write(a, good: a.compact(), stream: stream, height: height, width: width,
                                             skipped: skipped, classes: classes)
        let store = self.store
        committer.submit(file) { try store.writeEntry(stored) }
        written[a.index] = stored
        return true
    }

    /// Waits for every queued commit; throws the first commit failure.
    func finish() throws { try committer.finish() }
}
