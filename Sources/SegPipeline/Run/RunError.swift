import SegFormat

/// The output folder holds something this run must not mix with, or cannot be written; each case
/// carries what its one-sentence message (what is wrong, what to do) needs.
public enum RunError: Error, CustomStringConvertible, Sendable, Equatable {
    case unsafeOutput(dir: String, why: String)
    case outputInsideInput(dir: String, input: String)
    case locked(FolderLockError)
    case differentRun(dir: String)
    case shardOfDifferentRun(dir: String, name: String)
    /// An unfinished run's shard was made with other options (`changes`: "--input-root A (now B)").
    case unfinishedRunDiffers(dir: String, name: String, changes: [String])
    case foreign(path: String, what: String)
    case cannotWrite(path: String, reason: String)
    case cannotWriteManifest(dir: String, reason: String)
    case cannotCreate(dir: String, reason: String)
    case notWritable(dir: String)
    /// A default-mode rerun over a folder finished with `--on-error skip` (`lines`: the left-out samples).
    case finishedBySkipping(dir: String, lines: [String], count: Int)
    case rebuiltShardDiffers(path: String)
    case nothingKept(reasons: [String], skipped: Int)
    case statisticsOverflow
    /// `input.sampling: {rare_class: …}` found no source holding any class with `min_pixels` pixels.
    case noRareClassSource(minPixels: Int)

    public var description: String {
        switch self {
        case .unsafeOutput(let dir, let why):
            return "output folder \(dir) \(why); choose a folder of its own with --output"
        case .outputInsideInput(let dir, let input):
            return "output folder \(dir) is inside the input folder \(input); choose an --output outside the dataset"
        case .locked(let error):
            return error.description
        case .differentRun(let dir):
            return "output folder \(dir) already holds the output of a different pipeline, seed or input; choose another --output, or pass --force to replace it"
        case .shardOfDifferentRun(let dir, let name):
            return "output folder \(dir) holds \(name) from a different pipeline, seed or input; choose another --output, or pass --force to replace it"
        case .unfinishedRunDiffers(let dir, let name, let changes):
            return "output folder \(dir) holds \(name) of an unfinished run made with \(changes.joined(separator: ", ")); finish it with the options it was started with, choose another --output, or pass --force to replace it"
        case .foreign(let path, let what):
            return "\(path) is \(what), not a file this run wrote; seg-prep never deletes or overwrites what it did not write, so move it away or choose another --output"
        case .cannotWrite(let path, let reason):
            return "cannot write \(path): \(reason); check that the folder is writable and has free space"
        case .cannotWriteManifest(let dir, let reason):
            return "cannot write \(dir)/\(Manifest.fileName): \(reason)"
        case .cannotCreate(let dir, let reason):
            return "cannot create output folder \(dir) (\(reason)); choose a writable --output"
        case .notWritable(let dir):
            return "output folder \(dir) is not writable; choose a writable --output or fix its permissions"
        case .finishedBySkipping(let dir, let lines, let count):
            return "\(lines.joined(separator: "\n"))\n\(dir) was finished with --on-error skip, which left out the \(count) sample(s) above; this run fails on bad samples, so fix them and rerun with --force, or rerun with --on-error skip to keep the folder"
        case .rebuiltShardDiffers(let path):
            return "\(path) was damaged and has been rebuilt, but the new shard differs from the one index.json records, so the input files changed since this folder was written; rerun with --force to rebuild the whole folder"
        case .nothingKept(let reasons, let skipped):
            return "\(reasons.isEmpty ? "" : reasons.joined(separator: "\n") + "\n")no sample was kept (\(skipped) skipped), so no index.json was written; fix the inputs above and rerun"
        case .statisticsOverflow:
            return "the run's pixel statistics add up past the integer range, so no index.json was written; split the run into partitions (--partition K/N)"
        case .noRareClassSource(let minPixels):
            return "rare-class sampling found no source label holding any class with at least \(minPixels) pixels, so no class can be drawn; lower `input.sampling.rare_class.min_pixels` or check the labels"
        }
    }
}
