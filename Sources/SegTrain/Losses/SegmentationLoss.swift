/// The training loss of the reference trainer: cross-entropy or focal, optionally plus Dice — in
/// general, the registered terms of a `LossKind`, added in registry order.
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

    public let classes: Int
    public let classWeights: [Double]?
    /// The terms, in the order they are added.
    public let terms: [any LossTerm]

    /// The loss `kind` names, its terms built from `classes`, `classWeights` and focal `alpha`, `gamma`.
    public init(kind: LossKind, classes: Int, classWeights: [Double]? = nil, alpha: Double = 0.5, gamma: Double = 2) {
        let setup = LossSetup(classes: classes, classWeights: classWeights, focalAlpha: alpha, focalGamma: gamma)
        self.classes = classes
        self.classWeights = classWeights
        terms = kind.terms.compactMap(LossRegistry.named).map { $0.init(setup) }
    }

    /// Cross-entropy or focal (or neither), plus Dice when `dice`.
    public init(classes: Int, primary: Primary = .crossEntropy, dice: Bool = false, classWeights: [Double]? = nil) {
        var names: [String] = [], alpha = 0.5, gamma = 2.0
        switch primary {
        case .crossEntropy: names.append(CrossEntropyLoss.name)
        case let .focal(a, g): names.append(FocalLoss.name); (alpha, gamma) = (a, g)
        case .none: break
        }
        if dice { names.append(DiceLoss.name) }
        self.init(kind: LossKind(name: names.joined(separator: "+")) ?? .dice, classes: classes, classWeights: classWeights,
                  alpha: alpha, gamma: gamma)
    }

    /// Parses a loss spelled like `ce`, `focal`, `dice`, `ce+dice`, `focal+dice` (see `LossKind`).
    ///
    /// - Returns: nil for an unknown spelling.
    public init?(name: String, classes: Int, classWeights: [Double]? = nil, alpha: Double = 0.5, gamma: Double = 2) {
        guard let kind = LossKind(name: name) else { return nil }
        self.init(kind: kind, classes: classes, classWeights: classWeights, alpha: alpha, gamma: gamma)
    }

    /// The pixel-wise term, if it is cross-entropy or focal.
    public var primary: Primary {
        for t in terms {
            if t is CrossEntropyLoss { return .crossEntropy }
            if let f = t as? FocalLoss { return .focal(alpha: f.alpha, gamma: f.gamma) }
        }
        return .none
    }

    /// Whether a Dice term is added.
    public var dice: Bool { terms.contains { $0 is DiceLoss } }

    /// Loss and gradient for logits `[N, C, h, w]` and labels `[N, H, W]`.
    ///
    /// - Throws: `LossError` for mismatched shapes or weight counts.
    public func callAsFunction<S: TensorScalar>(_ logits: Tensor<S>, _ labels: LabelMap) throws -> LossOutput<S> {
        let aligned = try LogitAlignment(logits, targetShape: labels.shape)
        var total: LossOutput<S>?
        for term in terms {
            let out = try term.evaluate(aligned.logits, labels)
            if total == nil { total = out } else { total!.add(out) }
        }
        var result = total ?? LossOutput<S>(value: 0, gradient: Tensor(shape: aligned.logits.shape))
        result.gradient = aligned.backward(result.gradient)
        return result
    }
}
