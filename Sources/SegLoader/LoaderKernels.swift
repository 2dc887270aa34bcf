import CLoaderKernels
import SegFormat

/// Every call into the loader's batch conversion kernels (`Sources/CLoaderKernels`); each returns
/// false when the SIMD `path` (default `SIMDPath.current`, capped at the CPU) has no kernel for it,
/// and the caller runs its Swift version, which gives the same values.
enum LoaderKernels {
    /// One-hot rows with non-temporal stores; false (nothing written) where the kernel does not apply.
    static func oneHot(_ labels: UnsafePointer<Int32>, count: Int, channels: Int, into dst: UnsafeMutablePointer<Float>,
                       path: SIMDPath = .current) -> Bool {
        sp_one_hot_i32(labels, count, Int32(channels), dst, path.level) == 0
    }

    /// Interleaved RGB bytes `[plane, 3]` → three Float32 planes `[3, plane]` through `table`
    /// (768 entries); false (nothing written) below the AVX-512 path.
    static func rgbToPlanes(_ src: UnsafePointer<UInt8>, plane: Int, table: UnsafePointer<Float>,
                            into dst: UnsafeMutablePointer<Float>, path: SIMDPath = .current) -> Bool {
        sp_rgb_to_planes(src, plane, table, dst, dst + plane, dst + 2 * plane, path.level) == 0
    }

    /// Byte labels → Int32 clamped to `limit`; false (nothing written) below the AVX-512 path.
    static func labels(_ src: UnsafePointer<UInt8>, count: Int, limit: Int32, into dst: UnsafeMutablePointer<Int32>,
                       path: SIMDPath = .current) -> Bool {
        sp_labels_to_i32(src, count, limit, dst, path.level) == 0
    }

    /// One-hot rows from byte labels; false (nothing written) where the kernel does not apply.
    static func oneHot(_ labels: UnsafePointer<UInt8>, count: Int, channels: Int, into dst: UnsafeMutablePointer<Float>,
                       path: SIMDPath = .current) -> Bool {
        sp_one_hot_u8(labels, count, Int32(channels), dst, path.level) == 0
    }
}
