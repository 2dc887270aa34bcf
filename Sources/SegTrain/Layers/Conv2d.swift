/// 2-D convolution with bias, stride 1 and zero padding (`nn.Conv2d(cin, cout, k, padding=p)`).
///
/// Shapes: input `[N, Cin, H, W]`, `weight` `[Cout, Cin, K, K]`, `bias` `[Cout]`, output
/// `[N, Cout, H+2P-K+1, W+2P-K+1]`. Runs as im2col + GEMM (1x1 kernels skip im2col).
public struct Conv2d<Scalar: TensorScalar>: Layer {
    public var weight: Tensor<Scalar>
    public var bias: Tensor<Scalar>
    public var weightGrad: Tensor<Scalar>
    public var biasGrad: Tensor<Scalar>
    public let padding: Int
    private var input: Tensor<Scalar>?

    /// Creates a layer with PyTorch's default initialisation drawn from `rng`.
    ///
    /// Weight and bias are uniform in `±1/sqrt(Cin*K*K)` (kaiming_uniform with a = sqrt(5)),
    /// weight first, in row-major order.
    public init<G: RandomNumberGenerator>(
        inChannels: Int, outChannels: Int, kernelSize: Int, padding: Int, rng: inout G
    ) {
        let fanIn = inChannels * kernelSize * kernelSize
        let bound = 1 / Double(fanIn).squareRoot()
        weight = uniformTensor([outChannels, inChannels, kernelSize, kernelSize], bound: bound, rng: &rng)
        bias = uniformTensor([outChannels], bound: bound, rng: &rng)
        weightGrad = Tensor(shape: weight.shape)
        biasGrad = Tensor(shape: bias.shape)
        self.padding = padding
    }

    /// Creates a layer with the given weight `[Cout, Cin, K, K]` and bias `[Cout]`.
    public init(weight: Tensor<Scalar>, bias: Tensor<Scalar>, padding: Int) {
        precondition(weight.rank == 4 && weight.shape[2] == weight.shape[3], "weight must be [Cout, Cin, K, K]")
        precondition(bias.shape == [weight.shape[0]], "bias must be [Cout]")
        self.weight = weight
        self.bias = bias
        weightGrad = Tensor(shape: weight.shape)
        biasGrad = Tensor(shape: bias.shape)
        self.padding = padding
    }

    public mutating func forward(_ input: Tensor<Scalar>, training: Bool) -> Tensor<Scalar> {
        var workspace: [Scalar] = []
        return forward(input, workspace: &workspace)
    }

    public mutating func backward(_ gradOutput: Tensor<Scalar>) -> Tensor<Scalar> {
        var workspace: [Scalar] = [], gradWorkspace: [Scalar] = []
        return backward(gradOutput, workspace: &workspace, gradWorkspace: &gradWorkspace)
    }

    /// Forward pass using `workspace` as the im2col buffer (grown as needed, reusable across layers).
    public mutating func forward(_ input: Tensor<Scalar>, workspace: inout [Scalar]) -> Tensor<Scalar> {
        precondition(input.rank == 4, "Conv2d expects [N, C, H, W], got \(input.shape)")
        self.input = input
        return Convolution.forward(input: input, weight: weight, bias: bias, padding: padding, workspace: &workspace)
    }

    /// Backward pass using `workspace` and `gradWorkspace` as column buffers (grown as needed).
    public mutating func backward(
        _ gradOutput: Tensor<Scalar>, workspace: inout [Scalar], gradWorkspace: inout [Scalar]
    ) -> Tensor<Scalar> {
        backward(gradOutput, workspace: &workspace, gradWorkspace: &gradWorkspace, inputGradient: true)!
    }

    /// Backward pass that skips d(loss)/d(input) (returning nil) unless `inputGradient` is set.
    ///
    /// The first layer of a model needs no input gradient; skipping it saves a convolution.
    mutating func backward(
        _ gradOutput: Tensor<Scalar>, workspace: inout [Scalar], gradWorkspace: inout [Scalar], inputGradient: Bool
    ) -> Tensor<Scalar>? {
        guard let input else { preconditionFailure("Conv2d.backward before forward") }
        Convolution.accumulateParameterGradients(
            input: input, weight: weight, padding: padding, gradOutput: gradOutput,
            weightGrad: &weightGrad, biasGrad: &biasGrad, workspace: &workspace)
        guard inputGradient else { return nil }
        return Convolution.inputGradient(
            inputShape: input.shape, weight: weight, padding: padding, gradOutput: gradOutput, workspace: &gradWorkspace)
    }

    public mutating func visitParameters(
        prefix: String, _ body: (String, inout Tensor<Scalar>, inout Tensor<Scalar>) -> Void
    ) {
        body(qualified(prefix, "weight"), &weight, &weightGrad)
        body(qualified(prefix, "bias"), &bias, &biasGrad)
    }
}

/// A tensor of `shape` with scalars uniform in `[-bound, bound)` drawn in row-major order.
func uniformTensor<S: TensorScalar, G: RandomNumberGenerator>(
    _ shape: [Int], bound: Double, rng: inout G
) -> Tensor<S> {
    let count = shape.reduce(1, *)
    var values = [S]()
    values.reserveCapacity(count)
    for _ in 0..<count {
        let unit = Double(rng.next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
        values.append(S(-bound + 2 * bound * unit))
    }
    return Tensor(shape: shape, scalars: values)
}
