/// 2x2 max pooling with stride 2 (`nn.MaxPool2d(2)`).
///
/// Shapes: `[N, C, H, W]` → `[N, C, H/2, W/2]` (floor). Ties go to the first maximum in
/// row-major order; the gradient flows to that element only.
public struct MaxPool2d<Scalar: TensorScalar>: Layer {
    private var argmax: [Int32] = []
    private var inputShape: [Int] = []

    public init() {}

    public mutating func forward(_ input: Tensor<Scalar>, training: Bool) -> Tensor<Scalar> {
        precondition(input.rank == 4, "MaxPool2d expects [N, C, H, W], got \(input.shape)")
        let (n, c, h, w) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        let (ho, wo) = (h / 2, w / 2)
        inputShape = input.shape
        var indices = [Int32](repeating: 0, count: n * c * ho * wo)
        let output = Tensor<Scalar>(uninitializedShape: [n, c, ho, wo]) { out in
            input.withUnsafeBufferPointer { x in
                indices.withUnsafeMutableBufferPointer { idx in
                    for p in 0..<(n * c) {
                        let src = x.baseAddress! + p * h * w
                        for oy in 0..<ho {
                            for ox in 0..<wo {
                                let first = 2 * oy * w + 2 * ox
                                var best = first
                                var bestValue = src[first]
                                var i = first + 1
                                if src[i] > bestValue || src[i].isNaN { best = i; bestValue = src[i] }
                                i = first + w
                                if src[i] > bestValue || src[i].isNaN { best = i; bestValue = src[i] }
                                i = first + w + 1
                                if src[i] > bestValue || src[i].isNaN { best = i; bestValue = src[i] }
                                let o = (p * ho + oy) * wo + ox
                                out[o] = bestValue
                                idx[o] = Int32(best)
                            }
                        }
                    }
                }
            }
        }
        argmax = indices
        return output
    }

    public mutating func backward(_ gradOutput: Tensor<Scalar>) -> Tensor<Scalar> {
        precondition(!inputShape.isEmpty, "MaxPool2d.backward before forward")
        let (h, w) = (inputShape[2], inputShape[3])
        let planes = inputShape[0] * inputShape[1]
        let outPlane = (h / 2) * (w / 2)
        precondition(gradOutput.count == planes * outPlane, "gradient shape \(gradOutput.shape) mismatch")
        return Tensor(shape: inputShape) { dx in
            gradOutput.withUnsafeBufferPointer { dy in
                argmax.withUnsafeBufferPointer { idx in
                    for p in 0..<planes {
                        let dst = dx.baseAddress! + p * h * w
                        for o in (p * outPlane)..<((p + 1) * outPlane) { dst[Int(idx[o])] += dy[o] }
                    }
                }
            }
        }
    }
}
