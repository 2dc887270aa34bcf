import SegImage
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
        var spec = spec
        if let limit = options.maxPixels { spec.maxPixels = limit }
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
    public static func shardName(_ index: Int) -> String { Manifest.shardName(index) }

    /// Runs the pipeline.
    ///
    /// - Returns: the run's summary (also written as `index.json`).
    /// - Throws: `InputError`, `VipsError`, `RunError` (mixing runs, output trouble), or `RunFailure`
    ///   when samples failed under `on_error: fail` (complete shards are kept for a rerun).
    public func run(progress: @Sendable (Progress) -> Void = { _ in }) throws -> RunSummary {
        let start = Date()
        let simd = try SIMDPath.active()   // a bad SEGPREP_SIMD stops the run before anything is read
        try Vips.start()
        var input = try DatasetInput(spec, root: options.inputRoot)
        if let limit = options.limit, limit < input.records.count {
            input.records = Array(input.records.prefix(limit))
        }
        // A stage mixing samples needs two: refused before any pixel is read.
        _ = try spec.donors(for: input.records)
        // libvips decodes every image that is not a JPEG: start it now, so that a libvips that
        // cannot start stops the run instead of failing each sample.
        try Vips.start(vips: input.records.contains { !ImageCodec.isJPEGName($0.image) })
        let onError = options.onError ?? spec.onError
        let n = input.records.count
        let totalItems = n * spec.repeats
        let perShard = spec.samplesPerShard
        let totalShards = (totalItems + perShard - 1) / perShard
        let myShards = (0..<totalShards).filter { options.partition?.owns(shard: $0) ?? true }
        let pipelineSha = Checksum.sha256(Data(spec.text.utf8))
        let inputSha = Checksum.sha256(Data((input.ids.joined(separator: "\n") + "\nrepeats=\(spec.repeats)").utf8))
        let runKey = Checksum.sha256(Data("\(pipelineSha)|\(inputSha)|\(perShard)".utf8))
        let dir = outputDir
        var store = OutputFolder(dir: dir, runKey: runKey, force: options.force)
        store.checksum = spec.checksum
        store.labelType = spec.labelType
        (store.classes, store.samplePixels, store.perShard) = (spec.classes.count, spec.height * spec.width, perShard)
        // This process's share of the shards, for the direct-I/O decision.
        let myItems = myShards.count * perShard
        store.directIO = options.directIO.use(forBytes: myItems * spec.height * spec.width * (3 + spec.labelBytes))
        store.identity = RunIdentity(inputRoot: RealPath.resolve(input.root), onError: onError.rawValue, maxPixels: options.maxPixels)
        let lock = try store.open(inputRoot: input.root)
        defer { withExtendedLifetime(lock) {} }
        let partitionText = options.partition?.description
        var context = Production(input: input, store: store, totalItems: totalItems, onError: onError)
        // Rare-class sampling: every label read once to plan which source each item is made from.
        context.plan = try spec.rareClassPlan(input: input, threads: options.threads, onError: onError)

        let complete = try store.completeManifest(pipelineSha: pipelineSha, inputSha: inputSha, partition: partitionText)
        var outdated = false
        if let (done, _) = complete {
            // A folder finished with `--on-error skip` is not what a failing run makes: it is refused
            // as a fresh run would fail, naming what was left out.
            let bad = done.skipped.filter { $0.filtered != true }
            if onError == .fail && !bad.isEmpty {
                throw RunError.finishedBySkipping(dir: dir, lines: bad.prefix(10).map { "\($0.id): \($0.reason)" }, count: bad.count)
            }
            // Samples left out for bad input are retried: a fixed file comes in. Shards short of
            // their items are made again; when one now holds more, the folder is outdated and the
            // run goes on below (reusing those shards) to write a manifest that counts it.
            if onError == .skip && !bad.isEmpty {
                let short = done.shards.filter { s in
                    myShards.contains(s.index) && s.samples < min(perShard, totalItems - s.index * perShard)
                }
                let (retried, _) = try produce(short.map(\.index), context, progress: progress, start: start)
                outdated = short.contains { (retried[$0.index]?.entry.samples ?? 0) > $0.samples }
                if !outdated { store.removeEntries(short.map(\.index)) }
            }
        }
        if let (done, damaged) = complete, !outdated {
            if !damaged.isEmpty {
                // Same run, same inputs: a rebuilt shard has the bytes the manifest records.
                let (rebuilt, _) = try produce(damaged, context, progress: progress, start: start)
                for d in damaged {
                    guard let want = done.shards.first(where: { $0.index == d }), rebuilt[d]?.entry.digest == want.digest else {
                        throw RunError.rebuiltShardDiffers(path: "\(dir)/\(PipelineRunner.shardName(d))")
                    }
                }
            }
            store.removeEntries(done.shards.map(\.index))   // left if the last run stopped right after its manifest
            return RunSummary(manifest: done, outputDir: dir, processed: damaged.count, reused: done.shards.count - damaged.count,
                              rebuilt: damaged.count, seconds: Date().timeIntervalSince(start))
        }
        let found = try store.reusableShards()
        let existing = found.shards.filter { myShards.contains($0.key) }

        let todo = myShards.filter { existing[$0] == nil }
        context.kept = existing.count
        let (made, _) = try produce(todo, context, progress: progress, start: start)
        let written = existing.merging(made) { a, _ in a }
        let ordered = myShards.compactMap { written[$0] }
        let skipped = ordered.flatMap(\.skipped)
        let H = spec.height, W = spec.width
        if !myShards.isEmpty && ordered.allSatisfy({ $0.entry.samples == 0 }) {
            throw RunError.nothingKept(reasons: skipped.map { "\($0.id): \($0.reason)" }, skipped: skipped.count)
        }
        var total = PixelStatistics(classes: spec.classes.count)
        for shard in ordered { try total.add(shard.statistics) }
        let classPixels = total.classPixels
        let sums = total.channelSums.map(Double.init), squares = total.channelSquares.map(Double.init)
        var manifest = Manifest(
            pipeline: spec.text, pipelineSha256: pipelineSha, seed: spec.seed, classes: spec.classes,
            image: .init(dtype: .u8, shape: [H, W, 3]), label: .init(dtype: spec.labelType, shape: [H, W]),
            oneHot: spec.oneHot, inputSha256: inputSha, totalSamples: totalItems, samplesPerShard: perShard,
            partition: partitionText, shards: ordered.map(\.entry), classPixels: classPixels,
            channelSums: sums, channelSquareSums: squares, skipped: skipped)
        manifest.checksum = spec.checksum
        manifest.simd = simd.rawValue
        manifest.ignoreIndex = spec.ignoreIndex
        manifest.labelledChannelSums = total.labelledSums?.map(Double.init)
        manifest.labelledChannelSquareSums = total.labelledSquares?.map(Double.init)
        manifest.survival = ordered.reduce(Optional(SurvivalCounts(classes: spec.classes.count))) { acc, shard in
            guard var acc, let s = shard.survival else { return nil }
            acc += s
            return acc
        }?.entries(names: spec.classes)
        manifest.sampling = context.plan?.manifestEntry
        try store.writeManifest(manifest)
        store.removeEntries(myShards)
        return RunSummary(manifest: manifest, outputDir: dir, processed: todo.count, reused: existing.count,
                          rebuilt: found.damaged, seconds: Date().timeIntervalSince(start))
    }
}

/// What a finished run produced.
public struct RunSummary: Sendable {
    public var manifest: Manifest
    public var outputDir: String
    /// Shards written by this invocation and shards reused from an earlier, interrupted one.
    public var processed: Int
    public var reused: Int
    /// Shards found damaged (wrong size or checksum) and made again.
    public var rebuilt: Int = 0
    public var seconds: Double

    public var samples: Int { manifest.sampleCount }
    public var bytes: Int { manifest.shards.reduce(0) { $0 + $1.bytes } }
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
