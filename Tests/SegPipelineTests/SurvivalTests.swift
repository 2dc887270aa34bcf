import SegImage
import Foundation
import SegFormat
import Testing
@testable import SegPipeline

/// Label survival in `index.json` against a count made here from the source label files and the
/// labels read back from the shards.
@Suite struct SurvivalTests {
    static let cropping = """
    input: {root: data, split: train}
    classes: 11
    seed: 3
    repeats: 3
    stages:
      - decode: {}
      - remap_labels: {above: 10, to: ignore}
      - random_crop: {size: [48, 64]}
      - flip: {}
      - pad: {size: [48, 64]}
    output: {dir: out, samples_per_shard: 5}
    """

    /// Survival counted independently: sources from their label files (values above 10 are the
    /// ignore class, as the remap says), samples from the shards' labels and ids.
    static func independentCount(_ s: Scratch, _ dir: String, classes: Int = 11) throws -> [Manifest.ClassSurvival] {
        let source = try sourceCounts(s, classes: classes)
        let m = try Manifest.load(from: dir)
        var out = (0..<classes).map { Manifest.ClassSurvival(class: m.classes[$0], sourceSamples: 0, samples: 0, survived: 0, survivedHalf: 0, pixelRatio: 0) }
        var ratioSums = [Double](repeating: 0, count: classes)
        for sample in try ShardLabelCounts(dir, classes: classes).samples {
            let counts = sample.counts
            let src = try #require(source[sample.id])
            let (sl, ol) = (Double(src.reduce(0, +)), Double(counts.reduce(0, +)))
            for c in 0..<classes where src[c] > 0 {
                if sample.repeatIndex == 0 { out[c].sourceSamples += 1 }
                out[c].samples += 1
                guard counts[c] > 0 else { continue }
                out[c].survived += 1
                let r = (Double(counts[c]) / ol) / (Double(src[c]) / sl)
                if r >= 0.5 { out[c].survivedHalf += 1 }
                ratioSums[c] += r
            }
        }
        for c in 0..<classes where out[c].samples > 0 { out[c].pixelRatio = ratioSums[c] / Double(out[c].samples) }
        return out
    }

    /// Pixels per class of each source label file, values above the classes being the ignore class.
    static func sourceCounts(_ s: Scratch, classes: Int = 11) throws -> [String: [Int]] {
        try Vips.start()
        var out: [String: [Int]] = [:]
        for id in s.ids {
            let data = try Data(contentsOf: s.data.appendingPathComponent("SegmentationClass/\(id).png"))
            let label = try ImageCodec.readLabel(data, id: id, path: id)
            var counts = [Int](repeating: 0, count: classes)
            for v in label.pixels where Int(v) < classes { counts[Int(v)] += 1 }
            out[id] = counts
        }
        return out
    }

