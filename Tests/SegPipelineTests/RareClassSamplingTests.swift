import SegImage
import Foundation
import SegFormat
import Testing
@testable import SegPipeline

/// Rare-class sampling (`input.sampling: {rare_class: …}`) against counts made here from the source
/// label files and the labels read back from the shards.
@Suite struct RareClassSamplingTests {
    static func pipeline(sampling: String?) -> String {
        let input = sampling.map { "input: {root: data, split: train, sampling: \($0)}" } ?? "input: {root: data, split: train}"
        return SurvivalTests.cropping.replacingOccurrences(of: "input: {root: data, split: train}", with: input)
            .replacingOccurrences(of: "repeats: 3", with: "repeats: 6")
            .replacingOccurrences(of: "[48, 64]", with: "[120, 160]")   // windows of 1/9 of the 360x480 sources
    }
    static let rare = pipeline(sampling: "{rare_class: {temperature: 0.01, min_pixels: 20, crop_retries: 10}}")

    /// Labelled pixels per class over every shard of `dir`, and each sample's labels with its id and params.
    static func shardCounts(_ dir: String, classes: Int = 11) throws -> (pixels: [Int], samples: [(id: String, params: [String: Double], counts: [Int])]) {
        let shards = try ShardLabelCounts(dir, classes: classes)
        let pixels = (0..<classes).map { c in shards.samples.reduce(0) { $0 + $1.counts[c] } }
        let samples = shards.samples.map { ($0.id, $0.params, $0.counts) }
        return (pixels, samples)
    }

    static func shares(_ counts: [Int]) -> [Double] {
        let total = Double(counts.reduce(0, +))
        return counts.map { Double($0) / total }
    }

