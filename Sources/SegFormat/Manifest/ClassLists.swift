/// Class lists as messages show them: short lists whole, long ones (a dataset of thousands of
/// classes) by their first names and their count, so a one-sentence error stays one sentence.
public enum ClassLists {
    /// The most names a message lists.
    public static let shown = 12

    /// `[a, b, c]`, or `[a, b, …, and 988 more: 1000 classes]`.
    public static func summary(_ names: [String]) -> String {
        guard names.count > shown else { return "[\(names.joined(separator: ", "))]" }
        return "[\(names.prefix(shown).joined(separator: ", ")), …, and \(names.count - shown) more: \(names.count) classes]"
    }

    /// Where two lists first differ: `class 3 is 'car' in one and 'bus' in the other`, or which
    /// one is longer.
    public static func firstDifference(_ a: [String], _ b: [String]) -> String {
        for (i, (x, y)) in zip(a, b).enumerated() where x != y {
            return "class \(i) is '\(x.prefix(40))' in one and '\(y.prefix(40))' in the other"
        }
        return a.count == b.count ? "the lists are equal" : "one has \(a.count) classes and the other \(b.count)"
    }
}
