/// Convolution kernels (stride 1, square kernel, zero padding) as im2col + GEMM.
///
/// Layouts: input `[N, Cin, H, W]`, weight `[Cout, Cin, K, K]`, bias `[Cout]`, output
/// `[N, Cout, Ho, Wo]` with `Ho = H + 2P - K + 1`, `Wo = W + 2P - K + 1`. The work is split into
/// items of one image's block of output rows, unfolded small enough for the columns to stay in
/// cache, and spread over the `Parallel` workers, each with its own slice of the workspace; 1x1
/// kernels without padding use the input directly. The input gradient is itself a convolution (of
/// the output gradient with the flipped, transposed kernel), so backward needs no col2im scatter.
/// `ReferenceKernels` holds the direct (naive) oracle.
public enum Convolution {
    /// Output height/width for input extent `size`, kernel `kernel`, padding `padding`.
    public static func outputSize(_ size: Int, kernel: Int, padding: Int) -> Int {
        size + 2 * padding - kernel + 1
    }

    /// Scalars of unfolded columns per block (about 1 MB of Float).
    static let blockScalars = 1 << 16

    /// Geometry shared by the forward and backward passes.
    struct Plan {
        let n, cin, h, w, cout, k, padding, ho, wo, ckk: Int
        let direct: Bool
        /// Output rows per unfolded block.
        let rowsPerBlock: Int

        init(input: [Int], weight: [Int], padding: Int, blockScalars: Int = Convolution.blockScalars) {
            (n, cin, h, w) = (input[0], input[1], input[2], input[3])
            (cout, k) = (weight[0], weight[2])
            precondition(weight[1] == cin, "conv expects \(weight[1]) input channels, got \(cin)")
            self.padding = padding
            ho = Convolution.outputSize(h, kernel: k, padding: padding)
            wo = Convolution.outputSize(w, kernel: k, padding: padding)
            ckk = cin * k * k
            direct = k == 1 && padding == 0
            rowsPerBlock = direct ? ho : max(1, min(ho, blockScalars / max(ckk * wo, 1)))
        }

        /// Column scalars one worker needs.
        var workspaceCount: Int { direct ? 0 : ckk * rowsPerBlock * wo }
    }

    /// Unfolds output rows `rows` of one image `[C, H, W]` into columns `[C*K*K, rows.count*Wo]`.
    static func im2col<S: TensorScalar>(
        _ src: UnsafePointer<S>, _ p: Plan, rows: Range<Int>, into cols: UnsafeMutablePointer<S>
    ) {
        let span = rows.count * p.wo
        var row = 0
        for c in 0..<p.cin {
            let plane = src + c * p.h * p.w
            for ki in 0..<p.k {
                for kj in 0..<p.k {
                    let dst = cols + row * span
                    let dx = kj - p.padding
                    let xStart = max(0, -dx), xEnd = min(p.wo, p.w - dx)
                    for oy in rows {
                        let iy = oy + ki - p.padding
                        let out = dst + (oy - rows.lowerBound) * p.wo
                        if iy < 0 || iy >= p.h || xStart >= xEnd {
                            out.update(repeating: 0, count: p.wo)
                            continue
                        }
                        if xStart > 0 { out.update(repeating: 0, count: xStart) }
                        (out + xStart).update(from: plane + iy * p.w + xStart + dx, count: xEnd - xStart)
                        if xEnd < p.wo { (out + xEnd).update(repeating: 0, count: p.wo - xEnd) }
                    }
                    row += 1
                }
            }
        }
    }

    /// Forward pass. - Returns: `[N, Cout, Ho, Wo]`.
    public static func forward<S: TensorScalar>(
        input: Tensor<S>, weight: Tensor<S>, bias: Tensor<S>?, padding: Int
    ) -> Tensor<S> {
        var workspace: [S] = []
        return forward(input: input, weight: weight, bias: bias, padding: padding, workspace: &workspace)
    }

