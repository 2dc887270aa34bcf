/// The training loss of the reference trainer: cross-entropy or focal, optionally plus Dice.
///
/// Mirrors `loss = Focal_Loss(...) if focal_loss else CE_Loss(...); if dice_loss: loss += Dice_loss(...)`;
/// logits smaller than the labels in both height and width are resized once (bilinear,
/// `align_corners=True`) and the summed gradient is mapped back through the resize.
public struct SegmentationLoss: Sendable {
    /// The pixel-wise term.
    public enum Primary: Sendable, Equatable {
        case crossEntropy
        case focal(alpha: Double, gamma: Double)
        case none
    }

    public var classes: Int
    public var classWeights: [Double]?
    public var primary: Primary
    public var dice: Bool
    public var diceBeta: Double = 1
    public var diceSmooth: Double = 1e-5

    public init(classes: Int, primary: Primary = .crossEntropy, dice: Bool = false, classWeights: [Double]? = nil) {
        self.classes = classes
        self.primary = primary
        self.dice = dice
        self.classWeights = classWeights
    }

    /// The loss `kind` names (focal with `alpha` and `gamma`).
    public init(kind: LossKind, classes: Int, classWeights: [Double]? = nil, alpha: Double = 0.5, gamma: Double = 2) {
        let primary: Primary
        switch kind {
        case .ce, .ceDice: primary = .crossEntropy
        case .focal, .focalDice: primary = .focal(alpha: alpha, gamma: gamma)
        case .dice: primary = .none
        }
        self.init(classes: classes, primary: primary, dice: kind.dice, classWeights: classWeights)
    }

    /// Parses a loss spelled like `ce`, `focal`, `dice`, `ce+dice`, `focal+dice` (see `LossKind`).
    ///
    /// - Returns: nil for an unknown spelling.
    public init?(name: String, classes: Int, classWeights: [Double]? = nil, alpha: Double = 0.5, gamma: Double = 2) {
        guard let kind = LossKind(name: name) else { return nil }
        self.init(kind: kind, classes: classes, classWeights: classWeights, alpha: alpha, gamma: gamma)
    }

    /// Loss and gradient for logits `[N, C, h, w]` and labels `[N, H, W]`.
    ///
    /// - Throws: `LossError` for mismatched shapes or weight counts.
    public func callAsFunction<S: TensorScalar>(_ logits: Tensor<S>, _ labels: LabelMap) throws -> LossOutput<S> {
        let aligned = try LogitAlignment(logits, targetShape: labels.shape)
        var total: LossOutput<S>?
        func accumulate(_ term: LossOutput<S>) {
            if total == nil { total = term } else { total!.add(term) }
        }
        switch primary {
        case .crossEntropy:
            accumulate(try CrossEntropyLoss(classes: classes, classWeights: classWeights).evaluate(aligned.logits, labels))
        case let .focal(alpha, gamma):
            accumulate(try FocalLoss(classes: classes, classWeights: classWeights, alpha: alpha, gamma: gamma)
                .evaluate(aligned.logits, labels))
        case .none:
            break
        }
        if dice {
            accumulate(DiceLoss(classes: classes, beta: diceBeta, smooth: diceSmooth).evaluate(aligned.logits, labels))
        }
        var result = total ?? LossOutput<S>(value: 0, gradient: Tensor(shape: aligned.logits.shape))
        result.gradient = aligned.backward(result.gradient)
        return result
    }
}
