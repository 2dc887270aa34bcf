/// 2x2 max pooling with stride 2 (`nn.MaxPool2d(2)`).
///
/// Shapes: `[N, C, H, W]` → `[N, C, H/2, W/2]` (floor). Ties go to the first maximum in
/// row-major order; the gradient flows to that element only. Planes run in parallel; the winner
/// of each window is kept as its position 0...3 (row-major within the window).
public struct MaxPool2d<Scalar: TensorScalar>: Layer {
    private var argmax: [UInt8] = []
    private var inputShape: [Int] = []

    public init() {}

    public mutating func forward(_ input: Tensor<Scalar>, training: Bool) -> Tensor<Scalar> {
        precondition(input.rank == 4, "MaxPool2d expects [N, C, H, W], got \(input.shape)")
        let (n, c, h, w) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        let (ho, wo) = (h / 2, w / 2)
        inputShape = input.shape
        var indices = [UInt8](repeating: 0, count: n * c * ho * wo)
        let output = Tensor<Scalar>(uninitializedShape: [n, c, ho, wo]) { out in
            input.withUnsafeBufferPointer { x in
                indices.withUnsafeMutableBufferPointer { idx in
                    Parallel.forEach(n * c, grain: Parallel.grain(itemScalars: h * w)) { p in
                        let src = x.baseAddress! + p * h * w
                        for oy in 0..<ho {
                            let top = src + 2 * oy * w, bottom = top + w
                            let o = (p * ho + oy) * wo
                            for ox in 0..<wo {
                                var best: UInt8 = 0
                                var bestValue = top[2 * ox]
                                var v = top[2 * ox + 1]
                                if v > bestValue || v.isNaN { best = 1; bestValue = v }
                                v = bottom[2 * ox]
                                if v > bestValue || v.isNaN { best = 2; bestValue = v }
                                v = bottom[2 * ox + 1]
                                if v > bestValue || v.isNaN { best = 3; bestValue = v }
                                out[o + ox] = bestValue
                                idx[o + ox] = best
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
        let (ho, wo) = (h / 2, w / 2)
        precondition(gradOutput.count == planes * ho * wo, "gradient shape \(gradOutput.shape) mismatch")
        return Tensor(uninitializedShape: inputShape) { dx in
            gradOutput.withUnsafeBufferPointer { dy in
                argmax.withUnsafeBufferPointer { idx in
                    Parallel.forEach(planes, grain: Parallel.grain(itemScalars: h * w)) { p in
                        let dst = dx.baseAddress! + p * h * w
                        for oy in 0..<ho {
                            let top = dst + 2 * oy * w, bottom = top + w
                            let o = (p * ho + oy) * wo
                            for ox in 0..<wo {
                                let g = dy[o + ox], k = idx[o + ox]
                                top[2 * ox] = k == 0 ? g : 0
                                top[2 * ox + 1] = k == 1 ? g : 0
                                bottom[2 * ox] = k == 2 ? g : 0
                                bottom[2 * ox + 1] = k == 3 ? g : 0
                            }
                            if w % 2 == 1 { top[w - 1] = 0; bottom[w - 1] = 0 }
                        }
                        if h % 2 == 1 { (dst + (h - 1) * w).update(repeating: 0, count: w) }
                    }
                }
            }
        }
    }
}
