/// Pixel-wise cross-entropy over class logits, as the reference's `CE_Loss`
/// (`nn.CrossEntropyLoss(weight, ignore_index=classes)`, mean reduction).
///
/// value = Σ w[t]·(−log softmax(x)[t]) / Σ w[t] over pixels whose label t is in `0..<classes`;
/// other labels are ignored. Without weights w = 1. If every pixel is ignored the loss is 0 with a
/// zero gradient (PyTorch would return NaN).
public struct CrossEntropyLoss: Sendable {
    public var classes: Int
    public var classWeights: [Double]?

    /// - Parameters: `classWeights`, when given, has one entry per class.
    public init(classes: Int, classWeights: [Double]? = nil) {
        self.classes = classes
        self.classWeights = classWeights
    }

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
    func evaluate<S: TensorScalar>(_ logits: Tensor<S>, _ labels: LabelMap) throws -> LossOutput<S> {
        let c = logits.shape[1]
        precondition(c == classes, "logits have \(c) channels for \(classes) classes")
        let weights = try classWeightScalars(classWeights, classes: classes, as: S.self)
        let (probs, lse) = Softmax.channels(logits)
        let (n, plane) = (logits.shape[0], logits.shape[2] * logits.shape[3])
        var total = 0.0, weightSum = 0.0
        var grad = probs
        grad.withUnsafeMutableBufferPointer { g in
            logits.withUnsafeBufferPointer { x in
                labels.values.withUnsafeBufferPointer { t in
                    for b in 0..<n {
                        for i in 0..<plane {
                            let label = Int(t[b * plane + i])
                            let base = b * c * plane + i
                            guard label >= 0 && label < c else {
                                for ch in 0..<c { g[base + ch * plane] = 0 }
                                continue
                            }
                            let w = weights[label]
                            total += Double(w) * Double(lse[b * plane + i] - x[base + label * plane])
                            weightSum += Double(w)
                            g[base + label * plane] -= 1
                            for ch in 0..<c { g[base + ch * plane] *= w }
                        }
                    }
                }
            }
        }
        guard weightSum > 0 else { return LossOutput(value: 0, gradient: Tensor(shape: logits.shape)) }
        let scale = S(1 / weightSum)
        grad.withUnsafeMutableBufferPointer { g in for i in 0..<g.count { g[i] *= scale } }
        return LossOutput(value: S(total / weightSum), gradient: grad)
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
