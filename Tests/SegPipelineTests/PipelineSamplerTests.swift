import SegImage
import Foundation
import Testing
import SegFormat
@testable import SegPipeline

/// Samples made on demand from a pipeline against the shards `run` writes for the same pipeline.
@Suite struct PipelineSamplerTests {
    static let camvidTrain = packageRoot.appendingPathComponent("pipelines/camvid-train.yaml").path
    static let camvidMix = packageRoot.appendingPathComponent("pipelines/camvid-mix.yaml").path

    /// A scratch folder, removed by the caller.
    static func scratch() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sampler-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Every sample of the shards in `out` equals the sampler's sample (index of its id, epoch = its
    /// repeat): image and label bytes, and drawn parameters. Returns how many were compared.
    static func compare(shards out: URL, with sampler: PipelineSampler) throws -> Int {
        let shards = try ShardSamples(dir: out.path)
        let ids = sampler.ids
        var image = [UInt8](repeating: 0, count: sampler.imageBytes), label = [UInt8](repeating: 0, count: sampler.labelBytes)
        for k in 0..<shards.count {
            let (stored, params) = try shards.sample(k)
            let index = try #require(ids.firstIndex(of: stored.id))
            let drawn = try image.withUnsafeMutableBytes { img in
                try label.withUnsafeMutableBytes { try sampler.render(index, epoch: stored.repeatIndex, image: img, label: $0) }
            }
            #expect(image == stored.image.pixels, "image of \(stored.id) repeat \(stored.repeatIndex)")
            #expect(label == stored.label.pixels, "label of \(stored.id) repeat \(stored.repeatIndex)")
            #expect(drawn == params, "params of \(stored.id) repeat \(stored.repeatIndex)")
            // Read back as the manifest's parameters are read.
            #expect(try JSONDecoder().decode([String: Double].self, from: Data(PipelineSampler.json(drawn).utf8)) == params)
        }
        return shards.count
    }

    @Test(arguments: [1, 3])
    func onlineSamplesAreTheRunsShards(threads: Int) throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        var spec = try PipelineSpec.load(path: Self.camvidTrain)
        spec.repeats = 3
        let out = dir.appendingPathComponent("shards")
        let summary = try PipelineRunner(spec: spec, options: RunOptions(output: out.path, threads: threads, limit: 5)).run()
        let sampler = try PipelineSampler(spec: spec)
        #expect(sampler.count == 32)
        #expect(try Self.compare(shards: out, with: sampler) == summary.samples)
        #expect(summary.samples == 15)
    }

    @Test func mixingPipelineDrawsTheSameDonors() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        var spec = try PipelineSpec.load(path: Self.camvidMix)
        spec.repeats = 1
        let out = dir.appendingPathComponent("shards")
        let summary = try PipelineRunner(spec: spec, options: RunOptions(output: out.path, threads: 2)).run()
        #expect(try Self.compare(shards: out, with: try PipelineSampler(spec: spec)) == summary.samples)
    }

    @Test func laterEpochsAreFreshAndReproducible() throws {
        let sampler = try PipelineSampler(path: Self.camvidTrain)
        let a = try sampler.sample(3, epoch: 1000)
        let b = try sampler.sample(3, epoch: 1000)
        let c = try sampler.sample(3, epoch: 1001)
        #expect(a.image.pixels == b.image.pixels && a.params == b.params)
        #expect(a.params != c.params)
        // A seed override is the file with that seed.
        let reseeded = try PipelineSampler(path: Self.camvidTrain, seed: 7)
        var spec = try PipelineSpec.load(path: Self.camvidTrain)
        spec.seed = 7
        #expect(try reseeded.sample(2, epoch: 0).params == (try PipelineSampler(spec: spec).sample(2, epoch: 0).params))
        #expect(try reseeded.sample(2, epoch: 0).params != (try sampler.sample(2, epoch: 0).params))
    }

    @Test func outOfRangeIndicesAndEpochsAreRefused() throws {
        let sampler = try PipelineSampler(path: Self.camvidTrain)
        for index in [-1, 32, Int.max] {
            #expect(throws: SamplerError.indexOutOfRange(index: index, count: 32, file: Self.camvidTrain)) { try sampler.sample(index, epoch: 0) }
        }
        #expect(throws: SamplerError.negativeEpoch(epoch: -1, file: Self.camvidTrain)) { try sampler.sample(0, epoch: -1) }
        let message = SamplerError.indexOutOfRange(index: 32, count: 32, file: "p.yaml").description
        #expect(message.hasPrefix("p.yaml: sample index 32 is out of range") && message.contains("(0..31)"))
        var small = [UInt8](repeating: 0, count: 10), label = [UInt8](repeating: 0, count: sampler.labelBytes)
        #expect(throws: SamplerError.bufferSize(what: "image", bytes: 10, needed: 256 * 256 * 3)) {
            try small.withUnsafeMutableBytes { img in try label.withUnsafeMutableBytes { try sampler.render(0, epoch: 0, image: img, label: $0) } }
        }
    }

    @Test func aPipelineWithoutAFixedSizeIsRefusedWithItsLine() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("free.yaml")
        try """
        version: 1
        input: {format: voc, root: \(fixtures.path)/camvid-mini, split: train}
        classes: 11
        stages:
          - decode: {}
          - flip: {p: 0.5}
        output: {dir: out}
        """.write(to: file, atomically: true, encoding: .utf8)
        let error = try #require(throws: PipelineError.self) { try PipelineSampler(path: file.path) }
        #expect(error.file == file.path && error.line > 0)
        #expect(error.description.hasPrefix("\(file.path):\(error.line):"))
        #expect(error.description.contains("no stage fixes the output size"))
    }

    @Test func aDamagedSourceFileNamesTheFileAndSparesTheOthers() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let root = dir.appendingPathComponent("camvid")
        try FileManager.default.copyItem(at: fixtures.appendingPathComponent("camvid-mini"), to: root)
        let good = try PipelineSampler(path: Self.camvidTrain)
        let broken = try PipelineSampler(path: Self.camvidTrain, inputRoot: root.path)
        let id = broken.ids[4]
        let image = root.appendingPathComponent("JPEGImages/\(id).png")
        try Data("not an image".utf8).write(to: image)
        let error = try #require(throws: SampleError.self) { try broken.sample(4, epoch: 0) }
        #expect(error.description.hasPrefix(image.path + ": "))
        #expect(error.description.contains("cannot be decoded"))
        // The other samples of the copy are the original's.
        #expect(try broken.sample(5, epoch: 2).image.pixels == (try good.sample(5, epoch: 2).image.pixels))
    }
}
