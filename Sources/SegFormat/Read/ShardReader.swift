import Foundation

/// One or more finished shard folders, validated against their manifests and memory-mapped: the
/// one reader of shards, behind the loader, `inspect` and `stats`.
///
/// Samples are numbered `0..<count` across folders in the order given, then in manifest order.
/// Every folder must hold the same image size and the same classes. Shards stay mapped for the
/// life of the value; reading a sample touches only its pages.
public struct ShardReader: Sendable {
    /// The folders, as given.
    public let folders: [String]
    /// Their manifests, in the same order.
    public let manifests: [Manifest]
    /// Image height and width in pixels (images are `[H, W, 3]` U8 in the shards).
    public let height: Int
    public let width: Int
    /// Class names.
    public let classes: [String]
    /// Stored label type: `.u8`, or `.u16` above 255 classes.
    public let labelType: DType
    /// Source id and augmentation repeat of every sample.
    public let ids: [String]
    public let repeats: [Int]

    /// Mapped shards with the byte ranges of their `image` and `label` tensors.
    let shards: [MappedShard]
    /// Shard number and position inside it of every sample.
    let sampleShard: [Int32]
    let sampleSlot: [Int32]

    /// Number of samples over all folders.
    public var count: Int { ids.count }
    /// The stored label value of ignored pixels (the manifest's `ignore_index`).
    public var ignoreIndex: Int { manifests[0].ignoreIndex }
    /// Whether any manifest declares a `one_hot` stage.
    public var declaresOneHot: Bool { manifests.contains { $0.oneHot } }

    /// A mapped shard file and the tensors the loader reads.
    struct MappedShard: @unchecked Sendable {
        let file: SafeTensorsFile
        let image: TensorInfo
        let label: TensorInfo
        let entry: Manifest.Shard
    }

    /// Opens and checks `folders`.
    ///
    /// Checks that each `index.json` loads, that every shard it lists exists with the listed byte size,
    /// is a valid safetensors file with `image` U8 `[n, H, W, 3]` and `label` `[n, H, W]` matching the
    /// manifest, and that all folders agree on size and classes; `verifyChecksums` also hashes every
    /// shard (slow: reads all bytes).
    /// Throws `LoaderError` or `ManifestError` naming the folder or file and the fix.
    public init(folders: [String], verifyChecksums: Bool = false) throws {
        guard !folders.isEmpty else { throw LoaderError.noFolder }
        var manifests: [Manifest] = []
        var shards: [MappedShard] = []
        var ids: [String] = [], repeats: [Int] = []
        var sampleShard: [Int32] = [], sampleSlot: [Int32] = []
        var reference: (folder: String, h: Int, w: Int, classes: [String], label: DType, ignore: Int)?
        for folder in folders {
            let m = try Manifest.load(from: folder)
            // Layouts were checked by the manifest gate on load.
            let (h, w) = (m.image.shape[0], m.image.shape[1])
            if let r = reference {
                guard r.h == h && r.w == w else {
                    throw LoaderError.sizesDiffer(folder: folder, width: w, height: h, first: r.folder, firstWidth: r.w, firstHeight: r.h)
                }
                guard r.classes == m.classes, r.ignore == m.ignoreIndex else {
                    throw LoaderError.classesDiffer(folder: folder, classes: m.classes, ignore: m.ignoreIndex, first: r.folder, firstClasses: r.classes, firstIgnore: r.ignore)
                }
                guard r.label == m.label.dtype else {
                    throw LoaderError.labelTypesDiffer(folder: folder, type: m.label.dtype.rawValue, first: r.folder, firstType: r.label.rawValue)
                }
            } else {
                reference = (folder, h, w, m.classes, m.label.dtype, m.ignoreIndex)
            }
            for s in m.shards {
                let mapped = try ShardReader.open(s, folder: folder, manifest: m, height: h, width: w, verify: verifyChecksums)
                let n = Int32(shards.count)
                shards.append(mapped)
                for k in 0..<s.samples {
                    ids.append(s.ids[k]); repeats.append(s.repeats[k])
                    sampleShard.append(n); sampleSlot.append(Int32(k))
                }
            }
            manifests.append(m)
        }
        guard !ids.isEmpty else {
            throw LoaderError.noSamples(folders: folders)
        }
        self.folders = folders
        self.manifests = manifests
        self.height = reference!.h
        self.width = reference!.w
        self.classes = reference!.classes
        self.labelType = reference!.label
        self.shards = shards
        self.ids = ids
        self.repeats = repeats
        self.sampleShard = sampleShard
        self.sampleSlot = sampleSlot
    }

