/// Focal loss over class logits, as the reference's `Focal_Loss`.
///
/// Per pixel `logpt = −w[t]·CE` (0 for ignored pixels), `pt = exp(logpt)` (so with weights
/// `pt = p_t^w[t]`), `loss = −α·(1 − pt)^γ·logpt`; the value is the mean over **all** N·H·W
/// pixels, ignored ones included. α is one scalar for every class.
public struct FocalLoss: LossTerm {
    public static let name = "focal"
    public static let role = LossRole.pixel
    public var classes: Int
    public var classWeights: [Double]?
    public var alpha: Double
    public var gamma: Double

    public init(classes: Int, classWeights: [Double]? = nil, alpha: Double = 0.5, gamma: Double = 2) {
        self.classes = classes
        self.classWeights = classWeights
        self.alpha = alpha
        self.gamma = gamma
    }

    public init(_ setup: LossSetup) {
        self.init(classes: setup.classes, classWeights: setup.classWeights, alpha: setup.focalAlpha, gamma: setup.focalGamma)
    }

    /// Loss and gradient for logits `[N, C, h, w]` and labels `[N, H, W]`.
    ///
    /// - Throws: `LossError` for mismatched shapes or weight counts.
    public func callAsFunction<S: TensorScalar>(_ logits: Tensor<S>, _ labels: LabelMap) throws -> LossOutput<S> {
        let aligned = try LogitAlignment(logits, targetShape: labels.shape)
        var out = try evaluate(aligned.logits, labels)
        out.gradient = aligned.backward(out.gradient)
        return out
    }

    /// Loss at the labels' resolution (no resizing).
    public func evaluate<S: TensorScalar>(_ logits: Tensor<S>, _ labels: LabelMap) throws -> LossOutput<S> {
        let c = logits.shape[1]
        precondition(c == classes, "logits have \(c) channels for \(classes) classes")
        let weights = try classWeightScalars(classWeights, classes: classes, as: S.self)
        let (probs, lse) = Softmax.channels(logits)
        let (n, plane) = (logits.shape[0], logits.shape[2] * logits.shape[3])
        let count = S(n * plane)
        let (a, g) = (S(alpha), S(gamma))
        var total = 0.0
        var grad = probs
        grad.withUnsafeMutableBufferPointer { gr in
            logits.withUnsafeBufferPointer { x in
                labels.values.withUnsafeBufferPointer { t in
                    for b in 0..<n {
                        for i in 0..<plane {
                            let label = Int(t[b * plane + i])
                            let base = b * c * plane + i
                            guard label >= 0 && label < c else {
                                for ch in 0..<c { gr[base + ch * plane] = 0 }
                                continue
                            }
                            let w = weights[label]
                            let logpt = -w * (lse[b * plane + i] - x[base + label * plane])
                            let pt = S.exp(logpt)
                            let q = 1 - pt
                            total += Double(-S.pow(q, g) * a * logpt)
                            // d loss / d logpt, then d logpt / d x_c = −w (p_c − [c == t]).
                            let powTerm = g == 0 ? 0 : g * S.pow(q, g - 1) * pt * logpt
                            let dLogpt = a * (powTerm - S.pow(q, g))
                            let scale = -w * dLogpt / count
                            gr[base + label * plane] -= 1
                            for ch in 0..<c { gr[base + ch * plane] *= scale }
                        }
                    }
                }
            }
        }
        return LossOutput(value: S(total / Double(n * plane)), gradient: grad)
    }
}
