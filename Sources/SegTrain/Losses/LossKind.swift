/// A training loss as `--loss` spells it: registered terms joined by `+` (`ce`, `focal+dice`), at
/// most one term of each role, kept in registry order.
public struct LossKind: Sendable, Hashable, CustomStringConvertible {
    /// Term names in registry order.
    public let terms: [String]

    public static let ce = LossKind(known: ["ce"])
    public static let focal = LossKind(known: ["focal"])
    public static let dice = LossKind(known: ["dice"])
    public static let ceDice = LossKind(known: ["ce", "dice"])
    public static let focalDice = LossKind(known: ["focal", "dice"])

    private init(known terms: [String]) { self.terms = terms }

    /// Parses terms joined by `+` in any order and case (`Dice+CE` is `ce+dice`).
    ///
    /// - Returns: nil for an unknown term, no term, or two terms of one role (`ce+focal`).
    public init?(name: String) {
        let parts = Set(name.lowercased().split(separator: "+").map(String.init))
        let types = parts.compactMap(LossRegistry.named)
        guard !parts.isEmpty, types.count == parts.count,
              Set(types.map { "\($0.role)" }).count == types.count else { return nil }
        terms = LossRegistry.all.map { $0.name }.filter(parts.contains)
    }

    /// The spelling, e.g. `ce+dice`.
    public var rawValue: String { terms.joined(separator: "+") }
    public var description: String { rawValue }

    /// Every valid spelling: each term alone, then each pixel term with each region term.
    public static var allCases: [LossKind] {
        let names = LossRegistry.all.map { $0.name }
        let pixel = LossRegistry.all.filter { $0.role == .pixel }.map { $0.name }
        let region = LossRegistry.all.filter { $0.role == .region }.map { $0.name }
        return names.map { LossKind(known: [$0]) } + pixel.flatMap { p in region.map { LossKind(known: [p, $0]) } }
    }

    /// Every spelling, for messages: `ce, focal, dice, ce+dice or focal+dice`.
    public static var spellings: String {
        let names = allCases.map(\.rawValue)
        return names.dropLast().joined(separator: ", ") + " or " + names.last!
    }

    /// Whether a Dice term is added.
    public var dice: Bool { terms.contains(DiceLoss.name) }
}
