/// A differentiable layer with PyTorch-named parameters and buffers.
///
/// `forward` caches what `backward` needs; `backward` must follow the matching `forward`,
/// adds parameter gradients into the gradient tensors and returns the input gradient.
public protocol Layer {
    associatedtype Scalar: TensorScalar

    /// Computes the layer output; `training` selects batch statistics where that matters.
    mutating func forward(_ input: Tensor<Scalar>, training: Bool) -> Tensor<Scalar>

    /// Back-propagates `gradOutput` (shaped like the last output) and returns d(loss)/d(input).
    mutating func backward(_ gradOutput: Tensor<Scalar>) -> Tensor<Scalar>

    /// Accumulates the parameter gradients of `gradOutput` only (training needs no input gradient;
    /// layers that can skip computing it say so).
    mutating func backwardParameters(_ gradOutput: Tensor<Scalar>)

    /// Calls `body` with each trainable parameter's full name, value and gradient.
    mutating func visitParameters(
        prefix: String, _ body: (String, inout Tensor<Scalar>, inout Tensor<Scalar>) -> Void)

    /// Calls `body` with each parameter and buffer in PyTorch `state_dict` order.
    mutating func visitState(prefix: String, _ body: (String, inout StateValue<Scalar>) -> Void)
}

extension Layer {
    public mutating func backwardParameters(_ gradOutput: Tensor<Scalar>) {
        _ = backward(gradOutput)
    }

    public mutating func visitParameters(
        prefix: String, _ body: (String, inout Tensor<Scalar>, inout Tensor<Scalar>) -> Void
    ) {}

    public mutating func visitState(prefix: String, _ body: (String, inout StateValue<Scalar>) -> Void) {
        visitParameters(prefix: prefix) { name, value, _ in
            var entry = StateValue.tensor(value)
            body(name, &entry)
            if case .tensor(let updated) = entry {
                precondition(updated.shape == value.shape, "\(name): shape \(updated.shape) != \(value.shape)")
                value = updated
            }
        }
    }

    /// Sets every parameter gradient to zero.
    public mutating func zeroGradients() {
        visitParameters(prefix: "") { _, _, grad in grad.fill(0) }
    }

    /// Number of trainable scalars.
    public mutating func parameterCount() -> Int {
        var total = 0
        visitParameters(prefix: "") { _, value, _ in total += value.count }
        return total
    }
}

/// Joins a module prefix and a member name with a dot, PyTorch style.
func qualified(_ prefix: String, _ name: String) -> String {
    prefix.isEmpty ? name : prefix + "." + name
}
