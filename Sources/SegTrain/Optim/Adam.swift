import Foundation

/// Adam optimiser with the update of `torch.optim.Adam` (no AMSGrad).
///
/// Per step t: `g += weightDecay·p` (L2, added to the gradient); `m = β1·m + (1−β1)·g`;
/// `v = β2·v + (1−β2)·g²`; `p −= lr/(1−β1^t) · m / (sqrt(v)/sqrt(1−β2^t) + eps)`.
/// State tensors are named `<parameter>.exp_avg` and `<parameter>.exp_avg_sq`.
public struct Adam<Scalar: TensorScalar>: Sendable {
    public var learningRate: Double
    public var beta1: Double
    public var beta2: Double
    public var eps: Double
    public var weightDecay: Double
    /// Steps taken so far (PyTorch's `state['step']`).
    public private(set) var step: Int = 0
    private var expAvg: [String: Tensor<Scalar>] = [:]
    private var expAvgSq: [String: Tensor<Scalar>] = [:]

    public init(learningRate: Double = 1e-3, beta1: Double = 0.9, beta2: Double = 0.999,
                eps: Double = 1e-8, weightDecay: Double = 0) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.weightDecay = weightDecay
    }

    /// Applies one update to every parameter of `model` from its accumulated gradients.
    public mutating func update<L: Layer>(_ model: inout L) where L.Scalar == Scalar {
        step += 1
        let t = Double(step)
        let stepSize = Scalar(learningRate / (1 - pow(beta1, t)))
        let correction2 = Scalar((1 - pow(beta2, t)).squareRoot())
        let (b1, b2, e, wd) = (Scalar(beta1), Scalar(beta2), Scalar(eps), Scalar(weightDecay))
        model.visitParameters(prefix: "") { name, param, grad in
            var m = expAvg.removeValue(forKey: name) ?? Tensor(shape: param.shape)
            var v = expAvgSq.removeValue(forKey: name) ?? Tensor(shape: param.shape)
            param.withUnsafeMutableBufferPointer { p in
                grad.withUnsafeBufferPointer { g in
                    m.withUnsafeMutableBufferPointer { mb in
                        v.withUnsafeMutableBufferPointer { vb in
                            for i in 0..<p.count {
                                let gi = wd == 0 ? g[i] : g[i] + wd * p[i]
                                mb[i] = b1 * mb[i] + (1 - b1) * gi
                                vb[i] = b2 * vb[i] + (1 - b2) * gi * gi
                                p[i] -= stepSize * mb[i] / (vb[i].squareRoot() / correction2 + e)
                            }
                        }
                    }
                }
            }
            expAvg[name] = m
            expAvgSq[name] = v
        }
    }

    /// Optimiser state as named tensors, sorted by name.
    public var namedState: [(name: String, tensor: Tensor<Scalar>)] {
        let first = expAvg.map { ($0.key + ".exp_avg", $0.value) }
        let second = expAvgSq.map { ($0.key + ".exp_avg_sq", $0.value) }
        return (first + second).sorted { $0.0 < $1.0 }.map { (name: $0.0, tensor: $0.1) }
    }

    /// Restores state saved from `namedState` and `step`.
    public mutating func loadState(_ tensors: [String: Tensor<Scalar>], step: Int) {
        expAvg = [:]
        expAvgSq = [:]
        for (name, tensor) in tensors {
            if name.hasSuffix(".exp_avg_sq") {
                expAvgSq[String(name.dropLast(".exp_avg_sq".count))] = tensor
            } else if name.hasSuffix(".exp_avg") {
                expAvg[String(name.dropLast(".exp_avg".count))] = tensor
            }
        }
        self.step = step
    }
}
