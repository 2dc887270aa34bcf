import Foundation
import SegFormat

/// One shard as written: its manifest entry plus the statistics the manifest aggregates.
struct StoredShard: Codable, Sendable {
    var entry: Manifest.Shard
    var classPixels: [Int]
    var channelSums: [Int]
    var channelSquares: [Int]
    var skipped: [Manifest.SkippedSample]
}

/// The output folder of a run: refuses to mix runs, finds reusable shards, writes shards and the manifest.
struct OutputFolder {
    let dir: String
    let runKey: String
    let force: Bool

    static let runKeyField = "seg_prep_run_key"
    static let entryField = "seg_prep_shard"

    private var fm: FileManager { .default }

    /// The finished manifest of this same run, or nil when the folder has none.
    ///
    /// Throws `RunError` when the folder holds a different run (unless `force`, which clears it).
    func completeManifest(pipelineSha: String, inputSha: String, partition: String?) throws -> Manifest? {
        try prepare()
        let path = "\(dir)/\(Manifest.fileName)"
        guard fm.fileExists(atPath: path) else { return nil }
        let m: Manifest? = try? Manifest.load(from: dir)
        if let m, m.pipelineSha256 == pipelineSha, m.inputSha256 == inputSha, m.partition == partition,
           m.shards.allSatisfy({ (try? fm.attributesOfItem(atPath: "\(dir)/\($0.file)")[.size] as? Int) == $0.bytes }) {
            return m
        }
        if !force {
            throw RunError("output folder \(dir) already holds the output of a different pipeline, seed or input; choose another --output, or pass --force to replace it")
        }
        try clear()
        return nil
    }

    /// Complete shards of this run left by an interrupted invocation, by global index.
    ///
    /// Throws `RunError` when a shard from another run is present (unless `force`).
    func reusableShards() throws -> [Int: StoredShard] {
        var out: [Int: StoredShard] = [:]
        for name in try fm.contentsOfDirectory(atPath: dir).sorted() {
            let path = "\(dir)/\(name)"
            if name.contains(".safetensors.tmp-") { try? fm.removeItem(atPath: path); continue }
            guard name.hasPrefix("shard-"), name.hasSuffix(".safetensors") else { continue }
            let file = try? SafeTensorsFile(path: path)
            guard let file, file.metadata[OutputFolder.runKeyField] == runKey,
                  let json = file.metadata[OutputFolder.entryField],
                  var stored = try? JSONDecoder().decode(StoredShard.self, from: Data(json.utf8)),
                  stored.entry.file == name else {
                if file != nil && file?.metadata[OutputFolder.runKeyField] != runKey && !force {
                    throw RunError("output folder \(dir) holds \(name) from a different pipeline, seed or input; choose another --output, or pass --force to replace it")
                }
                try? fm.removeItem(atPath: path)
                continue
            }
            let size = (try? fm.attributesOfItem(atPath: path)[.size] as? Int) ?? -1
            stored.entry.bytes = size
            stored.entry.sha256 = try Checksum.sha256(file: path)
            out[stored.entry.index] = stored
        }
        return out
    }

    /// Writes one shard under its temporary name and returns what the manifest needs, with the
    /// file still to commit (fsync and rename).
    func write(_ a: ShardAssembly, good: [ShardAssembly.SlotResult], height: Int, width: Int,
               skipped: [Manifest.SkippedSample], classes: Int) throws -> (StoredShard, PendingShardFile) {
        let name = PipelineRunner.shardName(a.index)
        var classPixels = [Int](repeating: 0, count: classes + 1)
        var sums = [0, 0, 0], squares = [0, 0, 0]
        for r in good {
            for i in 0...classes { classPixels[i] += r.classPixels[i] }
            for c in 0..<3 { sums[c] += r.channelSums[c]; squares[c] += r.channelSquares[c] }
        }
        var stored = StoredShard(
            entry: Manifest.Shard(file: name, index: a.index, samples: good.count, bytes: 0, sha256: "",
                                  ids: good.map(\.id), repeats: good.map(\.repeatIndex), params: good.map(\.params)),
            classPixels: classPixels, channelSums: sums, channelSquares: squares, skipped: skipped)
        let enc = JSONEncoder()
        enc.outputFormatting = .sortedKeys
        let entryJSON = String(decoding: try enc.encode(stored), as: UTF8.self)
        let n = good.count
        let result = try a.withBuffers(samples: n) { img, lbl in
            try ShardFile.writeUncommitted([
                .init(name: "image", dtype: .u8, shape: [n, height, width, 3], bytes: img),
                .init(name: "label", dtype: .u8, shape: [n, height, width], bytes: lbl),
            ], metadata: [OutputFolder.runKeyField: runKey, OutputFolder.entryField: entryJSON, "format": "seg-prep/1"],
               to: "\(dir)/\(name)")
        }
        stored.entry.bytes = result.bytes
        stored.entry.sha256 = result.sha256
        return (stored, result)
    }

    func writeManifest(_ m: Manifest) throws {
        do { try m.write(to: dir) } catch {
            throw RunError("cannot write \(dir)/\(Manifest.fileName): \(error)")
        }
    }

    /// Creates the folder; throws `RunError` when it cannot.
    private func prepare() throws {
        do { try fm.createDirectory(atPath: dir, withIntermediateDirectories: true) } catch {
            throw RunError("cannot create output folder \(dir) (\(error.localizedDescription)); choose a writable --output")
        }
        guard fm.isWritableFile(atPath: dir) else {
            throw RunError("output folder \(dir) is not writable; choose a writable --output or fix its permissions")
        }
    }

    /// Removes the manifest and every shard (for `--force`).
    private func clear() throws {
        try? fm.removeItem(atPath: "\(dir)/\(Manifest.fileName)")
        for name in (try? fm.contentsOfDirectory(atPath: dir)) ?? [] where name.hasPrefix("shard-") {
            try? fm.removeItem(atPath: "\(dir)/\(name)")
        }
    }
}
