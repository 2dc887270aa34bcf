/// A label value in a pipeline file: a number 0...255 or the ignore class.
public enum LabelValue: Sendable, Equatable {
    case value(UInt8)
    case ignore

    /// The byte this resolves to when the ignore class is `ignore`.
    public func resolve(ignore: Int) -> UInt8 {
        switch self {
        case .value(let v): return v
        case .ignore: return UInt8(truncatingIfNeeded: ignore)
        }
    }
}
