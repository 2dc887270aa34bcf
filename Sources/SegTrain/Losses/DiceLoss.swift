/// Dice loss over softmax probabilities, as the reference's `Dice_loss`.
///
/// With `p = softmax(logits)` and the one-hot labels without the ignore channel, per class:
/// `tp = Σ onehot·p`, `fp = Σ p − tp` (ignored pixels count here), `fn = Σ onehot − tp`, sums over
/// batch and pixels; `score = ((1+β²)tp + smooth) / ((1+β²)tp + β²fn + fp + smooth)`;
/// `loss = 1 − mean(score)` over the real classes.
public struct DiceLoss: LossTerm {
    public static let name = "dice"
    public static let role = LossRole.region
    public var classes: Int
    public var beta: Double
    public var smooth: Double

    public init(classes: Int, beta: Double = 1, smooth: Double = 1e-5) {
        self.classes = classes
        self.beta = beta
        self.smooth = smooth
    }

    public init(_ setup: LossSetup) { self.init(classes: setup.classes) }

    /// Loss and gradient for logits `[N, C, h, w]` and labels `[N, H, W]`.
    ///
    /// - Throws: `LossError.shapeMismatch` for mismatched shapes.
    public func callAsFunction<S: TensorScalar>(_ logits: Tensor<S>, _ labels: LabelMap) throws -> LossOutput<S> {
        let aligned = try LogitAlignment(logits, targetShape: labels.shape)
        var out = evaluate(aligned.logits, labels)
        out.gradient = aligned.backward(out.gradient)
        return out
    }

    /// Loss at the labels' resolution (no resizing).
    public func evaluate<S: TensorScalar>(_ logits: Tensor<S>, _ labels: LabelMap) -> LossOutput<S> {
        let c = logits.shape[1]
        precondition(c == classes, "logits have \(c) channels for \(classes) classes")
        let (probs, _) = Softmax.channels(logits)
        let (n, plane) = (logits.shape[0], logits.shape[2] * logits.shape[3])
        var tp = [Double](repeating: 0, count: c)
        var sumP = [Double](repeating: 0, count: c)
        var support = [Double](repeating: 0, count: c)
        probs.withUnsafeBufferPointer { p in
            labels.values.withUnsafeBufferPointer { t in
                for b in 0..<n {
                    for ch in 0..<c {
                        let row = p.baseAddress! + (b * c + ch) * plane
                        var s = 0.0
                        for i in 0..<plane { s += Double(row[i]) }
                        sumP[ch] += s
                    }
                    for i in 0..<plane {
                        let label = Int(t[b * plane + i])
                        guard label >= 0 && label < c else { continue }
                        tp[label] += Double(p[(b * c + label) * plane + i])
                        support[label] += 1
                    }
                }
            }
        }
        let b2 = beta * beta
        var scoreSum = 0.0
        // d loss / d p[c] = −(1/C)·(onehot·(1+β²)/D − N/D²), with D = β²·support + Σp + smooth.
        var dTp = [S](repeating: 0, count: c), dSum = [S](repeating: 0, count: c)
        for ch in 0..<c {
            let numerator = (1 + b2) * tp[ch] + smooth
            let denominator = (1 + b2) * tp[ch] + b2 * (support[ch] - tp[ch]) + (sumP[ch] - tp[ch]) + smooth
            scoreSum += numerator / denominator
            dTp[ch] = S(-(1 + b2) / denominator / Double(c))
            dSum[ch] = S(numerator / (denominator * denominator) / Double(c))
        }
        let grad = Tensor<S>(shape: logits.shape) { gr in
            probs.withUnsafeBufferPointer { p in
                labels.values.withUnsafeBufferPointer { t in
                    for b in 0..<n {
                        for i in 0..<plane {
                            let label = Int(t[b * plane + i])
                            let base = b * c * plane + i
                            // upstream g_c, then softmax backward p_c (g_c − Σ_k g_k p_k)
                            var dot: S = 0
                            for ch in 0..<c {
                                var gc = dSum[ch]
                                if ch == label { gc += dTp[ch] }
                                gr[base + ch * plane] = gc
                                dot += gc * p[base + ch * plane]
                            }
                            for ch in 0..<c {
                                let pc = p[base + ch * plane]
                                gr[base + ch * plane] = pc * (gr[base + ch * plane] - dot)
                            }
                        }
                    }
                }
            }
        }
        return LossOutput(value: S(1 - scoreSum / Double(c)), gradient: grad)
    }
}
