import SegImage
import Foundation

/// A split file: one sample id per line, read as hostile input.
///
/// Lines may end in `\n`, `\r\n` or `\r`; a UTF-8 byte-order mark, blank lines and spaces around an
/// id are ignored. An id must name a file inside the dataset: not absolute, no `..` component, no
/// NUL or control characters. Problems throw `InputError` with `file:line`.
public enum SplitFile {
    /// One id and the 1-based line it is on.
    public struct Entry: Equatable, Sendable {
        public var id: String
        public var line: Int
    }

    /// Reads the split file at `path`.
    public static func read(_ path: String) throws -> [Entry] {
        switch SourceFile.read(path) {
        case .success(let data): return try parse(data, path: path)
        case .failure(.missing):
            throw InputError.splitMissing(path: path)
        case .failure(let problem):
            throw InputError.splitUnreadable(path: path, problem: problem.description, fix: problem.fix)
        }
    }

    /// Parses split-file bytes; `path` names the file in messages.
    public static func parse(_ data: Data, path: String) throws -> [Entry] {
        var bytes = data[...]
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw InputError.splitNotUTF8(path: path)
        }
        var out: [Entry] = []
        var seen: [String: Int] = [:]
        // "\r\n" is one Character in Swift, so this splits on all three line endings.
        for (n, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r" || $0 == "\r\n" }).enumerated() {
            let line = n + 1
            let id = raw.trimmingCharacters(in: .whitespaces)
            if id.isEmpty { continue }
            if let why = problem(id) {
                throw InputError.badId(path: path, line: line, id: quoted(id), why: why)
            }
            if let first = seen[id] {
                throw InputError.duplicateId(path: path, line: line, id: id, first: first)
            }
            seen[id] = line
            out.append(Entry(id: id, line: line))
        }
        guard !out.isEmpty else {
            throw InputError.splitEmpty(path: path)
        }
        return out
    }

    /// Why `id` cannot name a file inside the dataset, or nil.
    static func problem(_ id: String) -> String? {
        if id.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) { return "holds NUL or control characters" }
        if id.hasPrefix("/") { return "is an absolute path" }
        if id.split(separator: "/", omittingEmptySubsequences: false).contains(where: { $0 == ".." }) {
            return "has a '..' component, which leaves the dataset folder"
        }
        return nil
    }

    /// An id safe to print: control characters escaped, at most 80 characters.
    static func quoted(_ id: String) -> String {
        var out = ""
        for u in id.unicodeScalars.prefix(80) {
            out += u.value < 0x20 || u.value == 0x7F ? String(format: "\\x%02X", u.value) : String(u)
        }
        return "'\(out)'"
    }
}
