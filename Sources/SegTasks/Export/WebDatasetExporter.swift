import SegImage
import Foundation
import SegFormat

/// Writes a finished shard folder as WebDataset tar shards: one `shard-NNNNN.tar` per safetensors
/// shard, holding for each sample `<key>.png` (or `.jpg`) with the image, `<key>.seg.png` with the
/// label as a greyscale PNG whose values are the class indices (the ignore value included; 8-bit,
/// or 16-bit for U16 labels), which webdataset's `l8`/`pil` decoders and Hugging Face datasets
/// read back as classes,
/// and `<key>.json` with the sample's source id, repeat, drawn parameters and shard; keys are the
/// sample's position in the folder, eight digits. `webdataset.json` beside the tars lists them with
/// the classes and the ignore value.
///
/// This is the layout the `webdataset` package, Ray Data's `read_webdataset`, DALI's webdataset
/// reader and Hugging Face datasets read.
public struct WebDatasetExporter: Sendable {
    /// How images are stored in the tars.
    public enum ImageFormat: String, Sendable, CaseIterable {
        case png, jpg
    }

    public var source: String
    public var output: String
    public var image: ImageFormat = .png
    /// JPEG quality (1...100) for `.jpg` images.
    public var quality = 95
    public var threads = 1

    /// What an export wrote.
    public struct Summary: Sendable {
        public var tars: [(file: String, samples: Int)]
        public var samples: Int
        public var bytes: Int
    }

    public init(source: String, output: String) {
        self.source = source; self.output = output
    }

    /// Names a file of an export folder may have: the tars, the listing, and their temporaries.
    static func isOwnName(_ name: String) -> Bool {
        name.wholeMatch(of: /(shard-\d{5,}\.tar|webdataset\.json)(\.tmp-\d+)?/) != nil
    }

    /// Reads `source` (checking every shard's checksum) and writes the tars and `webdataset.json`.
    ///
    /// Throws `ExportError` (an output folder holding other files), `ManifestError` or
    /// `LoaderError` for a source that is not a finished, intact folder, `TarError` or file errors.
    public func run(progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> Summary {
        let reader = try ShardReader(folder: source, verifyChecksums: true)
        try prepareOutput()
        // Samples grouped by shard, in order.
        var groupsFound: [(name: String, shard: Manifest.Shard, first: Int)] = []
        for i in 0..<reader.count {
            let (shard, slot) = reader.location(of: i)
            if slot == 0 || groupsFound.last?.shard.file != shard.file {
                let base = ((shard.file as NSString).lastPathComponent as NSString).deletingPathExtension
                groupsFound.append((base + ".tar", shard, i))
            }
        }
        let groups = groupsFound
        let work = ExportWork(count: groups.count)
        let threads = max(1, min(threads, groups.count))
        DispatchQueue.concurrentPerform(iterations: threads) { _ in
            while let g = work.next() {
                let group = groups[g]
                do {
                    let bytes = try writeTar(group.name, samples: group.first..<(group.first + group.shard.samples),
                                             shardFile: group.shard.file, reader: reader)
                    work.finished(g, bytes: bytes)
                    progress?(work.done, groups.count)
                } catch {
                    work.fail(error)
                }
            }
        }
        if let e = work.error { throw e }
        let listing: [String: Any] = [
            "format": "webdataset", "source": source, "classes": reader.classes, "ignore_index": reader.ignoreIndex,
            "image": image == .png ? "png" : "jpg", "label": "seg.png", "label_encoding": "grey-class-index",
            "samples": reader.count,
            "tars": groups.map { ["file": $0.name, "samples": $0.shard.samples] },
        ]
        let json = try JSONSerialization.data(withJSONObject: listing, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])
        try AtomicFile.write(json, to: (output as NSString).appendingPathComponent("webdataset.json"))
        try removeStale(keeping: Set(groups.map(\.name)))
        return Summary(tars: groups.map { ($0.name, $0.shard.samples) }, samples: reader.count, bytes: work.bytes)
    }

