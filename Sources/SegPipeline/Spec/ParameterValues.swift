import Yams

/// The name stages use for their parameter values.
public typealias StageArgs = ParameterValues

/// The parameters of a stage, or the keys of a section of the pipeline file, checked against their
/// declarations, with their positions for later errors. Read them through their `Param`s.
public struct ParameterValues: Sendable {
    /// Where the values come from, for messages.
    public enum Scope: Sendable, Equatable {
        /// A stage's parameters (`stage 'flip' has no parameter 'q'`, `'flip.p' is 1.5, …`).
        case stage(String)
        /// A mapping of the pipeline file: `the pipeline` (top level, no prefix), `input`, `output`.
        case section(String)

        var prefix: String {
            switch self {
            case .stage(let s): return s + "."
            case .section(let s): return s == "the pipeline" ? "" : s + "."
            }
        }
    }

    /// A node of the file with its position (for kinds read by their own rules).
    public struct Located: @unchecked Sendable {
        public let node: Node
        public let line: Int, column: Int
    }

    enum Value: Sendable {
        case number(Double), integer(Int), size(Int, Int), interval(Double, Double), colour([UInt8])
        case label(LabelValue), flag(Bool), word(String), labelMap([UInt16: LabelValue]), node(Located)
        case numbers([Double]), pairs([(Double, Double)])

        var double: Double? {
            switch self {
            case .number(let d): return d
            case .integer(let i): return Double(i)
            default: return nil
            }
        }
    }

    public let scope: Scope
    public let file: String
    /// Position of the stage entry (or the mapping) itself.
    public let line: Int, column: Int
    private let declared: Set<String>
    private var values: [String: Value] = [:]
    private var marks: [String: (Int, Int)] = [:]

    /// The name of the stage these are the parameters of (or of the section).
    public var stage: String {
        switch scope {
        case .stage(let s), .section(let s): return s
        }
    }

    /// Parses `node` (a mapping, or null for `{}`) against `decl`'s parameters.
    init(_ decl: StageDeclaration, node: Node?, file: String, line: Int, column: Int) throws {
        try self.init(decl.parameters, scope: .stage(decl.name), node: node, file: file, line: line, column: column)
    }

    /// Parses `node` (a mapping, or null when `scope` is a stage written as `{}`) against `parameters`.
    ///
    /// Throws `PipelineError` for unknown keys (with a suggestion), missing required ones, wrong
    /// types and out-of-range values.
    init(_ parameters: [Parameter], scope: Scope, node: Node?, file: String, line: Int, column: Int) throws {
        self.scope = scope; self.file = file; self.line = line; self.column = column
        declared = Set(parameters.map(\.name))
        var given: [String: Node] = [:]
        let names = parameters.map(\.name)
        if let node, case .mapping(let m) = node {
            for (k, v) in m {
                guard let key = k.string, declared.contains(key) else {
                    let key = k.string ?? "?"
                    let message: String, fix: String
                    switch scope {
                    case .stage(let s):
                        message = "stage '\(s)' has no parameter '\(key)'"
                        fix = names.isEmpty ? "it takes no parameters: write `- \(s): {}`" : Suggest.hint(key, in: names)
                    case .section(let s):
                        message = "unknown key '\(key)' in \(s)"
                        fix = Suggest.hint(key, in: names)
                    }
                    throw PipelineError(file: file, line: k.mark?.line ?? line, column: k.mark?.column ?? column, message: message, fix: fix)
                }
                given[key] = v
            }
        } else if let node, !["", "~", "null"].contains(node.scalar?.string ?? "list") || scope != .stage(stage) {
            let what = scope == .stage(stage) ? "stage '\(stage)' parameters" : "'\(stage)'"
            throw PipelineError(file: file, line: node.mark?.line ?? line, column: node.mark?.column ?? column,
                                message: "\(what) must be a mapping",
                                fix: scope == .stage(stage) ? "write `- \(stage): {key: value}` or `- \(stage): {}`" : "write `\(stage): {key: value, …}`")
        }
        for p in parameters {
            if let v = given[p.name] {
                let pos = (v.mark?.line ?? line, v.mark?.column ?? column)
                values[p.name] = try ParameterValues.parse(v, p, prefix: scope.prefix, file: file, at: pos)
                marks[p.name] = pos
            } else if p.required {
                let message: String
                switch scope {
                case .stage(let s): message = "stage '\(s)' needs parameter '\(p.name)' (\(p.kind.summary))"
                case .section: message = "missing key '\(p.name)'"
                }
                throw PipelineError(file: file, line: line, column: column, message: message, fix: "add `\(p.name): …` — \(p.doc)")
            }
        }
    }

    /// The value of `p` (its default when not given).
    public subscript<V>(_ p: Param<V>) -> V {
        precondition(declared.contains(p.name), "'\(p.name)' is read but not declared by \(stage)")
        return p.read(values[p.name])
    }

