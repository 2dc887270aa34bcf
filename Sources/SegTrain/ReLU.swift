/// Rectified linear unit, `max(x, 0)` element-wise (`nn.ReLU`).
///
/// The gradient passes where the output is positive.
public struct ReLU<Scalar: TensorScalar>: Layer {
    private var output: Tensor<Scalar>?

    public init() {}

    public mutating func forward(_ input: Tensor<Scalar>, training: Bool) -> Tensor<Scalar> {
        let y = Tensor<Scalar>(uninitializedShape: input.shape) { out in
            input.withUnsafeBufferPointer { x in
                for i in 0..<x.count { out[i] = x[i] > 0 ? x[i] : 0 }
            }
        }
        output = y
        return y
    }

    public mutating func backward(_ gradOutput: Tensor<Scalar>) -> Tensor<Scalar> {
        guard let output else { preconditionFailure("ReLU.backward before forward") }
        precondition(gradOutput.shape == output.shape, "gradient shape \(gradOutput.shape) != \(output.shape)")
        return Tensor(uninitializedShape: output.shape) { dx in
            output.withUnsafeBufferPointer { y in
                gradOutput.withUnsafeBufferPointer { dy in
                    for i in 0..<y.count { dx[i] = y[i] > 0 ? dy[i] : 0 }
                }
            }
        }
    }
}
