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
        guard !folders.isEmpty else { throw LoaderError("No shard folder was given; pass the output folder of `seg-prep run`.") }
        var manifests: [Manifest] = []
        var shards: [MappedShard] = []
        var ids: [String] = [], repeats: [Int] = []
        var sampleShard: [Int32] = [], sampleSlot: [Int32] = []
        var reference: (folder: String, h: Int, w: Int, classes: [String], label: DType, ignore: Int)?
        for folder in folders {
            let m = try Manifest.load(from: folder)
            let (h, w) = try ShardReader.checkLayout(m, folder: folder)
            if let r = reference {
                guard r.h == h && r.w == w else {
                    throw LoaderError("\(folder) holds \(w)x\(h) images but \(r.folder) holds \(r.w)x\(r.h); load only folders made at the same output size together.")
                }
                guard r.classes == m.classes, r.ignore == m.ignoreIndex else {
                    throw LoaderError("\(folder) has classes \(m.classes) (ignore \(m.ignoreIndex)) but \(r.folder) has \(r.classes) (ignore \(r.ignore)); load only folders made with the same class list and ignore_index together.")
                }
                guard r.label == m.label.dtype else {
                    throw LoaderError("\(folder) stores \(m.label.dtype.rawValue) labels but \(r.folder) stores \(r.label.rawValue); load only folders with the same class count together.")
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
            throw LoaderError("\(folders.joined(separator: ", ")) hold no samples; check the pipeline's split and its skipped samples in index.json.")
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

    /// Image height and width from a manifest, checking its declared layouts.
    static func checkLayout(_ m: Manifest, folder: String) throws -> (Int, Int) {
        guard m.image.dtype == .u8, m.image.shape.count == 3, m.image.shape[2] == 3, m.image.shape[0] > 0, m.image.shape[1] > 0 else {
            throw LoaderError("\(folder)/index.json declares images \(m.image.dtype.rawValue) \(m.image.shape), but the loader reads U8 [H, W, 3]; rebuild the folder with `seg-prep run`.")
        }
        let h = m.image.shape[0], w = m.image.shape[1]
        guard [DType.u8, .u16].contains(m.label.dtype), m.label.shape == [h, w] else {
            throw LoaderError("\(folder)/index.json declares labels \(m.label.dtype.rawValue) \(m.label.shape), but the loader reads U8 or U16 [\(h), \(w)]; rebuild the folder with `seg-prep run`.")
        }
        guard m.ignoreIndex >= m.classes.count, m.ignoreIndex <= (m.label.dtype == .u8 ? 255 : 65_535) else {
            throw LoaderError("\(folder)/index.json has ignore_index \(m.ignoreIndex) for \(m.classes.count) \(m.label.dtype.rawValue) classes; it must be at least the class count and fit the label type, so rebuild the folder with `seg-prep run`.")
        }
        return (h, w)
    }

    /// Maps one shard and checks it against its manifest entry.
    static func open(_ s: Manifest.Shard, folder: String, manifest m: Manifest, height h: Int, width w: Int,
                     verify: Bool) throws -> MappedShard {
        let path: String
        do { path = try m.path(of: s, in: folder) } catch { throw LoaderError("\(error)") }
        let rerun = "rerun `seg-prep run` with the same pipeline to rewrite it (`seg-prep verify \(folder)` lists all damage)"
        guard s.ids.count == s.samples, s.repeats.count == s.samples else {
            throw LoaderError("\(folder)/index.json lists \(s.samples) samples for \(s.file) but \(s.ids.count) ids and \(s.repeats.count) repeats; rebuild the folder with `seg-prep run`.")
        }
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
              let size = (attributes[.size] as? NSNumber)?.intValue else {
            throw LoaderError("\(path) is missing although \(folder)/index.json lists it; \(rerun).")
        }
        guard size == s.bytes else {
            throw LoaderError("\(path) has \(size) bytes but \(folder)/index.json says \(s.bytes), so it is truncated or was replaced; \(rerun).")
        }
        if verify {
            let digest = try s.checksum.digest(file: path)
            guard digest == s.digest else {
                throw LoaderError("\(path) does not match the \(s.checksum.title) in \(folder)/index.json, so its bytes are damaged; \(rerun).")
            }
        }
        let file: SafeTensorsFile
        do { file = try SafeTensorsFile(path: path) } catch {
            throw LoaderError("\(error) — the shard is damaged; \(rerun).")
        }
        func tensor(_ name: String, _ dtype: DType, _ shape: [Int]) throws -> TensorInfo {
            guard let t = file.tensors.first(where: { $0.name == name }) else {
                throw LoaderError("\(path) has no '\(name)' tensor; \(rerun).")
            }
            guard t.dtype == dtype, t.shape == shape else {
                throw LoaderError("\(path) holds '\(name)' as \(t.dtype.rawValue) \(t.shape) but \(folder)/index.json implies \(dtype.rawValue) \(shape); \(rerun).")
            }
            return t
        }
        let image = try tensor("image", .u8, [s.samples, h, w, 3])
        let label = try tensor("label", m.label.dtype, [s.samples, h, w])
        return MappedShard(file: file, image: image, label: label, entry: s)
    }
}
