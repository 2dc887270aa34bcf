/// A label value in a pipeline file: a number 0...65535 (above 255 only where labels are 16-bit)
/// or the ignore class.
public enum LabelValue: Sendable, Equatable {
    case value(UInt16)
    case ignore

    /// The value this resolves to when the ignore class is `ignore`.
    public func resolve(ignore: Int) -> Int {
        switch self {
        case .value(let v): return Int(v)
        case .ignore: return ignore
        }
    }
}
