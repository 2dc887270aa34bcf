import Foundation
import SegFormat

extension PipelineRunner {
    /// What producing shards needs besides the list of shards.
    struct Production {
        var input: DatasetInput
        var store: OutputFolder
        var totalItems: Int
        var onError: PipelineSpec.OnError
        /// Complete shards already in the folder (for the failure message).
        var kept = 0
    }

    /// Processes the samples of `shards` and writes and commits each shard.
    ///
    /// - Returns: the written shards by index and the samples skipped in them.
    /// - Throws: `RunFailure` when samples failed under `on_error: fail` (the complete shards stay
    ///   valid for a rerun), or the first write or commit error.
    func produce(_ shards: [Int], _ p: Production, progress: @Sendable (Progress) -> Void,
                 start: Date) throws -> ([Int: StoredShard], [Manifest.SkippedSample]) {
        let H = spec.height, W = spec.width
        let work = ShardWork(
            spec: spec, input: p.input, shards: shards, perShard: spec.samplesPerShard, totalItems: p.totalItems,
            threads: options.threads, imageBytes: H * W * 3, labelBytes: H * W)
        var written: [Int: StoredShard] = [:]
        var failures: [SampleError] = []
        var skipped: [Manifest.SkippedSample] = []
        let committer = ShardCommitter()
        let store = p.store
        do {
            try work.execute(progress: { done, total in
                progress(Progress(done: done, total: total, seconds: Date().timeIntervalSince(start)))
            }, begin: { assembly in
                try committer.check()
                return try store.begin(assembly, height: H, width: W)
            }, write: { assembly, stream in
                try committer.check()
                let good = assembly.compact()
                let errors = assembly.results.compactMap { $0?.error }
                if !errors.isEmpty && p.onError == .fail {
                    stream.abandon()
                    failures.append(contentsOf: errors)
                    return false
                }
                let shardSkipped = errors.map { Manifest.SkippedSample(id: $0.id, reason: $0.description) }
                skipped.append(contentsOf: shardSkipped)
                let (stored, file) = try store.write(assembly, good: good, stream: stream, height: H, width: W,
                                                     skipped: shardSkipped, classes: spec.classes.count)
                committer.submit(file) { try store.writeEntry(stored) }
                written[assembly.index] = stored
                return true
            })
        } catch {
            try? committer.finish()   // shards already written stay valid for a rerun
            throw error
        }
        try committer.finish()
        if !failures.isEmpty {
            throw RunFailure(errors: failures, keptShards: p.kept + written.count, outputDir: store.dir)
        }
        return (written, skipped)
    }
}