    /// One tar: every sample of one shard, through a temporary name and a rename.
    func writeTar(_ name: String, samples: Range<Int>, shardFile: String, reader: ShardReader) throws -> Int {
        let path = (output as NSString).appendingPathComponent(name)
        let tmp = "\(path).tmp-\(getpid())"
        let tar = try TarWriter(path: tmp)
        do {
            let (h, w) = (reader.height, reader.width)
            let suffix = image == .png ? ".png" : ".jpg[Q=\(quality)]"
            for i in samples {
                let (pixels, labels) = try reader.withSample(i) { (Array($0), Array($1)) }
                let key = String(format: "%08d", i)
                let (shard, slot) = reader.location(of: i)
                try tar.add("\(key).\(image.rawValue)", try Vips.encode(Raster(width: w, height: h, channels: 3, pixels: pixels), suffix: suffix))
                try tar.add("\(key).seg.png", try PalettePNG.encodeValues(Raster(width: w, height: h, channels: reader.labelType.size, pixels: labels)))
                let meta: [String: Any] = ["id": reader.ids[i], "repeat": reader.repeats[i], "params": shard.params[slot],
                                           "shard": shardFile, "index": i]
                try tar.add("\(key).json", try JSONSerialization.data(withJSONObject: meta, options: [.sortedKeys, .withoutEscapingSlashes]))
            }
            try tar.close()
        } catch {
            unlink(tmp)
            throw error
        }
        guard rename(tmp, path) == 0 else {
            let reason = SystemErrno.message
            unlink(tmp)
            throw ExportError.cannotRename(from: tmp, to: path, reason: reason)
        }
        return ((try? FileManager.default.attributesOfItem(atPath: path)[.size]) as? Int) ?? 0
    }

    /// Whether the file at `path` is what an export writes under `name`: a tar whose first member is
    /// a sample's image, or a `webdataset.json` listing.
    static func isOwnContent(_ path: String, name: String) -> Bool {
        guard let h = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? h.close() }
        let head = (try? h.read(upToCount: 512)) ?? Data()
        if name == "webdataset.json" {
            let all = head + ((try? h.readToEnd()) ?? Data())
            return ((try? JSONSerialization.jsonObject(with: all)) as? [String: Any])?["format"] as? String == "webdataset"
        }
        guard head.count == 512, head[257..<262] == Data("ustar".utf8) else { return false }
        let member = String(decoding: head[0..<100].prefix { $0 != 0 }, as: UTF8.self)
        return member.wholeMatch(of: /\d{8}\.(png|jpg)/) != nil
    }

    /// Removes the tars of an earlier export into `output` that this export did not rewrite (only
    /// files by export's names, which `prepareOutput` checked are an export's), so the folder never
    /// mixes two datasets.
    func removeStale(keeping names: Set<String>) throws {
        for name in try FileManager.default.contentsOfDirectory(atPath: output)
        where Self.isOwnName(name) && name != "webdataset.json" && !names.contains(name) {
            let path = (output as NSString).appendingPathComponent(name)
            guard unlink(path) == 0 || errno == ENOENT else {
                throw ExportError.cannotRemove(path: path, reason: SystemErrno.message)
            }
        }
    }

    /// Creates `output`, or accepts it when it holds only files an export writes (regular files by
    /// those names and of that content, or their temporaries), which are then replaced.
    func prepareOutput() throws {
        let fm = FileManager.default
        // Not inside the folder it reads (a shard folder holds only what `run` wrote), nor holding it.
        let (real, from) = (RealPath.resolve(output), RealPath.resolve(source))
        if RealPath.isSameOrInside(real, from) || RealPath.isSameOrInside(from, real) {
            throw ExportError.overlapsSource(output: output, source: source)
        }
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: output, isDirectory: &isDir) {
            guard isDir.boolValue else { throw ExportError.outputIsAFile(path: output) }
            for name in try fm.contentsOfDirectory(atPath: output).sorted() {
                let path = (output as NSString).appendingPathComponent(name)
                var st = stat()
                let regular = lstat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
                guard regular, Self.isOwnName(name), name.contains(".tmp-") || Self.isOwnContent(path, name: name) else {
                    throw ExportError.foreignFile(output: output, name: name)
                }
            }
        } else {
            do { try fm.createDirectory(atPath: output, withIntermediateDirectories: true) } catch {
                throw ExportError.cannotCreate(path: output, reason: (error as NSError).localizedDescription)
            }
        }
    }
}
