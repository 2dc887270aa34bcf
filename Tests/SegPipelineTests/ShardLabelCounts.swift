import Foundation
import SegFormat
import Testing

/// Labelled pixels per class of every sample of a shard folder, read straight from the shards'
/// label tensors (values at or above `classes` left out): the independent count the survival and
/// rare-class tests compare the manifest with.
struct ShardLabelCounts {
    struct Sample {
        var id: String
        var repeatIndex: Int
        var params: [String: Double]
        var counts: [Int]
    }

    var samples: [Sample] = []

    init(_ dir: String, classes: Int) throws {
        let m = try Manifest.load(from: dir)
        let plane = m.label.shape[0] * m.label.shape[1]
        for shard in m.shards {
            let labels = try SafeTensorsFile(path: "\(dir)/\(shard.file)").bytes("label")
            for k in 0..<shard.samples {
                var counts = [Int](repeating: 0, count: classes)
                for v in labels[(k * plane)..<((k + 1) * plane)] where Int(v) < classes { counts[Int(v)] += 1 }
                samples.append(Sample(id: shard.ids[k], repeatIndex: shard.repeats[k], params: shard.params[k], counts: counts))
            }
        }
    }
}
