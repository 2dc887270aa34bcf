/// Softmax over the channel axis of `[N, C, H, W]` logits, per pixel.
enum Softmax {
    /// Probabilities `[N, C, H, W]` and, per pixel `[N*H*W]`, `log Σ exp(logits)`.
    static func channels<S: TensorScalar>(_ logits: Tensor<S>) -> (probabilities: Tensor<S>, logSumExp: [S]) {
        let (n, c, plane) = (logits.shape[0], logits.shape[1], logits.shape[2] * logits.shape[3])
        var lse = [S](repeating: 0, count: n * plane)
        let probs = Tensor<S>(uninitializedShape: logits.shape) { p in
            logits.withUnsafeBufferPointer { x in
                lse.withUnsafeMutableBufferPointer { l in
                    for b in 0..<n {
                        let base = b * c * plane
                        for i in 0..<plane {
                            var m = x[base + i]
                            for ch in 1..<max(c, 1) { m = max(m, x[base + ch * plane + i]) }
                            var sum: S = 0
                            for ch in 0..<c {
                                let e = S.exp(x[base + ch * plane + i] - m)
                                p[base + ch * plane + i] = e
                                sum += e
                            }
                            for ch in 0..<c { p[base + ch * plane + i] /= sum }
                            l[b * plane + i] = m + S.log(sum)
                        }
                    }
                }
            }
        }
        return (probs, lse)
    }
}
