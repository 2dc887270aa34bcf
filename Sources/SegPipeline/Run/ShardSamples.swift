import Foundation
import SegFormat

/// Random access to the samples of a finished shard folder (for inspection).
public struct ShardSamples {
    public let manifest: Manifest
    public let dir: String

    /// Opens `dir`; throws `ManifestError` when it is not a finished output.
    public init(dir: String) throws {
        self.dir = dir
        manifest = try Manifest.load(from: dir)
    }

    public var count: Int { manifest.sampleCount }

    /// Sample `index` (0-based over all shards in order): pixels, id, repeat and drawn params.
    ///
    /// Throws `SafeTensorsError` when the shard is damaged, `ManifestError` when out of range.
    public func sample(_ index: Int) throws -> (sample: Sample, params: [String: Double]) {
        var i = index
        for shard in manifest.shards {
            if i >= shard.samples { i -= shard.samples; continue }
            let f = try SafeTensorsFile(path: try manifest.path(of: shard, in: dir))
            let h = manifest.label.shape[0], w = manifest.label.shape[1]
            let image = try f.withBytes("image") { Array($0[(i * h * w * 3)..<((i + 1) * h * w * 3)]) }
            let label = try f.withBytes("label") { Array($0[(i * h * w)..<((i + 1) * h * w)]) }
            var s = Sample(id: shard.ids[i],
                           image: Raster(width: w, height: h, channels: 3, pixels: image),
                           label: Raster(width: w, height: h, channels: 1, pixels: label))
            s.repeatIndex = shard.repeats[i]
            return (s, shard.params[i])
        }
        throw ManifestError("sample \(index) is out of range; \(dir) holds \(count) samples (use --index 0..\(max(count - 1, 0)))")
    }
}