    /// Forward pass reusing `workspace` for the unfolded columns (grown as needed).
    static func forward<S: TensorScalar>(
        input: Tensor<S>, weight: Tensor<S>, bias: Tensor<S>?, padding: Int, workspace cols: inout [S],
        blockScalars: Int = blockScalars
    ) -> Tensor<S> {
        let p = Plan(input: input.shape, weight: weight.shape, padding: padding, blockScalars: blockScalars)
        return Tensor(uninitializedShape: [p.n, p.cout, p.ho, p.wo]) { out in
            input.withUnsafeBufferPointer { x in
                weight.withUnsafeBufferPointer { wt in
                    if let bias {
                        bias.withUnsafeBufferPointer { bs in
                            convolve(p, x.baseAddress!, wt.baseAddress!, bs.baseAddress!, out.baseAddress!, workspace: &cols)
                        }
                    } else {
                        convolve(p, x.baseAddress!, wt.baseAddress!, nil, out.baseAddress!, workspace: &cols)
                    }
                }
            }
        }
    }

    /// Writes `out[b] = weight · unfold(x[b]) (+ bias)` for every image, one row block at a time.
    ///
    /// Items (image, row block) are split over the workers; each overwrites its own output rows.
    static func convolve<S: TensorScalar>(
        _ p: Plan, _ x: UnsafePointer<S>, _ weight: UnsafePointer<S>, _ bias: UnsafePointer<S>?,
        _ out: UnsafeMutablePointer<S>, workspace cols: inout [S]
    ) {
        if DirectConvolution.handles(S.self, kernel: p.k, padding: p.padding) {
            DirectConvolution.forward(p, floats(x), floats(weight), bias.map(floats), mutableFloats(out))
            return
        }
        let hw = p.ho * p.wo
        let blocks = blocks(p)
        let items = p.n * blocks.count
        let size = p.workspaceCount
        let workers = Parallel.workers(items)
        if cols.count < workers * size { cols = [S](repeating: 0, count: workers * size) }
        cols.withUnsafeMutableBufferPointer { colBuf in
            let colBase = colBuf.baseAddress
            Parallel.chunks(items, workers: workers) { worker, range in
                for item in range {
                    let b = item / blocks.count, rows = blocks[item % blocks.count]
                    let xb = x + b * p.cin * p.h * p.w
                    let c = out + b * p.cout * hw + rows.lowerBound * p.wo
                    let span = rows.count * p.wo
                    if let bias {
                        for o in 0..<p.cout { (c + o * hw).update(repeating: bias[o], count: span) }
                    }
                    let colPtr: UnsafePointer<S>, ldb: Int
                    if p.direct {
                        (colPtr, ldb) = (xb + rows.lowerBound * p.wo, hw)
                    } else {
                        let buffer = colBase! + worker * size
                        im2col(xb, p, rows: rows, into: buffer)
                        (colPtr, ldb) = (UnsafePointer(buffer), span)
                    }
                    S.gemm(transposeA: false, transposeB: false, m: p.cout, n: span, k: p.ckk,
                           alpha: 1, a: weight, lda: p.ckk, b: colPtr, ldb: ldb,
                           beta: bias == nil ? 0 : 1, c: c, ldc: hw)
                }
            }
        }
    }

    /// Backward pass: adds d(loss)/d(weight) into `weightGrad` and d(loss)/d(bias) into `biasGrad`.
    ///
    /// - Returns: d(loss)/d(input), shaped like `input`.
    public static func backward<S: TensorScalar>(
        input: Tensor<S>, weight: Tensor<S>, padding: Int, gradOutput: Tensor<S>,
        weightGrad: inout Tensor<S>, biasGrad: inout Tensor<S>
    ) -> Tensor<S> {
        var cols: [S] = [], dcols: [S] = []
        return backward(input: input, weight: weight, padding: padding, gradOutput: gradOutput,
                        weightGrad: &weightGrad, biasGrad: &biasGrad, workspace: &cols, gradWorkspace: &dcols)
    }

