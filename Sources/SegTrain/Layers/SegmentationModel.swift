import SegFormat

/// A trainable segmentation network chosen by name: `unet-s` or the per-pixel `linear` baseline.
///
/// Shapes: `[N, 3, H, W]` → logits `[N, classes, H, W]`. State names are those of the PyTorch
/// module (`enc1.0.weight`, … for `unet-s`; `weight`, `bias` for `linear`).
public struct SegmentationModel: Layer {
    /// The architectures `train` and `predict` know.
    public enum Kind: String, Sendable, CaseIterable {
        case unetS = "unet-s"
        case linear
    }

    public let kind: Kind
    public let classes: Int
    var unet: UNet<Float>?
    var linear: PixelLinear<Float>?

    /// A freshly initialised model (PyTorch default initialisation, weights from `seed`).
    public init(kind: Kind, classes: Int, seed: UInt64) {
        self.kind = kind
        self.classes = classes
        switch kind {
        case .unetS: unet = UNet(classes: classes, seed: seed)
        case .linear: linear = PixelLinear(classes: classes, seed: seed)
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

    public mutating func forward(_ input: Tensor<Float>, training: Bool) -> Tensor<Float> {
        if unet != nil { return unet!.forward(input, training: training) }
        return linear!.forward(input, training: training)
    }

    public mutating func backward(_ gradOutput: Tensor<Float>) -> Tensor<Float> {
        if unet != nil { return unet!.backward(gradOutput) }
        return linear!.backward(gradOutput)
    }

    /// Accumulates parameter gradients only (the input image needs no gradient when training).
    public mutating func backwardParameters(_ gradOutput: Tensor<Float>) {
        if unet != nil { _ = unet!.backward(gradOutput, inputGradient: false); return }
        _ = linear!.backward(gradOutput)
    }

    public mutating func visitParameters(
        prefix: String, _ body: (String, inout Tensor<Float>, inout Tensor<Float>) -> Void
    ) {
        if unet != nil { unet!.visitParameters(prefix: prefix, body) } else { linear!.visitParameters(prefix: prefix, body) }
    }

    public mutating func visitState(prefix: String, _ body: (String, inout StateValue<Float>) -> Void) {
        if unet != nil { unet!.visitState(prefix: prefix, body) } else { linear!.visitState(prefix: prefix, body) }
    }

    /// Predicted class per pixel (`[N, H, W]` row-major) in evaluation mode.
    public mutating func predict(_ images: Tensor<Float>) -> [UInt8] {
        Prediction.argmax(forward(images, training: false))
    }
}
