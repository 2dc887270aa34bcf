import ArgumentParser
import Foundation
import SegTrain

/// `seg-prep bench loader DIR…`: iterates shards as a trainer would and reports throughput and waits.
struct BenchLoader: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loader",
        abstract: "Iterate shard folders as a trainer would and report batch time and consumer wait.",
        discussion: """
        Reports samples_per_second (delivered to the consumer), ms_per_batch (wall time one worker takes to convert a batch; cpu_ms_per_batch is its CPU time, unaffected by other load), wait_ms_per_batch (the consumer's mean wait for the next batch, including the first batch of each epoch) and steady_wait_ms_per_batch (without it). --consumer-ms keeps the consumer busy that long per batch, as a training step would.

        Examples:
          seg-prep bench loader out/camvid-train --batch-size 8 --epochs 3
          seg-prep bench loader out/voc512 --workers 1 --consumer-ms 20 --json
        """)

    @Argument(help: "Shard folders (outputs of `seg-prep run`).")
    var folders: [String]

    @Option(help: "Samples per batch.")
    var batchSize = 8

    @Option(help: "Epochs to iterate.")
    var epochs = 1

    @Option(help: "Worker threads.")
    var workers = 2

    @Option(help: "Preallocated batch buffers (default workers + 2).")
    var queueDepth: Int?

    @Option(help: "Shuffle seed.")
    var seed: UInt64 = 0

    @Option(help: "Milliseconds of busy consumer work per batch (simulates a training step).")
    var consumerMs = 0.0

    @Flag(help: "Also build one-hot targets [B, H, W, C+1].")
    var oneHot = false

    @Flag(help: "Drop the last, smaller batch of each epoch.")
    var dropLast = false

    @Flag(help: "Normalise with ImageNet mean/std after /255.")
    var imagenet = false

    @OptionGroup var output: JSONOutput

    func validate() throws {
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
        guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1") }
        guard workers >= 1 else { throw ValidationError("--workers must be at least 1") }
        guard consumerMs >= 0 else { throw ValidationError("--consumer-ms must be 0 or more") }
    }

    func run() throws {
        BLASKernels.releaseIdleThreads()
        var options = LoaderOptions()
        options.batchSize = batchSize
        options.workers = workers
        options.queueDepth = queueDepth
        options.seed = seed
        options.oneHot = oneHot
        options.dropLast = dropLast
        if imagenet { options.mean = [0.485, 0.456, 0.406]; options.std = [0.229, 0.224, 0.225] }
        let loader = try ShardLoader(folders: folders, options: options)
        var stats = LoaderStats()
        var checksum = 0.0
        let start = Date()
        for e in 0..<epochs {
            let epoch = loader.epoch(e)
            try epoch.forEach { batch in
                checksum += Double(batch.images[0]) + Double(batch.count)
                if consumerMs > 0 { BenchLoader.spin(milliseconds: consumerMs) }
            }
            stats = stats + epoch.stats
        }
        let seconds = Date().timeIntervalSince(start)
        let s = loader.source
        let rate = seconds > 0 ? Double(stats.samples) / seconds : 0
        if output.json {
            let obj: [String: Any] = [
                "folders": folders, "samples": stats.samples, "batches": stats.batches, "epochs": epochs,
                "batch_size": batchSize, "workers": workers, "queue_depth": stats.queueDepth,
                "height": s.height, "width": s.width, "classes": s.classes.count, "one_hot": oneHot,
                "consumer_ms": consumerMs, "seconds": seconds, "samples_per_second": rate,
                "ms_per_batch": stats.msPerBatch, "cpu_ms_per_batch": stats.cpuMsPerBatch, "wait_ms_per_batch": stats.waitMsPerBatch,
                "steady_wait_ms_per_batch": stats.steadyWaitMsPerBatch,
                "first_batch_wait_ms": stats.firstWaitSeconds * 1000 / Double(epochs),
                "max_ready": stats.maxReady, "checksum": checksum,
            ]
            print(String(decoding: try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys, .prettyPrinted]), as: UTF8.self))
        } else {
            print("\(stats.samples) samples in \(stats.batches) batches of \(batchSize)x3x\(s.height)x\(s.width), \(workers) worker(s), \(epochs) epoch(s)")
            print(String(format: "%.1f samples/s, %.2f ms per batch (one worker; %.2f ms CPU), wait %.3f ms per batch (%.3f after the first), first batch %.2f ms, max %d of %d buffers ready",
                         rate, stats.msPerBatch, stats.cpuMsPerBatch, stats.waitMsPerBatch, stats.steadyWaitMsPerBatch,
                         stats.firstWaitSeconds * 1000 / Double(epochs), stats.maxReady, stats.queueDepth))
        }
    }

    /// Keeps this thread busy for `milliseconds`, as a training step would.
    static func spin(milliseconds: Double) {
        let end = Date().addingTimeInterval(milliseconds / 1000)
        var x = 0.0
        while Date() < end { for i in 0..<1000 { x += Double(i) } }
        if x < 0 { print(x) }
    }
}
