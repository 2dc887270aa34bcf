import Foundation

/// The `index.json` of a shard folder: what the shards hold and how to check them.
///
/// Written last and atomically by `seg-prep run`; a folder without it is not complete.
/// Keys are snake_case in JSON (`ignore_index`, `samples_per_shard`, …).
public struct Manifest: Codable, Sendable, Equatable {
    /// Layout version of this file; readers refuse versions they do not know.
    public var formatVersion: Int = 1
    /// The pipeline file's text, verbatim, and its SHA-256.
    public var pipeline: String
    public var pipelineSha256: String
    /// Seed every random draw was keyed by.
    public var seed: UInt64
    /// Class names, in index order; `ignoreIndex == classes.count`.
    public var classes: [String]
    public var ignoreIndex: Int
    /// Per-sample tensor layouts (without the leading sample dimension).
    public var image: TensorLayout
    public var label: TensorLayout
    /// Whether the pipeline declares `one_hot` (materialised by loaders, never stored).
    public var oneHot: Bool
    /// Fingerprint of the input sample list (SHA-256 of the ordered ids and repeats).
    public var inputSha256: String
    /// Total samples the full run produces, and the shard size.
    public var totalSamples: Int
    public var samplesPerShard: Int
    /// This folder's partition as `K/N`, or nil for a whole run.
    public var partition: String?
    /// Shards in sample order.
    public var shards: [Shard]
    /// Pixel count per class index, the last entry being the ignore class (length classes + 1).
    public var classPixels: [Int]
    /// Per-channel sums over all image pixels (R, G, B) of values and of squared values, for mean/std.
    public var channelSums: [Double]
    public var channelSquareSums: [Double]
    /// The same sums over labelled pixels only (ignored pixels, such as padding, left out): what
    /// normalisation statistics are computed from. Absent in manifests of earlier versions.
    public var labelledChannelSums: [Double]?
    public var labelledChannelSquareSums: [Double]?
    /// Per class, in class order: how many source samples hold it and how many of the augmented
    /// samples made from them keep it (`ClassSurvival`). Absent in manifests of earlier versions.
    public var survival: [ClassSurvival]?
    /// How the run drew its source samples when not uniformly (`ClassSampling`).
    public var sampling: ClassSampling?
    /// Samples left out by `on_error: skip`, with the reason.
    public var skipped: [SkippedSample]
    /// The algorithm of the shards' checksums (absent in manifests from before the choice: SHA-256).
    public var checksum: ChecksumAlgorithm?
    /// For a manifest made by `merge` without `--copy`: the part folders its shards live in, relative
    /// to this manifest's folder; each shard `file` is then `<part>/shard-NNNNN.safetensors`.
    public var parts: [String]?
    /// The SIMD path the run's kernels took (`avx512`, `avx2` or `portable`, see `SIMDPath`); every
    /// path writes the same bytes. Absent in manifests of earlier versions, and in a merge of parts
    /// made on different paths.
    public var simd: String?

    /// One shard file and what it holds.
    public struct Shard: Codable, Sendable, Equatable {
        /// File name relative to the manifest's folder.
        public var file: String
        /// Global shard number in the whole run.
        public var index: Int
        public var samples: Int
        public var bytes: Int
        /// The file's checksum (lowercase hex) and its algorithm; stored under the key `xxh3` or
        /// `sha256`.
        public var digest: String
        public var checksum: ChecksumAlgorithm
        /// Source id and repeat index of each sample, in order.
        public var ids: [String]
        public var repeats: [Int]
        /// Parameters each sample's stages drew (e.g. `scale`, `flip`, `dx`), in order.
        public var params: [[String: Double]]

        public init(file: String, index: Int, samples: Int, bytes: Int, digest: String, checksum: ChecksumAlgorithm = .xxh3,
                    ids: [String], repeats: [Int], params: [[String: Double]]) {
            self.file = file; self.index = index; self.samples = samples; self.bytes = bytes
            self.digest = digest; self.checksum = checksum; self.ids = ids; self.repeats = repeats; self.params = params
        }

