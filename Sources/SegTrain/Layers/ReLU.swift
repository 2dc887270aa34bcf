/// Rectified linear unit, `max(x, 0)` element-wise (`nn.ReLU`).
///
/// The gradient passes where the output is positive. Conv blocks fuse their ReLUs into
/// `BatchNorm2d.forwardReLU` instead.
public struct ReLU<Scalar: TensorScalar>: Layer {
    private var output: Tensor<Scalar>?

    public init() {}

    /// Scalars per parallel chunk.
    private static var chunk: Int { 1 << 16 }

    public mutating func forward(_ input: Tensor<Scalar>, training: Bool) -> Tensor<Scalar> {
        let y = Tensor<Scalar>(uninitializedShape: input.shape) { out in
            input.withUnsafeBufferPointer { x in
                let count = x.count, chunk = Self.chunk
                Parallel.forEach((count + chunk - 1) / chunk, grain: 2) { part in
                    for i in (part * chunk)..<min(count, (part + 1) * chunk) { out[i] = x[i] > 0 ? x[i] : 0 }
                }
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
                    let count = y.count, chunk = Self.chunk
                    Parallel.forEach((count + chunk - 1) / chunk, grain: 2) { part in
                        for i in (part * chunk)..<min(count, (part + 1) * chunk) { let d = dy[i]; dx[i] = y[i] > 0 ? d : 0 }
                    }
                }
            }
        }
    }
}
