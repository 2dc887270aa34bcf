/// Batch normalisation over `[N, C, H, W]` per channel, matching `nn.BatchNorm2d(C)`.
///
/// Training normalises with the batch mean and the biased batch variance, then updates
/// `runningMean`/`runningVar` with momentum 0.1 using the unbiased variance `n/(n-1)` and counts
/// `numBatchesTracked`. Evaluation normalises with the running statistics. `eps` is 1e-5.
public struct BatchNorm2d<Scalar: TensorScalar>: Layer {
    public var weight: Tensor<Scalar>
    public var bias: Tensor<Scalar>
    public var weightGrad: Tensor<Scalar>
    public var biasGrad: Tensor<Scalar>
    public var runningMean: Tensor<Scalar>
    public var runningVar: Tensor<Scalar>
    public var numBatchesTracked: Int64 = 0
    public var momentum: Double = 0.1
    public var eps: Double = 1e-5

    private var normalized: Tensor<Scalar>?
    private var invStd: [Scalar] = []
    private var usedBatchStatistics = true

    /// Creates a layer over `channels` channels: weight 1, bias 0, running mean 0, variance 1.
    public init(channels: Int) {
        weight = Tensor(shape: [channels], repeating: 1)
        bias = Tensor(shape: [channels])
        weightGrad = Tensor(shape: [channels])
        biasGrad = Tensor(shape: [channels])
        runningMean = Tensor(shape: [channels])
        runningVar = Tensor(shape: [channels], repeating: 1)
    }

