/// Naive, obviously correct kernels kept beside the fast ones as test oracles.
///
/// They use plain nested loops and no BLAS; slow, but easy to check by reading.
public enum ReferenceKernels {
    /// Row-major matrix product `C = op(A) * op(B)`.
    ///
    /// - Shapes: `op(A)` is `m x k`, `op(B)` is `k x n`; returns `m x n` scalars.
    public static func matmul<S: TensorScalar>(
        _ a: [S], _ b: [S], m: Int, n: Int, k: Int, transposeA: Bool = false, transposeB: Bool = false
    ) -> [S] {
        var c = [S](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var sum: S = 0
                for p in 0..<k {
                    let av = transposeA ? a[p * m + i] : a[i * k + p]
                    let bv = transposeB ? b[j * k + p] : b[p * n + j]
                    sum += av * bv
                }
                c[i * n + j] = sum
            }
        }
        return c
    }

    /// Direct convolution, stride 1, zero padding.
    ///
    /// - Shapes: input `[N, Cin, H, W]`, weight `[Cout, Cin, K, K]`, bias `[Cout]`; returns
    ///   `[N, Cout, H+2P-K+1, W+2P-K+1]`.
    public static func convolution<S: TensorScalar>(
        input: Tensor<S>, weight: Tensor<S>, bias: Tensor<S>?, padding: Int
    ) -> Tensor<S> {
        let (n, cin, h, w) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        let (cout, k) = (weight.shape[0], weight.shape[2])
        let ho = h + 2 * padding - k + 1, wo = w + 2 * padding - k + 1
        var out = Tensor<S>(shape: [n, cout, ho, wo])
        for b in 0..<n {
            for o in 0..<cout {
                for y in 0..<ho {
                    for x in 0..<wo {
                        var sum: S = bias?[o] ?? 0
                        for c in 0..<cin {
                            for ki in 0..<k {
                                for kj in 0..<k {
                                    let iy = y + ki - padding, ix = x + kj - padding
                                    if iy < 0 || iy >= h || ix < 0 || ix >= w { continue }
                                    sum += input[((b * cin + c) * h + iy) * w + ix]
                                        * weight[((o * cin + c) * k + ki) * k + kj]
                                }
                            }
                        }
                        out[((b * cout + o) * ho + y) * wo + x] = sum
                    }
                }
            }
        }
        return out
    }

    /// Gradients of `convolution` for upstream gradient `gradOutput`.
    ///
    /// - Returns: `(input, weight, bias)` gradients shaped like their arguments.
    public static func convolutionBackward<S: TensorScalar>(
        input: Tensor<S>, weight: Tensor<S>, padding: Int, gradOutput: Tensor<S>
    ) -> (input: Tensor<S>, weight: Tensor<S>, bias: Tensor<S>) {
        let (n, cin, h, w) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        let (cout, k) = (weight.shape[0], weight.shape[2])
        let ho = gradOutput.shape[2], wo = gradOutput.shape[3]
        var dx = Tensor<S>(shape: input.shape)
        var dw = Tensor<S>(shape: weight.shape)
        var db = Tensor<S>(shape: [cout])
        for b in 0..<n {
            for o in 0..<cout {
                for y in 0..<ho {
                    for x in 0..<wo {
                        let g = gradOutput[((b * cout + o) * ho + y) * wo + x]
                        db[o] += g
                        for c in 0..<cin {
                            for ki in 0..<k {
                                for kj in 0..<k {
                                    let iy = y + ki - padding, ix = x + kj - padding
                                    if iy < 0 || iy >= h || ix < 0 || ix >= w { continue }
                                    let xi = ((b * cin + c) * h + iy) * w + ix
                                    let wi = ((o * cin + c) * k + ki) * k + kj
                                    dw[wi] += g * input[xi]
                                    dx[xi] += g * weight[wi]
                                }
                            }
                        }
                    }
                }
            }
        }
        return (dx, dw, db)
    }
}
