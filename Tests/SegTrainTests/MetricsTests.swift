import SegFormat
import Testing
@testable import SegLoader
@testable import SegTrain

@Suite("Metrics: confusion matrix and scores against the reference")
struct MetricsTests {
    static func matrix(_ file: SafeTensorsFile, _ key: String) throws -> ConfusionMatrix {
        var m = ConfusionMatrix(classes: 6)
        if try file.info("\(key)_label").dtype == .u8 {
            m.add(labels: try file.bytes("\(key)_label"), predictions: try file.bytes("\(key)_pred"))
        } else {
            m.add(labels: try file.int64s("\(key)_label"), predictions: try file.int64s("\(key)_pred"))
        }
        return m
    }

    static func expectScores(_ m: ConfusionMatrix, _ file: SafeTensorsFile, _ key: String) throws {
        #expect(m.counts == (try file.int64s("\(key)_hist")), "\(key) hist")
        expectClose(m.iou, try file.doubles("\(key)_iou"), relative: 1e-12, "\(key) iou")
        expectClose(m.recall, try file.doubles("\(key)_pa_recall"), relative: 1e-12, "\(key) recall")
        expectClose(m.precision, try file.doubles("\(key)_precision"), relative: 1e-12, "\(key) precision")
        expectClose([m.accuracy], try file.doubles("\(key)_accuracy"), relative: 1e-12, "\(key) accuracy")
        expectClose([m.meanIoU], try file.doubles("\(key)_miou"), relative: 1e-12, "\(key) miou")
        expectClose([m.meanPixelAccuracy], try file.doubles("\(key)_mpa"), relative: 1e-12, "\(key) mpa")
    }

    @Test("Golden cases 0, 1, 2: hist, IoU, recall, precision, accuracy, mIoU, mPA", arguments: [0, 1, 2])
    func goldenCase(index: Int) throws {
        let file = try Fixtures.golden("metrics.safetensors")
        let m = try Self.matrix(file, "case\(index)")
        try Self.expectScores(m, file, "case\(index)")
        #expect(m.invalidPredictions == 0)
    }

    @Test("A prediction of no class is a miss of its label's class, on both add paths and in a merge")
    func outOfRangePredictionsAreMisses() {
        var fast = ConfusionMatrix(classes: 3), generic = ConfusionMatrix(classes: 3)
        fast.add(labels: [0, 0, 1, 1, 255] as [UInt8], predictions: [0, 9, 1, 1, 0] as [UInt8])
        generic.add(labels: [0, 0, 1, 1, -1] as [Int], predictions: [0, 9, 1, 1, 0] as [Int])
        for m in [fast, generic] {
            #expect(m.invalidByLabel == [1, 0, 0] && m.invalidPredictions == 1)
            #expect(m.labelTotals == [2, 2, 0])
            #expect(m.accuracy == 0.75 && m.recall[0] == 0.5 && m.iou[0] == 0.5 && m.precision[0] == 1)
        }
        #expect(fast == generic)
        var merged = fast
        merged.merge(generic)
        #expect(merged.invalidByLabel == [2, 0, 0] && merged.accuracy == 0.75)
    }

    @Test("Accumulated over case0 + case1 matches compute_mIoU")
    func accumulated() throws {
        let file = try Fixtures.golden("metrics.safetensors")
        var m = try Self.matrix(file, "case0")
        m.merge(try Self.matrix(file, "case1"))
        try Self.expectScores(m, file, "acc")
    }

    @Test("Absent class counts as IoU 0 in mIoU; miou_present leaves it out")
    func presentClasses() throws {
        let file = try Fixtures.golden("metrics.safetensors")
        let m = try Self.matrix(file, "case1")
        #expect(m.iou[5] == 0)
        #expect(abs(m.meanIoU - (try file.doubles("case1_miou"))[0]) < 1e-5)
        #expect(m.presentClasses == [0, 1, 2, 3, 4])
        #expect(abs(m.meanIoUPresent - m.iou[0..<5].reduce(0, +) / 5) < 1e-15)
    }

    @Test("Table-driven UInt8 path equals the naive oracle on random data with ignored labels")
    func fastEqualsNaive() {
        var rng = SplitMix64(seed: 50)
        for classes in [2, 6, 21] {
            let count = 10_007
            let labels = (0..<count).map { _ in rng.next() % 10 == 0 ? UInt8(255) : UInt8(rng.next() % UInt64(classes + 1)) }
            let preds = (0..<count).map { _ in UInt8(rng.next() % UInt64(classes + (rng.next() % 50 == 0 ? 3 : 0))) }
            var fast = ConfusionMatrix(classes: classes)
            fast.add(labels: labels, predictions: preds)
            let naive = ConfusionMatrix.naive(labels: labels.map(Int.init), predictions: preds.map(Int.init), classes: classes)
            #expect(fast == naive, "classes \(classes)")
            var generic = ConfusionMatrix(classes: classes)
            generic.add(labels: labels.map(Int64.init), predictions: preds.map(Int64.init))
            #expect(generic == naive, "generic, classes \(classes)")
        }
    }

    @Test("Argmax predictions pick the first maximum per pixel")
    func argmax() {
        let logits = Tensor<Float>(shape: [1, 3, 1, 3], scalars: [0, 5, 1, 2, 5, 1, 1, 0, 3])
        #expect(Prediction.argmax(logits) == [1, 0, 2])
    }
}
