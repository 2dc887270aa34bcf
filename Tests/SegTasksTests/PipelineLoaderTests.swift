import SegImage
import Foundation
import SegFormat
import SegPipeline
import SegTasks
import SegTrain
import Testing

/// The loader over a pipeline's online draws against the loader over the shards `run` writes for
/// the same pipeline, and a damaged source file met in the middle of an epoch.
@Suite struct PipelineLoaderTests {
    static let pipeline = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("pipelines/camvid-train.yaml").path

    /// A VOC folder (`root/data`) with the first `frames` camvid-mini training frames; the caller removes `scratch`.
    static func dataset(frames: Int) throws -> (scratch: String, root: String, ids: [String]) {
        let camvid = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("fixtures/camvid-mini")
        let scratch = NSTemporaryDirectory() + "pipeline-loader-\(UUID().uuidString)"
        let root = scratch + "/data"
        let fm = FileManager.default
        for sub in ["JPEGImages", "SegmentationClass", "ImageSets/Segmentation"] {
            try fm.createDirectory(atPath: "\(root)/\(sub)", withIntermediateDirectories: true)
        }
        let ids = try String(contentsOf: camvid.appendingPathComponent("ImageSets/Segmentation/train.txt"), encoding: .utf8)
            .split(whereSeparator: \.isNewline).prefix(frames).map(String.init)
        for id in ids {
            try fm.copyItem(atPath: camvid.appendingPathComponent("JPEGImages/\(id).png").path, toPath: "\(root)/JPEGImages/\(id).png")
            try fm.copyItem(atPath: camvid.appendingPathComponent("SegmentationClass/\(id).png").path, toPath: "\(root)/SegmentationClass/\(id).png")
        }
        try (ids.joined(separator: "\n") + "\n").write(toFile: "\(root)/ImageSets/Segmentation/train.txt", atomically: true, encoding: .utf8)
        return (scratch, root, ids)
    }

    /// Every delivered sample of `epochs` of `loader`, keyed by "id#repeat": its image floats and labels.
    static func samples(_ loader: ShardLoader, epochs: Range<Int>) throws -> [String: ([Float], [Int32])] {
        let plane = loader.source.height * loader.source.width
        var out: [String: ([Float], [Int32])] = [:]
        for e in epochs {
            try loader.epoch(e).forEach { batch in
                for slot in 0..<batch.count {
                    let key = "\(batch.ids[slot])#\(batch.repeats[slot])"
                    #expect(out[key] == nil, "\(key) delivered twice")
                    out[key] = (Array(batch.images[(slot * 3 * plane)..<((slot + 1) * 3 * plane)]),
                                Array(batch.labels[(slot * plane)..<((slot + 1) * plane)]))
                }
            }
        }
        return out
    }

    @Test(arguments: [1, 2])
    func epochEIsTheRunsRepeatE(workers: Int) throws {
        let (scratch, root, ids) = try Self.dataset(frames: 6)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        var spec = try PipelineSpec.load(path: Self.pipeline)
        spec.repeats = 2
        var run = RunOptions(output: scratch + "/shards", threads: 2)
        run.inputRoot = root
        let summary = try PipelineRunner(spec: spec, options: run).run()
        #expect(summary.samples == ids.count * 2)

        var options = LoaderOptions()
        options.batchSize = 4
        options.workers = workers
        options.seed = 11
        let online = try ShardLoader(source: PipelineSampleSource(sampler: PipelineSampler(spec: spec, inputRoot: root)), options: options)
        options.shuffle = false
        let offline = try ShardLoader(folders: [scratch + "/shards"], options: options)
        let drawn = try Self.samples(online, epochs: 0..<2)
        let stored = try Self.samples(offline, epochs: 0..<1)
        // Epoch e brings every source sample once, as repeat e.
        #expect(Set(drawn.keys) == Set(ids.flatMap { id in (0..<2).map { "\(id)#\($0)" } }))
        #expect(Set(drawn.keys) == Set(stored.keys))
        for (key, sample) in stored {
            #expect(drawn[key]?.0 == sample.0, "image of \(key)")
            #expect(drawn[key]?.1 == sample.1, "labels of \(key)")
        }
        // The two epochs differ: fresh draws, not a replay.
        #expect(drawn["\(ids[0])#0"]?.0 != drawn["\(ids[0])#1"]?.0)
    }

