import Foundation
import SegFormat

/// One shard as written: its manifest entry plus the statistics the manifest aggregates.
struct StoredShard: Codable, Sendable {
    var entry: Manifest.Shard
    var classPixels: [Int]
    var channelSums: [Int]
    var channelSquares: [Int]
    var skipped: [Manifest.SkippedSample]
    /// Channel sums over labelled pixels (absent in entries of earlier versions).
    var labelledSums: [Int]?
    var labelledSquares: [Int]?
    /// The run's identity (absent in entries of earlier versions).
    var identity: RunIdentity?
    /// Label survival of the shard's samples (absent in entries of earlier versions).
    var survival: SurvivalCounts?
}

/// The output folder of a run: refuses to mix runs, finds reusable shards, writes shards and the manifest.
///
/// It removes or replaces only regular files seg-prep wrote (recognised by exact name and content,
/// see `OwnedFile`); anything else at a name it needs is refused with a message naming it.
struct OutputFolder {
    let dir: String
    let runKey: String
    let force: Bool
    /// The checksum new shards get.
    var checksum: ChecksumAlgorithm = .xxh3
    /// The label tensor's type: U8, or U16 above 255 classes or ignore values.
    var labelType: DType = .u8
    /// New shards bypass the page cache (`DirectIO`).
    var directIO = false
    /// This run's inputs and error mode, recorded in each shard's entry and checked on resume.
    var identity: RunIdentity?
    /// The layout an entry must agree with to be reused (`StoredShard.problem`): classes, label
    /// pixels a sample, samples a shard.
    var classes = 0, samplePixels = 0, perShard = 0

    static let runKeyField = OwnedFile.runKeyField

    private var fm: FileManager { .default }

    /// Creates the folder and locks it for this process.
    ///
    /// Throws `RunError` for folders that must never be written (the file system root, the home
    /// directory, the input root or a folder inside it), one that cannot be created, or one another
    /// seg-prep process holds.
    func open(inputRoot: String) throws -> FolderLock {
        if let why = RealPath.unsafeOutput(dir) {
            throw RunError.unsafeOutput(dir: dir, why: why)
        }
        let realRoot = RealPath.resolve(inputRoot)
        if RealPath.isSameOrInside(RealPath.resolve(dir), realRoot) {
            throw RunError.outputInsideInput(dir: dir, input: inputRoot)
        }
        try prepare()
        do { return try FolderLock(dir) } catch let e as FolderLockError { throw RunError.locked(e) }
    }

    /// The finished manifest of this same run and the indices of its shards that are damaged
    /// (wrong size or checksum), or nil when the folder has no manifest.
    ///
    /// Throws `RunError` when the folder holds a different run (unless `force`, which clears it) or
    /// an `index.json` seg-prep did not write.
    func completeManifest(pipelineSha: String, inputSha: String, partition: String?) throws -> (Manifest, damaged: [Int])? {
        let path = "\(dir)/\(Manifest.fileName)"
        switch OwnedFile.manifest(in: dir) {
        case .absent: return nil
        case .foreign(let what): throw refusal(path, what)
        case .ours: break
        }
        if let m = try? Manifest.load(from: dir), m.pipelineSha256 == pipelineSha, m.inputSha256 == inputSha,
           m.partition == partition, m.parts == nil {
            return (m, m.shards.filter { !isIntact($0) }.map(\.index))
        }
        if !force {
            throw RunError.differentRun(dir: dir)
        }
        try clear()
        return nil
    }

    /// Whether shard `s`'s file is a regular file of the recorded size and checksum.
    private func isIntact(_ s: Manifest.Shard) -> Bool {
        let path = "\(dir)/\(s.file)"
        guard case .ours = OwnedFile.shard(at: path), OwnedFile.regularFileSize(path) == s.bytes else { return false }
        return s.matches(file: path)
    }

