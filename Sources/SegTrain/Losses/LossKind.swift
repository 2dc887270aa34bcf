/// The losses `train` offers: cross-entropy or focal, each optionally plus Dice, or Dice alone.
public enum LossKind: String, Sendable, CaseIterable {
    case ce
    case focal
    case dice
    case ceDice = "ce+dice"
    case focalDice = "focal+dice"

    /// Parses terms joined by `+` in any order and case (`Dice+CE` is `ce+dice`).
    ///
    /// - Returns: nil for an unknown term, no term, or both `ce` and `focal`.
    public init?(name: String) {
        let parts = Set(name.lowercased().split(separator: "+").map(String.init))
        guard !parts.isEmpty, parts.isSubset(of: ["ce", "focal", "dice"]), !(parts.contains("ce") && parts.contains("focal"))
        else { return nil }
        switch (parts.contains("ce"), parts.contains("focal"), parts.contains("dice")) {
        case (true, _, false): self = .ce
        case (true, _, true): self = .ceDice
        case (_, true, false): self = .focal
        case (_, true, true): self = .focalDice
        default: self = .dice
        }
    }

    /// Every spelling, for messages: `ce, focal, dice, ce+dice or focal+dice`.
    public static var spellings: String {
        let names = allCases.map(\.rawValue)
        return names.dropLast().joined(separator: ", ") + " or " + names.last!
    }

    /// Whether a Dice term is added.
    public var dice: Bool { self == .dice || self == .ceDice || self == .focalDice }
}
