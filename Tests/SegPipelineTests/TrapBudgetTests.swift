import Foundation
import Testing

/// The places in `Sources/` that can stop the process instead of throwing — `try!`, `as!`, force
/// unwraps, `precondition`/`fatalError`, and narrowing integer conversions without `exactly:`,
/// `clamping:` or `truncatingIfNeeded:` — may not grow: `scripts/trap-budget.txt` holds each
/// file's count, and a new one fails this test until it is made a thrown error (or, for an
/// invariant no input reaches, the budget is raised in the same change, which a review then sees).
/// `SEGPREP_WRITE_TRAP_BUDGET=1 swift test --filter TrapBudget` rewrites the file.
@Suite struct TrapBudgetTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let budgetPath = root.appendingPathComponent("scripts/trap-budget.txt")

    /// The kinds counted, each a regular expression over a line with its comments and strings removed.
    static let kinds: [(name: String, pattern: String)] = [
        ("try!", #"try!"#),
        ("as!", #"\bas!"#),
        ("force unwrap", #"[\w\)\]]![\.\)\],\s\[]"#),
        ("precondition", #"\b(precondition|preconditionFailure|fatalError)\("#),
        ("narrowing conversion", #"\b(U?Int(8|16|32)|Int32)\((?!exactly:|clamping:|truncatingIfNeeded:|bitPattern:)"#),
    ]

    /// A line without its `//` comment and its string literals' contents.
    static func code(_ line: Substring) -> String {
        var out = "", inString = false, previous: Character = " "
        for c in line {
            if !inString && c == "/" && previous == "/" { out.removeLast(); break }
            if c == "\"" && previous != "\\" { inString.toggle(); out.append(c) } else if !inString { out.append(c) }
            previous = c
        }
        return out
    }

    static func counts() throws -> [String: Int] {
        var result: [String: Int] = [:]
        let regexes = try kinds.map { try NSRegularExpression(pattern: $0.pattern) }
        let sources = root.appendingPathComponent("Sources")
        guard let walker = FileManager.default.enumerator(atPath: sources.path) else { return [:] }
        while let rel = walker.nextObject() as? String {
            guard rel.hasSuffix(".swift") else { continue }
            let text = try String(contentsOf: sources.appendingPathComponent(rel), encoding: .utf8)
            var n = 0
            for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
                let c = code(line)
                if c.trimmingCharacters(in: .whitespaces).hasPrefix("///") { continue }
                let range = NSRange(c.startIndex..., in: c)
                for r in regexes { n += r.numberOfMatches(in: c, range: range) }
            }
            if n > 0 { result["Sources/" + rel] = n }
        }
        return result
    }

    @Test func noFileHasMoreTrapsThanItsBudget() throws {
        let now = try Self.counts()
        if ProcessInfo.processInfo.environment["SEGPREP_WRITE_TRAP_BUDGET"] == "1" {
            let text = "# Places per Sources file that can trap (see Tests/SegPipelineTests/TrapBudgetTests.swift); lower is better.\n"
                + now.keys.sorted().map { "\(now[$0]!) \($0)" }.joined(separator: "\n") + "\n"
            try text.write(to: Self.budgetPath, atomically: true, encoding: .utf8)
            return
        }
        var budget: [String: Int] = [:]
        for line in try String(contentsOf: Self.budgetPath, encoding: .utf8).split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ", maxSplits: 1)
            if parts.count == 2, let n = Int(parts[0]) { budget[String(parts[1])] = n }
        }
        for (file, n) in now.sorted(by: { $0.key < $1.key }) {
            #expect(n <= budget[file, default: 0],
                    "\(file) has \(n) places that can trap (try!, as!, force unwraps, preconditions, narrowing conversions); its budget is \(budget[file, default: 0]). Throw an error for anything a file, flag or environment variable can reach.")
        }
    }
}

/// Command help is written in paragraphs that the argument parser wraps to the terminal: a line
/// break inside a paragraph of a `discussion` would show as a ragged line. Indented lines
/// (examples) keep their breaks.
@Suite struct HelpParagraphTests {
    @Test func discussionsAreParagraphs() throws {
        let folder = TrapBudgetTests.root.appendingPathComponent("Sources/SegPrepCLI")
        let regex = try NSRegularExpression(pattern: #"discussion: """\n(.*?)\n\s*""""#, options: [.dotMatchesLineSeparators])
        var blocks = 0
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) where name.hasSuffix(".swift") {
            let text = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
            for m in regex.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                guard let r = Range(m.range(at: 1), in: text) else { continue }
                blocks += 1
                let lines = text[r].split(separator: "\n", omittingEmptySubsequences: false)
                let base = lines.filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }.map { $0.prefix { $0 == " " }.count }.min() ?? 0
                for (a, b) in zip(lines, lines.dropFirst()) {
                    let aText = a.dropFirst(base), bText = b.dropFirst(base)
                    let prose = { (l: Substring) in !l.isEmpty && !l.hasPrefix(" ") }
                    #expect(!(prose(aText) && prose(bText) && !aText.hasSuffix(":")),
                            "\(name): a paragraph of help is broken across lines at \"\(b.trimmingCharacters(in: .whitespaces).prefix(40))\"; write it on one line and let the parser wrap it")
                }
            }
        }
        #expect(blocks >= 10)
    }
}
