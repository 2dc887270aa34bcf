/// Turning logits into class maps.
public enum Prediction {
    /// Per-pixel argmax over channels of `[N, C, H, W]` logits (first maximum wins).
    ///
    /// - Returns: `N*H*W` class indices in row-major `[N, H, W]` order.
    /// - Precondition: at most 256 classes.
    public static func argmax<S: TensorScalar>(_ logits: Tensor<S>) -> [UInt8] {
        let (n, c, plane) = (logits.shape[0], logits.shape[1], logits.shape[2] * logits.shape[3])
        precondition(c <= 256, "argmax to UInt8 supports at most 256 classes")
        var out = [UInt8](repeating: 0, count: n * plane)
        logits.withUnsafeBufferPointer { x in
            out.withUnsafeMutableBufferPointer { o in
                for b in 0..<n {
                    let base = x.baseAddress! + b * c * plane
                    var best = [S](UnsafeBufferPointer(start: base, count: plane))
                    for ch in 1..<max(c, 1) {
                        let row = base + ch * plane
                        for i in 0..<plane where row[i] > best[i] {
                            best[i] = row[i]
                            o[b * plane + i] = UInt8(ch)
                        }
                    }
                }
            }
        }
        return out
    }
}
