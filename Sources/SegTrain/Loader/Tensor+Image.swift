import SegLoader

extension Tensor where Scalar == Float {
    /// A packed RGB image (`height * width * 3` bytes) as a `[1, 3, H, W]` tensor of `v / 255`, then
    /// `(x − mean) / std` per channel: the values the loader puts in its batches.
    public init(rgb: [UInt8], height: Int, width: Int, mean: [Float]? = nil, std: [Float]? = nil) {
        precondition(rgb.count == height * width * 3, "an RGB image of \(width)x\(height) has \(height * width * 3) bytes")
        self.init(shape: [1, 3, height, width]) { x in
            rgb.withUnsafeBufferPointer { p in
                PlaneConversion.planes(p.baseAddress!, pixels: height * width, into: x.baseAddress!, mean: mean, std: std)
            }
        }
    }
}
