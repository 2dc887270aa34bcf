/// Why an export cannot write where it was asked to; each message says what to do.
public enum ExportError: Error, CustomStringConvertible, Sendable, Equatable {
    case outputIsAFile(path: String)
    case foreignFile(output: String, name: String)
    case cannotCreate(path: String, reason: String)
    case cannotRename(from: String, to: String, reason: String)
    case cannotRemove(path: String, reason: String)
    case overlapsSource(output: String, source: String)

    public var description: String {
        switch self {
        case .outputIsAFile(let path):
            return "\(path) is a file; give --output a new or empty folder"
        case .foreignFile(let output, let name):
            return "\(output) holds \(name), which export did not write; give --output a new or empty folder (seg-prep never deletes files it did not write)"
        case .cannotCreate(let path, let reason):
            return "cannot create \(path): \(reason)"
        case .cannotRename(let from, let to, let reason):
            return "cannot rename \(from) to \(to): \(reason)"
        case .cannotRemove(let path, let reason):
            return "cannot remove \(path), a tar of an earlier export: \(reason)"
        case .overlapsSource(let output, let source):
            return "--output \(output) overlaps the shard folder \(source) it exports; give --output a folder outside it"
        }
    }
}