    /// Whether `p` was written in the file.
    public func has<V>(_ p: Param<V>) -> Bool { values[p.name] != nil }

    /// An error located at `p` (or at the stage when it was not written).
    public func error<V>(_ p: Param<V>, _ message: String, fix: String) -> PipelineError {
        error(p.name, message, fix: fix)
    }

    /// An error located at parameter `name` (or the stage when it was not written or is nil).
    public func error(_ name: String?, _ message: String, fix: String) -> PipelineError {
        let pos = name.flatMap { marks[$0] } ?? (line, column)
        return PipelineError(file: file, line: pos.0, column: pos.1, message: message, fix: fix)
    }

    /// The article a kind's summary takes after "use": "an integer", "a number", none before
    /// "one of …", "true or false" or a bracketed shape.
    package static func article(_ summary: String) -> String {
        if summary.hasPrefix("one of") || summary.hasPrefix("true or false") || summary.hasPrefix("[") { return "" }
        return "aeiou".contains(summary.first ?? "x") ? "an " : "a "
    }

    static func parse(_ n: Node, _ p: Parameter, prefix: String, file: String, at pos: (Int, Int)) throws -> Value {
        func bad(_ what: String) -> PipelineError {
            PipelineError(file: file, line: pos.0, column: pos.1,
                          message: "'\(prefix)\(p.name)' \(what)",
                          fix: "use \(Self.article(p.kind.summary))\(p.kind.summary) — \(p.doc)")
        }
        func double(_ n: Node) -> Double? {
            guard let s = n.scalar?.string, n.scalar?.style == .plain else { return nil }
            return Double(s)
        }
        func int(_ n: Node) -> Int? {
            guard let s = n.scalar?.string, n.scalar?.style == .plain else { return nil }
            return Int(s)
        }
        func label(_ n: Node) -> LabelValue? {
            if n.scalar?.string == "ignore" { return .ignore }
            if let i = int(n), (0...65_535).contains(i) { return .value(UInt16(i)) }
            return nil
        }
        let shown = n.scalar?.string ?? (n.sequence != nil ? "a list" : "a mapping")
        /// What `n` is instead of one value or a list of two (`value` reads one; `what` names it).
        func notOneOrTwo(_ value: (Node) -> Double?, _ what: String) -> String {
            guard let s = n.sequence else { return "'\(shown)'" }
            guard s.count == 2 else { return "a list of \(s.count)" }
            let item = s.first { value($0) == nil }
            return "a list holding '\(item?.scalar?.string ?? (item?.sequence != nil ? "a list" : "a mapping"))', which is not \(Self.article(what))\(what)"
        }
        switch p.kind {
        case .number(let r):
            guard let d = double(n) else { throw bad("must be a number, not '\(shown)'") }
            guard r.contains(d) else { throw bad("is \(fmt(d)), outside [\(fmt(r.lowerBound)), \(fmt(r.upperBound))]") }
            return .number(d)
        case .integer(let r):
            guard let i = int(n) else { throw bad("must be an integer, not '\(shown)'") }
            guard r.contains(i) else { throw bad("is \(i), outside [\(r.lowerBound), \(r.upperBound)]") }
            return .integer(i)
        case .probability:
            guard let d = double(n) else { throw bad("must be a number, not '\(shown)'") }
            guard (0...1).contains(d) else { throw bad("is \(fmt(d)), outside [0, 1]") }
            return .number(d)
        case .size:
            guard let s = n.sequence, s.count == 2, let h = int(s[0]), let w = int(s[1]) else {
                throw bad("must be a list [height, width] of two integers")
            }
            guard (1...16384).contains(h), (1...16384).contains(w) else { throw bad("is [\(h), \(w)]; each side must be 1..16384") }
            return .size(h, w)
        case .scaleWH:
            guard let s = n.sequence, s.count == 2, let w = int(s[0]), let h = int(s[1]) else {
                throw bad("must be a list [width, height] of two integers")
            }
            guard (1...65536).contains(w), (1...65536).contains(h) else { throw bad("is [\(w), \(h)]; each side must be 1..65536") }
            return .size(w, h)
        case .interval(let r):
            guard let s = n.sequence, s.count == 2, let a = double(s[0]), let b = double(s[1]) else {
                throw bad("must be a list [low, high] of two numbers")
            }
            guard a <= b, r.contains(a), r.contains(b) else {
                throw bad("is [\(fmt(a)), \(fmt(b))]; need low <= high within [\(fmt(r.lowerBound)), \(fmt(r.upperBound))]")
            }
            return .interval(a, b)
        case .range(let r, let integer):
            let what = integer ? "integer" : "number"
            func value(_ n: Node) -> Double? { integer ? int(n).map(Double.init) : double(n) }
            if let v = value(n) {
                guard r.contains(v) else { throw bad("is \(fmt(v)), outside [\(fmt(r.lowerBound)), \(fmt(r.upperBound))]") }
                return .interval(v, v)
            }
            guard let s = n.sequence, s.count == 2, let a = value(s[0]), let b = value(s[1]) else {
                throw bad("must be one \(what) or a list [low, high] of two, not \(notOneOrTwo(value, what))")
            }
            guard a <= b, r.contains(a), r.contains(b) else {
                throw bad("is [\(fmt(a)), \(fmt(b))]; need low <= high within [\(fmt(r.lowerBound)), \(fmt(r.upperBound))]")
            }
            return .interval(a, b)
        case .spread(let r):
            if let d = double(n) {
                guard d >= 0, r.contains(-d), r.contains(d) else {
                    throw bad("is \(fmt(d)); a single number d means [-d, d] and must be 0 or more with -d and d within [\(fmt(r.lowerBound)), \(fmt(r.upperBound))]")
                }
                return .interval(-d, d)
            }
            guard let s = n.sequence, s.count == 2, let a = double(s[0]), let b = double(s[1]) else {
                throw bad("must be one number or a list [low, high] of two, not \(notOneOrTwo(double, "number"))")
            }
            guard a <= b, r.contains(a), r.contains(b) else {
                throw bad("is [\(fmt(a)), \(fmt(b))]; need low <= high within [\(fmt(r.lowerBound)), \(fmt(r.upperBound))]")
            }
            return .interval(a, b)
        case .numbers(let count, let r):
            guard let s = n.sequence, s.count == count else { throw bad("must be a list of \(count) numbers") }
            var out: [Double] = []
            for v in s {
                guard let d = double(v) else { throw bad("has '\(v.scalar?.string ?? "a list")', which is not a number") }
                guard r.contains(d) else { throw bad("has \(fmt(d)), outside [\(fmt(r.lowerBound)), \(fmt(r.upperBound))]") }
                out.append(d)
            }
            return .numbers(out)
        case .pairs(let r):
            guard let s = n.sequence, !s.isEmpty else { throw bad("must be a pair [a, b] or a list of pairs") }
            let items = s.allSatisfy({ $0.sequence != nil }) ? s.map { $0 } : [n]
            var out: [(Double, Double)] = []
            for item in items {
                guard let q = item.sequence, q.count == 2, let a = double(q[0]), let b = double(q[1]) else {
                    throw bad("must be a pair [a, b] of numbers or a list of such pairs")
                }
                guard r.contains(a), r.contains(b) else {
                    throw bad("has [\(fmt(a)), \(fmt(b))], outside [\(fmt(r.lowerBound)), \(fmt(r.upperBound))]")
                }
                out.append((a, b))
            }
            return .pairs(out)
        case .colour:
            if let g = int(n) {
                guard (0...255).contains(g) else { throw bad("is \(g), outside 0..255") }
                return .colour([UInt8(g), UInt8(g), UInt8(g)])
            }
            guard let s = n.sequence, s.count == 3 else { throw bad("must be [r, g, b] or one grey level") }
            var c: [UInt8] = []
            for v in s {
                guard let i = int(v), (0...255).contains(i) else { throw bad("has a channel that is not an integer 0..255") }
                c.append(UInt8(i))
            }
            return .colour(c)
        case .labelValue:
            guard let l = label(n) else { throw bad("must be a label value 0..65535 or `ignore`, not '\(shown)'") }
            return .label(l)
        case .flag:
            guard let s = n.scalar?.string, let b = ["true": true, "false": false][s.lowercased()] else {
                throw bad("must be true or false, not '\(shown)'")
            }
            return .flag(b)
        case .choice(let words):
            guard let s = n.scalar?.string, words.contains(s) else {
                throw bad("is '\(shown)'; \(Suggest.hint(shown, in: words))")
            }
            return .word(s)
        case .labelMap:
            guard let m = n.mapping else { throw bad("must be a mapping {from: to}") }
            var out: [UInt16: LabelValue] = [:]
            for (k, v) in m {
                guard let ki = int(k), (0...65_535).contains(ki) else { throw bad("has a key '\(k.string ?? "?")' that is not a label value 0..65535") }
                guard let lv = label(v) else { throw bad("maps \(ki) to '\(v.string ?? "?")', which is not 0..65535 or `ignore`") }
                out[UInt16(ki)] = lv
            }
            return .labelMap(out)
        case .text:
            guard let s = n.scalar?.string, !s.isEmpty else { throw bad("must be a non-empty string") }
            return .word(s)
        case .section, .list, .classes, .palette, .classFractions, .sampling:
            return .node(Located(node: n, line: pos.0, column: pos.1))
        }
    }
}
