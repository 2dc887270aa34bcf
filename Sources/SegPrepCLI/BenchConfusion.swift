import ArgumentParser
import Foundation
import SegPipeline
import SegTrain

/// `seg-prep bench confusion`: the confusion matrix of one label/prediction pair.
struct BenchConfusion: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "confusion",
        abstract: "Time the confusion matrix of a size x size label/prediction pair (the metric behind mIoU).",
        discussion: "Labels are uniform over classes + one ignored value (255), predictions uniform over classes.")

    @Option(help: "Side of the square pair in pixels.")
    var size = 512

    @Option(help: "Number of classes.")
    var classes = 21

    @Option(help: "Timed repetitions.")
    var repeats = 200

    @OptionGroup var output: JSONOutput

    func run() throws {
        BLASKernels.releaseIdleThreads()
        var rng = SeededRandom(seed: 0)
        let n = size * size
        let labels = (0..<n).map { _ -> UInt8 in
            let v = Int(rng.next() % UInt64(classes + 1))
            return v == classes ? 255 : UInt8(v)
        }
        let preds = (0..<n).map { _ in UInt8(rng.next() % UInt64(classes)) }
        var warm = ConfusionMatrix(classes: classes)
        warm.add(labels: labels, predictions: preds)
        let start = Date()
        var total = 0.0
        for _ in 0..<repeats {
            var m = ConfusionMatrix(classes: classes)
            m.add(labels: labels, predictions: preds)
            total += m.accuracy
        }
        let ms = Date().timeIntervalSince(start) / Double(repeats) * 1000
        if output.json {
            print("{\"ms\": \(ms), \"size\": \(size), \"classes\": \(classes), \"checksum\": \(total)}")
        } else {
            print(String(format: "%dx%d, %d classes: %.4f ms per confusion matrix", size, size, classes, ms))
        }
    }
}
