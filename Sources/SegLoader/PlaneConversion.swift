/// Packed RGB bytes to Float32 planes (`[3, H, W]`) of `v / 255`, then `(x − mean) / std` per
/// channel: the conversion the loader's batches use, for callers that build tensors themselves.
public enum PlaneConversion {
    /// Converts `pixels` RGB pixels at `rgb` into three planes of `pixels` floats at `dst`.
    public static func planes(_ rgb: UnsafePointer<UInt8>, pixels: Int, into dst: UnsafeMutablePointer<Float>,
                              mean: [Float]? = nil, std: [Float]? = nil) {
        let table = BatchConverter.normalisation(mean: mean, std: std)
        table.withUnsafeBufferPointer { t in
            BatchConverter.convertImage(rgb, dst, plane: pixels, table: t.baseAddress!)
        }
    }
}
