/// Batch normalisation over `[N, C, H, W]` per channel, matching `nn.BatchNorm2d(C)`.
///
/// Training normalises with the batch mean and the biased batch variance, then updates
/// `runningMean`/`runningVar` with momentum 0.1 using the unbiased variance `n/(n-1)` and counts
/// `numBatchesTracked`. Evaluation normalises with the running statistics. `eps` is 1e-5.
/// The layer keeps its input (not the normalised copy) for backward, which recomputes
/// `x̂ = (x − mean)·invStd` with the same arithmetic. `forwardReLU` fuses the ReLU that follows in
/// a conv block into the same pass; backward recomputes its mask from `x̂`, so no extra activation
/// is stored.
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

    private var savedInput: Tensor<Scalar>?
    private var savedMean: [Scalar] = []
    private var invStd: [Scalar] = []
    private var usedBatchStatistics = true
    private var fusedReLU = false

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
        forward(input, training: training, relu: false)
    }

    /// `max(0, batchnorm(input))` in one pass; `backward` then includes the ReLU.
    public mutating func forwardReLU(_ input: Tensor<Scalar>, training: Bool) -> Tensor<Scalar> {
        forward(input, training: training, relu: true)
    }

    /// Normalises `input`, optionally followed by a ReLU.
    mutating func forward(_ input: Tensor<Scalar>, training: Bool, relu: Bool) -> Tensor<Scalar> {
        precondition(input.rank == 4 && input.shape[1] == weight.count,
                     "BatchNorm2d(\(weight.count)) expects [N, \(weight.count), H, W], got \(input.shape)")
        let (n, c, plane) = (input.shape[0], input.shape[1], input.shape[2] * input.shape[3])
        let m = n * plane
        var mean = [Double](repeating: 0, count: c)
        var variance = [Double](repeating: 0, count: c)
        if training {
            precondition(m > 1, "BatchNorm2d needs more than one value per channel in training")
            input.withUnsafeBufferPointer { x in
                mean.withUnsafeMutableBufferPointer { mu in
                    variance.withUnsafeMutableBufferPointer { va in
                        Parallel.forEach(c, grain: Parallel.grain(itemScalars: m)) { ch in
                            var sum = 0.0
                            for b in 0..<n { sum += Reduce.sum(x.baseAddress! + (b * c + ch) * plane, plane) }
                            let channelMean = sum / Double(m)
                            var sq = 0.0
                            for b in 0..<n {
                                sq += Reduce.squaredDeviations(x.baseAddress! + (b * c + ch) * plane, plane,
                                                               mean: Scalar(channelMean))
                            }
                            mu[ch] = channelMean
                            va[ch] = sq / Double(m)
                        }
                    }
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
        fusedReLU = relu
        let eps = self.eps
        let inv = variance.map { Scalar(1 / ($0 + eps).squareRoot()) }
        invStd = inv
        let meanS = mean.map { Scalar($0) }
        savedMean = meanS
        let output = Tensor<Scalar>(uninitializedShape: input.shape) { y in
            input.withUnsafeBufferPointer { x in
                weight.withUnsafeBufferPointer { g in
                    bias.withUnsafeBufferPointer { be in
                        Parallel.forEach(n * c, grain: Parallel.grain(itemScalars: plane)) { index in
                            let ch = index % c, base = index * plane
                            let (mu, s, gamma, beta) = (meanS[ch], inv[ch], g[ch], be[ch])
                            if relu {
                                for i in base..<(base + plane) {
                                    let o = (x[i] - mu) * s * gamma + beta
                                    y[i] = o > 0 ? o : 0
                                }
                            } else {
                                for i in base..<(base + plane) { y[i] = (x[i] - mu) * s * gamma + beta }
                            }
                        }
                    }
                }
            }
        }
        savedInput = input
        return output
    }

    public mutating func backward(_ gradOutput: Tensor<Scalar>) -> Tensor<Scalar> {
        guard let input = savedInput else { preconditionFailure("BatchNorm2d.backward before forward") }
        precondition(gradOutput.shape == input.shape, "gradient shape \(gradOutput.shape) != \(input.shape)")
        let (n, c, plane) = (input.shape[0], input.shape[1], input.shape[2] * input.shape[3])
        let m = Double(n * plane)
        let relu = fusedReLU
        var sumDy = [Double](repeating: 0, count: c)
        var sumDyXhat = [Double](repeating: 0, count: c)
        let gammas = weight.scalars, betas = bias.scalars
        let (means, inv) = (savedMean, invStd)
        gradOutput.withUnsafeBufferPointer { dy in
            input.withUnsafeBufferPointer { x in
                sumDy.withUnsafeMutableBufferPointer { s1 in
                    sumDyXhat.withUnsafeMutableBufferPointer { s2 in
                        Parallel.forEach(c, grain: Parallel.grain(itemScalars: n * plane)) { ch in
                            var (a, b2) = (0.0, 0.0)
                            for b in 0..<n {
                                let base = (b * c + ch) * plane
                                let (p1, p2) = Reduce.gradientSums(
                                    dy.baseAddress! + base, x.baseAddress! + base, plane, mean: means[ch],
                                    invStd: inv[ch], relu: relu, gamma: gammas[ch], beta: betas[ch])
                                a += p1
                                b2 += p2
                            }
                            s1[ch] = a
                            s2[ch] = b2
                        }
                    }
                }
            }
        }
        weightGrad.withUnsafeMutableBufferPointer { dg in
            biasGrad.withUnsafeMutableBufferPointer { db in
                for ch in 0..<c { dg[ch] += Scalar(sumDyXhat[ch]); db[ch] += Scalar(sumDy[ch]) }
            }
        }
        let batchStats = usedBatchStatistics
        return Tensor(uninitializedShape: input.shape) { dx in
            gradOutput.withUnsafeBufferPointer { dy in
                input.withUnsafeBufferPointer { x in
                    Parallel.forEach(n * c, grain: Parallel.grain(itemScalars: plane)) { index in
                        let ch = index % c, base = index * plane
                        let scale = gammas[ch] * inv[ch]
                        let (gamma, beta, mu, s) = (gammas[ch], betas[ch], means[ch], inv[ch])
                        let meanDy = batchStats ? Scalar(sumDy[ch] / m) : 0
                        let meanDyXhat = batchStats ? Scalar(sumDyXhat[ch] / m) : 0
                        // Evaluation mode has zero means, so the same expression gives scale * g.
                        if relu {
                            for i in base..<(base + plane) {
                                let (v, d) = ((x[i] - mu) * s, dy[i])
                                let g = v * gamma + beta > 0 ? d : 0
                                dx[i] = scale * (g - meanDy - v * meanDyXhat)
                            }
                        } else {
                            for i in base..<(base + plane) {
                                dx[i] = scale * (dy[i] - meanDy - (x[i] - mu) * s * meanDyXhat)
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
