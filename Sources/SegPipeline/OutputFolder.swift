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
            let index = Int(name.dropFirst("shard-".count).prefix(while: \.isNumber)) ?? -1
            let entry = try? Data(contentsOf: URL(fileURLWithPath: "\(dir)/\(Self.entryName(index))"))
            guard let file, file.metadata[OutputFolder.runKeyField] == runKey, let entry,
                  let stored = try? JSONDecoder().decode(StoredShard.self, from: entry),
                  stored.entry.file == name,
                  (try? fm.attributesOfItem(atPath: path)[.size] as? Int) == stored.entry.bytes,
                  try Checksum.sha256(file: path) == stored.entry.sha256 else {
                if file != nil && file?.metadata[OutputFolder.runKeyField] != runKey && !force {
                    throw RunError("output folder \(dir) holds \(name) from a different pipeline, seed or input; choose another --output, or pass --force to replace it")
                }
                try? fm.removeItem(atPath: path)
                continue
            }
            out[stored.entry.index] = stored
        }
        return out
    }

    /// Opens shard `a`'s file and writes its header, for samples streamed in as they finish.
    ///
    /// Throws `SafeTensorsError` when the folder cannot take the file.
    func begin(_ a: ShardAssembly, height: Int, width: Int) throws -> ShardStream {
        try ShardStream(tensors(count: a.count, height: height, width: width), metadata: metadata,
                        to: "\(dir)/\(PipelineRunner.shardName(a.index))")
    }

    /// Finishes one shard under its temporary name and returns what the manifest needs, with the
    /// file still to commit (fsync and rename).
    ///
    /// `stream` holds the images of `good`, in order. When samples were skipped its header counts
    /// them too, so the shard is written afresh: new header, the images read back, the labels.
    func write(_ a: ShardAssembly, good: [ShardAssembly.SlotResult], stream: ShardStream, height: Int, width: Int,
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
        let n = good.count
        var out = stream
        if n != a.count {
            out = try ShardStream(tensors(count: n, height: height, width: width), metadata: metadata,
                                  to: "\(dir)/\(name)", attempt: 2)
            defer { stream.abandon() }
            try stream.copyData(0..<(n * a.imageBytes), to: out)
        }
        try a.withLabels(samples: n) { try out.append($0) }
        let file = try out.finish()
        stored.entry.bytes = file.bytes
        stored.entry.sha256 = file.sha256
        return (stored, file)
    }

    /// The tensors of a shard of `count` samples, in file order: images, then labels.
    private func tensors(count: Int, height: Int, width: Int) -> [ShardStream.Declared] {
        [.init(name: "image", dtype: .u8, shape: [count, height, width, 3]),
         .init(name: "label", dtype: .u8, shape: [count, height, width])]
    }

    private var metadata: [String: String] { [OutputFolder.runKeyField: runKey, "format": "seg-prep/1"] }

    /// Writes shard `stored`'s entry beside it, for a rerun to reuse the shard (once it is committed).
    ///
    /// Not flushed: an entry lost in a crash only means its shard is made again.
    func writeEntry(_ stored: StoredShard) throws {
        let enc = JSONEncoder()
        enc.outputFormatting = .sortedKeys
        let path = "\(dir)/\(Self.entryName(stored.entry.index))"
        do { try enc.encode(stored).write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
            throw RunError("cannot write \(path): \(error.localizedDescription); check that the folder is writable and has free space")
        }
    }

    /// Removes the entries of `shards` (the manifest holds them once written).
    func removeEntries(_ shards: [Int]) {
        for i in shards { try? fm.removeItem(atPath: "\(dir)/\(Self.entryName(i))") }
    }

    /// File name of shard `index`'s entry.
    static func entryName(_ index: Int) -> String { String(format: "shard-%05d.entry.json", index) }

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
