import Foundation

/// Joins the manifests of the partitions of one run (`--partition K/N`) into a single manifest.
///
/// Without copying, shard `file` entries become paths relative to the merged manifest's folder; with
/// `copy`, shards are copied into it. Parts must come from the same pipeline, seed and input, and
/// every partition 0..<N must be present exactly once.
public enum ManifestMerger {
    /// Merges the shard folders `parts` into `output` and writes `output/index.json`.
    ///
    /// Throws `ManifestError` naming the offending part (different run, missing or duplicate
    /// partition, not a partition), an output that is, contains or lies inside a part, something at
    /// the output's names that seg-prep did not write, or the file that could not be copied. The
    /// output folder is locked for the merge; parts are only read.
    @discardableResult
    public static func merge(parts: [String], into output: String, copy: Bool = false) throws -> Manifest {
        guard !parts.isEmpty else { throw ManifestError("give at least one part folder to merge") }
        let fm = FileManager.default
        let out = URL(fileURLWithPath: output).standardizedFileURL
        if let why = RealPath.unsafeOutput(out.path) {
            throw ManifestError("output folder \(out.path) \(why); choose a folder of its own with --output")
        }
        let realOut = RealPath.resolve(out.path)
        var loaded: [(dir: URL, m: Manifest, k: Int, n: Int)] = []
        for p in parts {
            let dir = URL(fileURLWithPath: p).standardizedFileURL
            let m = try Manifest.load(from: dir.path)
            guard let text = m.partition, let slash = text.firstIndex(of: "/"),
                  let k = Int(text[..<slash]), let n = Int(text[text.index(after: slash)...]) else {
                throw ManifestError("\(dir.path) is not a partition (it was not run with --partition K/N); merge only the parts of one partitioned run")
            }
            guard m.parts == nil else {
                throw ManifestError("\(dir.path) is itself a merged folder; merge the partition folders it lists instead")
            }
            let realPart = RealPath.resolve(dir.path)
            if RealPath.isSameOrInside(realOut, realPart) || RealPath.isSameOrInside(realPart, realOut) {
                throw ManifestError("output folder \(out.path) \(realOut == realPart ? "is" : RealPath.isSameOrInside(realOut, realPart) ? "lies inside" : "contains") the part \(dir.path); merge into a folder outside every part")
            }
            // Part paths are recorded between real paths: a --output reached through a symbolic
            // link (a scratch folder) must name parts as seen from where its files really are.
            loaded.append((URL(fileURLWithPath: realPart), m, k, n))
        }
        let first = loaded[0]
        for part in loaded.dropFirst() {
            if part.m.pipelineSha256 != first.m.pipelineSha256 || part.m.seed != first.m.seed
                || part.m.inputSha256 != first.m.inputSha256 || part.m.samplesPerShard != first.m.samplesPerShard {
                throw ManifestError("\(part.dir.path) comes from a different pipeline, seed or input than \(first.dir.path); merge only the parts of one run")
            }
            if part.n != first.n {
                throw ManifestError("\(part.dir.path) is partition \(part.k)/\(part.n) but \(first.dir.path) is \(first.k)/\(first.n); all parts must use the same N")
            }
        }
        var seen: [Int: URL] = [:]
        for part in loaded {
            if let other = seen[part.k] {
                throw ManifestError("partition \(part.k)/\(part.n) is given twice (\(other.path) and \(part.dir.path)); pass each part once")
            }
            seen[part.k] = part.dir
        }
        let missing = (0..<first.n).filter { seen[$0] == nil }
        if !missing.isEmpty {
            throw ManifestError("partitions \(missing.map { "\($0)/\(first.n)" }.joined(separator: ", ")) are missing; run them and pass every part")
        }
        do { try fm.createDirectory(at: out, withIntermediateDirectories: true) } catch {
            throw ManifestError("cannot create output folder \(out.path) (\(error.localizedDescription)); choose a writable --output")
        }
        let lock: FolderLock
        do { lock = try FolderLock(out.path) } catch { throw ManifestError("\(error)") }
        defer { withExtendedLifetime(lock) {} }
        try checkOutput(out.path, first.m, copying: copy ? loaded.flatMap { $0.m.shards.map(\.file) } : [])
        var shards: [Manifest.Shard] = []
        var partNames: [String] = []
        let realOutURL = URL(fileURLWithPath: realOut)
        for part in loaded {
            let partName = relativePath(from: realOutURL, to: part.dir)
            partNames.append(partName)
            for var s in part.m.shards {
                let src = try part.m.path(of: s, in: part.dir.path)
                if copy {
                    try copyShard(from: src, to: out.appendingPathComponent(s.file).path)
                } else {
                    s.file = "\(partName)/\(s.file)"
                }
                shards.append(s)
            }
        }
        shards.sort { $0.index < $1.index }
        let expectedShards = (first.m.totalSamples + first.m.samplesPerShard - 1) / first.m.samplesPerShard
        guard shards.map(\.index) == Array(0..<expectedShards) else {
            throw ManifestError("the parts hold shards \(shards.map(\.index)) but the run has \(expectedShards); rerun the incomplete parts")
        }
        var merged = first.m
        merged.partition = nil
        merged.parts = copy ? nil : partNames
        merged.shards = shards
        var pixels = [Int](repeating: 0, count: first.m.classPixels.count)
        for part in loaded {
            guard part.m.classPixels.count == pixels.count else {
                throw ManifestError("\(part.dir.path) counts \(part.m.classPixels.count - 1) classes but \(first.dir.path) \(pixels.count - 1); merge only the parts of one run")
            }
            for i in pixels.indices {
                let (sum, overflow) = pixels[i].addingReportingOverflow(part.m.classPixels[i])
                guard !overflow else { throw ManifestError("the parts' class_pixels add up past the integer range; their manifests were edited, so rebuild them with `seg-prep run`") }
                pixels[i] = sum
            }
        }
        merged.classPixels = pixels
        merged.channelSums = (0..<3).map { c in loaded.reduce(0) { $0 + $1.m.channelSums[c] } }
        merged.channelSquareSums = (0..<3).map { c in loaded.reduce(0) { $0 + $1.m.channelSquareSums[c] } }
        if loaded.allSatisfy({ $0.m.labelledChannelSums != nil && $0.m.labelledChannelSquareSums != nil }) {
            merged.labelledChannelSums = (0..<3).map { c in loaded.reduce(0) { $0 + ($1.m.labelledChannelSums?[c] ?? 0) } }
            merged.labelledChannelSquareSums = (0..<3).map { c in loaded.reduce(0) { $0 + ($1.m.labelledChannelSquareSums?[c] ?? 0) } }
        } else {
            merged.labelledChannelSums = nil
            merged.labelledChannelSquareSums = nil
        }
        merged.skipped = loaded.flatMap(\.m.skipped)
        try merged.write(to: out.path)
        return merged
    }

