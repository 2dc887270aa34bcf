/// A mistake in a pipeline file, located at `file:line:column`, with what to do about it.
public struct PipelineError: Error, CustomStringConvertible, Sendable, Equatable {
    public var file: String
    /// 1-based position of the offending node (0 when the problem is the file as a whole).
    public var line: Int
    public var column: Int
    public var message: String
    /// One sentence saying how to fix it.
    public var fix: String

    public init(file: String, line: Int, column: Int, message: String, fix: String) {
        self.file = file; self.line = line; self.column = column; self.message = message; self.fix = fix
    }

    public var description: String {
        let pos = line > 0 ? "\(file):\(line):\(column)" : file
        return "\(pos): \(message); \(fix)"
    }
}

/// Suggests the closest known name to a misspelt one (edit distance at most 3).
enum Suggest {
    static func closest(_ word: String, in candidates: [String]) -> String? {
        let scored = candidates.map { ($0, distance(Array(word), Array($0))) }.min { $0.1 < $1.1 }
        guard let best = scored, best.1 <= max(2, min(3, word.count / 2)) else { return nil }
        return best.0
    }

    static func distance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var prev = Array(0...b.count)
        var cur = prev
        for i in 1...a.count {
            cur[0] = i
            for j in 1...b.count {
                cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&prev, &cur)
        }
        return prev[b.count]
    }

    /// "; did you mean 'x'?" or a list of valid names.
    static func hint(_ word: String, in candidates: [String]) -> String {
        if let c = closest(word, in: candidates) { return "did you mean '\(c)'?" }
        return "valid names are: \(candidates.joined(separator: ", "))"
    }
}
