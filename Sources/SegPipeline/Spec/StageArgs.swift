import Yams

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

/// A stage's parameters, checked against its declaration, with their positions for later errors.
public struct StageArgs: Sendable {
    enum Value: Sendable {
        case number(Double), integer(Int), size(Int, Int), interval(Double, Double), colour([UInt8])
        case label(LabelValue), flag(Bool), word(String), labelMap([UInt8: LabelValue])
    }

    public let stage: String
    public let file: String
    /// Position of the stage entry itself.
    public let line: Int, column: Int
    private var values: [String: Value] = [:]
    private var marks: [String: (Int, Int)] = [:]

    /// Parses `node` (a mapping, or null for `{}`) against `decl`.
    ///
    /// Throws `PipelineError` for unknown keys (with a suggestion), wrong types and out-of-range values.
    init(_ decl: StageDeclaration, node: Node?, file: String, line: Int, column: Int) throws {
        self.stage = decl.name; self.file = file; self.line = line; self.column = column
        var given: [String: Node] = [:]
        if let node, case .mapping(let m) = node {
            for (k, v) in m {
                guard let key = k.string else { continue }
                guard decl.parameters.contains(where: { $0.name == key }) else {
                    let names = decl.parameters.map(\.name)
                    throw PipelineError(file: file, line: k.mark?.line ?? line, column: k.mark?.column ?? column,
                                        message: "stage '\(decl.name)' has no parameter '\(key)'",
                                        fix: names.isEmpty ? "it takes no parameters: write `- \(decl.name): {}`"
                                                           : Suggest.hint(key, in: names))
                }
                given[key] = v
            }
        } else if let node, !["", "~", "null"].contains(node.scalar?.string ?? "list") {
            throw PipelineError(file: file, line: node.mark?.line ?? line, column: node.mark?.column ?? column,
                                message: "stage '\(decl.name)' parameters must be a mapping",
                                fix: "write `- \(decl.name): {key: value}` or `- \(decl.name): {}`")
        }
        for p in decl.parameters {
            if let v = given[p.name] {
                let pos = (v.mark?.line ?? line, v.mark?.column ?? column)
                values[p.name] = try StageArgs.parse(v, p, stage: decl.name, file: file, at: pos)
                marks[p.name] = pos
            } else if let d = p.defaultValue, let dn = try? Yams.compose(yaml: d) {
                values[p.name] = try StageArgs.parse(dn, p, stage: decl.name, file: file, at: (line, column))
            } else if p.required {
                throw PipelineError(file: file, line: line, column: column,
                                    message: "stage '\(decl.name)' needs parameter '\(p.name)' (\(p.kind.summary))",
                                    fix: "add `\(p.name): …` — \(p.doc)")
            }
        }
    }

    /// An error located at parameter `name` (or the stage when it was not written).
    public func error(_ name: String?, _ message: String, fix: String) -> PipelineError {
        let pos = name.flatMap { marks[$0] } ?? (line, column)
        return PipelineError(file: file, line: pos.0, column: pos.1, message: message, fix: fix)
    }

    public func has(_ name: String) -> Bool { values[name] != nil }

    public func number(_ name: String) -> Double {
        switch values[name] {
        case .number(let d): return d
        case .integer(let i): return Double(i)
        default: return 0
        }
    }
    public func integer(_ name: String) -> Int { if case .integer(let i) = values[name] { return i }; return 0 }
    public func size(_ name: String) -> (height: Int, width: Int)? { if case .size(let h, let w) = values[name] { return (h, w) }; return nil }
    public func interval(_ name: String) -> (Double, Double) { if case .interval(let a, let b) = values[name] { return (a, b) }; return (0, 0) }
    public func colour(_ name: String) -> [UInt8] { if case .colour(let c) = values[name] { return c }; return [0, 0, 0] }
    public func label(_ name: String) -> LabelValue? { if case .label(let l) = values[name] { return l }; return nil }
    public func flag(_ name: String) -> Bool { if case .flag(let b) = values[name] { return b }; return false }
    public func word(_ name: String) -> String? { if case .word(let w) = values[name] { return w }; return nil }
    public func labelMap(_ name: String) -> [UInt8: LabelValue] { if case .labelMap(let m) = values[name] { return m }; return [:] }

    static func parse(_ n: Node, _ p: Parameter, stage: String, file: String, at pos: (Int, Int)) throws -> Value {
        func bad(_ what: String) -> PipelineError {
            PipelineError(file: file, line: pos.0, column: pos.1,
                          message: "'\(stage).\(p.name)' \(what)",
                          fix: "use a \(p.kind.summary) — \(p.doc)")
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
            if let i = int(n), (0...255).contains(i) { return .value(UInt8(i)) }
            return nil
        }
        let shown = n.scalar?.string ?? (n.sequence != nil ? "a list" : "a mapping")
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
        case .interval(let r):
            guard let s = n.sequence, s.count == 2, let a = double(s[0]), let b = double(s[1]) else {
                throw bad("must be a list [low, high] of two numbers")
            }
            guard a <= b, r.contains(a), r.contains(b) else {
                throw bad("is [\(fmt(a)), \(fmt(b))]; need low <= high within [\(fmt(r.lowerBound)), \(fmt(r.upperBound))]")
            }
            return .interval(a, b)
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
            guard let l = label(n) else { throw bad("must be a label value 0..255 or `ignore`, not '\(shown)'") }
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
            var out: [UInt8: LabelValue] = [:]
            for (k, v) in m {
                guard let ki = int(k), (0...255).contains(ki) else { throw bad("has a key '\(k.string ?? "?")' that is not a label value 0..255") }
                guard let lv = label(v) else { throw bad("maps \(ki) to '\(v.string ?? "?")', which is not 0..255 or `ignore`") }
                out[UInt8(ki)] = lv
            }
            return .labelMap(out)
        }
    }
}
