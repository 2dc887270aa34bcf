/// Fully connected layer `y = x Wᵀ + b` (`nn.Linear(in, out)`).
///
/// Shapes: input `[N, in]`, `weight` `[out, in]`, `bias` `[out]`, output `[N, out]`.
public struct Linear<Scalar: TensorScalar>: Layer {
    public var weight: Tensor<Scalar>
    public var bias: Tensor<Scalar>
    public var weightGrad: Tensor<Scalar>
    public var biasGrad: Tensor<Scalar>
    private var input: Tensor<Scalar>?

    /// Creates a layer with PyTorch's default initialisation (uniform `±1/sqrt(in)`, weight then bias).
    public init<G: RandomNumberGenerator>(inFeatures: Int, outFeatures: Int, rng: inout G) {
        let bound = 1 / Double(inFeatures).squareRoot()
        self.init(weight: uniformTensor([outFeatures, inFeatures], bound: bound, rng: &rng),
                  bias: uniformTensor([outFeatures], bound: bound, rng: &rng))
    }

    /// Creates a layer with the given weight `[out, in]` and bias `[out]`.
    public init(weight: Tensor<Scalar>, bias: Tensor<Scalar>) {
        precondition(weight.rank == 2 && bias.shape == [weight.shape[0]], "weight [out, in], bias [out]")
        self.weight = weight
        self.bias = bias
        weightGrad = Tensor(shape: weight.shape)
        biasGrad = Tensor(shape: bias.shape)
    }

    public mutating func forward(_ input: Tensor<Scalar>, training: Bool) -> Tensor<Scalar> {
        let (outF, inF) = (weight.shape[0], weight.shape[1])
        precondition(input.rank == 2 && input.shape[1] == inF, "Linear expects [N, \(inF)], got \(input.shape)")
        self.input = input
        let n = input.shape[0]
        return Tensor(shape: [n, outF]) { y in
            bias.withUnsafeBufferPointer { b in
                for i in 0..<n { (y.baseAddress! + i * outF).update(from: b.baseAddress!, count: outF) }
            }
            input.withUnsafeBufferPointer { x in
                weight.withUnsafeBufferPointer { wt in
                    Scalar.gemm(transposeA: false, transposeB: true, m: n, n: outF, k: inF,
                                alpha: 1, a: x.baseAddress!, lda: inF, b: wt.baseAddress!, ldb: inF,
                                beta: 1, c: y.baseAddress!, ldc: outF)
                }
            }
        }
    }

    public mutating func backward(_ gradOutput: Tensor<Scalar>) -> Tensor<Scalar> {
        guard let input else { preconditionFailure("Linear.backward before forward") }
        let (outF, inF, n) = (weight.shape[0], weight.shape[1], input.shape[0])
        precondition(gradOutput.shape == [n, outF], "gradient shape \(gradOutput.shape) != [\(n), \(outF)]")
        gradOutput.withUnsafeBufferPointer { g in
            input.withUnsafeBufferPointer { x in
                weightGrad.withUnsafeMutableBufferPointer { dw in
                    Scalar.gemm(transposeA: true, transposeB: false, m: outF, n: inF, k: n,
                                alpha: 1, a: g.baseAddress!, lda: outF, b: x.baseAddress!, ldb: inF,
                                beta: 1, c: dw.baseAddress!, ldc: inF)
                }
            }
            biasGrad.withUnsafeMutableBufferPointer { db in
                for i in 0..<n { for o in 0..<outF { db[o] += g[i * outF + o] } }
            }
        }
        return Tensor(shape: input.shape) { dx in
            gradOutput.withUnsafeBufferPointer { g in
                weight.withUnsafeBufferPointer { wt in
                    Scalar.gemm(transposeA: false, transposeB: false, m: n, n: inF, k: outF,
                                alpha: 1, a: g.baseAddress!, lda: outF, b: wt.baseAddress!, ldb: inF,
                                beta: 0, c: dx.baseAddress!, ldc: inF)
                }
            }
        }
    }

    public mutating func visitParameters(
        prefix: String, _ body: (String, inout Tensor<Scalar>, inout Tensor<Scalar>) -> Void
    ) {
        body(qualified(prefix, "weight"), &weight, &weightGrad)
        body(qualified(prefix, "bias"), &bias, &biasGrad)
    }
}
