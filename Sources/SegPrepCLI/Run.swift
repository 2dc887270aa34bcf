import ArgumentParser
import Foundation
import SegFormat
import SegPipeline
import SegTrain

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Execute a pipeline file into safetensors shards and an index.json manifest.",
        discussion: """
        Parses and checks the whole pipeline before reading any pixel, then processes samples on --threads workers and writes shard-NNNNN.safetensors files (tensors `image` U8 [n,H,W,3] and `label` U8 [n,H,W]) and finally index.json. Rerunning the same command after an interruption reuses finished shards.

        Examples:
          seg-prep run pipelines/camvid-train.yaml
          seg-prep run pipelines/voc-train.yaml --input-root ~/data/VOC2012 --output out/voc-train --threads 8
          seg-prep run pipelines/voc-train.yaml --partition 0/4    # shards 0, 4, 8, … of the run
        """)

    @Argument(help: "Pipeline file (YAML).")
    var pipeline: String

    @OptionGroup var dataset: InputRootOption

    @Option(help: "Output folder replacing the file's output.dir.")
    var output: String?

    @OptionGroup var threads: WorkerThreads

    @Option(help: "Process only the first N ids of the split.")
    var limit: Int?

    @Option(help: "Process only partition K of N (0 <= K < N): shards whose index % N == K; `auto` reads it from Slurm (SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_COUNT) or a Kubernetes Indexed Job (JOB_COMPLETION_INDEX, SEGPREP_PARTITIONS).", transform: Partition.argument)
    var partition: Partition?

    @Option(help: "What to do with a bad sample: fail (exit 1 after keeping complete shards) or skip (default: the file's on_error).")
    var onError: PipelineSpec.OnError?

    @Option(help: "Refuse images and labels whose header claims more pixels than this (replaces decode's max_pixels).")
    var maxPixels: Int?

    @Option(help: "Write shards with direct I/O, bypassing the page cache: auto (when the run writes more than a quarter of the memory), on or off. Faster to write; a loader reading the shards right after reads them from disk.")
    var directIO: DirectIO = .auto

    @Flag(help: "Replace an output folder that holds a different run instead of refusing (only files seg-prep wrote are removed).")
    var force = false

    @OptionGroup var printing: JSONOutput

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        if let maxPixels, maxPixels < 1 { throw ValidationError("--max-pixels must be at least 1") }
    }

    func run() throws {
        BLASKernels.releaseIdleThreads()
        let spec = try PipelineSpec.load(path: pipeline)
        let options = RunOptions(
            inputRoot: dataset.inputRoot, output: output, threads: threads.count, limit: limit,
            partition: partition, force: force, onError: onError, maxPixels: maxPixels, directIO: directIO)
        let runner = PipelineRunner(spec: spec, options: options)
        let bar = ProgressLine(label: "run")
        let summary = try runner.run { p in bar.update(done: p.done, total: p.total, seconds: p.seconds) }
        bar.finish()
        let rate = summary.seconds > 0 ? Double(summary.samples) / summary.seconds : 0
        if printing.json {
            let obj: [String: Any] = [
                "output": summary.outputDir, "samples": summary.samples, "shards": summary.manifest.shards.count,
                "bytes": summary.bytes, "seconds": summary.seconds, "samples_per_second": rate,
                "reused_shards": summary.reused, "rebuilt_shards": summary.rebuilt, "skipped": summary.manifest.skipped.map { ["id": $0.id, "reason": $0.reason] },
            ]
            print(String(decoding: try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys, .prettyPrinted]), as: UTF8.self))
        } else {
            print("wrote \(summary.samples) samples in \(summary.manifest.shards.count) shards (\(summary.bytes) bytes) to \(summary.outputDir)")
            print(String(format: "%.2f s, %.1f samples/s, %d shard(s) reused, %d skipped", summary.seconds, rate, summary.reused, summary.manifest.skipped.count))
            if summary.rebuilt > 0 { print("\(summary.rebuilt) damaged shard(s) found and rebuilt") }
            for s in summary.manifest.skipped { print("skipped \(s.id): \(s.reason)") }
        }
    }
}
