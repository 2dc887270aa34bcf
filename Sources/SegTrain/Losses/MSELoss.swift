/// Mean squared error `mean((x − y)²)` over all elements (`nn.MSELoss()`).
public struct MSELoss: Sendable {
    public init() {}

    /// Loss and gradient `2(x − y)/count` for `prediction` and `target` of the same shape.
    ///
    /// - Throws: `LossError.shapeMismatch` when the shapes differ.
    public func callAsFunction<S: TensorScalar>(_ prediction: Tensor<S>, _ target: Tensor<S>) throws -> LossOutput<S> {
        guard prediction.shape == target.shape else {
            throw LossError.shapeMismatch(logits: prediction.shape, targets: target.shape)
        }
        var total = 0.0
        let scale = S(2) / S(max(prediction.count, 1))
        let grad = Tensor<S>(shape: prediction.shape) { g in
            prediction.withUnsafeBufferPointer { x in
                target.withUnsafeBufferPointer { y in
                    for i in 0..<x.count {
                        let d = x[i] - y[i]
                        total += Double(d * d)
                        g[i] = scale * d
                    }
                }
            }
        }
        return LossOutput(value: S(total / Double(max(prediction.count, 1))), gradient: grad)
    }

    /// MSE against the one-hot labels (`onehot[..., :C]` in NCHW), ignored pixels all zero.
    ///
    /// - Throws: `LossError.shapeMismatch` when logits and labels disagree.
    public func callAsFunction<S: TensorScalar>(_ logits: Tensor<S>, _ labels: LabelMap) throws -> LossOutput<S> {
        guard logits.rank == 4, [logits.shape[0], logits.shape[2], logits.shape[3]] == labels.shape else {
            throw LossError.shapeMismatch(logits: logits.shape, targets: labels.shape)
        }
        let (c, plane) = (logits.shape[1], logits.shape[2] * logits.shape[3])
        let target = Tensor<S>(shape: logits.shape) { y in
            for (i, v) in labels.values.enumerated() where v >= 0 && Int(v) < c {
                let b = i / plane
                y[(b * c + Int(v)) * plane + i % plane] = 1
            }
        }
        return try self(logits, target)
    }
}
