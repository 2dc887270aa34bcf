import Foundation
import SegFormat
@testable import SegLoader
@testable import SegTrain

/// Small shard folders written to a temporary directory for loader tests.
struct ShardFixture {
    /// The folder holding `index.json` and the shards.
    let folder: String
    /// Every sample's image bytes `[H, W, 3]` and label bytes `[H, W]`, in global order.
    let images: [[UInt8]]
    let labels: [[UInt8]]

    /// Writes shards of `shardSizes` samples of `height`x`width` with `classes` classes.
    ///
    /// Pixel bytes come from a seeded generator; about 1 label in 16 is 255 (above the ignore class).
    init(shardSizes: [Int], height: Int = 5, width: Int = 7, classes: Int = 3, seed: UInt64 = 1,
         name: String = "shards") throws {
        let folder = NSTemporaryDirectory() + "loader-\(name)-\(UUID().uuidString)"
        self.folder = folder
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var rng = SplitMix64(seed: seed)
        var images: [[UInt8]] = [], labels: [[UInt8]] = []
        var shards: [Manifest.Shard] = []
        var sample = 0
        for (k, n) in shardSizes.enumerated() {
            var img: [UInt8] = [], lbl: [UInt8] = []
            var ids: [String] = [], reps: [Int] = []
            for _ in 0..<n {
                let i = (0..<(height * width * 3)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                let l = (0..<(height * width)).map { _ -> UInt8 in
                    let r = rng.next()
                    return r % 16 == 0 ? 255 : UInt8(r / 16 % UInt64(classes + 1))
                }
                images.append(i); labels.append(l)
                img += i; lbl += l
                ids.append("s\(sample / 2)"); reps.append(sample % 2)
                sample += 1
            }
            let file = String(format: "shard-%05d.safetensors", k)
            let written = try img.withUnsafeBytes { ib in
                try lbl.withUnsafeBytes { lb in
                    try ShardFile.write([
                        .init(name: "image", dtype: .u8, shape: [n, height, width, 3], bytes: ib),
                        .init(name: "label", dtype: .u8, shape: [n, height, width], bytes: lb),
                    ], metadata: [:], to: (folder as NSString).appendingPathComponent(file))
                }
            }
            shards.append(.init(file: file, index: k, samples: n, bytes: written.bytes, digest: written.digest,
                                ids: ids, repeats: reps, params: Array(repeating: [:], count: n)))
        }
        var manifest = Manifest(
            pipeline: "test", pipelineSha256: "", seed: seed, classes: (0..<classes).map { "c\($0)" },
            image: .init(dtype: .u8, shape: [height, width, 3]), label: .init(dtype: .u8, shape: [height, width]),
            oneHot: true, inputSha256: "", totalSamples: sample, samplesPerShard: shardSizes.first ?? 0,
            partition: nil, shards: shards, classPixels: Array(repeating: 0, count: classes + 1),
            channelSums: [0, 0, 0], channelSquareSums: [0, 0, 0], skipped: [])
        manifest.checksum = .xxh3   // the entries hold XXH3-128 digests
        try manifest.write(to: folder)
        self.images = images
        self.labels = labels
    }

    /// Path of shard `k`.
    func shardPath(_ k: Int) -> String {
        (folder as NSString).appendingPathComponent(String(format: "shard-%05d.safetensors", k))
    }

    /// Removes the folder.
    func remove() { try? FileManager.default.removeItem(atPath: folder) }
}
