import SegFormat

/// Per-pixel linear classifier: `nn.Linear(3, C)` applied to every pixel's channel vector.
///
/// Shapes: `[N, Cin, H, W]` → `[N, C, H, W]`; parameters `weight` `[C, Cin]` and `bias` `[C]`
/// (the state of a bare `nn.Linear` applied to `x.permute(0, 2, 3, 1)`).
public struct PixelLinear<Scalar: TensorScalar>: Layer {
    public var linear: Linear<Scalar>
    private var inputShape: [Int] = []

    /// Creates the classifier with PyTorch default initialisation drawn from `rng`.
    public init<G: RandomNumberGenerator>(classes: Int, inChannels: Int = 3, rng: inout G) {
        linear = Linear(inFeatures: inChannels, outFeatures: classes, rng: &rng)
    }

    /// Creates the classifier with weights from `seed` (SplitMix64).
    public init(classes: Int, seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        self.init(classes: classes, rng: &rng)
    }

    public mutating func forward(_ input: Tensor<Scalar>, training: Bool) -> Tensor<Scalar> {
        precondition(input.rank == 4, "PixelLinear expects [N, C, H, W], got \(input.shape)")
        inputShape = input.shape
        let rows = Layout.channelsLast(input)
        let y = linear.forward(rows, training: training)
        return Layout.channelsFirst(y, n: input.shape[0], h: input.shape[2], w: input.shape[3])
    }

    public mutating func backward(_ gradOutput: Tensor<Scalar>) -> Tensor<Scalar> {
        let (n, h, w) = (inputShape[0], inputShape[2], inputShape[3])
        let g = linear.backward(Layout.channelsLast(gradOutput))
        return Layout.channelsFirst(g, n: n, h: h, w: w)
    }

    public mutating func visitParameters(
        prefix: String, _ body: (String, inout Tensor<Scalar>, inout Tensor<Scalar>) -> Void
    ) {
        linear.visitParameters(prefix: prefix, body)
    }
}
