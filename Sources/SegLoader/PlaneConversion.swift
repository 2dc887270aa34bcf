/// Packed RGB bytes to Float32 planes (`[3, H, W]`) of `v / 255`, then `(x − mean) / std` per
/// channel: the conversion the loader's batches use, for callers that build tensors themselves.
public enum PlaneConversion {
    /// Converts `pixels` RGB pixels at `rgb` into three planes of `pixels` floats at `dst`.
    public static func planes(_ rgb: UnsafePointer<UInt8>, pixels: Int, into dst: UnsafeMutablePointer<Float>,
                              mean: [Float]? = nil, std: [Float]? = nil) {
        let table = BatchConverter.normalisation(mean: mean, std: std)
        table.withUnsafeBufferPointer { t in
            // A 768-entry table always has a base address.
            if let base = t.baseAddress { planes(rgb, pixels: pixels, into: dst, table: base) }
        }
    }
}

extension PlaneConversion {
    /// Converts `pixels` RGB pixels at `rgb` into three planes at `dst` through a caller's table of
    /// 768 entries: byte `v` of channel `c` becomes `table[256 * c + v]`.
    public static func planes(_ rgb: UnsafePointer<UInt8>, pixels: Int, into dst: UnsafeMutablePointer<Float>,
                              table: UnsafePointer<Float>) {
        if !LoaderKernels.rgbToPlanes(rgb, plane: pixels, table: table, into: dst) {
            BatchConverter.convertImage(rgb, dst, plane: pixels, table: table)
        }
    }

    /// Converts `count` labels at `src` (`bytesPerValue` 1, or 2: native-endian UInt16) into Int64
    /// at `dst`: a value below `classes` is kept, every other one becomes `fill` (the ignore index).
    public static func labels(_ src: UnsafeRawPointer, count: Int, bytesPerValue: Int, into dst: UnsafeMutablePointer<Int64>,
                              classes: Int64, fill: Int64) {
        if bytesPerValue == 1 {
            // One table of the 256 byte values, so the loop is a load and a store a pixel.
            var table = [Int64](repeating: fill, count: 256)
            for v in 0..<min(256, max(0, Int(clamping: classes))) { table[v] = Int64(v) }
            let s = src.assumingMemoryBound(to: UInt8.self)
            table.withUnsafeBufferPointer { t in
                for p in 0..<count { dst[p] = t[Int(s[p])] }
            }
        } else {
            for p in 0..<count {
                let v = Int64(src.loadUnaligned(fromByteOffset: 2 * p, as: UInt16.self))
                dst[p] = v < classes ? v : fill
            }
        }
    }
}
