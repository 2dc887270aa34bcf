import SegFormat
import Testing
@testable import SegLoader
@testable import SegTrain

@Suite("Layer backward passes against finite differences (Double)")
struct LayerGradientTests {
    @Test("Conv2d 3x3 padding 1")
    func conv3x3() {
        var rng = SplitMix64(seed: 10)
        var random = TestRandom(seed: 11)
        let layer = Conv2d<Double>(inChannels: 3, outChannels: 4, kernelSize: 3, padding: 1, rng: &rng)
        GradientCheck.layer(layer, input: random.tensor([2, 3, 5, 6]))
    }

    @Test("Conv2d 1x1")
    func conv1x1() {
        var rng = SplitMix64(seed: 12)
        var random = TestRandom(seed: 13)
        let layer = Conv2d<Double>(inChannels: 4, outChannels: 3, kernelSize: 1, padding: 0, rng: &rng)
        GradientCheck.layer(layer, input: random.tensor([2, 4, 3, 5]))
    }

    @Test("Linear")
    func linear() {
        var rng = SplitMix64(seed: 14)
        var random = TestRandom(seed: 15)
        GradientCheck.layer(Linear<Double>(inFeatures: 5, outFeatures: 3, rng: &rng), input: random.tensor([4, 5]))
    }

    @Test("Per-pixel linear classifier")
    func pixelLinear() {
        var random = TestRandom(seed: 16)
        GradientCheck.layer(PixelLinear<Double>(classes: 4, seed: 3), input: random.tensor([2, 3, 3, 4]))
    }

    @Test("BatchNorm2d in training mode (batch statistics)")
    func batchNormTraining() {
        var random = TestRandom(seed: 17)
        var layer = BatchNorm2d<Double>(channels: 3)
        layer.weight = random.tensor([3])
        layer.bias = random.tensor([3])
        GradientCheck.layer(layer, input: random.tensor([2, 3, 4, 3], scale: 2), training: true)
    }

    @Test("BatchNorm2d in evaluation mode (running statistics)")
    func batchNormEval() {
        var random = TestRandom(seed: 18)
        var layer = BatchNorm2d<Double>(channels: 3)
        layer.weight = random.tensor([3])
        layer.bias = random.tensor([3])
        layer.runningMean = random.tensor([3])
        layer.runningVar = Tensor(shape: [3], scalars: [0.5, 1.5, 2.5])
        GradientCheck.layer(layer, input: random.tensor([2, 3, 4, 3]), training: false)
    }

    @Test("ReLU")
    func relu() {
        var random = TestRandom(seed: 19)
        GradientCheck.layer(ReLU<Double>(), input: random.tensor([2, 3, 4, 4]))
    }

    @Test("MaxPool2d(2)")
    func maxPool() {
        var random = TestRandom(seed: 20)
        GradientCheck.layer(MaxPool2d<Double>(), input: random.tensor([2, 2, 6, 4]))
    }

    @Test("Bilinear x2 upsample and resize to odd sizes", arguments: [(8, 10), (5, 3), (1, 4)])
    func bilinear(height: Int, width: Int) {
        var random = TestRandom(seed: 21)
        GradientCheck.layer(BilinearProbe(height: height, width: width), input: random.tensor([2, 2, 4, 5]))
    }

    @Test("Channel concatenation")
    func concat() {
        var random = TestRandom(seed: 22)
        GradientCheck.layer(ConcatProbe(second: random.tensor([2, 2, 3, 3])), input: random.tensor([2, 3, 3, 3]))
    }

    @Test("Conv block (conv, bn, relu, conv, bn, relu)")
    func convBlock() {
        var rng = SplitMix64(seed: 23)
        var random = TestRandom(seed: 24)
        GradientCheck.layer(ConvBlock<Double>(inChannels: 2, outChannels: 3, rng: &rng),
                            input: random.tensor([2, 2, 4, 4]), maxPerTensor: 12)
    }

    @Test("Whole unet-s, sampled coordinates")
    func unet() {
        var random = TestRandom(seed: 25)
        GradientCheck.layer(UNet<Double>(classes: 3, seed: 26), input: random.tensor([1, 3, 8, 8]), maxPerTensor: 2)
    }
}

/// Bilinear resize wrapped as a layer so the generic checker can drive it.
struct BilinearProbe: Layer {
    let height: Int, width: Int
    var inputShape: [Int] = []

    init(height: Int, width: Int) { self.height = height; self.width = width }

    mutating func forward(_ input: Tensor<Double>, training: Bool) -> Tensor<Double> {
        inputShape = input.shape
        return Bilinear.resize(input, height: height, width: width)
    }

    mutating func backward(_ gradOutput: Tensor<Double>) -> Tensor<Double> {
        Bilinear.resizeBackward(gradOutput, height: inputShape[2], width: inputShape[3])
    }
}

/// Concatenation with a fixed second operand, as a layer.
struct ConcatProbe: Layer {
    let second: Tensor<Double>
    var channels = 0

    mutating func forward(_ input: Tensor<Double>, training: Bool) -> Tensor<Double> {
        channels = input.shape[1]
        return ChannelConcat.forward(input, second)
    }

    mutating func backward(_ gradOutput: Tensor<Double>) -> Tensor<Double> {
        let (a, b) = ChannelConcat.backward(gradOutput, firstChannels: channels)
        #expect(b.shape == second.shape)
        return a
    }
}
