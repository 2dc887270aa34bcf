/// Which OpenBLAS kernels this process runs, to spot a slow automatic choice.
///
/// OpenBLAS picks its kernels once, when it loads, from the CPU or from `OPENBLAS_CORETYPE`. On
/// CPUs it does not recognise it may fall back to the generic SSE3 `Prescott` kernels, which make
/// training several times slower; setting `OPENBLAS_CORETYPE=Haswell` (AVX2) or `SkylakeX`
/// (AVX-512) in the environment before the process starts avoids that.
public enum BLASKernels {
    /// The kernel family OpenBLAS chose, e.g. `Haswell`, `SkylakeX` or `Prescott`.
    public static var coreName: String {
        OpenBLAS.coreName ?? "unknown"
    }

    /// True when OpenBLAS runs its generic pre-AVX kernels.
    public static var isGenericFallback: Bool {
        ["Prescott", "Core2", "Penryn", "Nehalem", "Dunnington", "Banias", "Northwood", "Katmai", "Coppermine"]
            .contains(coreName)
    }

    /// Stops OpenBLAS' idle server threads, for commands that do no linear algebra.
    ///
    /// OpenBLAS starts its threads when the library loads and lets them spin on `sched_yield`
    /// for about 0.1 s before they sleep; a command that never calls BLAS (`run`, the loader
    /// benchmark, `verify`…) would lose that time on a core its own workers need. The next
    /// threaded BLAS call starts them again.
    public static func releaseIdleThreads() {
        OpenBLAS.shutdownThreads()
    }
}
