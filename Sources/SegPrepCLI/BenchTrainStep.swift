import ArgumentParser
import Foundation
import SegTrain

/// `seg-prep bench train-step`: time of one training step (forward, CE, backward, Adam).
struct BenchTrainStep: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train-step",
        abstract: "Time one unet-s training step (forward + cross-entropy + backward + Adam) on a random batch.",
        discussion: """
        Reports ms_per_step, the mean over --steps timed steps after --warmup untimed ones. Compare with PyTorch on the same batch and threads: benchmarks/reference.py (torch 1.13 CPU: 1.73 s a step on 1 thread, 1.06 s on 2 for batch 8, 3x256x256, 21 classes).

        Example:
          seg-prep bench train-step --batch-size 8 --size 256 --classes 21 --threads 2 --json
        """)

    @Option(help: "Model (only unet-s).")
    var model = "unet-s"

    @Option(help: "Samples per batch.")
    var batchSize = 8

    @Option(help: "Image height and width in pixels (a multiple of 4).")
    var size = 256

    @Option(help: "Number of classes.")
    var classes = 21

    @OptionGroup var threads: ComputeThreadsOption

    @Option(help: "Timed steps.")
    var steps = 5

    @Option(help: "Untimed steps before timing.")
    var warmup = 1

    @OptionGroup var output: JSONOutput

    func validate() throws {
        guard model == "unet-s" else { throw ValidationError("--model \(model) cannot be benchmarked; use unet-s.") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1.") }
        guard size >= 4, size % 4 == 0 else { throw ValidationError("--size must be a positive multiple of 4, e.g. 256.") }
        guard (1...255).contains(classes) else { throw ValidationError("--classes must be between 1 and 255.") }
        guard steps >= 1, warmup >= 0 else { throw ValidationError("--steps must be at least 1 and --warmup 0 or more.") }
    }

    func run() throws {
        threads.apply()
        FileHandle.standardError.write(Data("timing \(warmup) + \(steps) steps, batch \(batchSize)x3x\(size)x\(size), \(classes) classes, \(ComputeThreads.current) thread(s)…\n".utf8))
        let t = try TrainStep.benchmark(batch: batchSize, size: size, classes: classes, steps: steps, warmup: warmup)
        let sorted = t.samples.sorted()
        let median = sorted[sorted.count / 2]
        if output.json {
            let object: [String: Any] = [
                "model": model, "batch_size": batchSize, "size": size, "classes": classes,
                "threads": ComputeThreads.current, "steps": steps, "ms_per_step": t.msPerStep,
                "median_ms_per_step": median, "min_ms_per_step": sorted[0], "final_loss": Double(t.finalLoss),
            ]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print(String(format: "ms_per_step %.1f  (median %.1f, min %.1f; %d threads)", t.msPerStep, median, sorted[0], ComputeThreads.current))
        }
    }
}
