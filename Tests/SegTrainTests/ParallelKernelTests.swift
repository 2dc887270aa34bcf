import Testing
@testable import SegLoader
@testable import SegTrain

/// The parallel, fused and vectorised kernels against plain loops, on tensors large enough to be
/// split over workers and to leave ragged vector tails.
@Suite("Kernels: parallel and fused paths against naive oracles")
struct ParallelKernelTests {
    @Test("Convolution forward and backward on several images and row blocks equal the direct kernels")
    func convolutionLarge() {
        var random = TestRandom(seed: 11)
        let x: Tensor<Float> = random.tensor([3, 5, 19, 23])
        let w: Tensor<Float> = random.tensor([6, 5, 3, 3])
        let b: Tensor<Float> = random.tensor([6])
        let g: Tensor<Float> = random.tensor([3, 6, 19, 23])
        var cols: [Float] = [], dcols: [Float] = []
        let y = Convolution.forward(input: x, weight: w, bias: b, padding: 1, workspace: &cols, blockScalars: 700)
        expectClose(y.scalars, ReferenceKernels.convolution(input: x, weight: w, bias: b, padding: 1).scalars,
                    absolute: 1e-4, relative: 1e-4, "forward")
        var dw = Tensor<Float>(shape: w.shape), db = Tensor<Float>(shape: [6])
        let dx = Convolution.backward(input: x, weight: w, padding: 1, gradOutput: g, weightGrad: &dw, biasGrad: &db,
                                      workspace: &cols, gradWorkspace: &dcols, blockScalars: 700)
        let naive = ReferenceKernels.convolutionBackward(input: x, weight: w, padding: 1, gradOutput: g)
        expectClose(dx.scalars, naive.input.scalars, absolute: 1e-4, relative: 1e-4, "dx")
        expectClose(dw.scalars, naive.weight.scalars, absolute: 1e-3, relative: 1e-4, "dw")
        expectClose(db.scalars, naive.bias.scalars, absolute: 1e-3, relative: 1e-4, "db")
    }

    @Test("MaxPool on odd sizes equals a naive 2x2 pool, and its gradient a naive scatter")
    func maxPoolOdd() {
        var random = TestRandom(seed: 12)
        let (n, c, h, w) = (2, 3, 7, 9)
        let x: Tensor<Double> = random.tensor([n, c, h, w])
        let g: Tensor<Double> = random.tensor([n, c, h / 2, w / 2])
        var pool = MaxPool2d<Double>()
        let y = pool.forward(x, training: true)
        let dx = pool.backward(g)
        var expectedY = [Double](), expectedDx = [Double](repeating: 0, count: x.count)
        for p in 0..<(n * c) {
            for oy in 0..<(h / 2) {
                for ox in 0..<(w / 2) {
                    var best = p * h * w + 2 * oy * w + 2 * ox
                    for (dy, dxo) in [(0, 1), (1, 0), (1, 1)] {
                        let i = p * h * w + (2 * oy + dy) * w + 2 * ox + dxo
                        if x[i] > x[best] { best = i }
                    }
                    expectedY.append(x[best])
                    expectedDx[best] += g[(p * (h / 2) + oy) * (w / 2) + ox]
                }
            }
        }
        #expect(y.scalars == expectedY)
        #expect(dx.scalars == expectedDx)
    }

    @Test("BatchNorm with fused ReLU equals BatchNorm then ReLU, forward and backward",
          arguments: [true, false])
    func fusedBatchNormReLU(training: Bool) {
        var random = TestRandom(seed: 13)
        let x: Tensor<Float> = random.tensor([3, 4, 37, 41], scale: 2)
        let g: Tensor<Float> = random.tensor([3, 4, 37, 41])
        var fused = BatchNorm2d<Float>(channels: 4)
        fused.weight = random.tensor([4])
        fused.bias = random.tensor([4], scale: 0.5)
        fused.runningMean = random.tensor([4], scale: 0.2)
        var plain = fused
        var relu = ReLU<Float>()
        let yFused = fused.forwardReLU(x, training: training)
        let yPlain = relu.forward(plain.forward(x, training: training), training: training)
        #expect(yFused.scalars == yPlain.scalars)
        let dxFused = fused.backward(g)
        let dxPlain = plain.backward(relu.backward(g))
        expectClose(dxFused.scalars, dxPlain.scalars, absolute: 1e-6, relative: 1e-5, "dx")
        expectClose(fused.weightGrad.scalars, plain.weightGrad.scalars, absolute: 1e-4, relative: 1e-5, "dgamma")
        expectClose(fused.biasGrad.scalars, plain.biasGrad.scalars, absolute: 1e-4, relative: 1e-5, "dbeta")
    }