    /// Throws `ManifestError` when the output holds a manifest of another run, or something seg-prep
    /// did not write at its `index.json` or at the name of a shard to copy in.
    static func checkOutput(_ dir: String, _ m: Manifest, copying files: [String]) throws {
        let refuse = { (path: String, what: String) in
            ManifestError("\(path) is \(what), not a file seg-prep wrote; seg-prep never deletes or overwrites what it did not write, so move it away or choose another --output")
        }
        let index = (dir as NSString).appendingPathComponent(Manifest.fileName)
        switch OwnedFile.manifest(in: dir) {
        case .foreign(let what): throw refuse(index, what)
        case .ours:
            if let old = try? Manifest.load(from: dir), old.partition == nil,
               old.pipelineSha256 == m.pipelineSha256, old.seed == m.seed, old.inputSha256 == m.inputSha256 { break }
            throw ManifestError("output folder \(dir) already holds the output of another run; merge into an empty folder or one holding an earlier merge of this run")
        case .absent: break
        }
        for name in files {
            let path = (dir as NSString).appendingPathComponent(name)
            if case .foreign(let what) = OwnedFile.shard(at: path) { throw refuse(path, what) }
        }
    }

    /// Copies a shard under a temporary name and renames it into place (replacing only a shard
    /// seg-prep wrote, which `checkOutput` made sure of).
    static func copyShard(from src: String, to dst: String) throws {
        let tmp = "\(dst).tmp-\(getpid())"
        do {
            try? OwnedFile.remove(tmp)
            try FileManager.default.copyItem(atPath: src, toPath: tmp)
            guard rename(tmp, dst) == 0 else { throw ManifestError(SystemErrno.message) }
        } catch {
            try? OwnedFile.remove(tmp)
            throw ManifestError("cannot copy \(src) to \(dst) (\(error.localizedDescription)); check free space and permissions")
        }
    }

    /// `to` relative to the folder `from` (e.g. `../part0/shard-00000.safetensors`).
    static func relativePath(from: URL, to: URL) -> String {
        let a = from.standardizedFileURL.pathComponents, b = to.standardizedFileURL.pathComponents
        var i = 0
        while i < a.count && i < b.count && a[i] == b[i] { i += 1 }
        return (Array(repeating: "..", count: a.count - i) + b[i...]).joined(separator: "/")
    }
}
