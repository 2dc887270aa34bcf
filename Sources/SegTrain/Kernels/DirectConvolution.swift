/// Direct 3x3 convolution for `Float`, the fast path `Convolution` takes instead of im2col + GEMM.
///
/// Layouts as in `Convolution`: input `[N, Cin, H, W]`, weight `[Cout, Cin, 3, 3]`, output
/// `[N, Cout, Ho, Wo]`, stride 1, zero padding 0…2. The C kernels (`NativeKernels`) copy
/// the input rows an output-row block reads into a zero-padded scratch of about `scratchScalars`
/// floats, which stays in cache while every output channel is computed from it, so nothing is
/// unfolded nine times. Work is split into (image, row block) items for the forward pass and into
/// images for the weight gradient, whose per-image sums are added in image order: results do not
/// depend on the thread count. `ReferenceKernels` stays the oracle.
enum DirectConvolution {
    /// Scalars of padded input rows per block (512 KB of Float, well inside L2).
    static let scratchScalars = 1 << 17

    /// The instruction set the kernels use: the process's SIMD path (0 portable C, 1 AVX2+FMA, 2 AVX-512).
    static let bestInstructionSet = ConvKernels.currentInstructionSet

    /// True when the direct kernels handle this convolution: `Float`, 3x3, padding at most 2.
    static func handles<S: TensorScalar>(_ scalar: S.Type, kernel: Int, padding: Int) -> Bool {
        scalar == Float.self && kernel == 3 && (0...2).contains(padding)
    }

    /// Output rows per block for `p`.
    static func rowsPerBlock(_ p: Convolution.Plan, scratchScalars: Int = scratchScalars) -> Int {
        let perRow = p.cin * (p.w + 2 * p.padding)
        return max(1, min(p.ho, scratchScalars / max(perRow, 1) - 2))
    }

    /// Floats of scratch one worker needs for `p`.
    static func scratchCount(_ p: Convolution.Plan, rows: Int) -> Int {
        ConvKernels.conv3x3ScratchCount(inChannels: p.cin, rows: rows, width: p.w, padding: p.padding)
    }

    /// Writes `out[b] = weight ⊛ x[b] (+ bias)` for every image.
    static func forward(
        _ p: Convolution.Plan, _ x: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
        _ bias: UnsafePointer<Float>?, _ out: UnsafeMutablePointer<Float>, scratchScalars: Int = scratchScalars,
        instructionSet: Int = bestInstructionSet
    ) {
        let packed = ConvKernels.conv3x3Pack(weight, outChannels: p.cout, inChannels: p.cin)
        let rows = rowsPerBlock(p, scratchScalars: scratchScalars)
        let blocks = (p.ho + rows - 1) / rows
        let items = p.n * blocks
        let workers = Parallel.workers(items)
        let size = scratchCount(p, rows: rows)
        var scratch = [Float](repeating: 0, count: workers * size)
        packed.withUnsafeBufferPointer { w in
            scratch.withUnsafeMutableBufferPointer { s in
                let (wBase, sBase) = (w.baseAddress!, s.baseAddress!)
                Parallel.chunks(items, workers: workers) { worker, range in
                    for item in range {
                        let b = item / blocks, y0 = (item % blocks) * rows
                        ConvKernels.conv3x3Forward(
                            x + b * p.cin * p.h * p.w, inChannels: p.cin, height: p.h, width: p.w, padding: p.padding,
                            packed: wBase, outChannels: p.cout, bias: bias, out: out + b * p.cout * p.ho * p.wo,
                            rows: y0..<min(y0 + rows, p.ho), scratch: sBase + worker * size, instructionSet: instructionSet)
                    }
                }
            }
        }
    }

    /// Adds d(loss)/d(weight) into `weightGrad` `[Cout, Cin, 3, 3]` and d(loss)/d(bias) into `biasGrad`.
    static func accumulateParameterGradients(
        _ p: Convolution.Plan, _ x: UnsafePointer<Float>, _ g: UnsafePointer<Float>,
        weightGrad: UnsafeMutablePointer<Float>, biasGrad: UnsafeMutablePointer<Float>,
        scratchScalars: Int = scratchScalars, instructionSet: Int = bestInstructionSet
    ) {
        let rows = rowsPerBlock(p, scratchScalars: scratchScalars)
        let workers = Parallel.workers(p.n)
        let size = scratchCount(p, rows: rows)
        let hw = p.ho * p.wo
        let partStride = p.cout * p.ckk + p.cout
        var scratch = [Float](repeating: 0, count: workers * size)
        var partial = [Float](repeating: 0, count: p.n * partStride)
        scratch.withUnsafeMutableBufferPointer { s in
            partial.withUnsafeMutableBufferPointer { part in
                let (sBase, partBase) = (s.baseAddress!, part.baseAddress!)
                Parallel.chunks(p.n, workers: workers) { worker, images in
                    for b in images {
                        let dw = partBase + b * partStride, db = dw + p.cout * p.ckk
                        let gb = g + b * p.cout * hw
                        for o in 0..<p.cout { db[o] = Float(Reduce.sum(gb + o * hw, hw)) }
                        for y0 in stride(from: 0, to: p.ho, by: rows) {
                            ConvKernels.conv3x3WeightGradient(
                                x + b * p.cin * p.h * p.w, inChannels: p.cin, height: p.h, width: p.w, padding: p.padding,
                                gradOutput: gb, outChannels: p.cout, into: dw, rows: y0..<min(y0 + rows, p.ho),
                                scratch: sBase + worker * size, instructionSet: instructionSet)
                        }
                    }
                }
                for b in 0..<p.n {
                    let src = partBase + b * partStride
                    for j in 0..<(p.cout * p.ckk) { weightGrad[j] += src[j] }
                    for o in 0..<p.cout { biasGrad[o] += src[p.cout * p.ckk + o] }
                }
            }
        }
    }
}
