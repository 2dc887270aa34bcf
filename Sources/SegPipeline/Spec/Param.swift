import Yams

/// A parameter declared once — name, kind, range, default and doc — together with the Swift type
/// its value is read as. Stages and the pipeline keys declare `static let` values of this type and
/// read them with `values[Self.jitter]`, so a misspelt read does not compile and no read can
/// disagree with the declaration.
public struct Param<Value: Sendable>: Sendable {
    /// The declaration the parser checks values against and the docs show.
    public let info: Parameter
    let read: @Sendable (ParameterValues.Value?) -> Value

    public var name: String { info.name }
}

/// The factories, one per kind of value.
extension Param {
    /// A number in `range`.
    public static func number(_ name: String, in range: ClosedRange<Double>, default d: Double, _ doc: String) -> Param<Double> {
        .init(info: Parameter(name, .number(range), default: "\(d)", doc)) { $0?.double ?? d }
    }

    /// A probability in [0, 1].
    public static func probability(_ name: String, default d: Double, _ doc: String) -> Param<Double> {
        .init(info: Parameter(name, .probability, default: "\(d)", doc)) { $0?.double ?? d }
    }

    /// An integer in `range`.
    public static func integer(_ name: String, in range: ClosedRange<Int>, default d: Int, _ doc: String) -> Param<Int> {
        .init(info: Parameter(name, .integer(range), default: "\(d)", doc)) { v in
            if case .integer(let i) = v { return i }
            return d
        }
    }

    /// An integer in `range`, nil when not given.
    public static func integer(_ name: String, in range: ClosedRange<Int>, _ doc: String) -> Param<Int?> {
        .init(info: Parameter(name, .integer(range), doc)) { v in
            if case .integer(let i) = v { return i }
            return nil
        }
    }

    /// `[height, width]` in pixels; required.
    public static func size(_ name: String, _ doc: String) -> Param<(height: Int, width: Int)> {
        .init(info: Parameter(name, .size, required: true, doc)) { v in
            guard case .size(let h, let w) = v else { preconditionFailure("required parameter '\(name)' was not parsed") }
            return (h, w)
        }
    }

    /// `[height, width]` in pixels, with a default.
    public static func size(_ name: String, default d: (height: Int, width: Int), _ doc: String) -> Param<(height: Int, width: Int)> {
        .init(info: Parameter(name, .size, default: "[\(d.height), \(d.width)]", doc)) { v in
            if case .size(let h, let w) = v { return (h, w) }
            return d
        }
    }

    /// `[height, width]` in pixels, nil when not given.
    public static func optionalSize(_ name: String, _ doc: String) -> Param<(height: Int, width: Int)?> {
        .init(info: Parameter(name, .size, doc)) { v in
            if case .size(let h, let w) = v { return (h, w) }
            return nil
        }
    }

    /// `[width, height]` as mmcv writes scales.
    public static func scaleWH(_ name: String, default d: (width: Int, height: Int), _ doc: String) -> Param<(width: Int, height: Int)> {
        .init(info: Parameter(name, .scaleWH, default: "[\(d.width), \(d.height)]", doc)) { v in
            if case .size(let w, let h) = v { return (w, h) }
            return d
        }
    }

    /// `[low, high]` within `bounds`.
    public static func interval(_ name: String, within bounds: ClosedRange<Double>, default d: (Double, Double),
                                _ doc: String) -> Param<(Double, Double)> {
        .init(info: Parameter(name, .interval(bounds), default: "[\(d.0), \(d.1)]", doc)) { v in
            if case .interval(let a, let b) = v { return (a, b) }
            return d
        }
    }

    /// One number (read as `(v, v)`) or `[low, high]` within `bounds`; whole numbers only when `integer`.
    public static func range(_ name: String, within bounds: ClosedRange<Double>, integer: Bool = false,
                             default d: (Double, Double), _ doc: String) -> Param<(Double, Double)> {
        let text = d.0 == d.1 ? fmt(d.0) : "[\(fmt(d.0)), \(fmt(d.1))]"
        return .init(info: Parameter(name, .range(bounds, integer: integer), default: text, doc)) { v in
            if case .interval(let a, let b) = v { return (a, b) }
            return d
        }
    }

    /// One number d (read as `(-d, d)`) or `[low, high]` within `bounds` (angles, shears).
    public static func spread(_ name: String, within bounds: ClosedRange<Double>, default d: (Double, Double), _ doc: String) -> Param<(Double, Double)> {
        let text = d.0 == -d.1 ? fmt(d.1) : "[\(fmt(d.0)), \(fmt(d.1))]"
        return .init(info: Parameter(name, .spread(bounds), default: text, doc)) { v in
            if case .interval(let a, let b) = v { return (a, b) }
            return d
        }
    }