    /// Complete shards of this run left by an interrupted invocation, by global index, and how many
    /// shards of this run were found damaged (they are rebuilt).
    ///
    /// Throws `RunError` when a shard from another run is present (unless `force`), or something
    /// seg-prep did not write sits at a shard's or entry's name.
    func reusableShards() throws -> (shards: [Int: StoredShard], damaged: Int) {
        var out: [Int: StoredShard] = [:]
        var damaged = 0
        let names = try fm.contentsOfDirectory(atPath: dir).sorted()
        try refuseForeign(names)
        for name in names {
            let path = "\(dir)/\(name)"
            if let base = Self.temporaryBase(name) {
                if Manifest.isShardName(base), case .ours = OwnedFile.shard(at: path, temporary: true) { try OwnedFile.remove(path) }
                if Self.isEntryName(base), Self.isEntryTemporary(path) { try OwnedFile.remove(path) }
                continue
            }
            guard Manifest.isShardName(name), case .ours(let key) = OwnedFile.shard(at: path) else { continue }
            guard key == runKey else {
                if !force {
                    throw RunError.shardOfDifferentRun(dir: dir, name: name)
                }
                try OwnedFile.remove(path)
                continue
            }
            let index = Int(name.dropFirst("shard-".count).prefix(while: \.isNumber)) ?? -1
            let entry = fm.contents(atPath: "\(dir)/\(Manifest.entryName(index))")
            // An entry giving a key twice is not reused (its shard is made again), as a damaged one.
            guard let entry, DuplicateKeys.first(in: entry) == nil, let stored = try? JSONDecoder().decode(StoredShard.self, from: entry),
                  stored.entry.file == name, stored.entry.index == index else { continue }
            if let mine = identity, let theirs = stored.identity, mine != theirs {
                if !force {
                    throw RunError.unfinishedRunDiffers(dir: dir, name: name, changes: mine.differences(from: theirs))
                }
                try OwnedFile.remove(path)
                continue
            }
            guard stored.problem(classes: classes, pixels: samplePixels, perShard: perShard) == nil,
                  OwnedFile.regularFileSize(path) == stored.entry.bytes,
                  stored.entry.matches(file: path) else {
                damaged += 1
                continue
            }
            out[stored.entry.index] = stored
        }
        return (out, damaged)
    }

    /// Throws `RunError` naming the first entry at a name seg-prep writes (a shard, a shard entry,
    /// the manifest) that is not a regular file seg-prep wrote.
    private func refuseForeign(_ names: [String]) throws {
        for name in names {
            let path = "\(dir)/\(name)"
            let kind: OwnedFile
            if Manifest.isShardName(name) {
                kind = OwnedFile.shard(at: path)
            } else if Self.isEntryName(name) {
                kind = OwnedFile.json(at: path, as: StoredShard.self)
            } else if name == Manifest.fileName {
                kind = OwnedFile.manifest(in: dir)
            } else {
                continue
            }
            if case .foreign(let what) = kind { throw refusal(path, what) }
        }
    }

    private func refusal(_ path: String, _ what: String) -> RunError {
        RunError.foreign(path: path, what: what)
    }

