import Foundation
import SegFormat
import Testing
@testable import SegLoader
@testable import SegTrain

/// Helpers shared by the SegTrain tests.
enum Fixtures {
    /// `<package root>/fixtures/golden`, found from this file's location.
    static let goldenDirectory: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // SegTrainTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // package root
        .appendingPathComponent("fixtures/golden")

    /// Opens `fixtures/golden/<name>`.
    static func golden(_ name: String) throws -> SafeTensorsFile {
        try SafeTensorsFile(path: goldenDirectory.appendingPathComponent(name).path)
    }
}

extension SafeTensorsFile {
    /// A golden F64 tensor as `Tensor<Double>`.
    func doubleTensor(_ name: String) throws -> Tensor<Double> {
        Tensor(shape: try info(name).shape, scalars: try doubles(name))
    }

    /// A golden F32 tensor as `Tensor<Float>`.
    func floatTensor(_ name: String) throws -> Tensor<Float> {
        Tensor(shape: try info(name).shape, scalars: try floats(name))
    }
}

/// Seeded random tensors for tests.
struct TestRandom {
    var rng: SplitMix64

    init(seed: UInt64) { rng = SplitMix64(seed: seed) }

    mutating func tensor<S: TensorScalar>(_ shape: [Int], scale: Double = 1) -> Tensor<S> {
        Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in S(rng.uniform(-scale, scale)) })
    }

    mutating func labels(_ shape: [Int], below bound: Int) -> LabelMap {
        LabelMap(shape: shape, values: (0..<shape.reduce(1, *)).map { _ in Int32(rng.next() % UInt64(bound)) })
    }
}

/// `|a − b| <= absolute + relative·|b|` element-wise; records a failure naming the first offender.
func expectClose<S: TensorScalar>(
    _ actual: [S], _ expected: [S], absolute: Double = 0, relative: Double = 0,
    _ what: String, sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(actual.count == expected.count, "\(what): \(actual.count) vs \(expected.count) values",
            sourceLocation: sourceLocation)
    var worst = 0.0, worstIndex = -1
    for i in 0..<min(actual.count, expected.count) {
        let a = Double(actual[i]), e = Double(expected[i])
        let excess = abs(a - e) - (absolute + relative * abs(e))
        if excess > worst || a.isNaN != e.isNaN { worst = max(excess, worst); worstIndex = i }
    }
    if worstIndex >= 0 {
        Issue.record("\(what): index \(worstIndex) is \(actual[worstIndex]), expected \(expected[worstIndex])",
                     sourceLocation: sourceLocation)
    }
}

/// Finite-difference checks of a layer's backward pass in Double precision.
enum GradientCheck {
    /// Compares `backward` against central differences of `Σ r ⊙ forward(x)` for the input and
    /// every parameter (at most `maxPerTensor` sampled coordinates each).
    static func layer<L: Layer>(
        _ layer: L, input: Tensor<Double>, training: Bool = true, seed: UInt64 = 7,
        step: Double = 1e-5, tolerance: Double = 1e-6, maxPerTensor: Int = 40,
        sourceLocation: SourceLocation = #_sourceLocation
    ) where L.Scalar == Double {
        var random = TestRandom(seed: seed)
        var probe = layer
        let output = probe.forward(input, training: training)
        let upstream: Tensor<Double> = random.tensor(output.shape)
        func objective(_ l: L, _ x: Tensor<Double>) -> Double {
            var copy = l
            let y = copy.forward(x, training: training)
            return zip(y.scalars, upstream.scalars).reduce(0) { $0 + $1.0 * $1.1 }
        }
        var analytic = layer
        analytic.zeroGradients()
        _ = analytic.forward(input, training: training)
        let inputGrad = analytic.backward(upstream)

        for i in sampleIndices(input.count, maxPerTensor, &random) {
            var plus = input, minus = input
            plus[i] += step
            minus[i] -= step
            let numeric = (objective(layer, plus) - objective(layer, minus)) / (2 * step)
            compare(inputGrad[i], numeric, "input[\(i)]", tolerance, sourceLocation)
        }
        var grads: [(String, Tensor<Double>)] = []
        analytic.visitParameters(prefix: "") { name, _, grad in grads.append((name, grad)) }
        for (name, grad) in grads {
            for i in sampleIndices(grad.count, maxPerTensor, &random) {
                let numeric = (objective(shifted(layer, name, i, step), input)
                    - objective(shifted(layer, name, i, -step), input)) / (2 * step)
                compare(grad[i], numeric, "\(name)[\(i)]", tolerance, sourceLocation)
            }
        }
    }

    /// Compares a loss gradient with central differences of the loss value.
    static func loss(
        _ logits: Tensor<Double>, step: Double = 1e-6, tolerance: Double = 1e-7,
        sourceLocation: SourceLocation = #_sourceLocation,
        _ f: (Tensor<Double>) throws -> LossOutput<Double>
    ) throws {
        let analytic = try f(logits).gradient
        #expect(analytic.shape == logits.shape, sourceLocation: sourceLocation)
        for i in 0..<logits.count {
            var plus = logits, minus = logits
            plus[i] += step
            minus[i] -= step
            let numeric = (try f(plus).value - f(minus).value) / (2 * step)
            compare(analytic[i], numeric, "logit[\(i)]", tolerance, sourceLocation)
        }
    }

    private static func shifted<L: Layer>(_ layer: L, _ name: String, _ index: Int, _ delta: Double) -> L
    where L.Scalar == Double {
        var copy = layer
        copy.visitParameters(prefix: "") { n, value, _ in if n == name { value[index] += delta } }
        return copy
    }

    private static func sampleIndices(_ count: Int, _ limit: Int, _ random: inout TestRandom) -> [Int] {
        if count <= limit { return Array(0..<count) }
        return (0..<limit).map { _ in Int(random.rng.next() % UInt64(count)) }
    }

    private static func compare(
        _ analytic: Double, _ numeric: Double, _ what: String, _ tolerance: Double, _ location: SourceLocation
    ) {
        let error = abs(analytic - numeric) / max(1, abs(analytic), abs(numeric))
        if !(error <= tolerance) {
            Issue.record("\(what): backward \(analytic) vs finite difference \(numeric)", sourceLocation: location)
        }
    }
}
