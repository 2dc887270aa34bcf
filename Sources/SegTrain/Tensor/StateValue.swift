/// One entry of a model's state (PyTorch `state_dict` value).
///
/// Parameters and floating-point buffers are tensors; `num_batches_tracked` is an integer
/// (an I64 scalar in PyTorch checkpoints).
public enum StateValue<Scalar: TensorScalar>: Sendable {
    /// A floating-point tensor (weights, biases, running statistics).
    case tensor(Tensor<Scalar>)
    /// An integer counter stored as a 0-d int64 tensor by PyTorch.
    case int64(Int64)
}
