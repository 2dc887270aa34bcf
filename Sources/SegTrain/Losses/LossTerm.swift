/// One term of the training loss (`--loss ce+dice` is two terms, added in registry order).
///
/// A new term is one file with a type conforming to `LossTerm` plus one line in
/// `LossRegistry.all` (copy `DiceLoss.swift`).
public protocol LossTerm: Sendable {
    /// The name in `--loss` (`ce`, `focal`, `dice`).
    static var name: String { get }
    /// A loss holds at most one term of each role (cross-entropy or focal, plus Dice or not).
    static var role: LossRole { get }
    /// The term for `setup`'s classes, class weights and focal parameters.
    init(_ setup: LossSetup)
    /// Loss and gradient at the labels' resolution (logits already aligned to the labels).
    func evaluate<S: TensorScalar>(_ logits: Tensor<S>, _ labels: LabelMap) throws -> LossOutput<S>
}

/// What a loss term does, for the at-most-one-of-each rule.
public enum LossRole: Sendable, Equatable {
    /// Per-pixel terms (cross-entropy, focal).
    case pixel
    /// Terms over whole class regions (Dice).
    case region
}

/// Everything a loss term may be built from.
public struct LossSetup: Sendable {
    public var classes: Int
    public var classWeights: [Double]?
    public var focalAlpha: Double
    public var focalGamma: Double

    public init(classes: Int, classWeights: [Double]? = nil, focalAlpha: Double = 0.5, focalGamma: Double = 2) {
        self.classes = classes; self.classWeights = classWeights; self.focalAlpha = focalAlpha; self.focalGamma = focalGamma
    }
}

/// Every loss term `train` offers, in the order terms are added. Add new terms here.
public enum LossRegistry {
    public static let all: [any LossTerm.Type] = [
        CrossEntropyLoss.self,
        FocalLoss.self,
        DiceLoss.self,
    ]

    /// The term named `name`, if any.
    public static func named(_ name: String) -> (any LossTerm.Type)? {
        all.first { $0.name == name }
    }
}
