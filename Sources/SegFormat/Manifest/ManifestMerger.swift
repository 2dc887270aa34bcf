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
        guard !parts.isEmpty else { throw ManifestError.nothingToMerge }
        let fm = FileManager.default
        let out = URL(fileURLWithPath: output).standardizedFileURL
        if let why = RealPath.unsafeOutput(out.path) {
            throw ManifestError.unsafeOutput(dir: out.path, why: why)
        }
        let realOut = RealPath.resolve(out.path)
        var loaded: [(dir: URL, m: Manifest, k: Int, n: Int)] = []
        for p in parts {
            let dir = URL(fileURLWithPath: p).standardizedFileURL
            let m = try Manifest.load(from: dir.path)
            guard let text = m.partition, let slash = text.firstIndex(of: "/"),
                  let k = Int(text[..<slash]), let n = Int(text[text.index(after: slash)...]) else {
                throw ManifestError.notAPartition(dir: dir.path)
            }
            guard m.parts == nil else {
                throw ManifestError.alreadyMerged(dir: dir.path)
            }
            let realPart = RealPath.resolve(dir.path)
            if RealPath.isSameOrInside(realOut, realPart) || RealPath.isSameOrInside(realPart, realOut) {
                throw ManifestError.outputOverlapsPart(output: out.path, relation: realOut == realPart ? "is" : RealPath.isSameOrInside(realOut, realPart) ? "lies inside" : "contains", part: dir.path)
            }
            // Part paths are recorded between real paths: a --output reached through a symbolic
            // link (a scratch folder) must name parts as seen from where its files really are.
            loaded.append((URL(fileURLWithPath: realPart), m, k, n))
        }
        let first = loaded[0]
        for part in loaded.dropFirst() {
            if part.m.pipelineSha256 != first.m.pipelineSha256 || part.m.seed != first.m.seed
                || part.m.inputSha256 != first.m.inputSha256 || part.m.samplesPerShard != first.m.samplesPerShard {
                throw ManifestError.differentRun(part: part.dir.path, first: first.dir.path)
            }
            // The same run's parts agree on everything the merged manifest takes from the first.
            let differing = [("total_samples", part.m.totalSamples != first.m.totalSamples), ("classes", part.m.classes != first.m.classes),
                             ("ignore_index", part.m.ignoreIndex != first.m.ignoreIndex), ("image", part.m.image != first.m.image),
                             ("label", part.m.label != first.m.label), ("one_hot", part.m.oneHot != first.m.oneHot),
                             ("checksum", part.m.checksum != first.m.checksum)].filter(\.1).map(\.0)
            if !differing.isEmpty {
                throw ManifestError.partsDisagree(part: part.dir.path, first: first.dir.path, fields: differing)
            }
            if part.n != first.n {
                throw ManifestError.differentPartitionCount(part: part.dir.path, k: part.k, n: part.n, first: first.dir.path, firstK: first.k, firstN: first.n)
            }
        }
        var seen: [Int: URL] = [:]
        for part in loaded {
            if let other = seen[part.k] {
                throw ManifestError.partGivenTwice(k: part.k, n: part.n, first: other.path, second: part.dir.path)
            }
            seen[part.k] = part.dir
        }
        // Parts counted, not listed: N is at most Manifest.maxPartitions, and the message names ten.
        let missingCount = first.n - seen.count
        if missingCount > 0 {
            let names = (0..<first.n).lazy.filter { seen[$0] == nil }.prefix(10).map { "\($0)/\(first.n)" }
            throw ManifestError.partsMissing(first: Array(names), count: missingCount)
        }
        do { try fm.createDirectory(at: out, withIntermediateDirectories: true) } catch {
            throw ManifestError.cannotCreate(dir: out.path, reason: error.localizedDescription)
        }
        let lock: FolderLock
        do { lock = try FolderLock(out.path) } catch { throw ManifestError.locked(reason: "\(error)") }
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
        // At most Manifest.maxShards (the manifests are validated), and compared without making the range.
        let expectedShards = first.m.totalSamples / first.m.samplesPerShard + (first.m.totalSamples % first.m.samplesPerShard == 0 ? 0 : 1)
        guard shards.count == expectedShards, shards.enumerated().allSatisfy({ $0.offset == $0.element.index }) else {
            throw ManifestError.incompleteShards(found: shards.map(\.index), expected: expectedShards)
        }
        var merged = first.m
        merged.partition = nil
        merged.parts = copy ? nil : partNames
        merged.shards = shards
        var pixels = [Int](repeating: 0, count: first.m.classPixels.count)
        for part in loaded {
            guard part.m.classPixels.count == pixels.count else {
                throw ManifestError.differentClassCount(part: part.dir.path, classes: part.m.classPixels.count - 1, first: first.dir.path, firstClasses: pixels.count - 1)
            }
            for i in pixels.indices {
                let (sum, overflow) = pixels[i].addingReportingOverflow(part.m.classPixels[i])
                guard !overflow else { throw ManifestError.pixelCountsOverflow }
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
        merged.survival = Manifest.mergedSurvival(loaded.map(\.m.survival))
        // Every part plans the draws over all sources, so the parts of one run agree.
        merged.sampling = loaded.allSatisfy { $0.m.sampling == first.m.sampling } ? first.m.sampling : nil
        merged.skipped = loaded.flatMap(\.m.skipped)
        // Parts made on different SIMD paths hold the same bytes; the merged folder names a path only when they share one.
        merged.simd = Set(loaded.map(\.m.simd)).count == 1 ? first.m.simd : nil
        try merged.write(to: out.path)
        return merged
    }

    /// Throws `ManifestError` when the output holds a manifest of another run, or something seg-prep
    /// did not write at its `index.json` or at the name of a shard to copy in.
    static func checkOutput(_ dir: String, _ m: Manifest, copying files: [String]) throws {
        let refuse = { (path: String, what: String) in ManifestError.foreignFile(path: path, what: what) }
        let index = (dir as NSString).appendingPathComponent(Manifest.fileName)
        switch OwnedFile.manifest(in: dir) {
        case .foreign(let what): throw refuse(index, what)
        case .ours:
            if let old = try? Manifest.load(from: dir), old.partition == nil,
               old.pipelineSha256 == m.pipelineSha256, old.seed == m.seed, old.inputSha256 == m.inputSha256 { break }
            throw ManifestError.anotherRun(dir: dir)
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
            guard rename(tmp, dst) == 0 else { throw ManifestError.copyFailed(source: src, destination: dst, reason: SystemErrno.message) }
        } catch {
            try? OwnedFile.remove(tmp)
            throw ManifestError.copyFailed(source: src, destination: dst, reason: (error as? ManifestError).map { if case .copyFailed(_, _, let r) = $0 { return r } else { return "\($0)" } } ?? error.localizedDescription)
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