    public mutating func forward(_ input: Tensor<Scalar>, training: Bool) -> Tensor<Scalar> {
        precondition(input.rank == 4 && input.shape[1] == weight.count,
                     "BatchNorm2d(\(weight.count)) expects [N, \(weight.count), H, W], got \(input.shape)")
        let (n, c, plane) = (input.shape[0], input.shape[1], input.shape[2] * input.shape[3])
        let m = n * plane
        var mean = [Double](repeating: 0, count: c)
        var variance = [Double](repeating: 0, count: c)
        if training {
            precondition(m > 1, "BatchNorm2d needs more than one value per channel in training")
            input.withUnsafeBufferPointer { x in
                for ch in 0..<c {
                    var sum = 0.0
                    for b in 0..<n {
                        let p = x.baseAddress! + (b * c + ch) * plane
                        for i in 0..<plane { sum += Double(p[i]) }
                    }
                    let mu = sum / Double(m)
                    var sq = 0.0
                    for b in 0..<n {
                        let p = x.baseAddress! + (b * c + ch) * plane
                        for i in 0..<plane { let d = Double(p[i]) - mu; sq += d * d }
                    }
                    mean[ch] = mu
                    variance[ch] = sq / Double(m)
                }
            }
            let unbias = Double(m) / Double(m - 1)
            runningMean.withUnsafeMutableBufferPointer { rm in
                runningVar.withUnsafeMutableBufferPointer { rv in
                    for ch in 0..<c {
                        rm[ch] = Scalar((1 - momentum) * Double(rm[ch]) + momentum * mean[ch])
                        rv[ch] = Scalar((1 - momentum) * Double(rv[ch]) + momentum * variance[ch] * unbias)
                    }
                }
            }
            numBatchesTracked += 1
        } else {
            for ch in 0..<c {
                mean[ch] = Double(runningMean[ch])
                variance[ch] = Double(runningVar[ch])
            }
        }
        usedBatchStatistics = training
        invStd = variance.map { Scalar(1 / ($0 + eps).squareRoot()) }
        let meanS = mean.map { Scalar($0) }
        var xhat = Tensor<Scalar>(uninitializedShape: input.shape) { _ in }
        let output = Tensor<Scalar>(uninitializedShape: input.shape) { y in
            input.withUnsafeBufferPointer { x in
                xhat.withUnsafeMutableBufferPointer { xh in
                    weight.withUnsafeBufferPointer { g in
                        bias.withUnsafeBufferPointer { be in
                            for b in 0..<n {
                                for ch in 0..<c {
                                    let base = (b * c + ch) * plane
                                    let (mu, s, gamma, beta) = (meanS[ch], invStd[ch], g[ch], be[ch])
                                    for i in base..<(base + plane) {
                                        let v = (x[i] - mu) * s
                                        xh[i] = v
                                        y[i] = v * gamma + beta
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        normalized = xhat
        return output
    }

    public mutating func backward(_ gradOutput: Tensor<Scalar>) -> Tensor<Scalar> {
        guard let xhat = normalized else { preconditionFailure("BatchNorm2d.backward before forward") }
        precondition(gradOutput.shape == xhat.shape, "gradient shape \(gradOutput.shape) != \(xhat.shape)")
        let (n, c, plane) = (xhat.shape[0], xhat.shape[1], xhat.shape[2] * xhat.shape[3])
        let m = Scalar(n * plane)
        var sumDy = [Scalar](repeating: 0, count: c)
        var sumDyXhat = [Scalar](repeating: 0, count: c)
        gradOutput.withUnsafeBufferPointer { dy in
            xhat.withUnsafeBufferPointer { xh in
                for b in 0..<n {
                    for ch in 0..<c {
                        let base = (b * c + ch) * plane
                        var s1: Scalar = 0, s2: Scalar = 0
                        for i in base..<(base + plane) { s1 += dy[i]; s2 += dy[i] * xh[i] }
                        sumDy[ch] += s1
                        sumDyXhat[ch] += s2
                    }
                }
            }
        }
        weightGrad.withUnsafeMutableBufferPointer { dg in
            biasGrad.withUnsafeMutableBufferPointer { db in
                for ch in 0..<c { dg[ch] += sumDyXhat[ch]; db[ch] += sumDy[ch] }
            }
        }
        let batchStats = usedBatchStatistics
        return Tensor(uninitializedShape: xhat.shape) { dx in
            gradOutput.withUnsafeBufferPointer { dy in
                xhat.withUnsafeBufferPointer { xh in
                    weight.withUnsafeBufferPointer { g in
                        for b in 0..<n {
                            for ch in 0..<c {
                                let base = (b * c + ch) * plane
                                let scale = g[ch] * invStd[ch]
                                if batchStats {
                                    let meanDy = sumDy[ch] / m, meanDyXhat = sumDyXhat[ch] / m
                                    for i in base..<(base + plane) {
                                        dx[i] = scale * (dy[i] - meanDy - xh[i] * meanDyXhat)
                                    }
                                } else {
                                    for i in base..<(base + plane) { dx[i] = scale * dy[i] }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    public mutating func visitParameters(
        prefix: String, _ body: (String, inout Tensor<Scalar>, inout Tensor<Scalar>) -> Void
    ) {
        body(qualified(prefix, "weight"), &weight, &weightGrad)
        body(qualified(prefix, "bias"), &bias, &biasGrad)
    }

    public mutating func visitState(prefix: String, _ body: (String, inout StateValue<Scalar>) -> Void) {
        visitTensor(qualified(prefix, "weight"), &weight, body)
        visitTensor(qualified(prefix, "bias"), &bias, body)
        visitTensor(qualified(prefix, "running_mean"), &runningMean, body)
        visitTensor(qualified(prefix, "running_var"), &runningVar, body)
        var counter = StateValue<Scalar>.int64(numBatchesTracked)
        body(qualified(prefix, "num_batches_tracked"), &counter)
        if case .int64(let value) = counter { numBatchesTracked = value }
    }
}

/// Passes `tensor` to a state visitor and stores the visitor's replacement (same shape).
func visitTensor<S: TensorScalar>(
    _ name: String, _ tensor: inout Tensor<S>, _ body: (String, inout StateValue<S>) -> Void
) {
    var entry = StateValue.tensor(tensor)
    body(name, &entry)
    if case .tensor(let updated) = entry {
        precondition(updated.shape == tensor.shape, "\(name): shape \(updated.shape) != \(tensor.shape)")
        tensor = updated
    }
}
