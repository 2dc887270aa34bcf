import ArgumentParser
import SegImage
import Foundation
import SegFormat
import SegPipeline
import SegTrain

/// `seg-prep bench stages`: where a pipeline's time goes, stage by stage.
struct BenchStages: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stages",
        abstract: "Time each stage of a pipeline per sample on its input, on one thread (no shards written).",
        discussion: """
        Runs the stages on the first sample --warm-up times untimed, then on the first --limit samples --repeats times, and prints microseconds per sample and samples per second for each stage, and the SIMD path the kernels took (SEGPREP_SIMD=avx512|avx2|portable forces a lower one). Geometric stages (resize, random_resize, flip, random_crop, place, pad, letterbox) only plan; the "render" row is the one pass that computes the output window of their plan (and decodes JPEG images, which the decode row only reads: they are decoded there, in the box the window reads), and "finish" the final checks.

        Example:
          seg-prep bench stages pipelines/voc-train.yaml --input-root ~/data/VOC2012 --limit 64
        """)

    @Argument(help: "Pipeline file (YAML).")
    var pipeline: String

    @OptionGroup var dataset: InputRootOption

    @Option(help: "Samples to time (the first N of the split).")
    var limit = 32

    @Option(help: "Passes over those samples.")
    var repeats = 3

    @Option(name: .customLong("warm-up"), help: "Untimed passes over the first sample before the timed ones (first-use costs: tables, lazily loaded code, fresh pages).")
    var warmUp = 1

    @OptionGroup var output: JSONOutput

    func validate() throws {
        guard limit >= 1, repeats >= 1 else { throw ValidationError("--limit and --repeats must be at least 1") }
        guard repeats <= 10_000 else { throw ValidationError("--repeats must be at most 10000") }
        guard (0...1_000).contains(warmUp) else { throw ValidationError("--warm-up must be from 0 to 1000") }
    }

    func run() throws {
        BLASKernels.releaseIdleThreads()
        try Vips.start()
        let spec = try PipelineSpec.load(path: pipeline)
        let input = try DatasetInput(spec, root: dataset.inputRoot)
        let records = Array(input.records.prefix(limit))
        // A multi-image stage's time includes making its donors (the stages before it, untimed).
        let donors = try spec.donors(for: input.records)
        var seconds = [Double](repeating: 0, count: spec.stages.count + 2)
        var samples = 0
        for rep in 0..<(records.isEmpty ? 0 : warmUp) {
            var s = Sample(record: records[0], repeatIndex: rep)
            try spec.process(&s, donors: donors)
        }
        for rep in 0..<repeats {
            for r in records {
                var s = Sample(record: r, repeatIndex: rep)
                try spec.process(&s, donors: donors) { seconds[$0] += $1 }
                samples += 1
            }
        }
        let names = spec.stageNames + ["render", "finish"]
        let rows = names.enumerated().map { (i, name) in
            (name: name, us: seconds[i] / Double(samples) * 1e6, rate: seconds[i] > 0 ? Double(samples) / seconds[i] : 0)
        }
        if output.json {
            let obj: [String: Any] = ["samples": samples, "simd": SIMDPath.current.rawValue, "stages": rows.map { ["stage": $0.name, "us_per_sample": $0.us, "samples_per_second": $0.rate] }]
            print(String(decoding: try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys, .prettyPrinted]), as: UTF8.self))
        } else {
            print("SIMD path: \(SIMDPath.current.rawValue)")
            for r in rows { print(r.name.padding(toLength: 16, withPad: " ", startingAt: 0) + String(format: "%10.1f us/sample %10.1f samples/s", r.us, r.rate)) }
            let total = seconds.reduce(0, +)
            print("all".padding(toLength: 16, withPad: " ", startingAt: 0) + String(format: "%10.1f us/sample %10.1f samples/s", total / Double(samples) * 1e6, Double(samples) / total))
        }
    }
}
