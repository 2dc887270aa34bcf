/// The thread count of the matrix kernels (OpenBLAS).
public enum ComputeThreads {
    /// Sets how many threads OpenBLAS uses for every following GEMM (at least 1).
    public static func set(_ count: Int) {
        OpenBLAS.threads = Int32(max(1, count))
    }

    /// Threads OpenBLAS currently uses.
    public static var current: Int { Int(OpenBLAS.threads) }
}
