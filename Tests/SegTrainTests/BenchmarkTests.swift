import SegFormat
import Foundation
import Testing
@testable import SegLoader
@testable import SegTrain

/// Timings, not assertions: run with `SEGTRAIN_BENCH=1` (preferably `-c release`).
@Suite("Benchmarks", .enabled(if: ProcessInfo.processInfo.environment["SEGTRAIN_BENCH"] != nil))
struct BenchmarkTests {
    @Test("unet-s training step, batch 8 at 256x256, 21 classes")
    func trainStep() throws {
        let env = ProcessInfo.processInfo.environment
        let batch = Int(env["SEGTRAIN_BENCH_BATCH"] ?? "") ?? 8
        let size = Int(env["SEGTRAIN_BENCH_SIZE"] ?? "") ?? 256
        let timing = try TrainStep.benchmark(batch: batch, size: size, classes: 21, steps: 3, warmup: 1)
        print("ms_per_step \(timing.msPerStep) samples \(timing.samples) loss \(timing.finalLoss)")
    }

    @Test("Confusion matrix of a 512x512 UInt8 pair, 21 classes")
    func confusion() {
        var rng = SplitMix64(seed: 1)
        let labels = (0..<(512 * 512)).map { _ in UInt8(rng.next() % 22) }
        let preds = (0..<(512 * 512)).map { _ in UInt8(rng.next() % 21) }
        let clock = ContinuousClock()
        var m = ConfusionMatrix(classes: 21)
        let start = clock.now
        for _ in 0..<100 { m.add(labels: labels, predictions: preds) }
        print("confusion_ms \((clock.now - start) / 100)")
    }
}
