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
    /// partition, not a partition) or the file that could not be copied.
    @discardableResult
    public static func merge(parts: [String], into output: String, copy: Bool = false) throws -> Manifest {
        guard !parts.isEmpty else { throw ManifestError("give at least one part folder to merge") }
        let fm = FileManager.default
        let out = URL(fileURLWithPath: output).standardizedFileURL
        var loaded: [(dir: URL, m: Manifest, k: Int, n: Int)] = []
        for p in parts {
            let dir = URL(fileURLWithPath: p).standardizedFileURL
            let m = try Manifest.load(from: dir.path)
            guard let text = m.partition, let slash = text.firstIndex(of: "/"),
                  let k = Int(text[..<slash]), let n = Int(text[text.index(after: slash)...]) else {
                throw ManifestError("\(dir.path) is not a partition (it was not run with --partition K/N); merge only the parts of one partitioned run")
            }
            loaded.append((dir, m, k, n))
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
        try fm.createDirectory(at: out, withIntermediateDirectories: true)
        var shards: [Manifest.Shard] = []
        for part in loaded {
            for var s in part.m.shards {
                let src = part.dir.appendingPathComponent(s.file).standardizedFileURL
                if copy {
                    let dst = out.appendingPathComponent(src.lastPathComponent)
                    do {
                        try? fm.removeItem(at: dst)
                        try fm.copyItem(at: src, to: dst)
                    } catch {
                        throw ManifestError("cannot copy \(src.path) to \(dst.path) (\(error.localizedDescription)); check free space and permissions")
                    }
                    s.file = src.lastPathComponent
                } else {
                    s.file = relativePath(from: out, to: src)
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
        merged.shards = shards
        merged.classPixels = loaded.map(\.m.classPixels).reduce(into: [Int](repeating: 0, count: first.m.classPixels.count)) { acc, c in
            for i in acc.indices { acc[i] += c[i] }
        }
        merged.channelSums = (0..<3).map { c in loaded.reduce(0) { $0 + $1.m.channelSums[c] } }
        merged.channelSquareSums = (0..<3).map { c in loaded.reduce(0) { $0 + $1.m.channelSquareSums[c] } }
        merged.skipped = loaded.flatMap(\.m.skipped)
        try merged.write(to: out.path)
        return merged
    }

    /// `to` relative to the folder `from` (e.g. `../part0/shard-00000.safetensors`).
    static func relativePath(from: URL, to: URL) -> String {
        let a = from.standardizedFileURL.pathComponents, b = to.standardizedFileURL.pathComponents
        var i = 0
        while i < a.count && i < b.count && a[i] == b[i] { i += 1 }
        return (Array(repeating: "..", count: a.count - i) + b[i...]).joined(separator: "/")
    }
}
