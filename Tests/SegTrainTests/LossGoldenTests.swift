import SegFormat
import Testing
@testable import SegLoader
@testable import SegTrain

/// Losses against PyTorch autograd numbers in `fixtures/golden/losses.safetensors`.
@Suite("Losses: golden values and gradients from PyTorch")
struct LossGoldenTests {
    static let cases = ["ce_noweight", "ce_weighted", "focal_noweight", "focal_weighted", "dice", "ce_plus_dice",
                        "mse_random_target", "mse_onehot_target"]
    static let interpolated = ["ce_noweight", "ce_weighted", "focal_noweight", "focal_weighted", "dice", "ce_plus_dice"]

    /// Runs the named golden loss on `logits` in scalar type `S`.
    static func run<S: TensorScalar>(
        _ name: String, logits: Tensor<S>, file: SafeTensorsFile, f64: Bool
    ) throws -> LossOutput<S> {
        let labels = LabelMap(shape: try file.info("target").shape, int64s: try file.int64s("target"))
        let weights = f64 ? try file.doubles("cls_weights_f64") : try file.floats("cls_weights_f32").map(Double.init)
        switch name {
        case "ce_noweight": return try CrossEntropyLoss(classes: 5)(logits, labels)
        case "ce_weighted": return try CrossEntropyLoss(classes: 5, classWeights: weights)(logits, labels)
        case "focal_noweight": return try FocalLoss(classes: 5, alpha: 0.5, gamma: 2)(logits, labels)
        case "focal_weighted": return try FocalLoss(classes: 5, classWeights: weights, alpha: 0.5, gamma: 2)(logits, labels)
        case "dice": return try DiceLoss(classes: 5, beta: 1, smooth: 1e-5)(logits, labels)
        case "ce_plus_dice": return try SegmentationLoss(classes: 5, primary: .crossEntropy, dice: true)(logits, labels)
        case "mse_random_target":
            let target: Tensor<S> = f64 ? Tensor(try file.doubleTensor("mse_target_f64"))
                : Tensor(try file.floatTensor("mse_target_f32"))
            return try MSELoss()(logits, target)
        case "mse_onehot_target": return try MSELoss()(logits, labels)
        default: throw LossError.shapeMismatch(logits: [], targets: [])
        }
    }

    @Test("Float64 losses match to 1e-12", arguments: cases.map { ($0, false) } + interpolated.map { ($0, true) })
    func float64(name: String, interp: Bool) throws {
        let file = try Fixtures.golden("losses.safetensors")
        let key = interp ? "\(name)_interp_f64" : "\(name)_f64"
        let logits = try file.doubleTensor(interp ? "logits_small_f64" : "logits_f64")
        let out = try Self.run(name, logits: logits, file: file, f64: true)
        expectClose([out.value], try file.doubles("\(key)_value"), relative: 1e-12, "\(key) value")
        let expected = try file.doubleTensor("\(key)_grad")
        #expect(out.gradient.shape == expected.shape)
        expectClose(out.gradient.scalars, expected.scalars, absolute: 1e-12, "\(key) grad")
    }

    @Test("Float32 losses: values within 1e-5 relative, grads within 1e-6",
          arguments: cases.map { ($0, false) } + interpolated.map { ($0, true) })
    func float32(name: String, interp: Bool) throws {
        let file = try Fixtures.golden("losses.safetensors")
        let key = interp ? "\(name)_interp_f32" : "\(name)_f32"
        let logits = try file.floatTensor(interp ? "logits_small_f32" : "logits_f32")
        let out = try Self.run(name, logits: logits, file: file, f64: false)
        expectClose([out.value], try file.floats("\(key)_value"), relative: 1e-5, "\(key) value")
        let expected = try file.floatTensor("\(key)_grad")
        #expect(out.gradient.shape == expected.shape)
        expectClose(out.gradient.scalars, expected.scalars, absolute: 1e-6, "\(key) grad")
    }

    @Test("Bilinear align_corners resize and its vector-Jacobian product match F.interpolate")
    func interpolation() throws {
        let file = try Fixtures.golden("losses.safetensors")
        let small64 = try file.doubleTensor("logits_small_f64")
        expectClose(Bilinear.resize(small64, height: 8, width: 8).scalars, try file.doubles("interp_out_f64"),
                    absolute: 1e-13, "interp_out_f64")
        let vjp64 = Bilinear.resizeBackward(try file.doubleTensor("mse_target_f64"), height: 4, width: 4)
        expectClose(vjp64.scalars, try file.doubles("interp_vjp_f64"), absolute: 1e-13, "interp_vjp_f64")
        let small32 = try file.floatTensor("logits_small_f32")
        expectClose(Bilinear.resize(small32, height: 8, width: 8).scalars, try file.floats("interp_out_f32"),
                    absolute: 1e-6, "interp_out_f32")
        let vjp32 = Bilinear.resizeBackward(try file.floatTensor("mse_target_f32"), height: 4, width: 4)
        expectClose(vjp32.scalars, try file.floats("interp_vjp_f32"), absolute: 1e-5, "interp_vjp_f32")
    }

    @Test("f_score (thresholded) matches, with and without resizing")
    func fScore() throws {
        let file = try Fixtures.golden("losses.safetensors")
        let labels = LabelMap(shape: try file.info("target").shape, int64s: try file.int64s("target"))
        for (logitsName, key) in [("logits", "f_score"), ("logits_small", "f_score_interp")] {
            let v64 = try FScore.compute(logits: try file.doubleTensor("\(logitsName)_f64"), labels: labels)
            expectClose([v64], try file.doubles("\(key)_f64_value"), relative: 1e-12, "\(key)_f64")
            let v32 = try FScore.compute(logits: try file.floatTensor("\(logitsName)_f32"), labels: labels)
            expectClose([v32], try file.floats("\(key)_f32_value").map(Double.init), relative: 1e-5, "\(key)_f32")
        }
    }

    @Test("One-hot encoding equals the stored seg_labels convention")
    func oneHot() throws {
        let file = try Fixtures.golden("losses.safetensors")
        let labels = LabelMap(shape: try file.info("target").shape, int64s: try file.int64s("target"))
        let encoded: Tensor<Float> = labels.oneHot(classes: 5)
        #expect(encoded.shape == (try file.info("onehot_target").shape))
        #expect(encoded.scalars == (try file.floats("onehot_target")))
        // The stored one-hot's last channel (the ignore class, 5) marks the ignored labels.
        let stored = try file.floats("onehot_target")
        let ignored = stride(from: 5, to: stored.count, by: 6).filter { stored[$0] == 1 }.count
        #expect(ignored > 0 && labels.values.filter { $0 == 5 }.count == ignored)
    }

    @Test("Only one differing spatial size is an error, as in the reference")
    func shapeMismatch() throws {
        let logits = Tensor<Double>(shape: [1, 3, 4, 8])
        let labels = LabelMap(shape: [1, 8, 8], values: [Int32](repeating: 0, count: 64))
        #expect(throws: LossError.self) { try CrossEntropyLoss(classes: 3)(logits, labels) }
        #expect(throws: LossError.self) { try DiceLoss(classes: 3)(logits, labels) }
        #expect(throws: LossError.classWeightCount(expected: 3, got: 2)) {
            try CrossEntropyLoss(classes: 3, classWeights: [1, 2])(Tensor<Double>(shape: [1, 3, 8, 8]), labels)
        }
    }
}
