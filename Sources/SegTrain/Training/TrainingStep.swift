/// The training step: gradients zeroed, forward pass in training mode, loss, parameter gradients,
/// one optimiser update. `Trainer` runs it on every batch and `bench train-step` times it.
public enum TrainingStep {
    /// Runs one step of `model` on `images` `[N, 3, H, W]` and `labels` `[N, H, W]`.
    ///
    /// - Returns: the loss before the update.
    /// - Throws: `LossError` when images and labels do not line up.
    @discardableResult
    public static func run<M: Layer, O: ParameterUpdate>(_ model: inout M, _ optimizer: inout O, loss: SegmentationLoss,
                                                         images: Tensor<Float>, labels: LabelMap) throws -> Float
    where M.Scalar == Float {
        model.zeroGradients()
        let logits = model.forward(images, training: true)
        let out: LossOutput<Float> = try loss(logits, labels)
        model.backwardParameters(out.gradient)
        optimizer.update(&model)
        return out.value
    }
}
