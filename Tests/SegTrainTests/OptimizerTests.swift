import Foundation
import Testing
@testable import SegLoader
@testable import SegTrain

/// A single parameter tensor with a settable gradient, for driving optimisers.
struct ParameterProbe: Layer {
    var value: Tensor<Double>
    var grad: Tensor<Double>

    mutating func forward(_ input: Tensor<Double>, training: Bool) -> Tensor<Double> { input }
    mutating func backward(_ gradOutput: Tensor<Double>) -> Tensor<Double> { gradOutput }
    mutating func visitParameters(
        prefix: String, _ body: (String, inout Tensor<Double>, inout Tensor<Double>) -> Void
    ) {
        body(qualified(prefix, "w"), &value, &grad)
    }
}

@Suite("Optimisers against the torch.optim update rules")
struct OptimizerTests {
    static let gradients: [[Double]] = [[0.5, -2, 0.001], [0.1, 1, -0.3], [-0.4, 0.2, 0.0]]

    @Test("Adam with weight decay over three steps")
    func adam() {
        var probe = ParameterProbe(value: Tensor(shape: [3], scalars: [1, -1, 0.5]), grad: Tensor(shape: [3]))
        var adam = Adam<Double>(learningRate: 0.01, weightDecay: 0.1)
        // Independent scalar re-statement of torch.optim.Adam.
        var p = [1.0, -1, 0.5], m = [0.0, 0, 0], v = [0.0, 0, 0]
        for (t, g) in Self.gradients.enumerated() {
            probe.grad = Tensor(shape: [3], scalars: g)
            adam.update(&probe)
            for i in 0..<3 {
                let gi = g[i] + 0.1 * p[i]
                m[i] = 0.9 * m[i] + 0.1 * gi
                v[i] = 0.999 * v[i] + 0.001 * gi * gi
                let mHat = m[i] / (1 - pow(0.9, Double(t + 1)))
                let vHat = v[i] / (1 - pow(0.999, Double(t + 1)))
                p[i] -= 0.01 * mHat / (vHat.squareRoot() + 1e-8)
            }
            expectClose(probe.value.scalars, p, absolute: 1e-9, "adam step \(t + 1)")
        }
        #expect(adam.step == 3)
        #expect(adam.namedState.map(\.name) == ["w.exp_avg", "w.exp_avg_sq"])
        // The first step moves each coordinate by about lr·sign(g), whatever the gradient scale.
        var fresh = ParameterProbe(value: Tensor(shape: [2], scalars: [0, 0]), grad: Tensor(shape: [2], scalars: [1e-3, -50]))
        var first = Adam<Double>(learningRate: 0.1)
        first.update(&fresh)
        expectClose(fresh.value.scalars, [-0.1, 0.1], absolute: 1e-5, "adam first step")
    }

    @Test("SGD with momentum, dampening, weight decay and Nesterov", arguments: [false, true])
    func sgd(nesterov: Bool) {
        var probe = ParameterProbe(value: Tensor(shape: [3], scalars: [1, -1, 0.5]), grad: Tensor(shape: [3]))
        let dampening = nesterov ? 0.0 : 0.2
        var sgd = SGD<Double>(learningRate: 0.1, momentum: 0.9, dampening: dampening, weightDecay: 0.01, nesterov: nesterov)
        var p = [1.0, -1, 0.5], buf = [0.0, 0, 0]
        for (t, g) in Self.gradients.enumerated() {
            probe.grad = Tensor(shape: [3], scalars: g)
            sgd.update(&probe)
            for i in 0..<3 {
                let d = g[i] + 0.01 * p[i]
                buf[i] = t == 0 ? d : 0.9 * buf[i] + (1 - dampening) * d
                p[i] -= 0.1 * (nesterov ? d + 0.9 * buf[i] : buf[i])
            }
            expectClose(probe.value.scalars, p, absolute: 1e-12, "sgd step \(t + 1)")
        }
        #expect(sgd.namedState.map(\.name) == ["w.momentum_buffer"])
    }

    @Test("Plain SGD is p -= lr·g")
    func plainSGD() {
        var probe = ParameterProbe(value: Tensor(shape: [2], scalars: [1, 2]), grad: Tensor(shape: [2], scalars: [0.5, -1]))
        var sgd = SGD<Double>(learningRate: 0.2)
        sgd.update(&probe)
        #expect(probe.value.scalars == [0.9, 2.2])
    }
}
