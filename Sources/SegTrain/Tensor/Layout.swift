/// Layout conversions between NCHW tensors and per-pixel rows.
public enum Layout {
    /// `[N, C, H, W]` → `[N*H*W, C]` (one row per pixel).
    public static func channelsLast<S: TensorScalar>(_ x: Tensor<S>) -> Tensor<S> {
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let plane = h * w
        return Tensor(uninitializedShape: [n * plane, c]) { out in
            x.withUnsafeBufferPointer { src in
                for b in 0..<n {
                    for ch in 0..<c {
                        let s = src.baseAddress! + (b * c + ch) * plane
                        let d = out.baseAddress! + b * plane * c + ch
                        for i in 0..<plane { d[i * c] = s[i] }
                    }
                }
            }
        }
    }

    /// `[N*H*W, C]` → `[N, C, H, W]`.
    public static func channelsFirst<S: TensorScalar>(_ rows: Tensor<S>, n: Int, h: Int, w: Int) -> Tensor<S> {
        let c = rows.shape[1], plane = h * w
        return Tensor(uninitializedShape: [n, c, h, w]) { out in
            rows.withUnsafeBufferPointer { src in
                for b in 0..<n {
                    for ch in 0..<c {
                        let s = src.baseAddress! + b * plane * c + ch
                        let d = out.baseAddress! + (b * c + ch) * plane
                        for i in 0..<plane { d[i] = s[i * c] }
                    }
                }
            }
        }
    }
}