        enum CodingKeys: String, CodingKey { case file, index, samples, bytes, sha256, xxh3, ids, repeats, params }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            file = try c.decode(String.self, forKey: .file)
            index = try c.decode(Int.self, forKey: .index)
            samples = try c.decode(Int.self, forKey: .samples)
            bytes = try c.decode(Int.self, forKey: .bytes)
            if let x = try c.decodeIfPresent(String.self, forKey: .xxh3) {
                (digest, checksum) = (x, .xxh3)
            } else {
                (digest, checksum) = (try c.decode(String.self, forKey: .sha256), .sha256)
            }
            ids = try c.decode([String].self, forKey: .ids)
            repeats = try c.decode([Int].self, forKey: .repeats)
            params = try c.decode([[String: Double]].self, forKey: .params)
        }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(file, forKey: .file)
            try c.encode(index, forKey: .index)
            try c.encode(samples, forKey: .samples)
            try c.encode(bytes, forKey: .bytes)
            try c.encode(digest, forKey: checksum == .xxh3 ? .xxh3 : .sha256)
            try c.encode(ids, forKey: .ids)
            try c.encode(repeats, forKey: .repeats)
            try c.encode(params, forKey: .params)
        }

        /// Whether the file at `path` has this entry's checksum (reads it whole).
        public func matches(file path: String) -> Bool {
            (try? checksum.digest(file: path)) == digest
        }
    }

    /// A tensor's dtype and per-sample shape.
    public struct TensorLayout: Codable, Sendable, Equatable {
        public var dtype: DType
        public var shape: [Int]
        public init(dtype: DType, shape: [Int]) { self.dtype = dtype; self.shape = shape }
    }

    /// A sample that was not written, and why.
    public struct SkippedSample: Codable, Sendable, Equatable {
        public var id: String
        public var reason: String
        /// True when a filter of the pipeline left the sample out (`tile`'s `min_labelled`), which
        /// any error mode does; absent for samples left out because their input was bad.
        public var filtered: Bool?
        public init(id: String, reason: String, filtered: Bool = false) {
            self.id = id; self.reason = reason; self.filtered = filtered ? true : nil
        }
    }

    public init(pipeline: String, pipelineSha256: String, seed: UInt64, classes: [String],
                image: TensorLayout, label: TensorLayout, oneHot: Bool, inputSha256: String,
                totalSamples: Int, samplesPerShard: Int, partition: String?, shards: [Shard],
                classPixels: [Int], channelSums: [Double], channelSquareSums: [Double],
                skipped: [SkippedSample]) {
        self.pipeline = pipeline; self.pipelineSha256 = pipelineSha256; self.seed = seed
        self.classes = classes; self.ignoreIndex = classes.count; self.image = image; self.label = label
        self.oneHot = oneHot; self.inputSha256 = inputSha256; self.totalSamples = totalSamples
        self.samplesPerShard = samplesPerShard; self.partition = partition; self.shards = shards
        self.classPixels = classPixels; self.channelSums = channelSums
        self.channelSquareSums = channelSquareSums; self.skipped = skipped
    }

    /// The largest `index.json` read (a manifest of a million samples is about 300 MiB).
    public static let maxFileBytes: Int64 = 1 << 30

    /// File name of the manifest inside a shard folder.
    public static let fileName = "index.json"

    /// Number of samples over all shards.
    public var sampleCount: Int { shards.reduce(0) { $0 + $1.samples } }

    /// Reads `dir/index.json`.
    ///
    /// Throws `ManifestError` when it is missing (the run is incomplete), unreadable or of an unknown version.
    public static func load(from dir: String) throws -> Manifest {
        let path = (dir as NSString).appendingPathComponent(fileName)
        guard FileManager.default.fileExists(atPath: path) else {
            throw ManifestError.missing(dir: dir)
        }
        if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber,
           size.int64Value > maxFileBytes {
            throw ManifestError.tooLarge(path: path, bytes: size.int64Value, limit: maxFileBytes)
        }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw ManifestError.unreadable(path: path, reason: error.localizedDescription)
        }
        if let key = DuplicateKeys.first(in: data) {
            throw ManifestError.notAManifest(path: path, reason: "it gives the key \(quoted(key)) twice in one object, which readers could take either of")
        }
        let m: Manifest
        do { m = try decoder.decode(Manifest.self, from: data) } catch {
            var reason = Manifest.describe(error)
            // Foundation's decoder says "not valid JSON", with no key, also for a number its key's
            // type cannot hold (1e30 or 8.5 as a byte count): JSONSerialization tells them apart.
            if reason == "not valid JSON", (try? JSONSerialization.jsonObject(with: data)) != nil {
                reason = "valid JSON, but a number does not fit its key: out of range, or not a whole number where one is needed"
            }
            throw ManifestError.notAManifest(path: path, reason: reason)
        }
        guard m.formatVersion == 1 else {
            throw ManifestError.unknownVersion(path: path, found: m.formatVersion)
        }
        try m.checkShardFiles(manifestPath: path)
        try m.validate(path: path)
        return m
    }

    /// Writes `dir/index.json` atomically, with sorted keys so equal manifests are equal bytes.
    ///
    /// Throws `ManifestError` first when the manifest would not pass `validate(path:)`: no command
    /// writes a manifest the readers would refuse.
    public func write(to dir: String) throws {
        let path = (dir as NSString).appendingPathComponent(Manifest.fileName)
        do { try validate(path: path) } catch ManifestError.damaged(_, let what) {
            throw ManifestError.invalidToWrite(path: path, what: what)
        }
        try AtomicFile.write(try encoded(), to: path)
    }

    /// The manifest as pretty, key-sorted JSON.
    public func encoded() throws -> Data {
        let e = JSONEncoder()
        e.keyEncodingStrategy = .convertToSnakeCase
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        var d = try e.encode(self)
        d.append(UInt8(ascii: "\n"))
        return d
    }

    public static var decoder: JSONDecoder {
        let d = JSONDecoder()
        d.keyDecodingStrategy = .convertFromSnakeCase
        return d
    }
}
