/// Confusion matrix of a segmentation, as the reference's `fast_hist` accumulated over images.
///
/// `counts[label * classes + prediction]`: rows are labels, columns predictions. Pixels whose
/// label is outside `0..<classes` are ignored (the reference keeps `0 <= a < n`). A valid label with
/// a prediction outside `0..<classes` (the reference would mis-bin or crash) is tallied per label in
/// `invalidByLabel`: it predicted no class, so it is a miss of its label's class — in that class's
/// pixels (recall, IoU) and in the accuracy — and a hit of none.
public struct ConfusionMatrix: Sendable, Equatable {
    public let classes: Int
    /// Row-major `[classes, classes]` pixel counts.
    public private(set) var counts: [Int64]
    /// Per label, pixels whose prediction was out of range.
    public private(set) var invalidByLabel: [Int64]
    /// Pixels with a valid label whose prediction was out of range.
    public var invalidPredictions: Int64 { invalidByLabel.reduce(0, +) }

    /// An empty matrix for `classes` classes.
    public init(classes: Int) {
        precondition(classes > 0, "need at least one class")
        self.classes = classes
        counts = [Int64](repeating: 0, count: classes * classes)
        invalidByLabel = [Int64](repeating: 0, count: classes)
    }

    /// A matrix with the given row-major counts.
    public init(classes: Int, counts: [Int64]) {
        precondition(counts.count == classes * classes, "counts must have classes² entries")
        self.classes = classes
        self.counts = counts
        invalidByLabel = [Int64](repeating: 0, count: classes)
    }

    /// The count for pixels labelled `label` and predicted `prediction`.
    public subscript(label: Int, prediction: Int) -> Int64 { counts[label * classes + prediction] }

    /// Adds one image (or batch) of `UInt8` labels and predictions, paired by index.
    ///
    /// A table maps each (label, prediction) byte pair to its bin, so the loop does one load and
    /// one increment per pixel. - Precondition: equal counts.
    public mutating func add(labels: [UInt8], predictions: [UInt8]) {
        precondition(labels.count == predictions.count, "\(labels.count) labels vs \(predictions.count) predictions")
        guard classes <= 255 else { return add(labels: labels.map(Int.init), predictions: predictions.map(Int.init)) }
        // Bins: n² pairs, then one "invalid prediction" bin per label, then the dropped labels.
        let n = classes, invalid = n * n, dropped = n * n + n
        var table = [UInt16](repeating: UInt16(dropped), count: 65_536)
        for l in 0..<n {
            for p in 0..<256 { table[l << 8 | p] = UInt16(p < n ? l * n + p : invalid + l) }
        }
        let stride = n * n + n + 1
        var partial = [UInt32](repeating: 0, count: 4 * stride)
        labels.withUnsafeBufferPointer { lb in
            predictions.withUnsafeBufferPointer { pb in
                table.withUnsafeBufferPointer { tb in
                    partial.withUnsafeMutableBufferPointer { hb in
                        let (h0, h1, h2, h3) = (hb.baseAddress!, hb.baseAddress! + stride,
                                                hb.baseAddress! + 2 * stride, hb.baseAddress! + 3 * stride)
                        let count = lb.count, quads = count / 4
                        for q in 0..<quads {
                            let i = 4 * q
                            h0[Int(tb[Int(lb[i]) << 8 | Int(pb[i])])] &+= 1
                            h1[Int(tb[Int(lb[i + 1]) << 8 | Int(pb[i + 1])])] &+= 1
                            h2[Int(tb[Int(lb[i + 2]) << 8 | Int(pb[i + 2])])] &+= 1
                            h3[Int(tb[Int(lb[i + 3]) << 8 | Int(pb[i + 3])])] &+= 1
                        }
                        for i in (4 * quads)..<count { h0[Int(tb[Int(lb[i]) << 8 | Int(pb[i])])] &+= 1 }
                    }
                }
            }
        }
        for bin in 0..<(n * n) {
            counts[bin] += Int64(partial[bin]) + Int64(partial[stride + bin])
                + Int64(partial[2 * stride + bin]) + Int64(partial[3 * stride + bin])
        }
        for l in 0..<n {
            let bin = invalid + l
            invalidByLabel[l] += Int64(partial[bin]) + Int64(partial[stride + bin])
                + Int64(partial[2 * stride + bin]) + Int64(partial[3 * stride + bin])
        }
    }

