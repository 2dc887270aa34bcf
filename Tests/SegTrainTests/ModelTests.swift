import Foundation
import SegFormat
import Testing
@testable import SegLoader
@testable import SegTrain

@Suite("Models: unet-s structure, initialisation, state and checkpoints")
struct ModelTests {
    static let blockNames = ["0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var",
                             "1.num_batches_tracked", "3.weight", "3.bias", "4.weight", "4.bias",
                             "4.running_mean", "4.running_var", "4.num_batches_tracked"]

    @Test("unet-s has 119,253 parameters at 21 classes")
    func parameterCount() {
        var model = UNet<Float>(classes: 21, seed: 0)
        #expect(model.parameterCount() == 119_253)
    }

    @Test("State names and shapes follow the PyTorch definition, in state_dict order")
    func stateNames() {
        var model = UNet<Float>(classes: 21, seed: 0)
        let entries = Checkpoint.stateDict(&model)
        let expected = ["enc1", "enc2", "mid", "dec2", "dec1"].flatMap { b in Self.blockNames.map { "\(b).\($0)" } }
            + ["head.weight", "head.bias"]
        #expect(entries.map(\.name) == expected)
        var shapes: [String: [Int]] = [:]
        for (name, value) in entries { if case .tensor(let t) = value { shapes[name] = t.shape } }
        #expect(shapes["enc1.0.weight"] == [16, 3, 3, 3])
        #expect(shapes["dec2.0.weight"] == [32, 96, 3, 3])
        #expect(shapes["dec1.0.weight"] == [16, 48, 3, 3])
        #expect(shapes["mid.4.running_var"] == [64])
        #expect(shapes["head.weight"] == [21, 16, 1, 1])
        var trainable: [String] = []
        model.visitParameters(prefix: "") { name, _, _ in trainable.append(name) }
        #expect(trainable.count == 5 * 8 + 2)
    }

    @Test("Default initialisation: conv weights and biases uniform within 1/sqrt(fan_in), BN 1 and 0")
    func initialisation() {
        var model = UNet<Float>(classes: 4, seed: 9)
        let again = UNet<Float>(classes: 4, seed: 9)
        #expect(model.enc1.conv1.weight.scalars == again.enc1.conv1.weight.scalars)
        #expect(model.head.bias.scalars != UNet<Float>(classes: 4, seed: 10).head.bias.scalars)
        let fanIns = ["enc1.0": 27, "dec2.0": 864, "head": 16]
        model.visitParameters(prefix: "") { name, value, _ in
            if let fan = fanIns.first(where: { name.hasPrefix($0.key + ".") })?.value {
                let bound = Float(1 / Double(fan).squareRoot())
                let maxAbs = value.scalars.map(abs).max()!
                #expect(maxAbs <= bound && maxAbs > bound * 0.5, "\(name)")
            }
        }
        #expect(model.enc1.bn1.weight.scalars.allSatisfy { $0 == 1 })
        #expect(model.enc1.bn1.bias.scalars.allSatisfy { $0 == 0 })
    }

    @Test("BatchNorm running statistics: momentum 0.1, unbiased variance, counter")
    func runningStatistics() {
        var bn = BatchNorm2d<Double>(channels: 1)
        // Values 1, 2, 3, 4: mean 2.5, biased variance 1.25, unbiased 5/3.
        let x = Tensor<Double>(shape: [2, 1, 1, 2], scalars: [1, 2, 3, 4])
        let y = bn.forward(x, training: true)
        #expect(abs(bn.runningMean[0] - 0.25) < 1e-15)
        #expect(abs(bn.runningVar[0] - (0.9 + 0.1 * 5.0 / 3.0)) < 1e-15)
        #expect(bn.numBatchesTracked == 1)
        #expect(abs(y[0] - (1 - 2.5) / (1.25 + 1e-5).squareRoot()) < 1e-12)
        let e = bn.forward(x, training: false)
        #expect(abs(e[0] - (1 - 0.25) / (bn.runningVar[0] + 1e-5).squareRoot()) < 1e-12)
        #expect(bn.numBatchesTracked == 1)
    }

    @Test("Forward shapes for unet-s and the per-pixel linear model")
    func shapes() {
        var unet = UNet<Float>(classes: 5, seed: 1)
        #expect(unet.forward(Tensor(shape: [2, 3, 16, 12]), training: false).shape == [2, 5, 16, 12])
        var linear = PixelLinear<Float>(classes: 5, seed: 1)
        #expect(linear.forward(Tensor(shape: [2, 3, 4, 6]), training: false).shape == [2, 5, 4, 6])
        var names: [String] = []
        linear.visitParameters(prefix: "") { name, value, _ in names.append("\(name)\(value.shape)") }
        #expect(names == ["weight[5, 3]", "bias[5]"])
    }

    @Test("Checkpoints round-trip through safetensors with an I64 num_batches_tracked")
    func checkpoint() throws {
        var step = TrainStep(classes: 3, seed: 4)
        var random = TestRandom(seed: 5)
        try step(images: random.tensor([2, 3, 8, 8]), labels: random.labels([2, 8, 8], below: 4))
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("segtrain-\(UInt64.random(in: 0...UInt64.max)).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Checkpoint.save(&step.model, extra: step.optimizer.namedState, to: path)
        let file = try SafeTensorsFile(path: path)
        #expect(try file.info("enc1.1.num_batches_tracked").dtype == .i64)
        #expect(try file.int64s("enc1.1.num_batches_tracked") == [1])
        #expect(file.names.contains("head.weight.exp_avg_sq"))
        var restored = UNet<Float>(classes: 3, seed: 99)
        try Checkpoint.load(into: &restored, from: path)
        #expect(restored.mid.conv2.weight.scalars == step.model.mid.conv2.weight.scalars)
        #expect(restored.dec1.bn2.runningVar.scalars == step.model.dec1.bn2.runningVar.scalars)
        #expect(restored.enc2.bn1.numBatchesTracked == 1)
        var wrong = UNet<Float>(classes: 4, seed: 0)
        #expect(throws: Checkpoint.LoadError.self) { try Checkpoint.load(into: &wrong, from: path) }
    }
}
