/// Adam or SGD behind one interface, with its state named for checkpoints.
///
/// State tensors are stored as `optimizer.<parameter>.exp_avg`, `.exp_avg_sq` (Adam) or
/// `.momentum_buffer` (SGD), so a checkpoint's model entries stay exactly PyTorch's `state_dict`.
public struct TrainingOptimizer: Sendable {
    /// Prefix of optimiser tensors in a checkpoint.
    public static let prefix = "optimizer."

    public let kind: TrainOptions.Optimizer
    var adam: Adam<Float>?
    var sgd: SGD<Float>?

    /// Adam with β1 = `momentum` (the reference passes `betas=(momentum, 0.999)`) or SGD with momentum.
    public init(kind: TrainOptions.Optimizer, lr: Double, momentum: Double, weightDecay: Double) {
        self.kind = kind
        switch kind {
        case .adam: adam = Adam(learningRate: lr, beta1: momentum, weightDecay: weightDecay)
        case .sgd: sgd = SGD(learningRate: lr, momentum: momentum, weightDecay: weightDecay)
        }
    }

    /// The rate the next update uses.
    public var learningRate: Double {
        get { adam?.learningRate ?? sgd!.learningRate }
        set { if adam != nil { adam!.learningRate = newValue } else { sgd!.learningRate = newValue } }
    }

    /// Updates taken so far (Adam's bias-correction step; 0 for SGD).
    public var step: Int { adam?.step ?? 0 }

    /// Applies one update from the accumulated gradients of `model`.
    public mutating func update<L: Layer>(_ model: inout L) where L.Scalar == Float {
        if adam != nil { adam!.update(&model) } else { sgd!.update(&model) }
    }

    /// State tensors with their checkpoint names.
    public var namedState: [(name: String, tensor: Tensor<Float>)] {
        let entries = adam?.namedState ?? sgd!.namedState
        return entries.map { (name: TrainingOptimizer.prefix + $0.name, tensor: $0.tensor) }
    }

    /// Restores state from checkpoint tensors (names with the `optimizer.` prefix) and Adam's `step`.
    public mutating func loadState(_ tensors: [String: Tensor<Float>], step: Int) {
        var stripped: [String: Tensor<Float>] = [:]
        for (name, t) in tensors where name.hasPrefix(TrainingOptimizer.prefix) {
            stripped[String(name.dropFirst(TrainingOptimizer.prefix.count))] = t
        }
        if adam != nil { adam!.loadState(stripped, step: step) } else { sgd!.loadState(stripped) }
    }
}
