import Foundation

/// What is at a name inside an output folder, judged by the name's kind and the file's content, so
/// that seg-prep removes or replaces only regular files it wrote itself.
///
/// Nothing here follows a symbolic link or descends into a directory: an entry that is not a
/// regular file is never ours.
public enum OwnedFile: Equatable, Sendable {
    /// Nothing is there.
    case absent
    /// A regular file seg-prep wrote (for shards: `format` metadata `seg-prep/1`, with the file's run key).
    case ours(runKey: String?)
    /// Something else: a directory, a link, another program's file. The text says what, as a noun phrase.
    case foreign(String)

    /// A shard file (`shard-NNNNN.safetensors`) or a shard's temporary, recognised by its header
    /// alone (a temporary may hold only part of its data). An empty temporary counts as ours:
    /// removing it loses nothing.
    public static func shard(at path: String, temporary: Bool = false) -> OwnedFile {
        switch regularFile(path) {
        case .absent: return .absent
        case .foreign(let what): return .foreign(what)
        case .ours:
            guard let meta = headerMetadata(path) else {
                if temporary, regularFileSize(path) == 0 { return .ours(runKey: nil) }
                return .foreign("a file that is not a seg-prep shard")
            }
            guard meta["format"] == shardFormat else { return .foreign("a safetensors file that seg-prep did not write") }
            return .ours(runKey: meta[runKeyField])
        }
    }

    /// A JSON file seg-prep writes (`index.json`, a shard's `.entry.json`): ours when it decodes as `T`.
    public static func json<T: Decodable>(at path: String, as type: T.Type, decoder: JSONDecoder = JSONDecoder()) -> OwnedFile {
        switch regularFile(path) {
        case .ours:
            guard let data = FileManager.default.contents(atPath: path), (try? decoder.decode(T.self, from: data)) != nil else {
                return .foreign("a file that is not a seg-prep \(T.self == Manifest.self ? "manifest" : "shard entry")")
            }
            return .ours(runKey: nil)
        case let other: return other
        }
    }

    /// The manifest `index.json` of a folder.
    public static func manifest(in dir: String) -> OwnedFile {
        json(at: (dir as NSString).appendingPathComponent(Manifest.fileName), as: Manifest.self, decoder: Manifest.decoder)
    }

    /// `.ours` for any regular file (content not judged), `.foreign` for other kinds of entry.
    public static func regularFile(_ path: String) -> OwnedFile {
        var st = stat()
        guard lstat(path, &st) == 0 else { return errno == ENOENT ? .absent : .foreign("an entry that cannot be examined (\(SystemErrno.message))") }
        switch st.st_mode & S_IFMT {
        case S_IFREG: return .ours(runKey: nil)
        case S_IFDIR: return .foreign("a directory")
        case S_IFLNK: return .foreign("a symbolic link")
        default: return .foreign("a special file")
        }
    }

    /// The metadata map of a safetensors header, reading only the header (at most 1 MiB); nil when
    /// the file does not start with a well-formed one.
    public static func headerMetadata(_ path: String) -> [String: String]? {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var prefix = [UInt8](repeating: 0, count: 8)
        guard pread(fd, &prefix, 8, 0) == 8 else { return nil }
        let n = prefix.enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard n >= 2, n <= 1 << 20 else { return nil }
        var header = [UInt8](repeating: 0, count: Int(n))
        guard pread(fd, &header, Int(n), 8) == Int(n),
              let object = try? JSONSerialization.jsonObject(with: Data(header)) as? [String: Any] else { return nil }
        return object["__metadata__"] as? [String: String] ?? [:]
    }

    /// The size of the entry at `path` (not following a link), or nil when there is none.
    public static func regularFileSize(_ path: String) -> Int? {
        var st = stat()
        return lstat(path, &st) == 0 ? Int(st.st_size) : nil
    }

    /// The `format` metadata of every shard seg-prep writes.
    public static let shardFormat = "seg-prep/1"
    /// The metadata key holding a shard's run key.
    public static let runKeyField = "seg_prep_run_key"

    /// Removes the regular file at `path` (never a directory, never through a link); throws
    /// `OwnedFileError` with the OS reason when it cannot.
    public static func remove(_ path: String) throws {
        if unlink(path) != 0 && errno != ENOENT {
            throw OwnedFileError.cannotRemove(path: path, reason: SystemErrno.message)
        }
    }
}

/// A file seg-prep owns could not be removed.
public enum OwnedFileError: Error, CustomStringConvertible, Sendable, Equatable {
    case cannotRemove(path: String, reason: String)

    public var description: String {
        switch self {
        case .cannotRemove(let path, let reason): return "cannot remove \(path) (\(reason)); check the folder's permissions"
        }
    }
}
