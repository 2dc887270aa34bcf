import SegFormat

/// The small UNet `unet-s`: three resolutions, 16/32/64 channels, bilinear upsampling.
///
/// Forward: `e1 = enc1(x)`, `e2 = enc2(maxpool(e1))`, `m = mid(maxpool(e2))`,
/// `d2 = dec2(cat[up(m), e2])`, `d1 = dec1(cat[up(d2), e1])`, `head(d1)`, where `up` is bilinear
/// x2 with `align_corners=True`. Shapes: `[N, 3, H, W]` → `[N, classes, H, W]`, H and W multiples
/// of 4. 119,253 parameters at 21 classes; state names match the PyTorch definition.
public struct UNet<Scalar: TensorScalar>: Layer {
    public var enc1: ConvBlock<Scalar>
    public var enc2: ConvBlock<Scalar>
    public var mid: ConvBlock<Scalar>
    public var dec2: ConvBlock<Scalar>
    public var dec1: ConvBlock<Scalar>
    public var head: Conv2d<Scalar>
    public let classes: Int

    private var pool1 = MaxPool2d<Scalar>()
    private var pool2 = MaxPool2d<Scalar>()
    private var sizes: (e1: (Int, Int), e2: (Int, Int), m: (Int, Int)) = ((0, 0), (0, 0), (0, 0))
    private var workspace: [Scalar] = []
    private var gradWorkspace: [Scalar] = []

    /// Creates the model with PyTorch default initialisation drawn from `rng` in module order.
    public init<G: RandomNumberGenerator>(classes: Int, inChannels: Int = 3, rng: inout G) {
        self.classes = classes
        enc1 = ConvBlock(inChannels: inChannels, outChannels: 16, rng: &rng)
        enc2 = ConvBlock(inChannels: 16, outChannels: 32, rng: &rng)
        mid = ConvBlock(inChannels: 32, outChannels: 64, rng: &rng)
        dec2 = ConvBlock(inChannels: 96, outChannels: 32, rng: &rng)
        dec1 = ConvBlock(inChannels: 48, outChannels: 16, rng: &rng)
        head = Conv2d(inChannels: 16, outChannels: classes, kernelSize: 1, padding: 0, rng: &rng)
    }

    /// Creates the model with weights from `seed` (SplitMix64).
    public init(classes: Int, seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        self.init(classes: classes, rng: &rng)
    }

    public mutating func forward(_ input: Tensor<Scalar>, training: Bool) -> Tensor<Scalar> {
        precondition(input.rank == 4 && input.shape[2] % 4 == 0 && input.shape[3] % 4 == 0,
                     "unet-s expects [N, C, H, W] with H and W multiples of 4, got \(input.shape)")
        let e1 = enc1.forward(input, training: training, workspace: &workspace)
        let e2 = enc2.forward(pool1.forward(e1, training: training), training: training, workspace: &workspace)
        let m = mid.forward(pool2.forward(e2, training: training), training: training, workspace: &workspace)
        sizes = ((e1.shape[2], e1.shape[3]), (e2.shape[2], e2.shape[3]), (m.shape[2], m.shape[3]))
        let upM = Bilinear.resize(m, height: e2.shape[2], width: e2.shape[3])
        let d2 = dec2.forward(ChannelConcat.forward(upM, e2), training: training, workspace: &workspace)
        let upD2 = Bilinear.resize(d2, height: e1.shape[2], width: e1.shape[3])
        let d1 = dec1.forward(ChannelConcat.forward(upD2, e1), training: training, workspace: &workspace)
        return head.forward(d1, workspace: &workspace)
    }

    public mutating func backward(_ gradOutput: Tensor<Scalar>) -> Tensor<Scalar> {
        backward(gradOutput, inputGradient: true)!
    }

    public mutating func backwardParameters(_ gradOutput: Tensor<Scalar>) {
        _ = backward(gradOutput, inputGradient: false)
    }

    /// Backward pass that skips d(loss)/d(input) (returning nil) unless `inputGradient` is set.
    ///
    /// Training needs only the parameter gradients; skipping the image gradient saves a convolution.
    mutating func backward(_ gradOutput: Tensor<Scalar>, inputGradient: Bool) -> Tensor<Scalar>? {
        let gD1 = head.backward(gradOutput, workspace: &workspace, gradWorkspace: &gradWorkspace)
        let gCat1 = dec1.backward(gD1, workspace: &workspace, gradWorkspace: &gradWorkspace)
        let (gUpD2, gE1Skip) = ChannelConcat.backward(gCat1, firstChannels: 32)
        let gD2 = Bilinear.resizeBackward(gUpD2, height: sizes.e2.0, width: sizes.e2.1)
        let gCat2 = dec2.backward(gD2, workspace: &workspace, gradWorkspace: &gradWorkspace)
        let (gUpM, gE2Skip) = ChannelConcat.backward(gCat2, firstChannels: 64)
        let gM = Bilinear.resizeBackward(gUpM, height: sizes.m.0, width: sizes.m.1)
        var gE2 = pool2.backward(mid.backward(gM, workspace: &workspace, gradWorkspace: &gradWorkspace))
        gE2.add(gE2Skip)
        var gE1 = pool1.backward(enc2.backward(gE2, workspace: &workspace, gradWorkspace: &gradWorkspace))
        gE1.add(gE1Skip)
        return enc1.backward(gE1, workspace: &workspace, gradWorkspace: &gradWorkspace, inputGradient: inputGradient)
    }

    public mutating func visitParameters(
        prefix: String, _ body: (String, inout Tensor<Scalar>, inout Tensor<Scalar>) -> Void
    ) {
        enc1.visitParameters(prefix: qualified(prefix, "enc1"), body)
        enc2.visitParameters(prefix: qualified(prefix, "enc2"), body)
        mid.visitParameters(prefix: qualified(prefix, "mid"), body)
        dec2.visitParameters(prefix: qualified(prefix, "dec2"), body)
        dec1.visitParameters(prefix: qualified(prefix, "dec1"), body)
        head.visitParameters(prefix: qualified(prefix, "head"), body)
    }

    public mutating func visitState(prefix: String, _ body: (String, inout StateValue<Scalar>) -> Void) {
        enc1.visitState(prefix: qualified(prefix, "enc1"), body)
        enc2.visitState(prefix: qualified(prefix, "enc2"), body)
        mid.visitState(prefix: qualified(prefix, "mid"), body)
        dec2.visitState(prefix: qualified(prefix, "dec2"), body)
        dec1.visitState(prefix: qualified(prefix, "dec1"), body)
        head.visitState(prefix: qualified(prefix, "head"), body)
    }
}
