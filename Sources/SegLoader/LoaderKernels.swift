import CLoaderKernels

/// Every call into the loader's batch conversion kernels (`Sources/CLoaderKernels`); each returns
/// false when the CPU lacks the instruction set, and the caller runs its Swift version.
enum LoaderKernels {
    /// One-hot rows with non-temporal stores; false (nothing written) where the kernel does not apply.
    static func oneHot(_ labels: UnsafePointer<Int32>, count: Int, channels: Int, into dst: UnsafeMutablePointer<Float>) -> Bool {
        sp_one_hot_i32(labels, count, Int32(channels), dst) == 0
    }

    /// Interleaved RGB bytes `[plane, 3]` → three Float32 planes `[3, plane]` through `table`
    /// (768 entries); false (nothing written) where the CPU lacks the kernel's AVX-512.
    static func rgbToPlanes(_ src: UnsafePointer<UInt8>, plane: Int, table: UnsafePointer<Float>,
                            into dst: UnsafeMutablePointer<Float>) -> Bool {
        sp_rgb_to_planes(src, plane, table, dst, dst + plane, dst + 2 * plane) == 0
    }

    /// Byte labels → Int32 clamped to `limit`; false (nothing written) where the CPU lacks the
    /// kernel's AVX-512.
    static func labels(_ src: UnsafePointer<UInt8>, count: Int, limit: Int32, into dst: UnsafeMutablePointer<Int32>) -> Bool {
        sp_labels_to_i32(src, count, limit, dst) == 0
    }

    /// One-hot rows from byte labels; false (nothing written) where the kernel does not apply.
    static func oneHot(_ labels: UnsafePointer<UInt8>, count: Int, channels: Int, into dst: UnsafeMutablePointer<Float>) -> Bool {
        sp_one_hot_u8(labels, count, Int32(channels), dst) == 0
    }
}
