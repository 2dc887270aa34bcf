/// The declaration of one parameter (of a stage, or a key of the pipeline file): the parser checks
/// values against it and `seg-prep stages` documents it from the same data. Stages declare their
/// parameters as typed `Param` values, which carry this record.
public struct Parameter: Sendable {
    /// What values a parameter takes.
    public enum Kind: Sendable {
        /// A real number in a closed range.
        case number(ClosedRange<Double>)
        /// An integer in a closed range.
        case integer(ClosedRange<Int>)
        /// A probability in [0, 1].
        case probability
        /// `[height, width]` in pixels, each 1...16384.
        case size
        /// `[width, height]` in pixels, each 1...65536, as mmcv writes scales.
        case scaleWH
        /// `[low, high]` with `bounds.lowerBound <= low <= high <= bounds.upperBound`.
        case interval(ClosedRange<Double>)
        /// One number (a fixed value) or `[low, high]` within the bounds; integers only when `integer`.
        case range(ClosedRange<Double>, integer: Bool)
        /// A number d, read as the range [-d, d], or `[low, high]`, within a closed range.
        case spread(ClosedRange<Double>)
        /// Exactly `count` numbers, each within the bounds.
        case numbers(count: Int, ClosedRange<Double>)
        /// One pair `[a, b]` or a list of pairs, each number within the bounds.
        case pairs(ClosedRange<Double>)
        /// An RGB colour `[r, g, b]` or one grey level, 0...255.
        case colour
        /// A label value 0...255 or the word `ignore` (the ignore class).
        case labelValue
        /// `true` or `false`.
        case flag
        /// One of a fixed set of words.
        case choice([String])
        /// A map from label values (0...255) to label values (or `ignore`).
        case labelMap
        /// A non-empty string (a path, a name).
        case text
        /// A mapping with keys of its own (`input`, `output`).
        case section
        /// A list read by its own rules (`stages`).
        case list
        /// A class count or a list of class names.
        case classes
        /// A palette name or a list of `{color: [r, g, b], class: …}`.
        case palette
        /// A mapping of class names to fractions in [0, 1].
        case classFractions
        /// `uniform` or `{rare_class: {…}}`.
        case sampling

        /// Human-readable type and range, for docs and messages.
        public var summary: String {
            switch self {
            case .number(let r): return "number in [\(fmt(r.lowerBound)), \(fmt(r.upperBound))]"
            case .integer(let r): return "integer in [\(r.lowerBound), \(r.upperBound)]"
            case .probability: return "probability in [0, 1]"
            case .size: return "[height, width], pixels 1..16384"
            case .scaleWH: return "[width, height] (mmcv's order), pixels 1..65536"
            case .interval(let r): return "[low, high] within [\(fmt(r.lowerBound)), \(fmt(r.upperBound))]"
            case .range(let r, let integer):
                let what = integer ? "integer" : "number"
                return "\(what) or [low, high] within [\(fmt(r.lowerBound)), \(fmt(r.upperBound))]"
            case .spread(let r): return "number d (the range [-d, d]) or [low, high] within [\(fmt(r.lowerBound)), \(fmt(r.upperBound))]"
            case .numbers(let n, let r): return "list of \(n) numbers in [\(fmt(r.lowerBound)), \(fmt(r.upperBound))]"
            case .pairs(let r): return "[a, b] or a list of [a, b], numbers in [\(fmt(r.lowerBound)), \(fmt(r.upperBound))]"
            case .colour: return "[r, g, b] or a grey level, 0..255"
            case .labelValue: return "label value (0..255; 0..65535 with 16-bit labels) or `ignore`"
            case .flag: return "true or false"
            case .choice(let c): return "one of " + c.map { "`\($0)`" }.joined(separator: ", ")
            case .labelMap: return "map {from: to}, label values (0..65535) or `ignore`"
            case .text: return "string"
            case .section: return "mapping"
            case .list: return "list"
            case .classes: return "class count or list of names"
            case .classFractions: return "mapping {class name: fraction in [0, 1]}"
            case .sampling: return "`uniform` or `{rare_class: {temperature, min_pixels, crop_retries}}`"
            case .palette: return "palette name (`" + LabelColours.presets.keys.sorted().joined(separator: "`, `") + "`) or list of {color: [r, g, b], class: name, index or `ignore`}"
            }
        }
    }

    public var name: String
    public var kind: Kind
    /// Default as written in YAML, or nil when the parameter is required / absent by default.
    public var defaultValue: String?
    public var required: Bool
    public var doc: String

    public init(_ name: String, _ kind: Kind, default defaultValue: String? = nil, required: Bool = false, _ doc: String) {
        self.name = name; self.kind = kind; self.defaultValue = defaultValue; self.required = required; self.doc = doc
    }
}

func fmt(_ d: Double) -> String {
    d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : String(d)
}
