import SegImage
import Foundation
import SegFormat

/// Random access to the samples of a finished shard folder as pipeline samples (for inspection),
/// through the shard reader.
public struct ShardSamples {
    public let reader: ShardReader
    public var manifest: Manifest { reader.manifests[0] }
    public let dir: String

    /// Opens and checks `dir`; throws `ManifestError` or `LoaderError` when it is not a finished,
    /// intact output.
    public init(dir: String) throws {
        self.dir = dir
        reader = try ShardReader(folder: dir)
    }

    public var count: Int { reader.count }

    /// Sample `index` (0-based over all shards in order): pixels, id, repeat and drawn params.
    ///
    /// Throws `ManifestError` when out of range.
    public func sample(_ index: Int) throws -> (sample: Sample, params: [String: Double]) {
        guard (0..<count).contains(index) else {
            throw ManifestError.sampleOutOfRange(index: index, dir: dir, count: count)
        }
        let (h, w) = (reader.height, reader.width)
        let (image, label) = try reader.withSample(index) { (Array($0), Array($1)) }
        var s = Sample(id: reader.ids[index],
                       image: Raster(width: w, height: h, channels: 3, pixels: image),
                       label: Raster(width: w, height: h, channels: reader.labelType.size, pixels: label))
        s.repeatIndex = reader.repeats[index]
        let (shard, slot) = reader.location(of: index)
        return (s, shard.params[slot])
    }
}
