import Yams

/// Typed, located access to the top-level keys of a pipeline file.
struct SpecReader {
    let file: String

    func error(_ node: Node, _ message: String, fix: String) -> PipelineError {
        PipelineError(file: file, line: node.mark?.line ?? 0, column: node.mark?.column ?? 0, message: message, fix: fix)
    }

    func value(_ m: Node.Mapping, _ key: String) -> Node? {
        for (k, v) in m where k.string == key { return v }
        return nil
    }

    func required(_ m: Node.Mapping, _ key: String, fix: String) throws -> Node {
        guard let v = value(m, key) else {
            let mark = m.mark
            throw PipelineError(file: file, line: mark?.line ?? 0, column: mark?.column ?? 0, message: "missing key '\(key)'", fix: fix)
        }
        return v
    }

    func checkKeys(_ m: Node.Mapping, allowed: [String], in what: String) throws {
        for (k, _) in m {
            guard let s = k.string, allowed.contains(s) else {
                throw error(k, "unknown key '\(k.string ?? "?")' in \(what)", fix: Suggest.hint(k.string ?? "", in: allowed))
            }
        }
    }

    func int(_ m: Node.Mapping, _ key: String, default d: Int, range: ClosedRange<Int>) throws -> Int {
        guard let v = value(m, key) else { return d }
        guard let s = v.scalar?.string, v.scalar?.style == .plain, let i = Int(s) else {
            throw error(v, "'\(key)' must be an integer, not '\(v.string ?? "a collection")'", fix: "write `\(key): \(d)`")
        }
        guard range.contains(i) else {
            throw error(v, "'\(key)' is \(i), outside [\(range.lowerBound), \(range.upperBound)]", fix: "choose a value in that range")
        }
        return i
    }

    func string(_ m: Node.Mapping, _ key: String, default d: String) throws -> String {
        guard let v = value(m, key) else { return d }
        guard let s = v.string, !s.isEmpty else { throw error(v, "'\(key)' must be a string", fix: "write `\(key): \(d)`") }
        return s
    }

    func word(_ m: Node.Mapping, _ key: String, default d: String, choices: [String]) throws -> String {
        let s = try string(m, key, default: d)
        guard choices.contains(s) else {
            throw error(value(m, key)!, "'\(key)' is '\(s)'", fix: Suggest.hint(s, in: choices))
        }
        return s
    }
}
