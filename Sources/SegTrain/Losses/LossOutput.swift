/// A loss value with its gradient with respect to the logits.
public struct LossOutput<Scalar: TensorScalar>: Sendable {
    /// The scalar loss.
    public var value: Scalar
    /// d(loss)/d(logits), shaped like the logits passed in.
    public var gradient: Tensor<Scalar>

    public init(value: Scalar, gradient: Tensor<Scalar>) {
        self.value = value
        self.gradient = gradient
    }

    /// Adds another loss over the same logits (values and gradients sum).
    public mutating func add(_ other: LossOutput) {
        value += other.value
        gradient.add(other.gradient)
    }
}
