/// Convolution kernels (stride 1, square kernel, zero padding) as im2col + GEMM.
///
/// Layouts: input `[N, Cin, H, W]`, weight `[Cout, Cin, K, K]`, bias `[Cout]`, output
/// `[N, Cout, Ho, Wo]` with `Ho = H + 2P - K + 1`, `Wo = W + 2P - K + 1`. Each image is unfolded
/// in blocks of output rows small enough for the columns to stay in cache; 1x1 kernels without
/// padding use the input directly. `ReferenceKernels` holds the direct (naive) oracle.
public enum Convolution {
    /// Output height/width for input extent `size`, kernel `kernel`, padding `padding`.
    public static func outputSize(_ size: Int, kernel: Int, padding: Int) -> Int {
        size + 2 * padding - kernel + 1
    }

    /// Scalars of unfolded columns per block (about 4 MB of Float).
    static let blockScalars = 1 << 20

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

    /// Folds columns of output rows `rows` back onto one image `[C, H, W]`, adding into `dst`.
    static func col2im<S: TensorScalar>(
        _ cols: UnsafePointer<S>, _ p: Plan, rows: Range<Int>, into dst: UnsafeMutablePointer<S>
    ) {
        let span = rows.count * p.wo
        var row = 0
        for c in 0..<p.cin {
            let plane = dst + c * p.h * p.w
            for ki in 0..<p.k {
                for kj in 0..<p.k {
                    let src = cols + row * span
                    let dx = kj - p.padding
                    let xStart = max(0, -dx), xEnd = min(p.wo, p.w - dx)
                    for oy in rows {
                        let iy = oy + ki - p.padding
                        if iy < 0 || iy >= p.h || xStart >= xEnd { continue }
                        let inRow = src + (oy - rows.lowerBound) * p.wo
                        let outRow = plane + iy * p.w + dx
                        for ox in xStart..<xEnd { outRow[ox] += inRow[ox] }
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
        let hw = p.ho * p.wo
        if cols.count < p.workspaceCount { cols = [S](repeating: 0, count: p.workspaceCount) }
        return Tensor(uninitializedShape: [p.n, p.cout, p.ho, p.wo]) { out in
            input.withUnsafeBufferPointer { x in
                weight.withUnsafeBufferPointer { wt in
                    cols.withUnsafeMutableBufferPointer { colBuf in
                        for b in 0..<p.n {
                            let xb = x.baseAddress! + b * p.cin * p.h * p.w
                            let ob = out.baseAddress! + b * p.cout * hw
                            if let bias {
                                bias.withUnsafeBufferPointer { bs in
                                    for o in 0..<p.cout { (ob + o * hw).update(repeating: bs[o], count: hw) }
                                }
                            }
                            for rows in blocks(p) {
                                let span = rows.count * p.wo
                                let colPtr: UnsafePointer<S>
                                if p.direct {
                                    colPtr = xb
                                } else {
                                    im2col(xb, p, rows: rows, into: colBuf.baseAddress!)
                                    colPtr = UnsafePointer(colBuf.baseAddress!)
                                }
                                S.gemm(transposeA: false, transposeB: false, m: p.cout, n: span, k: p.ckk,
                                       alpha: 1, a: wt.baseAddress!, lda: p.ckk, b: colPtr, ldb: span,
                                       beta: bias == nil ? 0 : 1, c: ob + rows.lowerBound * p.wo, ldc: hw)
                            }
                        }
                    }
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
        let p = Plan(input: input.shape, weight: weight.shape, padding: padding, blockScalars: blockScalars)
        let hw = p.ho * p.wo
        precondition(gradOutput.shape == [p.n, p.cout, p.ho, p.wo], "gradient shape \(gradOutput.shape) mismatch")
        if cols.count < p.workspaceCount { cols = [S](repeating: 0, count: p.workspaceCount) }
        if dcols.count < p.workspaceCount { dcols = [S](repeating: 0, count: p.workspaceCount) }
        biasGrad.withUnsafeMutableBufferPointer { db in
            gradOutput.withUnsafeBufferPointer { g in
                for b in 0..<p.n {
                    for o in 0..<p.cout {
                        let row = g.baseAddress! + (b * p.cout + o) * hw
                        var sum: S = 0
                        for i in 0..<hw { sum += row[i] }
                        db[o] += sum
                    }
                }
            }
        }
        return Tensor(shape: input.shape) { dx in
            input.withUnsafeBufferPointer { x in
                weight.withUnsafeBufferPointer { wt in
                    gradOutput.withUnsafeBufferPointer { g in
                        weightGrad.withUnsafeMutableBufferPointer { dw in
                            cols.withUnsafeMutableBufferPointer { colBuf in
                                dcols.withUnsafeMutableBufferPointer { dcolBuf in
                                    for b in 0..<p.n {
                                        let xb = x.baseAddress! + b * p.cin * p.h * p.w
                                        let gb = g.baseAddress! + b * p.cout * hw
                                        let dxb = dx.baseAddress! + b * p.cin * p.h * p.w
                                        for rows in blocks(p) {
                                            let span = rows.count * p.wo
                                            let gBlock = gb + rows.lowerBound * p.wo
                                            let colPtr: UnsafePointer<S>
                                            if p.direct {
                                                colPtr = xb
                                            } else {
                                                im2col(xb, p, rows: rows, into: colBuf.baseAddress!)
                                                colPtr = UnsafePointer(colBuf.baseAddress!)
                                            }
                                            S.gemm(transposeA: false, transposeB: true, m: p.cout, n: p.ckk, k: span,
                                                   alpha: 1, a: gBlock, lda: hw, b: colPtr, ldb: span,
                                                   beta: 1, c: dw.baseAddress!, ldc: p.ckk)
                                            let dcolPtr = p.direct ? dxb : dcolBuf.baseAddress!
                                            S.gemm(transposeA: true, transposeB: false, m: p.ckk, n: span, k: p.cout,
                                                   alpha: 1, a: wt.baseAddress!, lda: p.ckk, b: gBlock, ldb: hw,
                                                   beta: 0, c: dcolPtr, ldc: span)
                                            if !p.direct {
                                                col2im(UnsafePointer(dcolPtr), p, rows: rows, into: dxb)
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Output-row blocks covering `0..<Ho`.
    static func blocks(_ p: Plan) -> [Range<Int>] {
        stride(from: 0, to: p.ho, by: p.rowsPerBlock).map { $0..<min($0 + p.rowsPerBlock, p.ho) }
    }
}
