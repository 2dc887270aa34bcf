import Foundation
import SegFormat

extension PipelineRunner {
    /// What producing shards needs besides the list of shards.
    struct Production {
        var input: DatasetInput
        var store: OutputFolder
        var totalItems: Int
        var onError: PipelineSpec.OnError
        /// The source of each item under rare-class sampling.
        var plan: RareClassPlan? = nil
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
        var work = ShardWork(
            spec: spec, input: p.input, shards: shards, perShard: spec.samplesPerShard, totalItems: p.totalItems,
            threads: options.threads, imageBytes: H * W * 3, labelBytes: H * W * spec.labelBytes)
        work.plan = p.plan
        let writer = ShardWriter(store: p.store, onError: p.onError, height: H, width: W, classes: spec.classes.count)
        do {
            try work.execute(progress: { done, total in
                progress(Progress(done: done, total: total, seconds: Date().timeIntervalSince(start)))
            }, writer: writer)
        } catch {
            try? writer.finish()   // shards already written stay valid for a rerun
            throw error
        }
        try writer.finish()
        if !writer.failures.isEmpty {
            throw RunFailure(errors: writer.failures, keptShards: p.kept + writer.written.count, outputDir: p.store.dir)
        }
        let written = writer.written
        let skipped = shards.compactMap { written[$0] }.flatMap(\.skipped)
        return (written, skipped)
    }
}