    /// `name` without a temporary suffix (`.tmp-PID` or `.tmp-PID-N`), or nil when it has none.
    static func temporaryBase(_ name: String) -> String? {
        guard let r = name.range(of: ".tmp-", options: .backwards) else { return nil }
        let suffix = name[r.upperBound...]
        guard !suffix.isEmpty, suffix.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "-") }) else { return nil }
        return String(name[..<r.lowerBound])
    }

    /// Opens shard `a`'s file and writes its header, for samples streamed in as they finish.
    ///
    /// Throws `SafeTensorsError` when the folder cannot take the file.
    func begin(_ a: ShardAssembly, height: Int, width: Int) throws -> ShardStream {
        try ShardStream(tensors(count: a.count, height: height, width: width), metadata: metadata,
                        to: "\(dir)/\(Manifest.shardName(a.index))", checksum: checksum, directIO: directIO)
    }

    /// Finishes one shard under its temporary name and returns what the manifest needs, with the
    /// file still to commit (fsync and rename).
    ///
    /// `stream` holds the images of `good`, in order, and their labels placed after the room of
    /// all the shard's images. When samples were skipped its header counts them too, so the shard
    /// is written afresh: new header, the images and labels read back.
    func write(_ a: ShardAssembly, good: [ShardAssembly.SlotResult], stream: ShardStream, height: Int, width: Int,
               skipped: [Manifest.SkippedSample], classes: Int) throws -> (StoredShard, PendingShardFile) {
        let name = Manifest.shardName(a.index)
        var stats = PixelStatistics(classes: classes)
        for slot in good { try stats.add(slot.statistics) }
        var stored = StoredShard(
            entry: Manifest.Shard(file: name, index: a.index, samples: good.count, bytes: 0, digest: "", checksum: checksum,
                                  ids: good.map(\.id), repeats: good.map(\.repeatIndex), params: good.map(\.params)),
            classPixels: stats.classPixels, channelSums: stats.channelSums, channelSquares: stats.channelSquares, skipped: skipped,
            labelledSums: stats.labelledSums, labelledSquares: stats.labelledSquares, identity: identity)
        // Survival over every sample of the shard: one left out still counts its source.
        var survival = SurvivalCounts(classes: classes)
        for case let r? in a.results {
            survival.add(source: r.sourceClassPixels, output: r.error == nil ? r.classPixels : nil, firstOfSource: r.repeatIndex == 0)
        }
        stored.survival = survival
        let n = good.count
        var out = stream
        if n != a.count {
            out = try ShardStream(tensors(count: n, height: height, width: width), metadata: metadata,
                                  to: "\(dir)/\(name)", attempt: 2, checksum: checksum, directIO: directIO)
            defer { stream.abandon() }
            if n > 0 {
                try stream.copyData(0..<(n * a.imageBytes), to: out)
                try stream.copyData(a.labelOffset(good: 0)..<a.labelOffset(good: n), to: out)
            }
        }
        let file = try out.finish()
        stored.entry.bytes = file.bytes
        stored.entry.digest = file.digest
        return (stored, file)
    }

    /// The tensors of a shard of `count` samples, in file order: images, then labels.
    private func tensors(count: Int, height: Int, width: Int) -> [ShardStream.Declared] {
        [.init(name: "image", dtype: .u8, shape: [count, height, width, 3]),
         .init(name: "label", dtype: labelType, shape: [count, height, width])]
    }

    private var metadata: [String: String] { [OutputFolder.runKeyField: runKey, "format": "seg-prep/1"] }

    /// Writes shard `stored`'s entry beside it, for a rerun to reuse the shard (once it is committed).
    ///
    /// Not flushed: an entry lost in a crash only means its shard is made again.
    func writeEntry(_ stored: StoredShard) throws {
        let enc = JSONEncoder()
        enc.outputFormatting = .sortedKeys
        let path = "\(dir)/\(Manifest.entryName(stored.entry.index))"
        do { try AtomicFile.write(enc.encode(stored), to: path, durable: false) } catch {
            throw RunError.cannotWrite(path: path, reason: error.localizedDescription)
        }
    }

    /// Removes the entries of `shards` (the manifest holds them once written).
    func removeEntries(_ shards: [Int]) {
        for i in shards { try? fm.removeItem(atPath: "\(dir)/\(Manifest.entryName(i))") }
    }

    /// True for `shard-NNNNN.entry.json`.
    static func isEntryName(_ name: String) -> Bool {
        name.hasSuffix(".entry.json") && Manifest.isShardName(String(name.dropLast(".entry.json".count)) + ".safetensors")
    }

    /// Whether the regular file at `path` holds (the start of) an entry as `writeEntry` writes them:
    /// empty, or JSON beginning with the first of its sorted keys.
    static func isEntryTemporary(_ path: String) -> Bool {
        guard case .ours = OwnedFile.regularFile(path), let size = OwnedFile.regularFileSize(path) else { return false }
        if size == 0 { return true }
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        let start = Array(handle.readData(ofLength: entryPrefix.count))
        return start == Array(entryPrefix.prefix(start.count))
    }

    /// How every entry file begins (keys sorted).
    static let entryPrefix = Array("{\"channelSquares\":".utf8)


    func writeManifest(_ m: Manifest) throws {
        do { try m.write(to: dir) } catch let error as ManifestError where error.isInvalidToWrite {
            throw error   // already a whole sentence naming the file
        } catch {
            throw RunError.cannotWriteManifest(dir: dir, reason: "\(error)")
        }
    }

    /// Creates the folder; throws `RunError` when it cannot.
    private func prepare() throws {
        do { try fm.createDirectory(atPath: dir, withIntermediateDirectories: true) } catch {
            throw RunError.cannotCreate(dir: dir, reason: error.localizedDescription)
        }
        guard fm.isWritableFile(atPath: dir) else {
            throw RunError.notWritable(dir: dir)
        }
    }

    /// Removes the manifest, the shards, their entries and temporaries that seg-prep wrote (for
    /// `--force`); refuses, before removing anything, when something else sits at one of those names.
    private func clear() throws {
        let names = try fm.contentsOfDirectory(atPath: dir).sorted()
        try refuseForeign(names)
        for name in names {
            let path = "\(dir)/\(name)"
            let base = Self.temporaryBase(name)
            if Manifest.isShardName(name) || name == Manifest.fileName || Self.isEntryName(name) {
                try OwnedFile.remove(path)
            } else if let base, Manifest.isShardName(base), case .ours = OwnedFile.shard(at: path, temporary: true) {
                try OwnedFile.remove(path)
            } else if let base, Self.isEntryName(base), Self.isEntryTemporary(path) {
                try OwnedFile.remove(path)
            }
        }
    }
}
