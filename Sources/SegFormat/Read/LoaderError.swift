/// Why shard folders cannot be loaded; each case carries what its one-sentence message (what is
/// wrong, what to do) needs.
public enum LoaderError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A loader option is outside what it takes: `expected` says what to give.
    case option(name: String, value: String, expected: String)
    case noFolder
    case sizesDiffer(folder: String, width: Int, height: Int, first: String, firstWidth: Int, firstHeight: Int)
    case classesDiffer(folder: String, classes: [String], ignore: Int, first: String, firstClasses: [String], firstIgnore: Int)
    case labelTypesDiffer(folder: String, type: String, first: String, firstType: String)
    case noSamples(folders: [String])
    case manifest(ManifestError)
    case shardMissing(path: String, folder: String)
    case shardSize(path: String, size: Int, folder: String, expected: Int)
    case shardChecksum(path: String, algorithm: String, folder: String)
    case shardDamaged(reason: String, folder: String)
    case tensorMissing(path: String, name: String, folder: String)
    case tensorLayout(path: String, name: String, found: String, folder: String, expected: String)
    /// A sample source handed over `bytes` of `what` (image or label) for sample `id`, not the `expected` bytes of its size.
    case sampleSize(id: String, what: String, bytes: Int, expected: Int)

    static func rerun(_ folder: String) -> String {
        "rerun `seg-prep run` with the same pipeline to rewrite it (`seg-prep verify \(folder)` lists all damage)"
    }

    public var description: String {
        switch self {
        case .option(let name, let value, let expected):
            return "\(name) is \(value); \(expected)."
        case .noFolder:
            return "No shard folder was given; pass the output folder of `seg-prep run`."
        case .sizesDiffer(let folder, let w, let h, let first, let fw, let fh):
            return "\(folder) holds \(w)x\(h) images but \(first) holds \(fw)x\(fh); load only folders made at the same output size together."
        case .classesDiffer(let folder, let classes, let ignore, let first, let fc, let fi):
            let what = classes == fc ? "ignore \(ignore)" : "classes \(ClassLists.summary(classes)) (ignore \(ignore))"
            let other = classes == fc ? "ignore \(fi)" : "\(ClassLists.summary(fc)) (ignore \(fi)); \(ClassLists.firstDifference(classes, fc))"
            return "\(folder) has \(what) but \(first) has \(other); load only folders made with the same class list and ignore_index together."
        case .labelTypesDiffer(let folder, let type, let first, let firstType):
            return "\(folder) stores \(type) labels but \(first) stores \(firstType); load only folders with the same class count together."
        case .noSamples(let folders):
            return "\(folders.joined(separator: ", ")) hold no samples; check the pipeline's split and its skipped samples in index.json."
        case .manifest(let error):
            return error.description
        case .shardMissing(let path, let folder):
            return "\(path) is missing although \(folder)/index.json lists it; \(Self.rerun(folder))."
        case .shardSize(let path, let size, let folder, let expected):
            return "\(path) has \(size) bytes but \(folder)/index.json says \(expected), so it is truncated or was replaced; \(Self.rerun(folder))."
        case .shardChecksum(let path, let algorithm, let folder):
            return "\(path) does not match the \(algorithm) in \(folder)/index.json, so its bytes are damaged; \(Self.rerun(folder))."
        case .shardDamaged(let reason, let folder):
            return "\(reason) — the shard is damaged; \(Self.rerun(folder))."
        case .tensorMissing(let path, let name, let folder):
            return "\(path) has no '\(name)' tensor; \(Self.rerun(folder))."
        case .tensorLayout(let path, let name, let found, let folder, let expected):
            return "\(path) holds '\(name)' as \(found) but \(folder)/index.json implies \(expected); \(Self.rerun(folder))."
        case .sampleSize(let id, let what, let bytes, let expected):
            return "sample \(id) came with a \(bytes)-byte \(what), not the \(expected) bytes of the source's fixed size; give the pipeline a fixed output size (a final resize or crop)."
        }
    }
}
