import Foundation
import SegFormat

/// Executes a planned pipeline over a dataset split and writes shards plus `index.json`.
///
/// Samples are processed by `threads` workers at most two shards ahead of the writer, so memory is
/// bounded by the shard size whatever the dataset size. Every draw is keyed by (seed, id, repeat,
/// stage), so the bytes do not depend on the thread count or partitioning. Completed shards are kept
/// and reused when the same command runs again.
public struct PipelineRunner: Sendable {
    public let spec: PipelineSpec
    public let options: RunOptions

    public init(spec: PipelineSpec, options: RunOptions) {
        self.spec = spec
        self.options = options
    }

    /// Output folder after overrides.
    public var outputDir: String {
        options.output.map { URL(fileURLWithPath: $0).standardizedFileURL.path } ?? spec.outputDir
    }

    /// Progress of a run: samples finished out of the samples this run processes.
    public struct Progress: Sendable {
        public var done: Int
        public var total: Int
        public var seconds: Double
    }

    /// Shard file name of global shard `index`.
    public static func shardName(_ index: Int) -> String { String(format: "shard-%05d.safetensors", index) }

    /// Runs the pipeline.
    ///
    /// - Returns: the run's summary (also written as `index.json`).
    /// - Throws: `InputError`, `VipsError`, `RunError` (mixing runs, output trouble), or `RunFailure`
    ///   when samples failed under `on_error: fail` (complete shards are kept for a rerun).
    public func run(progress: @Sendable (Progress) -> Void = { _ in }) throws -> RunSummary {
        let start = Date()
        try Vips.start()
        var input = try DatasetInput(spec.input, root: options.inputRoot)
        if let limit = options.limit, limit < input.ids.count {
            input.ids = Array(input.ids.prefix(limit))
            input.imagePaths = Array(input.imagePaths.prefix(limit))
            input.labelPaths = Array(input.labelPaths.prefix(limit))
        }
        // libvips decodes every image that is not a JPEG: start it now, so that a libvips that
        // cannot start stops the run instead of failing each sample.
        try Vips.start(vips: input.imagePaths.contains { !Vips.isJPEGName($0) })
        let onError = options.onError ?? spec.onError
        let n = input.ids.count
        let totalItems = n * spec.repeats
        let perShard = spec.samplesPerShard
        let totalShards = (totalItems + perShard - 1) / perShard
        let myShards = (0..<totalShards).filter { options.partition?.owns(shard: $0) ?? true }
        let pipelineSha = Checksum.sha256(Data(spec.text.utf8))
        let inputSha = Checksum.sha256(Data((input.ids.joined(separator: "\n") + "\nrepeats=\(spec.repeats)").utf8))
        let runKey = Checksum.sha256(Data("\(pipelineSha)|\(inputSha)|\(perShard)".utf8))
        let dir = outputDir
        let store = OutputFolder(dir: dir, runKey: runKey, force: options.force)
        let partitionText = options.partition?.description

        if let done = try store.completeManifest(pipelineSha: pipelineSha, inputSha: inputSha, partition: partitionText) {
            store.removeEntries(done.shards.map(\.index))   // left if the last run stopped right after its manifest
            return RunSummary(manifest: done, outputDir: dir, processed: 0, reused: done.shards.count,
                              seconds: Date().timeIntervalSince(start))
        }
        var existing = try store.reusableShards()
        existing = existing.filter { myShards.contains($0.key) }

        let todo = myShards.filter { existing[$0] == nil }
        let H = spec.height, W = spec.width
        let work = ShardWork(
            spec: spec, input: input, shards: todo, perShard: perShard, totalItems: totalItems,
            threads: options.threads, imageBytes: H * W * 3, labelBytes: H * W)
        var written: [Int: StoredShard] = existing
        var failures: [SampleError] = []
        var skipped: [Manifest.SkippedSample] = existing.values.flatMap(\.skipped)
        let committer = ShardCommitter()
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
                if !errors.isEmpty && onError == .fail {
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
            throw RunFailure(errors: failures, keptShards: written.count, outputDir: dir)
        }
        let ordered = myShards.compactMap { written[$0] }
        var classPixels = [Int](repeating: 0, count: spec.classes.count + 1)
        var sums = [Double](repeating: 0, count: 3), squares = [Double](repeating: 0, count: 3)
        for s in ordered {
            for i in 0..<classPixels.count { classPixels[i] += s.classPixels[i] }
            for c in 0..<3 { sums[c] += Double(s.channelSums[c]); squares[c] += Double(s.channelSquares[c]) }
        }
        let manifest = Manifest(
            pipeline: spec.text, pipelineSha256: pipelineSha, seed: spec.seed, classes: spec.classes,
            image: .init(dtype: .u8, shape: [H, W, 3]), label: .init(dtype: .u8, shape: [H, W]),
            oneHot: spec.oneHot, inputSha256: inputSha, totalSamples: totalItems, samplesPerShard: perShard,
            partition: partitionText, shards: ordered.map(\.entry), classPixels: classPixels,
            channelSums: sums, channelSquareSums: squares, skipped: skipped)
        try store.writeManifest(manifest)
        store.removeEntries(myShards)
        return RunSummary(manifest: manifest, outputDir: dir, processed: todo.count, reused: existing.count,
                          seconds: Date().timeIntervalSince(start))
    }
}

/// What a finished run produced.
public struct RunSummary: Sendable {
    public var manifest: Manifest
    public var outputDir: String
    /// Shards written by this invocation and shards reused from an earlier, interrupted one.
    public var processed: Int
    public var reused: Int
    public var seconds: Double

    public var samples: Int { manifest.sampleCount }
    public var bytes: Int { manifest.shards.reduce(0) { $0 + $1.bytes } }
}

/// The output folder holds something this run must not mix with, or cannot be written.
public struct RunError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ d: String) { description = d }
}

/// Samples failed under `on_error: fail`; complete shards were kept.
public struct RunFailure: Error, CustomStringConvertible, Sendable {
    public var errors: [SampleError]
    public var keptShards: Int
    public var outputDir: String
    public var description: String {
        let lines = errors.map(\.description).joined(separator: "\n")
        return "\(lines)\n\(errors.count) sample(s) failed; \(keptShards) complete shard(s) kept in \(outputDir). Fix the files above and rerun (finished shards are reused), or pass --on-error skip to leave them out."
    }
}
