import Testing
@testable import SegLoader
@testable import SegTrain

@Suite("Kernels: fast paths against naive oracles")
struct KernelTests {
    @Test("BLAS GEMM equals the naive matrix product for every transpose combination")
    func gemmMatchesNaive() {
        var random = TestRandom(seed: 1)
        let (m, n, k) = (7, 5, 9)
        for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
            let a: Tensor<Float> = random.tensor([m * k])
            let b: Tensor<Float> = random.tensor([k * n])
            var c = [Float](repeating: 0, count: m * n)
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    c.withUnsafeMutableBufferPointer { pc in
                        Float.gemm(transposeA: ta, transposeB: tb, m: m, n: n, k: k, alpha: 1,
                                   a: pa.baseAddress!, lda: ta ? m : k, b: pb.baseAddress!, ldb: tb ? k : n,
                                   beta: 0, c: pc.baseAddress!, ldc: n)
                    }
                }
            }
            let expected = ReferenceKernels.matmul(a.scalars, b.scalars, m: m, n: n, k: k,
                                                   transposeA: ta, transposeB: tb)
            expectClose(c, expected, absolute: 1e-5, relative: 1e-5, "gemm ta=\(ta) tb=\(tb)")
        }
    }

    @Test("im2col + GEMM convolution equals direct convolution", arguments: [(3, 1), (1, 0), (3, 0)])
    func convolutionForward(kernel: Int, padding: Int) {
        var random = TestRandom(seed: 2)
        let x: Tensor<Float> = random.tensor([2, 3, 7, 6])
        let w: Tensor<Float> = random.tensor([4, 3, kernel, kernel])
        let b: Tensor<Float> = random.tensor([4])
        let fast = Convolution.forward(input: x, weight: w, bias: b, padding: padding)
        let naive = ReferenceKernels.convolution(input: x, weight: w, bias: b, padding: padding)
        #expect(fast.shape == naive.shape)
        expectClose(fast.scalars, naive.scalars, absolute: 1e-5, relative: 1e-5, "conv k=\(kernel) p=\(padding)")
    }

    @Test("im2col + GEMM convolution backward equals the direct backward",
          arguments: [(3, 1), (1, 0), (3, 0), (3, 3), (1, 1)])
    func convolutionBackward(kernel: Int, padding: Int) {
        var random = TestRandom(seed: 3)
        let x: Tensor<Float> = random.tensor([2, 3, 5, 8])
        let w: Tensor<Float> = random.tensor([4, 3, kernel, kernel])
        let g: Tensor<Float> = random.tensor([2, 4, 5 + 2 * padding - kernel + 1, 8 + 2 * padding - kernel + 1])
        var dw = Tensor<Float>(shape: w.shape), db = Tensor<Float>(shape: [4])
        let dx = Convolution.backward(input: x, weight: w, padding: padding, gradOutput: g,
                                      weightGrad: &dw, biasGrad: &db)
        let naive = ReferenceKernels.convolutionBackward(input: x, weight: w, padding: padding, gradOutput: g)
        expectClose(dx.scalars, naive.input.scalars, absolute: 1e-5, relative: 1e-5, "dx")
        expectClose(dw.scalars, naive.weight.scalars, absolute: 1e-5, relative: 1e-5, "dw")
        expectClose(db.scalars, naive.bias.scalars, absolute: 1e-5, relative: 1e-5, "db")
    }

    @Test("Row-blocked im2col (several blocks, ragged last block) equals the naive convolution")
    func blockedConvolution() {
        var random = TestRandom(seed: 4)
        let x: Tensor<Double> = random.tensor([2, 3, 7, 6])
        let w: Tensor<Double> = random.tensor([4, 3, 3, 3])
        let b: Tensor<Double> = random.tensor([4])
        let g: Tensor<Double> = random.tensor([2, 4, 7, 6])
        // 27 columns x 6 wide = 162 scalars a row: 400 gives blocks of 2 rows (2, 2, 2, 1).
        #expect(Convolution.blocks(Convolution.Plan(input: x.shape, weight: w.shape, padding: 1, blockScalars: 400))
            == [0..<2, 2..<4, 4..<6, 6..<7])
        var cols: [Double] = [], dcols: [Double] = []
        let y = Convolution.forward(input: x, weight: w, bias: b, padding: 1, workspace: &cols, blockScalars: 400)
        expectClose(y.scalars, ReferenceKernels.convolution(input: x, weight: w, bias: b, padding: 1).scalars,
                    absolute: 1e-5, relative: 1e-5, "blocked forward")
        var dw = Tensor<Double>(shape: w.shape), db = Tensor<Double>(shape: [4])
        let dx = Convolution.backward(input: x, weight: w, padding: 1, gradOutput: g, weightGrad: &dw, biasGrad: &db,
                                      workspace: &cols, gradWorkspace: &dcols, blockScalars: 400)
        let naive = ReferenceKernels.convolutionBackward(input: x, weight: w, padding: 1, gradOutput: g)
        expectClose(dx.scalars, naive.input.scalars, absolute: 1e-5, relative: 1e-5, "blocked dx")
        expectClose(dw.scalars, naive.weight.scalars, absolute: 1e-5, relative: 1e-5, "blocked dw")
    }

    @Test("Direct 3x3 kernels (every instruction set, vector blocks, ragged tails, row blocks) equal the naive convolution",
          arguments: [0, 1, 2], [0, 1, 2])
    func directConvolution(padding: Int, instructionSet: Int) {
        var random = TestRandom(seed: 5)
        // 121 columns (+2p-2 out): 64-, 32-, 16- and 8-wide vector blocks plus a ragged tail; 13 output
        // channels: blocks of 8, 4 and 1; 3 output rows per block.
        let x: Tensor<Float> = random.tensor([2, 5, 8, 121])
        let w: Tensor<Float> = random.tensor([13, 5, 3, 3])
        let b: Tensor<Float> = random.tensor([13])
        let p = Convolution.Plan(input: x.shape, weight: w.shape, padding: padding)
        let scratch = 5 * (121 + 2 * padding) * 5
        #expect(DirectConvolution.rowsPerBlock(p, scratchScalars: scratch) == 3)
        let g: Tensor<Float> = random.tensor([2, 13, p.ho, p.wo])
        let y = Tensor<Float>(uninitializedShape: [2, 13, p.ho, p.wo]) { out in
            x.withUnsafeBufferPointer { xs in
                w.withUnsafeBufferPointer { ws in
                    b.withUnsafeBufferPointer { bs in
                        DirectConvolution.forward(p, xs.baseAddress!, ws.baseAddress!, bs.baseAddress!, out.baseAddress!,
                                                  scratchScalars: scratch, instructionSet: instructionSet)
                    }
                }
            }
        }
        let label = "p=\(padding) isa=\(instructionSet)"
        expectClose(y.scalars, ReferenceKernels.convolution(input: x, weight: w, bias: b, padding: padding).scalars,
                    absolute: 1e-4, relative: 1e-5, "direct forward \(label)")
        var dw = Tensor<Float>(shape: w.shape), db = Tensor<Float>(shape: [13])
        dw.fill(1)  // gradients accumulate onto what is there
        x.withUnsafeBufferPointer { xs in
            g.withUnsafeBufferPointer { gs in
                dw.withUnsafeMutableBufferPointer { dws in
                    db.withUnsafeMutableBufferPointer { dbs in
                        DirectConvolution.accumulateParameterGradients(
                            p, xs.baseAddress!, gs.baseAddress!, weightGrad: dws.baseAddress!,
                            biasGrad: dbs.baseAddress!, scratchScalars: scratch, instructionSet: instructionSet)
                    }
                }
            }
        }
        let naive = ReferenceKernels.convolutionBackward(input: x, weight: w, padding: padding, gradOutput: g)
        expectClose(dw.scalars, naive.weight.scalars.map { $0 + 1 }, absolute: 1e-3, relative: 1e-4, "direct dw \(label)")
        expectClose(db.scalars, naive.bias.scalars, absolute: 1e-3, relative: 1e-4, "direct db \(label)")
    }

    @Test("Direct convolution reproduces a hand-computed 3x3 example")
    func convolutionByHand() {
        // 1x1x3x3 input 1...9, all-ones 3x3 kernel, padding 1, bias 0.5: each output is the sum of
        // its 3x3 neighbourhood plus 0.5.
        let x = Tensor<Double>(shape: [1, 1, 3, 3], scalars: (1...9).map(Double.init))
        let w = Tensor<Double>(shape: [1, 1, 3, 3], repeating: 1)
        let b = Tensor<Double>(shape: [1], scalars: [0.5])
        let expected: [Double] = [12, 21, 16, 27, 45, 33, 24, 39, 28].map { $0 + 0.5 }
        #expect(ReferenceKernels.convolution(input: x, weight: w, bias: b, padding: 1).scalars == expected)
        #expect(Convolution.forward(input: x, weight: w, bias: b, padding: 1).scalars == expected)
    }

    @Test("Bilinear align_corners resize interpolates a ramp exactly and keeps the corners")
    func bilinearRamp() {
        // f(y, x) = 10y + x is reproduced exactly by bilinear sampling at scaled coordinates.
        let x = Tensor<Double>(shape: [1, 1, 3, 4], scalars: (0..<12).map { Double(10 * ($0 / 4) + $0 % 4) })
        let y = Bilinear.resize(x, height: 5, width: 7)
        for oy in 0..<5 {
            for ox in 0..<7 {
                let expected = 10 * (Double(oy) * 2 / 4) + Double(ox) * 3 / 6
                #expect(abs(y[oy * 7 + ox] - expected) < 1e-12)
            }
        }
    }

    @Test("MaxPool picks the block maximum and routes the gradient to it")
    func maxPoolByHand() {
        var pool = MaxPool2d<Double>()
        let x = Tensor<Double>(shape: [1, 1, 2, 4], scalars: [1, 5, 3, 3, 2, -1, 4, 0])
        #expect(pool.forward(x, training: true).scalars == [5, 4])
        let g = pool.backward(Tensor(shape: [1, 1, 1, 2], scalars: [10, 20]))
        #expect(g.scalars == [0, 10, 0, 0, 0, 0, 20, 0])
    }
}