    @Test func rareClassFrequencyRisesAsComputed() throws {
        let s = try Scratch()
        defer { s.remove() }
        let sources = try SurvivalTests.sourceCounts(s)
        let uniformDir = s.dir.appendingPathComponent("uniform").path
        _ = try s.run(Self.pipeline(sampling: nil), output: uniformDir, threads: 2)
        let summary = try s.run(Self.rare, threads: 2)
        let sampling = try #require(summary.manifest.sampling)

        // p(c) ∝ exp((1 − f_c)/T) over the classes some source holds with ≥ 20 pixels, computed here.
        var total = [Int](repeating: 0, count: 11)
        for counts in sources.values { for c in 0..<11 { total[c] += counts[c] } }
        let f = Self.shares(total)
        let eligible = (0..<11).map { c in sources.values.contains { $0[c] >= 20 } }
        let w = (0..<11).map { eligible[$0] ? exp((1 - f[$0]) / 0.01 - 100) : 0 }
        let p = w.map { $0 / w.reduce(0, +) }
        for c in 0..<11 {
            #expect(abs(sampling.before[c] - f[c]) < 1e-12)
            #expect(abs(sampling.classProbability[c] - p[c]) < 1e-9, "class \(c): \(sampling.classProbability[c]) vs \(p[c])")
        }

        // Every sample was drawn for a class its source holds with ≥ min_pixels, and `after` is the
        // source pixels of the drawn sources.
        let (rarePixels, rareSamples) = try Self.shardCounts(s.out.path)
        #expect(rareSamples.count == 6 * s.ids.count)
        var drawnPixels = [Int](repeating: 0, count: 11)
        var held = 0
        for sample in rareSamples {
            let c = try #require(sample.params["rare_class"].map { Int($0) })
            let src = try #require(sources[sample.id])
            #expect(src[c] >= 20, "\(sample.id) drawn for class \(c), which it holds \(src[c]) pixels of")
            for j in 0..<11 { drawnPixels[j] += src[j] }
            // A window that stopped redrawing before the limit holds the class (flip and pad keep it).
            let retries = try #require(sample.params["crop_retries"])
            if retries < 10 { #expect(sample.counts[c] > 0, "\(sample.id): window kept after \(retries) redraws lacks class \(c)") }
            if sample.counts[c] > 0 { held += 1 }
        }
        let after = Self.shares(drawnPixels)
        for c in 0..<11 { #expect(abs(sampling.after[c] - after[c]) < 1e-12) }

        // The rarest drawable class: its share of the shards' labelled pixels rises over uniform sampling.
        let rarest = try #require((0..<11).filter { eligible[$0] && f[$0] > 0 }.min { f[$0] < f[$1] })
        let uniformShare = Self.shares(try Self.shardCounts(uniformDir).pixels)[rarest]
        let rareShare = Self.shares(rarePixels)[rarest]
        #expect(rareShare > uniformShare, "class \(rarest): \(rareShare) under rare-class sampling vs \(uniformShare) uniform")
        #expect(after[rarest] > f[rarest])
        #expect(held > rareSamples.count / 2)
    }

    @Test func sameBytesForAnyThreadCount() throws {
        let s = try Scratch()
        defer { s.remove() }
        _ = try s.run(Self.rare, threads: 2)
        #expect(try s.sameManifestOnOneThread(Self.rare))
    }

    /// `sampling: uniform` writes exactly what a pipeline without the key writes, with no `sampling` entry.
    @Test func uniformIsTodaysRun() throws {
        let s = try Scratch()
        defer { s.remove() }
        let plain = try s.run(Self.pipeline(sampling: nil)).manifest
        let other = s.dir.appendingPathComponent("u").path
        let uniform = try s.run(Self.pipeline(sampling: "uniform"), output: other).manifest
        // The shards' tensors (their metadata names the pipeline file, whose text differs).
        for (a, b) in zip(plain.shards, uniform.shards) {
            let x = try SafeTensorsFile(path: "\(s.out.path)/\(a.file)"), y = try SafeTensorsFile(path: "\(other)/\(b.file)")
            #expect(try x.bytes("image") == y.bytes("image") && x.bytes("label") == y.bytes("label"))
        }
        #expect(plain.shards.count == uniform.shards.count)
        #expect(plain.shards.map(\.repeats) == uniform.shards.map(\.repeats))
        #expect(plain.sampling == nil && uniform.sampling == nil)
        #expect(plain.shards.allSatisfy { $0.params.allSatisfy { $0["rare_class"] == nil && $0["crop_retries"] == nil } })
    }

    @Test func badKeysAreRefusedAtTheirLine() throws {
        let s = try Scratch()
        defer { s.remove() }
        for (sampling, message) in [
            ("rare", "p.yaml:1:45: 'input.sampling' is 'rare'"),
            ("{rare_class: {temperature: 0}}", "p.yaml:1:"),
            ("{rare_class: {temprature: 0.1}}", "did you mean 'temperature'?"),
            ("{rare_class: {min_pixels: 0}}", "min_pixels"),
            ("{rare_class: {crop_retries: 1000}}", "crop_retries"),
            ("{rare: {}}", "'input.sampling' names the method 'rare'"),
        ] {
            #expect(throws: (any Error).self) { _ = try s.spec(Self.pipeline(sampling: sampling)) }
            do { _ = try s.spec(Self.pipeline(sampling: sampling)) } catch {
                #expect("\(error)".contains(message), "\(sampling): \(error)")
                #expect("\(error)".hasPrefix("p.yaml:1:") || "\(error)".contains("p.yaml:1:"), "\(sampling): \(error)")
            }
        }
        let spec = try s.spec(Self.pipeline(sampling: "{rare_class: {}}"))
        #expect(spec.sampling == .rareClass(RareClassSampling(temperature: 0.01, minPixels: 1, cropRetries: 10)))
    }

    /// An old manifest without `sampling` still reads; a damaged one is refused naming the key.
    @Test func manifestGate() throws {
        let s = try Scratch()
        defer { s.remove() }
        _ = try s.run(Self.rare)
        let path = s.out.appendingPathComponent("index.json")
        let text = try String(contentsOf: path, encoding: .utf8)
        var json = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        var sampling = try #require(json["sampling"] as? [String: Any])
        sampling["after"] = [0.5]
        json["sampling"] = sampling
        try JSONSerialization.data(withJSONObject: json).write(to: path)
        #expect { _ = try Manifest.load(from: s.out.path) } throws: { "\($0)".contains("`sampling` `after` has 1 entries, not one per class (11)") }
        json["sampling"] = nil
        try JSONSerialization.data(withJSONObject: json).write(to: path)
        #expect(try Manifest.load(from: s.out.path).sampling == nil)
    }
}