    /// Backward pass reusing `cols` and `dcols` as column buffers (grown as needed).
    static func backward<S: TensorScalar>(
        input: Tensor<S>, weight: Tensor<S>, padding: Int, gradOutput: Tensor<S>,
        weightGrad: inout Tensor<S>, biasGrad: inout Tensor<S>,
        workspace cols: inout [S], gradWorkspace dcols: inout [S], blockScalars: Int = blockScalars
    ) -> Tensor<S> {
        accumulateParameterGradients(input: input, weight: weight, padding: padding, gradOutput: gradOutput,
                                     weightGrad: &weightGrad, biasGrad: &biasGrad, workspace: &cols,
                                     blockScalars: blockScalars)
        return inputGradient(inputShape: input.shape, weight: weight, padding: padding, gradOutput: gradOutput,
                             workspace: &dcols, blockScalars: blockScalars)
    }

    /// Adds d(loss)/d(weight) into `weightGrad` and d(loss)/d(bias) into `biasGrad`.
    ///
    /// Images are split over the workers; each image's sums go to its own buffer (the weight part
    /// transposed, `[CKK, Cout]`) and are added in image order, so the result does not depend on the
    /// thread count.
    static func accumulateParameterGradients<S: TensorScalar>(
        input: Tensor<S>, weight: Tensor<S>, padding: Int, gradOutput: Tensor<S>,
        weightGrad: inout Tensor<S>, biasGrad: inout Tensor<S>,
        workspace cols: inout [S], blockScalars: Int = blockScalars
    ) {
        let p = Plan(input: input.shape, weight: weight.shape, padding: padding, blockScalars: blockScalars)
        let hw = p.ho * p.wo
        precondition(gradOutput.shape == [p.n, p.cout, p.ho, p.wo], "gradient shape \(gradOutput.shape) mismatch")
        if DirectConvolution.handles(S.self, kernel: p.k, padding: p.padding) {
            input.withUnsafeBufferPointer { x in
                gradOutput.withUnsafeBufferPointer { g in
                    weightGrad.withUnsafeMutableBufferPointer { dw in
                        biasGrad.withUnsafeMutableBufferPointer { db in
                            DirectConvolution.accumulateParameterGradients(
                                p, floats(x.baseAddress!), floats(g.baseAddress!),
                                weightGrad: mutableFloats(dw.baseAddress!), biasGrad: mutableFloats(db.baseAddress!))
                        }
                    }
                }
            }
            return
        }
        let blocks = blocks(p)
        let size = p.workspaceCount
        let workers = Parallel.workers(p.n)
        if cols.count < workers * size { cols = [S](repeating: 0, count: workers * size) }
        let stride = p.cout * p.ckk + p.cout
        var partial = [S](repeating: 0, count: p.n * stride)
        input.withUnsafeBufferPointer { x in
            gradOutput.withUnsafeBufferPointer { g in
                partial.withUnsafeMutableBufferPointer { part in
                    cols.withUnsafeMutableBufferPointer { colBuf in
                        let colBase = colBuf.baseAddress
                        Parallel.chunks(p.n, workers: workers) { worker, images in
                            for b in images {
                                let dw = part.baseAddress! + b * stride, db = dw + p.cout * p.ckk
                                let xb = x.baseAddress! + b * p.cin * p.h * p.w
                                let gb = g.baseAddress! + b * p.cout * hw
                                for o in 0..<p.cout { db[o] = S(Reduce.sum(gb + o * hw, hw)) }
                                for (index, rows) in blocks.enumerated() {
                                    let span = rows.count * p.wo
                                    let colPtr: UnsafePointer<S>, ldb: Int
                                    if p.direct {
                                        (colPtr, ldb) = (xb + rows.lowerBound * p.wo, hw)
                                    } else {
                                        let buffer = colBase! + worker * size
                                        im2col(xb, p, rows: rows, into: buffer)
                                        (colPtr, ldb) = (UnsafePointer(buffer), span)
                                    }
                                    // dWᵀ [CKK, Cout] += cols · Gᵀ: the long side as M suits OpenBLAS better.
                                    S.gemm(transposeA: false, transposeB: true, m: p.ckk, n: p.cout, k: span,
                                           alpha: 1, a: colPtr, lda: ldb, b: gb + rows.lowerBound * p.wo, ldb: hw,
                                           beta: index == 0 ? 0 : 1, c: dw, ldc: p.cout)
                                }
                            }
                        }
                    }
                }
            }
        }
        weightGrad.withUnsafeMutableBufferPointer { dw in
            biasGrad.withUnsafeMutableBufferPointer { db in
                partial.withUnsafeBufferPointer { part in
                    for b in 0..<p.n {
                        let src = part.baseAddress! + b * stride
                        for o in 0..<p.cout {
                            for j in 0..<p.ckk { dw[o * p.ckk + j] += src[j * p.cout + o] }
                        }
                        for o in 0..<p.cout { db[o] += src[p.cout * p.ckk + o] }
                    }
                }
            }
        }
    }