    /// Adds labels and predictions of any integer type (e.g. `Int64` with negative labels).
    public mutating func add<L: BinaryInteger, P: BinaryInteger>(labels: [L], predictions: [P]) {
        precondition(labels.count == predictions.count, "\(labels.count) labels vs \(predictions.count) predictions")
        for (l, p) in zip(labels, predictions) where l >= 0 && l < classes {
            if p >= 0 && p < classes {
                counts[Int(l) * classes + Int(p)] += 1
            } else {
                invalidByLabel[Int(l)] += 1
            }
        }
    }

    /// Adds another matrix of the same size.
    public mutating func merge(_ other: ConfusionMatrix) {
        precondition(other.classes == classes, "cannot merge \(other.classes)-class into \(classes)-class matrix")
        for i in counts.indices { counts[i] += other.counts[i] }
        for l in invalidByLabel.indices { invalidByLabel[l] += other.invalidByLabel[l] }
    }

    /// The obvious one-pixel-at-a-time construction, kept as a test oracle.
    public static func naive(labels: [Int], predictions: [Int], classes: Int) -> ConfusionMatrix {
        var m = ConfusionMatrix(classes: classes)
        for i in labels.indices where labels[i] >= 0 && labels[i] < classes {
            if predictions[i] >= 0 && predictions[i] < classes {
                m.counts[labels[i] * classes + predictions[i]] += 1
            } else {
                m.invalidByLabel[labels[i]] += 1
            }
        }
        return m
    }

    // MARK: - Scores (the reference's per_class_iu / per_class_PA_Recall / per_class_Precision)

    /// Per-class label pixel counts (row sums, with the pixels that predicted no class).
    public var labelTotals: [Int64] { (0..<classes).map { r in (0..<classes).reduce(invalidByLabel[r]) { $0 + self[r, $1] } } }
    /// Per-class prediction pixel counts (column sums).
    public var predictionTotals: [Int64] { (0..<classes).map { c in (0..<classes).reduce(0) { $0 + self[$1, c] } } }
    /// Diagonal (correctly classified pixels per class).
    public var truePositives: [Int64] { (0..<classes).map { self[$0, $0] } }

    /// `diag / max(rowsum + colsum − diag, 1)` per class.
    public var iou: [Double] {
        let (rows, cols, diag) = (labelTotals, predictionTotals, truePositives)
        return (0..<classes).map { Double(diag[$0]) / Double(max(rows[$0] + cols[$0] - diag[$0], 1)) }
    }

    /// Per-class pixel accuracy (recall): `diag / max(rowsum, 1)`.
    public var recall: [Double] {
        let (rows, diag) = (labelTotals, truePositives)
        return (0..<classes).map { Double(diag[$0]) / Double(max(rows[$0], 1)) }
    }

    /// Per-class precision: `diag / max(colsum, 1)`.
    public var precision: [Double] {
        let (cols, diag) = (predictionTotals, truePositives)
        return (0..<classes).map { Double(diag[$0]) / Double(max(cols[$0], 1)) }
    }

    /// Overall pixel accuracy: `Σ diag / max(Σ counts + invalid predictions, 1)`.
    public var accuracy: Double {
        Double(truePositives.reduce(0, +)) / Double(max(counts.reduce(0, +) + invalidPredictions, 1))
    }

    /// Mean IoU over all classes, as the reference (absent classes score 0 and count).
    public var meanIoU: Double { iou.reduce(0, +) / Double(classes) }

    /// Mean per-class recall over all classes, as the reference's mPA.
    public var meanPixelAccuracy: Double { recall.reduce(0, +) / Double(classes) }

    /// Classes that occur in the labels or the predictions.
    public var presentClasses: [Int] {
        let (rows, cols) = (labelTotals, predictionTotals)
        return (0..<classes).filter { rows[$0] + cols[$0] > 0 }
    }

    /// Mean IoU over the classes present in labels or predictions (NaN when none is).
    public var meanIoUPresent: Double {
        let present = presentClasses
        guard !present.isEmpty else { return .nan }
        let values = iou
        return present.reduce(0) { $0 + values[$1] } / Double(present.count)
    }
}
