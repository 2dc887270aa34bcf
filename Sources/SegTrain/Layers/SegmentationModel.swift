import SegFormat

/// A trainable segmentation network chosen by name: `unet-s` or the per-pixel `linear` baseline.
///
/// Shapes: `[N, 3, H, W]` → logits `[N, classes, H, W]`. State names are those of the PyTorch
/// module (`enc1.0.weight`, … for `unet-s`; `weight`, `bias` for `linear`).
public enum SegmentationModel: Layer {
    case unetS(UNet<Float>)
    case linear(PixelLinear<Float>)

    /// The architectures `train` and `predict` know.
    public enum Kind: String, Sendable, CaseIterable {
        case unetS = "unet-s"
        case linear
    }

    /// A freshly initialised model (PyTorch default initialisation, weights from `seed`).
    public init(kind: Kind, classes: Int, seed: UInt64) {
        switch kind {
        case .unetS: self = .unetS(UNet(classes: classes, seed: seed))
        case .linear: self = .linear(PixelLinear(classes: classes, seed: seed))
        }
    }

    public var kind: Kind {
        switch self {
        case .unetS: return .unetS
        case .linear: return .linear
        }
    }

    public var classes: Int {
        switch self {
        case .unetS(let m): return m.classes
        case .linear(let m): return m.linear.bias.shape[0]
        }
    }

    /// The architecture and class count a checkpoint was saved from, read from its tensor names and shapes.
    ///
    /// - Throws: `Checkpoint.LoadError.missing` when the file holds neither model's tensors.
    public static func describe(checkpoint file: SafeTensorsFile) throws -> (Kind, Int) {
        if let head = file.tensors.first(where: { $0.name == "head.weight" }), let c = head.shape.first {
            return (.unetS, c)
        }
        if let w = file.tensors.first(where: { $0.name == "weight" }), w.shape.count == 2 {
            return (.linear, w.shape[0])
        }
        throw Checkpoint.LoadError.missing("head.weight")
    }

    /// Loads a model from a checkpoint written by `train` (architecture and classes from its tensors).
    ///
    /// - Throws: reader errors, or `Checkpoint.LoadError` for missing or mis-shaped tensors.
    public init(checkpoint path: String) throws {
        let file = try SafeTensorsFile(path: path)
        let (kind, classes) = try SegmentationModel.describe(checkpoint: file)
        self.init(kind: kind, classes: classes, seed: 0)
        try Checkpoint.load(into: &self, from: path)
    }

    /// Height and width must be multiples of this for the architecture.
    public var sizeMultiple: Int { kind == .unetS ? 4 : 1 }

    /// Runs `unet` or `linear` on the network in place (consumed and put back, so its tensors stay
    /// uniquely referenced and are never copied).
    private mutating func with<R>(_ unet: (inout UNet<Float>) -> R, _ linear: (inout PixelLinear<Float>) -> R) -> R {
        switch consume self {
        case .unetS(var m):
            defer { self = .unetS(m) }
            return unet(&m)
        case .linear(var m):
            defer { self = .linear(m) }
            return linear(&m)
        }
    }

    public mutating func forward(_ input: Tensor<Float>, training: Bool) -> Tensor<Float> {
        with({ $0.forward(input, training: training) }, { $0.forward(input, training: training) })
    }

    public mutating func backward(_ gradOutput: Tensor<Float>) -> Tensor<Float> {
        with({ $0.backward(gradOutput) }, { $0.backward(gradOutput) })
    }

    /// Accumulates parameter gradients only (the input image needs no gradient when training).
    public mutating func backwardParameters(_ gradOutput: Tensor<Float>) {
        with({ $0.backwardParameters(gradOutput) }, { $0.backwardParameters(gradOutput) })
    }

    public mutating func visitParameters(
        prefix: String, _ body: (String, inout Tensor<Float>, inout Tensor<Float>) -> Void
    ) {
        with({ $0.visitParameters(prefix: prefix, body) }, { $0.visitParameters(prefix: prefix, body) })
    }

    public mutating func visitState(prefix: String, _ body: (String, inout StateValue<Float>) -> Void) {
        with({ $0.visitState(prefix: prefix, body) }, { $0.visitState(prefix: prefix, body) })
    }

    /// Predicted class per pixel (`[N, H, W]` row-major) in evaluation mode.
    public mutating func predict(_ images: Tensor<Float>) -> [UInt8] {
        Prediction.argmax(forward(images, training: false))
    }
}
