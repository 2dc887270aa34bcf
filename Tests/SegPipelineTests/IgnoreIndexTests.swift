import SegImage
import Foundation
import SegFormat
import Testing
@testable import SegPipeline

/// `ignore_index` picks the label value of ignored pixels; it is recorded in index.json and the
/// samples are otherwise those of the default (ignore = class count).
@Suite struct IgnoreIndexTests {
    static let with255 = Scratch.augmented.replacingOccurrences(of: "classes: 11\n", with: "classes: 11\nignore_index: 255\n")

    @Test func ignore255GivesTheSameSamplesWithAnotherIgnoreValue() throws {
        let s = try Scratch(count: 4)
        defer { s.remove() }
        _ = try s.run()
        let other = s.dir.appendingPathComponent("ignore255").path
        _ = try s.run(Self.with255, output: other)
        let a = try SourceTests.samples(s.out.path), b = try SourceTests.samples(other)
        #expect(a.ids == b.ids && a.images == b.images)
        let mapped = a.labels.map { Data($0.map { $0 == 11 ? 255 : $0 }) }
        #expect(mapped == b.labels)
        #expect(a.labels.contains { $0.contains(11) }, "the scratch samples must hold ignored pixels for this test to mean something")
        let m0 = try Manifest.load(from: s.out.path), m = try Manifest.load(from: other)
        #expect(m0.ignoreIndex == 11 && m.ignoreIndex == 255)
        #expect(m.classPixels == m0.classPixels && m.classPixels.count == 12)
        #expect(try ShardVerifier.verify(other).isEmpty)
        // The shard reader keeps the stored value; its manifest check accepts it.
        let reader = try ShardSamples(dir: other)
        #expect(reader.manifest.ignoreIndex == 255)
    }

    @Test func anIgnoreIndexThatIsAClassIsRefused() throws {
        let s = try Scratch(count: 1)
        defer { s.remove() }
        let text = Scratch.augmented.replacingOccurrences(of: "classes: 11\n", with: "classes: 11\nignore_index: 4\n")
        let e = #expect(throws: PipelineError.self) { try s.spec(text) }
        #expect(e?.message == "'ignore_index' is 4, which is a class index (11 classes: 0..10)")
        #expect(e?.fix.contains("ignore_index: 255") == true)
        #expect(e?.line == 3)  // the `ignore_index` line (1-based)
        let over = #expect(throws: PipelineError.self) { try s.spec(Scratch.augmented.replacingOccurrences(of: "classes: 11\n", with: "classes: 11\nignore_index: 65536\n")) }
        #expect(over?.message.contains("ignore_index") == true)
    }

    @Test func valuesBetweenTheClassesAndTheIgnoreValueAreNamed() throws {
        // Without the remap, CamVid's void (255) is the ignore value, but 11 is neither a class nor it.
        let labels = (0..<40).map { UInt8($0 % 13) } + [255]
        func map(_ v: [UInt8]) -> Raster { Raster(width: v.count, height: 1, channels: 1, pixels: v) }
        #expect(PipelineSpec.labelProblem(map(labels), classes: 11, ignore: 255) == "has label values 11, 12 beyond the 11 classes (0..10, ignore = 255)")
        #expect(PipelineSpec.labelProblem(map(labels.filter { $0 < 11 || $0 == 255 }), classes: 11, ignore: 255) == nil)
        #expect(PipelineSpec.labelProblem(map(labels.filter { $0 <= 11 }), classes: 11, ignore: 11) == nil)
        #expect(PipelineSpec.labelProblem(map([0, 12]), classes: 11, ignore: 11) == "has label values 12 beyond the 11 classes (0..10, ignore = 11)")
        // The same on 16-bit maps.
        let wide = map(labels).label(bytes: 2)!
        #expect(wide.channels == 2 && wide.labelValues == labels.map(UInt16.init))
        #expect(PipelineSpec.labelProblem(wide, classes: 11, ignore: 255) == "has label values 11, 12 beyond the 11 classes (0..10, ignore = 255)")
        // A whole run names the sample; nothing is written.
        let s = try Scratch(count: 2)
        defer { s.remove() }
        let text = Self.with255.replacingOccurrences(of: "  - remap_labels: {above: 10, to: ignore}\n", with: "  - remap_labels: {map: {255: 12}}\n")
        let e = #expect(throws: RunFailure.self) { try s.run(text) }
        #expect(e?.description.contains("beyond the 11 classes (0..10, ignore = 255)") == true)
        #expect(!FileManager.default.fileExists(atPath: s.out.appendingPathComponent("index.json").path))
    }
}
