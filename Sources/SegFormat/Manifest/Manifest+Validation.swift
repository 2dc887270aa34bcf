import Foundation

/// The one gate every manifest passes before any command or reader uses it: `Manifest.load` calls
/// `validate(path:)`, so `verify`, `stats`, `inspect`, `export`, `merge`, the loader and `train` all
/// see only manifests whose counts, layouts and per-shard lists agree with each other and are small
/// enough to allocate for. A hand-edited or damaged `index.json` is a `ManifestError` naming the key.
extension Manifest {
    /// The largest image side a manifest may declare (libvips' own limit is 10 million; a shard of
    /// samples this wide could not be written anyway).
    public static let maxSide = 1 << 16
    /// The largest `samples_per_shard` and shard count a manifest may declare.
    public static let maxSamplesPerShard = 1 << 20
    public static let maxShards = 1 << 24
    /// The most partitions (`K/N`) a run may be split into.
    public static let maxPartitions = 1 << 20

    /// Throws `ManifestError` unless the manifest is internally consistent (`path` names it in messages).
    public func validate(path: String) throws {
        func bad(_ what: String) -> ManifestError { .damaged(path: path, what: what) }

        // Classes and the ignore value against the label type.
        guard !classes.isEmpty else { throw bad("`classes` is empty") }
        guard [DType.u8, .u16].contains(label.dtype) else {
            throw bad("labels are \(label.dtype.rawValue); seg-prep stores U8 or U16 labels")
        }
        let labelMax = label.dtype == .u8 ? 255 : 65_535
        guard classes.count <= labelMax else {
            throw bad("\(classes.count) classes do not fit \(label.dtype.rawValue) labels (at most \(labelMax))")
        }
        guard ignoreIndex >= classes.count, ignoreIndex <= labelMax else {
            throw bad("`ignore_index` is \(ignoreIndex); with \(classes.count) classes and \(label.dtype.rawValue) labels it must be in \(classes.count)...\(labelMax)")
        }

        // Layouts: images U8 [H, W, 3], labels [H, W], sides bounded.
        guard image.dtype == .u8, image.shape.count == 3, image.shape[2] == 3 else {
            throw bad("images are declared \(image.dtype.rawValue) \(image.shape), not U8 [H, W, 3]")
        }
        let h = image.shape[0], w = image.shape[1]
        guard (1...Manifest.maxSide).contains(h), (1...Manifest.maxSide).contains(w) else {
            throw bad("the image size \(w)x\(h) is outside 1...\(Manifest.maxSide)")
        }
        guard label.shape == [h, w] else { throw bad("labels are declared \(label.shape), not [\(h), \(w)]") }

        if let simd, SIMDPath(rawValue: simd) == nil {
            throw bad("`simd` is \(Manifest.quoted(simd)), not one of \(SIMDPath.allCases.map(\.rawValue).joined(separator: ", "))")
        }

        // Counts.
        guard (1...Manifest.maxSamplesPerShard).contains(samplesPerShard) else {
            throw bad("`samples_per_shard` is \(samplesPerShard), outside 1...\(Manifest.maxSamplesPerShard)")
        }
        guard shards.count <= Manifest.maxShards else { throw bad("it lists \(shards.count) shards") }
        guard totalSamples >= 0 else { throw bad("`total_samples` is \(totalSamples)") }
        // The whole run's shards (a partition lists its own only) fit the shard limit too.
        guard totalSamples <= Manifest.maxShards * samplesPerShard else {
            throw bad("`total_samples` is \(totalSamples), more than \(Manifest.maxShards) shards of \(samplesPerShard) samples hold")
        }
        if let p = partition {
            let parts = p.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 2, let k = Int(parts[0]), let n = Int(parts[1]), (1...Manifest.maxPartitions).contains(n), (0..<n).contains(k) else {
                throw bad("`partition` is \(Manifest.quoted(p)), not K/N with 0 ≤ K < N ≤ \(Manifest.maxPartitions)")
            }
        }

        // Per-shard lists, and their bytes against the layout (overflow-checked).
        let imageBytes = h * w * 3, labelBytes = h * w * label.dtype.size
        var seen = Set<Int>(), files = Set<String>(), samples = 0, bytes = 0
        for s in shards {
            let name = Manifest.quoted(s.file)
            guard s.index >= 0, seen.insert(s.index).inserted else { throw bad("shard \(name) has index \(s.index), negative or listed twice") }
            guard files.insert(s.file).inserted else { throw bad("shard file \(name) is listed twice") }
            // Every reader takes the algorithm from `checksum` (SHA-256 when absent, as before the choice).
            guard s.checksum == (checksum ?? .sha256) else {
                throw bad("shard \(name) has an \(s.checksum.rawValue) checksum but the manifest's `checksum` is \((checksum ?? .sha256).rawValue)")
            }
            if let problem = s.listProblem(maxSamples: Manifest.maxSamplesPerShard) { throw bad("shard \(name) \(problem)") }
            let (payload, o1) = s.samples.multipliedReportingOverflow(by: imageBytes + labelBytes)
            guard !o1, s.bytes > payload else {
                throw bad("shard \(name) is said to be \(s.bytes) bytes, not more than the \(s.samples) samples' tensors need")
            }
            // A safetensors file is its tensors after an 8-byte length and a header of bounded size.
            guard s.bytes - payload <= 8 + SafeTensorsFile.maxHeaderBytes else {
                throw bad("shard \(name) is said to be \(s.bytes) bytes, more than its \(s.samples) samples' tensors and the largest header")
            }
            let (allBytes, o2) = bytes.addingReportingOverflow(s.bytes)
            guard !o2 else { throw bad("its shards' sizes add up past the integer range") }
            bytes = allBytes
            guard s.digest.count == s.checksum.hexLength, s.digest.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }) else {
                throw bad("shard \(name) has a checksum that is not \(s.checksum.hexLength) lowercase hex digits")
            }
            samples += s.samples
        }
        guard samples <= totalSamples else { throw bad("its shards hold \(samples) samples, more than `total_samples` (\(totalSamples))") }

        // Statistics: one count per class plus the ignore class, three channels, finite and non-negative.
        guard classPixels.count == classes.count + 1 else {
            throw bad("`class_pixels` has \(classPixels.count) entries, not one per class plus the ignore class (\(classes.count + 1))")
        }
        var total = 0
        for c in classPixels {
            guard c >= 0 else { throw bad("`class_pixels` holds a negative count") }
            let (t, o) = total.addingReportingOverflow(c)
            guard !o else { throw bad("`class_pixels` adds up past the integer range") }
            total = t
        }
        if (labelledChannelSums == nil) != (labelledChannelSquareSums == nil) {
            throw bad("it has one of `labelled_channel_sums` and `labelled_channel_square_sums` without the other")
        }
        var sets = [("channel_sums", channelSums), ("channel_square_sums", channelSquareSums)]
        if let s = labelledChannelSums, let q = labelledChannelSquareSums {
            sets += [("labelled_channel_sums", s), ("labelled_channel_square_sums", q)]
        }
        // Sums of bytes over the stored samples' pixels: at most 255 (255² for squares) a pixel.
        let pixels = Double(samples) * Double(h) * Double(w)
        for (key, sums) in sets {
            guard sums.count == 3, sums.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
                throw bad("`\(key)` must be three finite non-negative sums (R, G, B)")
            }
            // A merged manifest adds its parts' sums as doubles: past 2^53 each addition may round
            // up by one step, so the bound allows a relative 1e-9.
            let most = (key.contains("square") ? 65_025 * pixels : 255 * pixels) * (1 + 1e-9)
            guard sums.allSatisfy({ $0 <= most }) else {
                throw bad("`\(key)` holds a sum above \(String(format: "%.0f", most)), the most \(samples) samples of \(w)x\(h) pixels can give")
            }
        }
        try validateSurvival(path: path)
        try validateSampling(path: path)
    }
}

extension Manifest.Shard {
    /// Why the shard's per-sample lists do not describe `samples` samples (at most `maxSamples`),
    /// as a predicate ("holds …", "lists …"), or nil. The manifest's gate and a rerun's entry gate
    /// (`StoredShard.problem`) both use it.
    public func listProblem(maxSamples: Int) -> String? {
        guard (0...maxSamples).contains(samples) else { return "holds \(samples) samples, outside 0...\(maxSamples)" }
        guard ids.count == samples, repeats.count == samples, params.count == samples else {
            return "lists \(samples) samples but \(ids.count) ids, \(repeats.count) repeats and \(params.count) parameter sets"
        }
        guard repeats.allSatisfy({ $0 >= 0 }) else { return "has a negative repeat" }
        return nil
    }
}