    /// d(loss)/d(input) `[N, Cin, H, W]`: the output gradient convolved with the flipped kernel.
    ///
    /// With stride 1 the input gradient is a convolution of `gradOutput` by the kernel transposed
    /// to `[Cin, Cout, K, K]` and rotated by 180°, with padding `K - 1 - P`.
    static func inputGradient<S: TensorScalar>(
        inputShape: [Int], weight: Tensor<S>, padding: Int, gradOutput: Tensor<S>,
        workspace: inout [S], blockScalars: Int = blockScalars
    ) -> Tensor<S> {
        let (cout, cin, k) = (weight.shape[0], weight.shape[1], weight.shape[2])
        let kk = k * k
        let flipped = Tensor<S>(uninitializedShape: [cin, cout, k, k]) { f in
            weight.withUnsafeBufferPointer { wt in
                for o in 0..<cout {
                    for c in 0..<cin {
                        for t in 0..<kk { f[(c * cout + o) * kk + kk - 1 - t] = wt[(o * cin + c) * kk + t] }
                    }
                }
            }
        }
        let q = Plan(input: gradOutput.shape, weight: flipped.shape, padding: k - 1 - padding, blockScalars: blockScalars)
        precondition(q.n == inputShape[0] && q.ho == inputShape[2] && q.wo == inputShape[3] && cin == inputShape[1],
                     "gradient shape \(gradOutput.shape) does not invert to \(inputShape)")
        return Tensor(uninitializedShape: inputShape) { dx in
            gradOutput.withUnsafeBufferPointer { g in
                flipped.withUnsafeBufferPointer { wt in
                    convolve(q, g.baseAddress!, wt.baseAddress!, nil, dx.baseAddress!, workspace: &workspace)
                }
            }
        }
    }

    /// `p` seen as `Float` scalars; only called where `S` is `Float`.
    private static func floats<S: TensorScalar>(_ p: UnsafePointer<S>) -> UnsafePointer<Float> {
        UnsafeRawPointer(p).assumingMemoryBound(to: Float.self)
    }

    /// `p` seen as mutable `Float` scalars; only called where `S` is `Float`.
    private static func mutableFloats<S: TensorScalar>(_ p: UnsafeMutablePointer<S>) -> UnsafeMutablePointer<Float> {
        UnsafeMutableRawPointer(p).assumingMemoryBound(to: Float.self)
    }

    /// Output-row blocks covering `0..<Ho`.
    static func blocks(_ p: Plan) -> [Range<Int>] {
        stride(from: 0, to: p.ho, by: p.rowsPerBlock).map { $0..<min($0 + p.rowsPerBlock, p.ho) }
    }
}