    /// Opens one folder (convenience for `init(folders: [folder])`).
    public init(folder: String, verifyChecksums: Bool = false) throws {
        try self.init(folders: [folder], verifyChecksums: verifyChecksums)
    }

    /// The manifest entry of the shard holding sample `i`, and the sample's position in it.
    public func location(of i: Int) -> (shard: Manifest.Shard, slot: Int) {
        (shards[Int(sampleShard[i])].entry, Int(sampleSlot[i]))
    }

    /// Calls `body` with sample `i`'s image bytes (`H·W·3`, HWC RGB) and label bytes (`H·W` elements of `labelType`).
    ///
    /// The buffers point into the mapped shard and are valid only inside `body`.
    public func withSample<R>(_ i: Int, _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> R) throws -> R {
        let shard = shards[Int(sampleShard[i])]
        let slot = Int(sampleSlot[i])
        let imageBytes = height * width * 3
        let labelBytes = height * width * labelType.size
        return try shard.file.withBytes(shard.image) { images in
            try shard.file.withBytes(shard.label) { labels in
                try body(UnsafeRawBufferPointer(rebasing: images[(slot * imageBytes)..<((slot + 1) * imageBytes)]),
                         UnsafeRawBufferPointer(rebasing: labels[(slot * labelBytes)..<((slot + 1) * labelBytes)]))
            }
        }
    }

    /// Asks the OS to start reading sample `i`'s pages of its mapped shard (`madvise` WILLNEED), so
    /// converting it soon does not wait on the disk (shards written with direct I/O, or evicted,
    /// are not in the page cache). Advice only.
    public func prefetch(_ i: Int) {
        _ = try? withSample(i) { image, label in
            for r in [image, label] where r.count > 0 {
                let page = Int(getpagesize())
                let start = Int(bitPattern: r.baseAddress!) / page * page
                let end = Int(bitPattern: r.baseAddress!) + r.count
                _ = madvise(UnsafeMutableRawPointer(bitPattern: start), end - start, MADV_WILLNEED)
            }
        }
    }

    /// Maps one shard and checks it against its manifest entry.
    static func open(_ s: Manifest.Shard, folder: String, manifest m: Manifest, height h: Int, width w: Int,
                     verify: Bool) throws -> MappedShard {
        let path: String
        do { path = try m.path(of: s, in: folder) } catch let e as ManifestError { throw LoaderError.manifest(e) }
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
              let size = (attributes[.size] as? NSNumber)?.intValue else {
            throw LoaderError.shardMissing(path: path, folder: folder)
        }
        guard size == s.bytes else {
            throw LoaderError.shardSize(path: path, size: size, folder: folder, expected: s.bytes)
        }
        if verify {
            let digest = try s.checksum.digest(file: path)
            guard digest == s.digest else {
                throw LoaderError.shardChecksum(path: path, algorithm: s.checksum.title, folder: folder)
            }
        }
        let file: SafeTensorsFile
        do { file = try SafeTensorsFile(path: path) } catch {
            throw LoaderError.shardDamaged(reason: "\(error)", folder: folder)
        }
        func tensor(_ name: String, _ dtype: DType, _ shape: [Int]) throws -> TensorInfo {
            guard let t = file.tensors.first(where: { $0.name == name }) else {
                throw LoaderError.tensorMissing(path: path, name: name, folder: folder)
            }
            guard t.dtype == dtype, t.shape == shape else {
                throw LoaderError.tensorLayout(path: path, name: name, found: "\(t.dtype.rawValue) \(t.shape)", folder: folder, expected: "\(dtype.rawValue) \(shape)")
            }
            return t
        }
        let image = try tensor("image", .u8, [s.samples, h, w, 3])
        let label = try tensor("label", m.label.dtype, [s.samples, h, w])
        return MappedShard(file: file, image: image, label: label, entry: s)
    }
}
