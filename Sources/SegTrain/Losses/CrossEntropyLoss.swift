/// Pixel-wise cross-entropy over class logits, as the reference's `CE_Loss`
/// (`nn.CrossEntropyLoss(weight, ignore_index=classes)`, mean reduction).
///
/// value = Σ w[t]·(−log softmax(x)[t]) / Σ w[t] over pixels whose label t is in `0..<classes`;
/// other labels are ignored. Without weights w = 1. If every pixel is ignored the loss is 0 with a
/// zero gradient (PyTorch would return NaN).
public struct CrossEntropyLoss: LossTerm {
    public static let name = "ce"
    public static let role = LossRole.pixel
    public var classes: Int
    public var classWeights: [Double]?

    /// - Parameters: `classWeights`, when given, has one entry per class.
    public init(classes: Int, classWeights: [Double]? = nil) {
        self.classes = classes
        self.classWeights = classWeights
    }

    public init(_ setup: LossSetup) { self.init(classes: setup.classes, classWeights: setup.classWeights) }

    /// Loss and gradient for logits `[N, C, h, w]` and labels `[N, H, W]`.
    ///
    /// - Throws: `LossError` for mismatched shapes or weight counts.
    public func callAsFunction<S: TensorScalar>(_ logits: Tensor<S>, _ labels: LabelMap) throws -> LossOutput<S> {
        let aligned = try LogitAlignment(logits, targetShape: labels.shape)
        var out = try evaluate(aligned.logits, labels)
        out.gradient = aligned.backward(out.gradient)
        return out
    }

    /// Loss at the labels' resolution (no resizing).
    ///
    /// One pass per image computes the softmax and the final gradient together, images in parallel;
    /// per-image loss sums are added in image order, so the value does not depend on the thread count.
    public func evaluate<S: TensorScalar>(_ logits: Tensor<S>, _ labels: LabelMap) throws -> LossOutput<S> {
        let c = logits.shape[1]
        precondition(c == classes, "logits have \(c) channels for \(classes) classes")
        let weights = try classWeightScalars(classWeights, classes: classes, as: S.self)
        let (n, plane) = (logits.shape[0], logits.shape[2] * logits.shape[3])
        precondition(labels.values.count == n * plane, "labels \(labels.shape) do not match logits \(logits.shape)")
        var weightSum = 0.0
        for label in labels.values where label >= 0 && Int(label) < c { weightSum += Double(weights[Int(label)]) }
        guard weightSum > 0 else { return LossOutput(value: 0, gradient: Tensor(shape: logits.shape)) }
        let scale = S(1 / weightSum)
        var totals = [Double](repeating: 0, count: n)
        let grad = Tensor<S>(uninitializedShape: logits.shape) { g in
            logits.withUnsafeBufferPointer { x in
                labels.values.withUnsafeBufferPointer { t in
                    totals.withUnsafeMutableBufferPointer { totals in
                        Parallel.forEach(n, grain: Parallel.grain(itemScalars: c * plane)) { b in
                            totals[b] = Self.image(x.baseAddress! + b * c * plane, t.baseAddress! + b * plane,
                                                   into: g.baseAddress! + b * c * plane,
                                                   channels: c, plane: plane, weights: weights, scale: scale)
                        }
                    }
                }
            }
        }
        return LossOutput(value: S(totals.reduce(0, +) / weightSum), gradient: grad)
    }

    /// Pixels handled together (softmax across channels, vectorised along pixels).
    static let pixelChunk = 256

    /// Writes one image's gradient `((softmax − onehot) · w[t]) · scale` (0 at ignored pixels).
    ///
    /// - Returns: Σ w[t]·(logsumexp − x[t]) over the image's valid pixels, in pixel order.
    static func image<S: TensorScalar>(
        _ x: UnsafePointer<S>, _ t: UnsafePointer<Int32>, into g: UnsafeMutablePointer<S>,
        channels c: Int, plane: Int, weights: [S], scale: S
    ) -> Double {
        var total = 0.0
        var maxima = [S](repeating: 0, count: pixelChunk), sums = [S](repeating: 0, count: pixelChunk)
        var classes = [Int](repeating: -1, count: pixelChunk)
        maxima.withUnsafeMutableBufferPointer { mx in
            sums.withUnsafeMutableBufferPointer { sum in
                classes.withUnsafeMutableBufferPointer { cls in
                    var start = 0
                    while start < plane {
                        let count = min(pixelChunk, plane - start)
                        for j in 0..<count {
                            var m = x[start + j]
                            for ch in 1..<max(c, 1) { m = max(m, x[ch * plane + start + j]) }
                            mx[j] = m
                            sum[j] = 0
                            let label = Int(t[start + j])
                            cls[j] = label >= 0 && label < c ? label : -1
                        }
                        for ch in 0..<c {
                            let row = x + ch * plane + start, out = g + ch * plane + start
                            for j in 0..<count {
                                let e = S.exp(row[j] - mx[j])
                                out[j] = e
                                sum[j] += e
                            }
                        }
                        for j in 0..<count where cls[j] >= 0 {
                            let label = cls[j]
                            let lse = mx[j] + S.log(sum[j])
                            total += Double(weights[label]) * Double(lse - x[label * plane + start + j])
                        }
                        for ch in 0..<c {
                            let out = g + ch * plane + start
                            for j in 0..<count {
                                let label = cls[j]
                                if label < 0 {
                                    out[j] = 0
                                } else {
                                    let p = out[j] / sum[j]
                                    out[j] = ((label == ch ? p - 1 : p) * weights[label]) * scale
                                }
                            }
                        }
                        start += count
                    }
                }
            }
        }
        return total
    }
}

/// Class weights as scalars (all 1 when `weights` is nil).
///
/// - Throws: `LossError.classWeightCount` when the count is not `classes`.
func classWeightScalars<S: TensorScalar>(_ weights: [Double]?, classes: Int, as: S.Type) throws -> [S] {
    guard let weights else { return [S](repeating: 1, count: classes) }
    guard weights.count == classes else { throw LossError.classWeightCount(expected: classes, got: weights.count) }
    return weights.map { S($0) }
}
