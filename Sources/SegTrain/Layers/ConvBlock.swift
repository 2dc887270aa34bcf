/// Two 3x3 conv + BatchNorm + ReLU stages: `nn.Sequential(conv, bn, relu, conv, bn, relu)`.
///
/// Shapes: `[N, Cin, H, W]` → `[N, Cout, H, W]`. State names follow the Sequential indices:
/// `0` (conv), `1` (bn), `3` (conv), `4` (bn). Each ReLU runs fused into the BatchNorm before it
/// (`BatchNorm2d.forwardReLU`); `relu1`/`relu2` are kept for the module layout.
public struct ConvBlock<Scalar: TensorScalar>: Layer {
    public var conv1: Conv2d<Scalar>
    public var bn1: BatchNorm2d<Scalar>
    public var relu1 = ReLU<Scalar>()
    public var conv2: Conv2d<Scalar>
    public var bn2: BatchNorm2d<Scalar>
    public var relu2 = ReLU<Scalar>()

    /// Creates the block, drawing the conv weights from `rng` in module order.
    public init<G: RandomNumberGenerator>(inChannels: Int, outChannels: Int, rng: inout G) {
        conv1 = Conv2d(inChannels: inChannels, outChannels: outChannels, kernelSize: 3, padding: 1, rng: &rng)
        bn1 = BatchNorm2d(channels: outChannels)
        conv2 = Conv2d(inChannels: outChannels, outChannels: outChannels, kernelSize: 3, padding: 1, rng: &rng)
        bn2 = BatchNorm2d(channels: outChannels)
    }

    public mutating func forward(_ input: Tensor<Scalar>, training: Bool) -> Tensor<Scalar> {
        var workspace: [Scalar] = []
        return forward(input, training: training, workspace: &workspace)
    }

    public mutating func backward(_ gradOutput: Tensor<Scalar>) -> Tensor<Scalar> {
        var workspace: [Scalar] = [], gradWorkspace: [Scalar] = []
        return backward(gradOutput, workspace: &workspace, gradWorkspace: &gradWorkspace)
    }

    /// Forward pass sharing `workspace` between both convolutions.
    public mutating func forward(_ input: Tensor<Scalar>, training: Bool, workspace: inout [Scalar]) -> Tensor<Scalar> {
        var x = conv1.forward(input, workspace: &workspace)
        x = bn1.forwardReLU(x, training: training)
        x = conv2.forward(x, workspace: &workspace)
        return bn2.forwardReLU(x, training: training)
    }

    /// Backward pass sharing the column buffers between both convolutions.
    public mutating func backward(
        _ gradOutput: Tensor<Scalar>, workspace: inout [Scalar], gradWorkspace: inout [Scalar]
    ) -> Tensor<Scalar> {
        backward(gradOutput, workspace: &workspace, gradWorkspace: &gradWorkspace, inputGradient: true)!
    }

    /// Backward pass that skips d(loss)/d(input) (returning nil) unless `inputGradient` is set.
    mutating func backward(
        _ gradOutput: Tensor<Scalar>, workspace: inout [Scalar], gradWorkspace: inout [Scalar], inputGradient: Bool
    ) -> Tensor<Scalar>? {
        var g = bn2.backward(gradOutput)
        g = conv2.backward(g, workspace: &workspace, gradWorkspace: &gradWorkspace)
        g = bn1.backward(g)
        return conv1.backward(g, workspace: &workspace, gradWorkspace: &gradWorkspace, inputGradient: inputGradient)
    }

    public mutating func visitParameters(
        prefix: String, _ body: (String, inout Tensor<Scalar>, inout Tensor<Scalar>) -> Void
    ) {
        conv1.visitParameters(prefix: qualified(prefix, "0"), body)
        bn1.visitParameters(prefix: qualified(prefix, "1"), body)
        conv2.visitParameters(prefix: qualified(prefix, "3"), body)
        bn2.visitParameters(prefix: qualified(prefix, "4"), body)
    }

    public mutating func visitState(prefix: String, _ body: (String, inout StateValue<Scalar>) -> Void) {
        conv1.visitState(prefix: qualified(prefix, "0"), body)
        bn1.visitState(prefix: qualified(prefix, "1"), body)
        conv2.visitState(prefix: qualified(prefix, "3"), body)
        bn2.visitState(prefix: qualified(prefix, "4"), body)
    }
}