    static func expectClose(_ a: [Manifest.ClassSurvival]?, _ b: [Manifest.ClassSurvival]) {
        guard let a else { Issue.record("no survival in the manifest"); return }
        #expect(a.count == b.count)
        for (x, y) in zip(a, b) {
            #expect(x.class == y.class && x.sourceSamples == y.sourceSamples && x.samples == y.samples
                    && x.survived == y.survived && x.survivedHalf == y.survivedHalf, "\(x) vs \(y)")
            // Each sample's ratio is counted in millionths: within half a millionth of the exact mean.
            #expect(abs(x.pixelRatio - y.pixelRatio) <= 5e-7 + 1e-12 * y.pixelRatio, "\(x.class): \(x.pixelRatio) vs \(y.pixelRatio)")
        }
    }

    @Test func survivalEqualsAnIndependentCountOverTheShards() throws {
        let s = try Scratch()
        defer { s.remove() }
        let summary = try s.run(Self.cropping, threads: 2)
        let counted = try Self.independentCount(s, s.out.path)
        Self.expectClose(summary.manifest.survival, counted)
        // The crop loses classes: the test would not notice a survival that always says "kept".
        #expect(counted.contains { $0.samples > 0 && $0.survived < $0.samples })
        #expect(counted.contains { $0.survived > $0.survivedHalf })
        #expect(counted.allSatisfy { $0.samples == 3 * $0.sourceSamples })
        // Any thread count: the same manifest bytes.
        #expect(try s.sameManifestOnOneThread(Self.cropping))
    }

    @Test func skippedSamplesCountTheirSourceOnly() throws {
        let s = try Scratch()
        defer { s.remove() }
        try Data([0xFF, 0xD8, 0x00]).write(to: s.data.appendingPathComponent("JPEGImages/\(s.ids[1]).png"))
        let summary = try s.run(Self.cropping, onError: .skip)
        #expect(summary.manifest.skipped.count == 3)
        // The damaged image fails before its label is read: neither it nor its source is counted.
        let counted = try Self.independentCount(s, s.out.path)
        Self.expectClose(summary.manifest.survival, counted)
        #expect(counted.reduce(0) { $0 + $1.samples } > 0)
    }

    @Test func mergedPartitionsAddUp() throws {
        let s = try Scratch()
        defer { s.remove() }
        let whole = try s.run(Self.cropping).manifest
        var parts: [String] = []
        for k in 0..<2 {
            let dir = s.dir.appendingPathComponent("part\(k)").path
            _ = try PipelineRunner(spec: try s.spec(Self.cropping), options: RunOptions(output: dir, threads: 1, partition: Partition("\(k)/2"))).run()
            parts.append(dir)
        }
        let merged = try ManifestMerger.merge(parts: parts, into: s.dir.appendingPathComponent("merged").path)
        // Counts and the millionths add up exactly, so the merge equals the whole run bit for bit.
        #expect(merged.survival == whole.survival)
    }

    /// `output.min_survival`: unknown classes and fractions outside [0, 1] are refused at their
    /// line; a floor the recipe misses is a predicted miss, one it meets is not.
    @Test func floorsAreCheckedAndPredicted() throws {
        let s = try Scratch()
        defer { s.remove() }
        func text(_ floors: String) -> String {
            Self.cropping.replacingOccurrences(of: "classes: 11", with: "classes: [sky, building, pole, road, pavement, tree, signsymbol, fence, car, pedestrian, bicyclist]")
                .replacingOccurrences(of: "samples_per_shard: 5}", with: "samples_per_shard: 5,\n  min_survival: \(floors)}")
        }
        for (floors, message) in [("{pavment: 0.5}", "p.yaml:12:18: 'output.min_survival' names 'pavment', which is not a class; did you mean 'pavement'?"),
                                  ("{road: 1.5}", "p.yaml:12:24: 'output.min_survival' gives class 'road' the floor '1.5', not a fraction in [0, 1]"),
                                  ("[road]", "'output.min_survival' must be a mapping of class names to fractions")] {
            #expect { _ = try s.spec(text(floors)) } throws: { "\($0)".contains(message) }
        }
        let spec = try s.spec(text("{sky: 0.0, road: 1.0, fence: 0.9}"))
        #expect(spec.minSurvival == [SurvivalFloor(classIndex: 0, fraction: 0), SurvivalFloor(classIndex: 3, fraction: 1), SurvivalFloor(classIndex: 7, fraction: 0.9)])
        let input = try DatasetInput(spec, root: nil)
        let p = SurvivalPrediction(spec: spec, input: input, draws: 18)
        #expect(p.draws == 18 && p.failed == 0)
        // The prediction over every sample is the run's survival.
        _ = try s.run(text("{sky: 0.0}"))
        let run = try #require(try Manifest.load(from: s.out.path).survival)
        let survived = p.survival.map(\.survived), samples = p.survival.map(\.samples)
        #expect(survived == run.map(\.survived) && samples == run.map(\.samples))
        #expect(p.survival.map(\.sourceSamples) == run.map(\.sourceSamples))
        let expected = [(3, 1.0), (7, 0.9)].filter { c, floor in run[c].samples == 0 || Double(run[c].survived) / Double(run[c].samples) < floor }
        #expect(p.misses.map(\.class) == expected.map { spec.classes[$0.0] })
        #expect(!expected.isEmpty)
        #expect(!p.misses.contains { $0.class == "sky" })
    }
}

extension Scratch {
    /// Whether running `text` on one thread into a second folder writes the `index.json` bytes of
    /// the run already in `out` (which names every shard's checksum).
    func sameManifestOnOneThread(_ text: String) throws -> Bool {
        let other = dir.appendingPathComponent("t1").path
        _ = try run(text, output: other, threads: 1)
        return try Data(contentsOf: URL(fileURLWithPath: "\(other)/index.json")) == Data(contentsOf: out.appendingPathComponent("index.json"))
    }
}