    /// Exactly `d.count` numbers within `bounds`.
    public static func numbers(_ name: String, within bounds: ClosedRange<Double>, default d: [Double], _ doc: String) -> Param<[Double]> {
        .init(info: Parameter(name, .numbers(count: d.count, bounds), default: "[\(d.map(fmt).joined(separator: ", "))]", doc)) { v in
            if case .numbers(let n) = v { return n }
            return d
        }
    }

    /// One point `[x, y]` within `bounds`; nil when not given.
    public static func point(_ name: String, within bounds: ClosedRange<Double>, _ doc: String) -> Param<(Double, Double)?> {
        .init(info: Parameter(name, .numbers(count: 2, bounds), doc)) { v in
            if case .numbers(let n) = v, n.count == 2 { return (n[0], n[1]) }
            return nil
        }
    }

    /// One pair `[a, b]` or a list of pairs within `bounds`; nil when not given.
    public static func pairs(_ name: String, within bounds: ClosedRange<Double>, _ doc: String) -> Param<[(Double, Double)]?> {
        .init(info: Parameter(name, .pairs(bounds), doc)) { v in
            if case .pairs(let p) = v { return p }
            return nil
        }
    }

    /// An RGB colour (a grey level is replicated).
    public static func colour(_ name: String, default d: [UInt8], _ doc: String) -> Param<[UInt8]> {
        .init(info: Parameter(name, .colour, default: "[\(d.map(String.init).joined(separator: ", "))]", doc)) { v in
            if case .colour(let c) = v { return c }
            return d
        }
    }

    /// A label value or `ignore`.
    public static func label(_ name: String, default d: LabelValue, _ doc: String) -> Param<LabelValue> {
        let text: String
        switch d {
        case .value(let v): text = "\(v)"
        case .ignore: text = "ignore"
        }
        return .init(info: Parameter(name, .labelValue, default: text, doc)) { v in
            if case .label(let l) = v { return l }
            return d
        }
    }

    /// `true` or `false`.
    public static func flag(_ name: String, default d: Bool, _ doc: String) -> Param<Bool> {
        .init(info: Parameter(name, .flag, default: "\(d)", doc)) { v in
            if case .flag(let b) = v { return b }
            return d
        }
    }


    /// One of `choices`, with a default.
    public static func word(_ name: String, choices: [String], default d: String, _ doc: String) -> Param<String> {
        .init(info: Parameter(name, .choice(choices), default: d, doc)) { v in
            if case .word(let w) = v { return w }
            return d
        }
    }

    /// A map of label values (empty when not given).
    public static func labelMap(_ name: String, _ doc: String) -> Param<[UInt16: LabelValue]> {
        .init(info: Parameter(name, .labelMap, doc)) { v in
            if case .labelMap(let m) = v { return m }
            return [:]
        }
    }

    /// A non-empty string, with a default.
    public static func text(_ name: String, default d: String, _ doc: String) -> Param<String> {
        .init(info: Parameter(name, .text, default: d, doc)) { v in
            if case .word(let w) = v { return w }
            return d
        }
    }

    /// A non-empty string, nil when not given.
    public static func optionalText(_ name: String, _ doc: String) -> Param<String?> {
        .init(info: Parameter(name, .text, doc)) { v in
            if case .word(let w) = v { return w }
            return nil
        }
    }

    /// A required non-empty string.
    public static func text(_ name: String, _ doc: String) -> Param<String> {
        .init(info: Parameter(name, .text, required: true, doc)) { v in
            guard case .word(let w) = v else { preconditionFailure("required parameter '\(name)' was not parsed") }
            return w
        }
    }

    /// A value of a kind read by its own rules, nil when not given.
    public static func optionalNode(_ name: String, _ kind: Parameter.Kind, _ doc: String) -> Param<ParameterValues.Located?> {
        .init(info: Parameter(name, kind, doc)) { v in
            if case .node(let n) = v { return n }
            return nil
        }
    }

    /// A required value of a kind read by its own rules (`.section`, `.list`, `.classes`): its node.
    public static func node(_ name: String, _ kind: Parameter.Kind, _ doc: String) -> Param<ParameterValues.Located> {
        .init(info: Parameter(name, kind, required: true, doc)) { v in
            guard case .node(let n) = v else { preconditionFailure("required parameter '\(name)' was not parsed") }
            return n
        }
    }
}

extension Param where Value: RawRepresentable & CaseIterable, Value.RawValue == String {
    /// One of the raw values of `Value`, read as `Value`.
    public static func choice(_ name: String, default d: Value, _ doc: String) -> Param<Value> {
        .init(info: Parameter(name, .choice(Value.allCases.map(\.rawValue)), default: d.rawValue, doc)) { v in
            if case .word(let w) = v, let e = Value(rawValue: w) { return e }
            return d
        }
    }
}
