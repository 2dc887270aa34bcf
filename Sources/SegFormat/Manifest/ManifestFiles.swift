import Foundation

/// The rules a manifest's shard names must follow, so that a reader opens only files the manifest
/// may name: shards inside the manifest's own folder, or inside the part folders a merged manifest
/// lists. Manifests are hostile input: an edited `file` such as `../../etc/passwd` is refused
/// before anything is opened.
extension Manifest {
    /// The file name of global shard `index`: `shard-NNNNN.safetensors`.
    public static func shardName(_ index: Int) -> String { String(format: "shard-%05d.safetensors", index) }

    /// The file name of the entry written beside shard `index` while a run is going.
    public static func entryName(_ index: Int) -> String { String(format: "shard-%05d.entry.json", index) }

    /// True for the names `seg-prep run` gives shards: `shard-` followed by at least five digits and
    /// `.safetensors`.
    public static func isShardName(_ name: String) -> Bool {
        let digits = name.utf8.dropFirst(6).dropLast(12)
        return name.hasPrefix("shard-") && name.hasSuffix(".safetensors") && digits.count >= 5
            && digits.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }

    /// Throws `ManifestError` unless every shard `file` is a shard name, or `<part>/<shard name>`
    /// with `<part>` one of `parts`, and the parts themselves are plain relative or absolute folder
    /// paths (no NUL or control characters).
    func checkShardFiles(manifestPath: String) throws {
        let parts = Set(self.parts ?? [])
        for p in parts where p.isEmpty || p.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            throw ManifestError.damaged(path: manifestPath, what: "a part folder name is empty or holds control characters")
        }
        for s in shards {
            let file = s.file
            if Manifest.isShardName(file) { continue }
            if let slash = file.lastIndex(of: "/"), parts.contains(String(file[..<slash])),
               Manifest.isShardName(String(file[file.index(after: slash)...])) { continue }
            throw ManifestError.damaged(path: manifestPath, what: "shard \(s.index) is named \(Manifest.quoted(file)), which is not a shard file of this folder\(parts.isEmpty ? "" : " or of its parts")")
        }
    }

    /// Path of shard `s`'s file for a manifest loaded from `dir`.
    ///
    /// Throws `ManifestError` when something other than a regular file (a directory, a symbolic
    /// link, a device) is at that path; a missing file is returned as a path, for the caller to
    /// report as missing.
    public func path(of s: Shard, in dir: String) throws -> String {
        let path = (dir as NSString).appendingPathComponent(s.file)
        var st = stat()
        if lstat(path, &st) == 0 && (st.st_mode & S_IFMT) != S_IFREG {
            let what = (st.st_mode & S_IFMT) == S_IFLNK ? "a symbolic link" : (st.st_mode & S_IFMT) == S_IFDIR ? "a directory" : "not a regular file"
            throw ManifestError.notAShardFile(path: path, kind: what)
        }
        return path
    }

    /// A name from a file, safe to print: control characters escaped, at most 120 characters.
    static func quoted(_ text: String) -> String {
        var out = ""
        for u in text.unicodeScalars.prefix(120) {
            out += u.value < 0x20 || u.value == 0x7F ? String(format: "\\x%02X", u.value) : String(u)
        }
        return "'\(out)\(text.unicodeScalars.count > 120 ? "…" : "")'"
    }

    /// A decoding error as the key path and kind of the problem, without quoting the file's bytes.
    public static func describe(_ error: Error) -> String {
        func at(_ c: DecodingError.Context) -> String {
            let key = c.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
            return key.isEmpty ? "" : " at \(key)"
        }
        switch error {
        case DecodingError.keyNotFound(let key, let c): return "missing key \(key.stringValue)\(at(c))"
        case DecodingError.typeMismatch(_, let c): return "wrong type\(at(c))"
        case DecodingError.valueNotFound(_, let c): return "missing value\(at(c))"
        case DecodingError.dataCorrupted(let c): return c.codingPath.isEmpty ? "not valid JSON" : "bad value\(at(c))"
        default: return "unreadable"
        }
    }
}
