/// What is wrong with a shard folder's manifest, or with a merge of partition folders; each case
/// carries what its one-sentence message (what is wrong, what to do) needs.
public enum ManifestError: Error, CustomStringConvertible, Sendable, Equatable {
    // Reading `index.json`.
    case missing(dir: String)
    case tooLarge(path: String, bytes: Int64, limit: Int64)
    case unreadable(path: String, reason: String)
    case notAManifest(path: String, reason: String)
    case unknownVersion(path: String, found: Int)
    /// The gate found `what` (a count, layout or list that disagrees with the rest).
    case damaged(path: String, what: String)
    /// A manifest made from shard entries or merged parts that would not pass validation.
    case invalidToWrite(path: String, what: String)
    /// Something other than a regular file sits at a listed shard's path.
    case notAShardFile(path: String, kind: String)
    case sampleOutOfRange(index: Int, dir: String, count: Int)

    // Merging partition folders.
    case nothingToMerge
    case unsafeOutput(dir: String, why: String)
    case outputOverlapsPart(output: String, relation: String, part: String)
    case notAPartition(dir: String)
    case alreadyMerged(dir: String)
    case differentRun(part: String, first: String)
    /// Parts of one run whose manifests differ in fields a merge takes from the first.
    case partsDisagree(part: String, first: String, fields: [String])
    case differentPartitionCount(part: String, k: Int, n: Int, first: String, firstK: Int, firstN: Int)
    case partGivenTwice(k: Int, n: Int, first: String, second: String)
    case partsMissing(first: [String], count: Int)
    case incompleteShards(found: [Int], expected: Int)
    case differentClassCount(part: String, classes: Int, first: String, firstClasses: Int)
    case pixelCountsOverflow
    case foreignFile(path: String, what: String)
    case anotherRun(dir: String)
    case cannotCreate(dir: String, reason: String)
    case locked(reason: String)
    case copyFailed(source: String, destination: String, reason: String)

    static let rebuild = "rebuild it with `seg-prep run` (or `seg-prep merge` for a merged folder)"

    public var description: String {
        switch self {
        case .missing(let dir):
            return "\(dir) has no \(Manifest.fileName): it is not a finished seg-prep output (run `seg-prep run` to completion first)"
        case .tooLarge(let path, let bytes, let limit):
            return "\(path) is \(bytes) bytes, more than a manifest can be (\(limit >> 20) MiB); it is not a seg-prep index.json, so rebuild the folder with `seg-prep run`"
        case .unreadable(let path, let reason):
            return "\(path) cannot be read: \(reason)"
        case .notAManifest(let path, let reason):
            return "\(path) is not a valid seg-prep manifest (\(reason)); rerun `seg-prep run` with --force to rebuild it"
        case .unknownVersion(let path, let found):
            return "\(path) has format_version \(found); this seg-prep reads version 1"
        case .damaged(let path, let what):
            return "\(path) is damaged or was edited: \(what); \(Self.rebuild)"
        case .invalidToWrite(let path, let what):
            return "\(path) was not written, as the manifest made from the shards' entries or the merged parts would be invalid (\(what)); they were edited or damaged: make the shards again with `seg-prep run --force` (for a merge, rerun the parts)"
        case .notAShardFile(let path, let kind):
            return "\(path) is \(kind), not a shard file; seg-prep reads only the regular files it wrote, so replace it with the shard (rerun `seg-prep run`)"
        case .sampleOutOfRange(let index, let dir, let count):
            return "sample \(index) is out of range; \(dir) holds \(count) samples (use --index 0..\(max(count - 1, 0)))"
        case .nothingToMerge:
            return "give at least one part folder to merge"
        case .unsafeOutput(let dir, let why):
            return "output folder \(dir) \(why); choose a folder of its own with --output"
        case .outputOverlapsPart(let output, let relation, let part):
            return "output folder \(output) \(relation) the part \(part); merge into a folder outside every part"
        case .notAPartition(let dir):
            return "\(dir) is not a partition (it was not run with --partition K/N); merge only the parts of one partitioned run"
        case .alreadyMerged(let dir):
            return "\(dir) is itself a merged folder; merge the partition folders it lists instead"
        case .differentRun(let part, let first):
            return "\(part) comes from a different pipeline, seed or input than \(first); merge only the parts of one run"
        case .partsDisagree(let part, let first, let fields):
            return "\(part) and \(first) are parts of one run but their manifests differ in \(fields.map { "`\($0)`" }.joined(separator: ", ")); one was changed after the run: run that partition again"
        case .differentPartitionCount(let part, let k, let n, let first, let fk, let fn):
            return "\(part) is partition \(k)/\(n) but \(first) is \(fk)/\(fn); all parts must use the same N"
        case .partGivenTwice(let k, let n, let first, let second):
            return "partition \(k)/\(n) is given twice (\(first) and \(second)); pass each part once"
        case .partsMissing(let names, let count):
            let more = count > names.count ? " and \(count - names.count) more" : ""
            return "partitions \(names.joined(separator: ", "))\(more) are missing; run them and pass every part"
        case .incompleteShards(let found, let expected):
            return "the parts hold shards \(found) but the run has \(expected); rerun the incomplete parts"
        case .differentClassCount(let part, let classes, let first, let firstClasses):
            return "\(part) counts \(classes) classes but \(first) \(firstClasses); merge only the parts of one run"
        case .pixelCountsOverflow:
            return "the parts' class_pixels add up past the integer range; their manifests were edited, so rebuild them with `seg-prep run`"
        case .foreignFile(let path, let what):
            return "\(path) is \(what), not a file seg-prep wrote; seg-prep never deletes or overwrites what it did not write, so move it away or choose another --output"
        case .anotherRun(let dir):
            return "output folder \(dir) already holds the output of another run; merge into an empty folder or one holding an earlier merge of this run"
        case .cannotCreate(let dir, let reason):
            return "cannot create output folder \(dir) (\(reason)); choose a writable --output"
        case .locked(let reason):
            return reason
        case .copyFailed(let source, let destination, let reason):
            return "cannot copy \(source) to \(destination) (\(reason)); check free space and permissions"
        }
    }
}

extension ManifestError {
    /// A manifest refused by its own writer (`Manifest.write`), whose message names the file already.
    public var isInvalidToWrite: Bool {
        if case .invalidToWrite = self { return true }
        return false
    }
}