    @Test("BatchNorm statistics and sums equal double-precision loops")
    func batchNormSums() {
        var random = TestRandom(seed: 14)
        let x: Tensor<Float> = random.tensor([5003], scale: 3)
        let dy: Tensor<Float> = random.tensor([5003])
        x.withUnsafeBufferPointer { xp in
            dy.withUnsafeBufferPointer { gp in
                let sum = xp.reduce(0.0) { $0 + Double($1) }
                #expect(abs(Reduce.sum(xp.baseAddress!, xp.count) - sum) < 1e-6 * Double(xp.count))
                let mean = Float(sum / Double(xp.count))
                let sq = xp.reduce(0.0) { $0 + Double(($1 - mean) * ($1 - mean)) }
                #expect(abs(Reduce.squaredDeviations(xp.baseAddress!, xp.count, mean: mean) - sq) < 1e-6 * sq)
                var (s1, s2) = (0.0, 0.0)
                for i in 0..<xp.count {
                    let v = (xp[i] - 0.125) * 0.75
                    if v * 1.5 - 0.25 > 0 {
                        s1 += Double(gp[i])
                        s2 += Double(gp[i] * v)
                    }
                }
                let (r1, r2) = Reduce.gradientSums(gp.baseAddress!, xp.baseAddress!, xp.count, mean: 0.125, invStd: 0.75,
                                                   relu: true, gamma: 1.5, beta: -0.25)
                #expect(abs(r1 - s1) < 1e-4 && abs(r2 - s2) < 1e-4)
            }
        }
    }

    @Test("Bilinear resize and its backward on many planes equal per-plane runs")
    func bilinearPlanes() {
        var random = TestRandom(seed: 15)
        let x: Tensor<Float> = random.tensor([2, 40, 16, 16])
        let up = Bilinear.resize(x, height: 32, width: 32)
        let back = Bilinear.resizeBackward(up, height: 16, width: 16)
        for p in [0, 17, 79] {
            let plane = Tensor(shape: [1, 1, 16, 16], scalars: Array(x.scalars[(p * 256)..<((p + 1) * 256)]))
            let one = Bilinear.resize(plane, height: 32, width: 32)
            #expect(Array(up.scalars[(p * 1024)..<((p + 1) * 1024)]) == one.scalars)
            let oneBack = Bilinear.resizeBackward(one, height: 16, width: 16)
            #expect(Array(back.scalars[(p * 256)..<((p + 1) * 256)]) == oneBack.scalars)
        }
    }

    @Test("A training step gives bit-identical losses and weights on 1 and 2 threads")
    func threadCountIndependence() throws {
        var random = TestRandom(seed: 16)
        let images: Tensor<Float> = random.tensor([4, 3, 32, 32])
        let labels = random.labels([4, 32, 32], below: 5)
        let saved = ComputeThreads.current
        defer { ComputeThreads.set(saved) }
        var results: [([Float], [Float])] = []
        for threads in [1, 2] {
            ComputeThreads.set(threads)
            var step = TrainStep(classes: 5, seed: 17)
            var losses: [Float] = []
            for _ in 0..<2 { losses.append(try step(images: images, labels: labels)) }
            var weights: [Float] = []
            step.model.visitParameters(prefix: "") { _, value, _ in weights += value.scalars }
            results.append((losses, weights))
        }
        #expect(results[0].0 == results[1].0)
        #expect(results[0].1 == results[1].1)
    }
}