    @Test func underOnErrorSkipADamagedSampleIsReplacedByTheNextAndNamed() throws {
        let (scratch, root, ids) = try Self.dataset(frames: 6)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let bad = "\(root)/JPEGImages/\(ids[4]).png"
        try Data(repeating: 0x5A, count: 4096).write(to: URL(fileURLWithPath: bad))
        var spec = try PipelineSpec.load(path: Self.pipeline)
        spec.onError = .skip
        let source = PipelineSampleSource(sampler: try PipelineSampler(spec: spec, inputRoot: root))
        var options = LoaderOptions()
        options.batchSize = 4
        options.workers = 2
        options.shuffle = false
        let loader = try ShardLoader(source: source, options: options)
        let plane = source.height * source.width
        var delivered: [String] = [], samples: [Int] = [], images: [[Float]] = []
        try loader.epoch(0).forEach { batch in
            delivered += batch.ids
            samples += batch.samples
            for slot in 0..<batch.count { images.append(Array(batch.images[(slot * 3 * plane)..<((slot + 1) * 3 * plane)])) }
        }
        // Slot 4 holds the next sample, recorded as what it is; the batch kept its size.
        #expect(delivered == Array(ids.prefix(4)) + [ids[5], ids[5]], "\(delivered)")
        #expect(samples == [0, 1, 2, 3, 5, 5] && images[4] == images[5])
        #expect(source.skipped.all.map(\.id) == [ids[4]] && source.skipped.all.first?.file == bad)
        #expect(source.skipped.summary?.contains("skipped 1 sample(s)") == true && source.skipped.summary?.contains(bad) == true)
        // The last sample damaged too: its slot wraps round to the first.
        try Data(repeating: 0x5A, count: 4096).write(to: URL(fileURLWithPath: "\(root)/JPEGImages/\(ids[5]).png"))
        var wrapped: [String] = []
        try loader.epoch(1).forEach { wrapped += $0.ids }
        #expect(wrapped == Array(ids.prefix(4)) + [ids[0], ids[0]], "\(wrapped)")
        #expect(source.skipped.all.count == 2)
        // With nothing left to make, the error names a damaged file.
        for id in ids { try Data(repeating: 0x5A, count: 4096).write(to: URL(fileURLWithPath: "\(root)/JPEGImages/\(id).png")) }
        let error = #expect(throws: SampleError.self) { try loader.epoch(2).forEach { _ in } }
        #expect(error?.file.hasPrefix("\(root)/JPEGImages/") == true)
    }

    @Test func aDamagedFileMidEpochIsAnErrorNamingIt() throws {
        let (scratch, root, ids) = try Self.dataset(frames: 6)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let bad = "\(root)/JPEGImages/\(ids[4]).png"
        try Data(repeating: 0x5A, count: 4096).write(to: URL(fileURLWithPath: bad))
        var options = LoaderOptions()
        options.batchSize = 2
        options.workers = 2
        options.shuffle = false
        let loader = try ShardLoader(source: PipelineSampleSource(path: Self.pipeline, inputRoot: root), options: options)
        var delivered: [String] = []
        let error = #expect(throws: (any Error).self) {
            try loader.epoch(0).forEach { batch in delivered += batch.ids }
        }
        let message = "\(error.map { String(describing: $0) } ?? "")"
        #expect(message.contains(bad), "\(message)")
        // Only samples before the damaged one were delivered, each intact in order.
        #expect(!delivered.contains(ids[4]) && delivered == Array(ids.prefix(delivered.count)))
        // The loader stays usable: the same source with the file back makes a whole epoch.
        try FileManager.default.removeItem(atPath: bad)
        let camvid = URL(fileURLWithPath: Self.pipeline).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("fixtures/camvid-mini/JPEGImages/\(ids[4]).png").path
        try FileManager.default.copyItem(atPath: camvid, toPath: bad)
        var count = 0
        try loader.epoch(1).forEach { count += $0.count }
        #expect(count == ids.count)
    }
}
