/// Stochastic gradient descent with the update of `torch.optim.SGD`.
///
/// `d = g + weightDecay·p`; with momentum μ: `buf = d` on the first step, then
/// `buf = μ·buf + (1−dampening)·d`; `d = nesterov ? d + μ·buf : buf`; `p −= lr·d`.
/// State tensors are named `<parameter>.momentum_buffer`.
public struct SGD<Scalar: TensorScalar>: Sendable {
    public var learningRate: Double
    public var momentum: Double
    public var dampening: Double
    public var weightDecay: Double
    public var nesterov: Bool
    private var buffers: [String: Tensor<Scalar>] = [:]

    public init(learningRate: Double, momentum: Double = 0, dampening: Double = 0,
                weightDecay: Double = 0, nesterov: Bool = false) {
        self.learningRate = learningRate
        self.momentum = momentum
        self.dampening = dampening
        self.weightDecay = weightDecay
        self.nesterov = nesterov
    }

    /// Applies one update to every parameter of `model` from its accumulated gradients.
    public mutating func update<L: Layer>(_ model: inout L) where L.Scalar == Scalar {
        let (lr, mu, damp, wd) = (Scalar(learningRate), Scalar(momentum), Scalar(dampening), Scalar(weightDecay))
        let useNesterov = nesterov
        model.visitParameters(prefix: "") { name, param, grad in
            var buffer = buffers.removeValue(forKey: name)
            let first = buffer == nil
            if mu != 0 && first { buffer = Tensor(shape: param.shape) }
            param.withUnsafeMutableBufferPointer { p in
                grad.withUnsafeBufferPointer { g in
                    if mu == 0 {
                        for i in 0..<p.count { p[i] -= lr * (g[i] + wd * p[i]) }
                        return
                    }
                    buffer!.withUnsafeMutableBufferPointer { b in
                        for i in 0..<p.count {
                            let d = g[i] + wd * p[i]
                            b[i] = first ? d : mu * b[i] + (1 - damp) * d
                            p[i] -= lr * (useNesterov ? d + mu * b[i] : b[i])
                        }
                    }
                }
            }
            if let buffer { buffers[name] = buffer }
        }
    }

    /// Optimiser state as named tensors, sorted by name.
    public var namedState: [(name: String, tensor: Tensor<Scalar>)] {
        buffers.map { (name: $0.key + ".momentum_buffer", tensor: $0.value) }.sorted { $0.name < $1.name }
    }

    /// Restores state saved from `namedState`.
    public mutating func loadState(_ tensors: [String: Tensor<Scalar>]) {
        buffers = [:]
        for (name, tensor) in tensors where name.hasSuffix(".momentum_buffer") {
            buffers[String(name.dropLast(".momentum_buffer".count))] = tensor
        }
    }
}
