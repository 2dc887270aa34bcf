import COpenBLAS

/// Every call into OpenBLAS: row-major GEMM, its thread count, its kernel family, its idle threads.
enum OpenBLAS {
    static var threads: Int32 {
        get { openblas_get_num_threads() }
        set { openblas_set_num_threads(newValue) }
    }

    /// The kernel family OpenBLAS chose when it loaded (`Haswell`, `SkylakeX`, `Prescott`…).
    static var coreName: String? { openblas_get_corename().map { String(cString: $0) } }

    /// Stops the idle server threads (the next threaded call starts them again).
    static func shutdownThreads() { _ = blas_thread_shutdown_() }

    /// C = alpha · op(A) · op(B) + beta · C, row-major, Float32.
    static func gemm(_ transposeA: Bool, _ transposeB: Bool, _ m: Int, _ n: Int, _ k: Int,
                     _ alpha: Float, _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
                     _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
        cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }

    /// C = alpha · op(A) · op(B) + beta · C, row-major, Float64.
    static func gemm(_ transposeA: Bool, _ transposeB: Bool, _ m: Int, _ n: Int, _ k: Int,
                     _ alpha: Double, _ a: UnsafePointer<Double>, _ lda: Int, _ b: UnsafePointer<Double>, _ ldb: Int,
                     _ beta: Double, _ c: UnsafeMutablePointer<Double>, _ ldc: Int) {
        cblas_dgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }
}
