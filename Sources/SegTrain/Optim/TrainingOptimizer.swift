/// Adam or SGD behind one interface, with its state named for checkpoints.
///
/// State tensors are stored as `optimizer.<parameter>.exp_avg`, `.exp_avg_sq` (Adam) or
/// `.momentum_buffer` (SGD), so a checkpoint's model entries stay exactly PyTorch's `state_dict`.
public enum TrainingOptimizer: Sendable {
    case adam(Adam<Float>)
    case sgd(SGD<Float>)

    /// Prefix of optimiser tensors in a checkpoint.
    public static let prefix = "optimizer."

    /// Adam with β1 = `momentum` (the reference passes `betas=(momentum, 0.999)`) or SGD with momentum.
    public init(kind: TrainOptions.Optimizer, lr: Double, momentum: Double, weightDecay: Double) {
        switch kind {
        case .adam: self = .adam(Adam(learningRate: lr, beta1: momentum, weightDecay: weightDecay))
        case .sgd: self = .sgd(SGD(learningRate: lr, momentum: momentum, weightDecay: weightDecay))
        }
    }

    public var kind: TrainOptions.Optimizer {
        switch self {
        case .adam: return .adam
        case .sgd: return .sgd
        }
    }

    /// Runs `adam` or `sgd` on the optimiser in place (consumed and put back, so its state tensors
    /// stay uniquely referenced).
    private mutating func with<R>(_ adam: (inout Adam<Float>) -> R, _ sgd: (inout SGD<Float>) -> R) -> R {
        switch consume self {
        case .adam(var o):
            defer { self = .adam(o) }
            return adam(&o)
        case .sgd(var o):
            defer { self = .sgd(o) }
            return sgd(&o)
        }
    }

    /// The rate the next update uses.
    public var learningRate: Double {
        get {
            switch self {
            case .adam(let o): return o.learningRate
            case .sgd(let o): return o.learningRate
            }
        }
        set { with({ $0.learningRate = newValue }, { $0.learningRate = newValue }) }
    }

    /// Updates taken so far (Adam's bias-correction step; 0 for SGD).
    public var step: Int {
        if case .adam(let o) = self { return o.step }
        return 0
    }

    /// Applies one update from the accumulated gradients of `model`.
    public mutating func update<L: Layer>(_ model: inout L) where L.Scalar == Float {
        with({ $0.update(&model) }, { $0.update(&model) })
    }

    /// State tensors with their checkpoint names.
    public var namedState: [(name: String, tensor: Tensor<Float>)] {
        let entries: [(name: String, tensor: Tensor<Float>)]
        switch self {
        case .adam(let o): entries = o.namedState
        case .sgd(let o): entries = o.namedState
        }
        return entries.map { (name: TrainingOptimizer.prefix + $0.name, tensor: $0.tensor) }
    }

    /// Restores state from checkpoint tensors (names with the `optimizer.` prefix) and Adam's `step`.
    public mutating func loadState(_ tensors: [String: Tensor<Float>], step: Int) {
        var stripped: [String: Tensor<Float>] = [:]
        for (name, t) in tensors where name.hasPrefix(TrainingOptimizer.prefix) {
            stripped[String(name.dropFirst(TrainingOptimizer.prefix.count))] = t
        }
        with({ $0.loadState(stripped, step: step) }, { $0.loadState(stripped) })
    }
}
