/// The reference's `f_score` metric: Dice-style F-score of thresholded softmax probabilities.
///
/// Probabilities above `threshold` count as 1; per class `tp`, `fp`, `fn` as in `DiceLoss`;
/// returns the mean over the real classes of
/// `((1+β²)tp + smooth) / ((1+β²)tp + β²fn + fp + smooth)`. Logits smaller than the labels in
/// both dimensions are resized first (bilinear, `align_corners=True`).
public enum FScore {
    /// - Throws: `LossError.shapeMismatch` for logits and labels that cannot be aligned.
    public static func compute<S: TensorScalar>(
        logits: Tensor<S>, labels: LabelMap, beta: Double = 1, smooth: Double = 1e-5, threshold: Double = 0.5
    ) throws -> Double {
        let aligned = try LogitAlignment(logits, targetShape: labels.shape)
        let x = aligned.logits
        let (n, c, plane) = (x.shape[0], x.shape[1], x.shape[2] * x.shape[3])
        let (probs, _) = Softmax.channels(x)
        var tp = [Double](repeating: 0, count: c)
        var predicted = [Double](repeating: 0, count: c)
        var support = [Double](repeating: 0, count: c)
        let limit = S(threshold)
        probs.withUnsafeBufferPointer { p in
            for b in 0..<n {
                for i in 0..<plane {
                    let label = Int(labels.values[b * plane + i])
                    if label >= 0 && label < c { support[label] += 1 }
                    for ch in 0..<c where p[(b * c + ch) * plane + i] > limit {
                        predicted[ch] += 1
                        if ch == label { tp[ch] += 1 }
                    }
                }
            }
        }
        let b2 = beta * beta
        var sum = 0.0
        for ch in 0..<c {
            let fp = predicted[ch] - tp[ch], fn = support[ch] - tp[ch]
            sum += ((1 + b2) * tp[ch] + smooth) / ((1 + b2) * tp[ch] + b2 * fn + fp + smooth)
        }
        return sum / Double(c)
    }
}
