/// Bilinear resizing of `[N, C, H, W]` tensors with `align_corners=True`
/// (`F.interpolate(x, size, mode="bilinear", align_corners=True)`), and its backward.
///
/// Output pixel `o` samples input position `o * (in-1)/(out-1)` (0 when `out == 1`). Planes run in
/// parallel.
public enum Bilinear {
    /// Per-axis sampling table: lower source index, upper offset (0 or 1) and upper weight.
    struct Axis<S: TensorScalar> {
        var low: [Int]
        var step: [Int]
        var lambda: [S]

        init(input: Int, output: Int) {
            let scale: S = output > 1 ? S(input - 1) / S(output - 1) : 0
            low = []; step = []; lambda = []
            for o in 0..<output {
                let src = scale * S(o)
                let l = min(Int(src), input - 1)
                low.append(l)
                step.append(l < input - 1 ? 1 : 0)
                lambda.append(src - S(l))
            }
        }
    }

    /// Resizes `input` `[N, C, H, W]` to `[N, C, height, width]`.
    public static func resize<S: TensorScalar>(_ input: Tensor<S>, height: Int, width: Int) -> Tensor<S> {
        precondition(input.rank == 4, "bilinear resize expects [N, C, H, W], got \(input.shape)")
        let (planes, h, w) = (input.shape[0] * input.shape[1], input.shape[2], input.shape[3])
        let ay = Axis<S>(input: h, output: height), ax = Axis<S>(input: w, output: width)
        return Tensor(uninitializedShape: [input.shape[0], input.shape[1], height, width]) { out in
            input.withUnsafeBufferPointer { x in
                Parallel.forEach(planes, grain: Parallel.grain(itemScalars: height * width)) { p in
                    let src = x.baseAddress! + p * h * w
                    let dst = out.baseAddress! + p * height * width
                    for oy in 0..<height {
                        let r0 = src + ay.low[oy] * w, r1 = r0 + ay.step[oy] * w
                        let ly = ay.lambda[oy], hy = 1 - ly
                        for ox in 0..<width {
                            let x0 = ax.low[ox], x1 = x0 + ax.step[ox]
                            let lx = ax.lambda[ox], hx = 1 - lx
                            dst[oy * width + ox] = hy * (hx * r0[x0] + lx * r0[x1]) + ly * (hx * r1[x0] + lx * r1[x1])
                        }
                    }
                }
            }
        }
    }

    /// Back-propagates `gradOutput` `[N, C, Ho, Wo]` to an input of `height` x `width`.
    ///
    /// - Returns: `[N, C, height, width]`, each input pixel receiving its bilinear weights' share.
    public static func resizeBackward<S: TensorScalar>(
        _ gradOutput: Tensor<S>, height: Int, width: Int
    ) -> Tensor<S> {
        let (planes, ho, wo) = (gradOutput.shape[0] * gradOutput.shape[1], gradOutput.shape[2], gradOutput.shape[3])
        let ay = Axis<S>(input: height, output: ho), ax = Axis<S>(input: width, output: wo)
        return Tensor(uninitializedShape: [gradOutput.shape[0], gradOutput.shape[1], height, width]) { dx in
            gradOutput.withUnsafeBufferPointer { g in
                Parallel.forEach(planes, grain: Parallel.grain(itemScalars: ho * wo)) { p in
                    let src = g.baseAddress! + p * ho * wo
                    let dst = dx.baseAddress! + p * height * width
                    dst.update(repeating: 0, count: height * width)
                    for oy in 0..<ho {
                        let r0 = dst + ay.low[oy] * width, r1 = r0 + ay.step[oy] * width
                        let ly = ay.lambda[oy], hy = 1 - ly
                        for ox in 0..<wo {
                            let v = src[oy * wo + ox]
                            let x0 = ax.low[ox], x1 = x0 + ax.step[ox]
                            let lx = ax.lambda[ox], hx = 1 - lx
                            r0[x0] += hy * hx * v
                            r0[x1] += hy * lx * v
                            r1[x0] += ly * hx * v
                            r1[x1] += ly * lx * v
                        }
                    }
                }
            }
        }
    }
}
