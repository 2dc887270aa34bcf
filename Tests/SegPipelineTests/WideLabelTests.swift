import SegImage
import Foundation
import SegTasks
import SegFormat
import Testing
@testable import SegPipeline

/// 16-bit label PNGs (Pillow-written, `fixtures/wide-labels`) and U16 label tensors above 255
/// classes, checked against the same frames' 8-bit labels through the same pipeline.
@Suite struct WideLabelTests {
    static func pipeline(labels: String, classes: String, remap: String = "", fill: String = "ignore") -> String {
        """
        version: 1
        input: {format: folders, root: \(fixtures.path), images: camvid-mini/JPEGImages, labels: \(labels), image_suffix: .png, label_suffix: .png, split: wide-labels/split.txt}
        classes: \(classes)
        seed: 3
        repeats: 2
        stages:
          - decode: {}
        \(remap.isEmpty ? "" : "  - remap_labels: \(remap)\n")  - resize: {scale: [400, 300], ratio_range: [0.5, 1.5]}
          - random_crop: {size: [128, 160], cat_max_ratio: 0.75}
          - flip: {}
          - pad: {size: [128, 160], label_fill: \(fill)}
        output: {dir: out, samples_per_shard: 4}
        """
    }

    /// The 8-bit CamVid labels: classes 0..10, void (255) ignored.
    static let narrow = pipeline(labels: "camvid-mini/SegmentationClass", classes: "11", remap: "{above: 10, to: ignore}")
    /// The 16-bit labels kept as classes: 1000·v + 7 are class indices, void (65535) the ignore
    /// value, 10008 (the class count).
    static let wide = pipeline(labels: "wide-labels/labels16", classes: "10008", remap: "{map: {65535: ignore}}")
    /// The 16-bit labels mapped back to CamVid's 11 classes.
    static let mapped = pipeline(labels: "wide-labels/labels16", classes: "11",
                                 remap: "{map: {" + (0...10).map { "\(1000 * $0 + 7): \($0)" }.joined(separator: ", ") + ", 65535: ignore}}")

    @Test func sixteenBitLabelsBecomeU16ClassesOrMapToEightBits() throws {
        let s = try Scratch(count: 1)
        defer { s.remove() }
        let dirs = ["narrow", "wide", "mapped"].map { s.dir.appendingPathComponent($0).path }
        for (text, dir) in zip([Self.narrow, Self.wide, Self.mapped], dirs) { _ = try s.run(text, output: dir) }
        let a = try SourceTests.samples(dirs[0]), b = try SourceTests.samples(dirs[1]), c = try SourceTests.samples(dirs[2])
        #expect(a.ids.count == 12 && a.ids == b.ids && a.ids == c.ids)
        #expect(a.images == b.images && a.images == c.images)
        // Mapped back to 8 bits: the 8-bit run's bytes.
        #expect(a.labels == c.labels)
        let mb = try Manifest.load(from: dirs[1]), ma = try Manifest.load(from: dirs[0])
        #expect(mb.label.dtype == .u16 && ma.label.dtype == .u8 && mb.ignoreIndex == 10008 && mb.classes.count == 10008)
        #expect(mb.shards.flatMap(\.params) == ma.shards.flatMap(\.params), "the same crops: cat_max_ratio sees the same classes")
        // Kept as 16-bit classes: each value is 1000·v + 7 of the 8-bit class v, ignore 10008.
        for (narrow, wide) in zip(a.labels, b.labels) {
            #expect(wide.count == 2 * narrow.count)
            let values = wide.withUnsafeBytes { raw in (0..<narrow.count).map { Int(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self))) } }
            let expected: [Int] = narrow.map { (n: UInt8) -> Int in n == 11 ? 10008 : 1000 * Int(n) + 7 }
            #expect(values == expected)
        }
        // Class pixel counts in the manifest follow the values; the folder verifies and loads.
        for v in 0...10 { #expect(mb.classPixels[1000 * v + 7] == ma.classPixels[v]) }
        #expect(mb.classPixels.last == ma.classPixels.last)
        #expect(try ShardVerifier.verify(dirs[1]).isEmpty)
        let reader = try ShardReader(folder: dirs[1], verifyChecksums: true)
        #expect(reader.labelType == .u16 && reader.count == 12)
        // The commands that read shards take U16 labels: inspect paints them, stats counts them.
        let sheet = s.dir.appendingPathComponent("sheet.png").path
        let (inspected, inspectText) = try segPrep(["inspect", dirs[1], "--count", "2", "--out", sheet])
        #expect(inspected == 0 && FileManager.default.fileExists(atPath: sheet), "\(inspectText)")
        let (stats, statsText) = try segPrep(["stats", dirs[1], "--json"])
        let obj = try JSONSerialization.jsonObject(with: Data(statsText.utf8)) as? [String: Any]
        #expect(stats == 0 && obj != nil, "\(statsText.prefix(300))")
        let (verified, _) = try segPrep(["verify", dirs[1]])
        #expect(verified == 0)
    }

    /// The window paths (libvips region reads: `tile`, and `random_crop` on a source `decode`
    /// leaves in its files) read 16-bit greyscale labels as 16-bit values too.
    @Test(arguments: [("  - tile: {size: [128, 160], stride: [96, 120]}", ""), ("  - random_crop: {size: [128, 160]}", "  - pad: {size: [128, 160]}")])
    func windowReadsKeepSixteenBitValues(stage: String, tail: String) throws {
        let s = try Scratch(count: 1)
        defer { s.remove() }
        // Window reads cannot map CamVid's palette (it repeats a colour): its 8-bit labels as grey PNGs.
        try Vips.start()
        let root = s.dir.appendingPathComponent("root"), fm = FileManager.default
        for d in ["images", "labels8", "labels16"] { try fm.createDirectory(at: root.appendingPathComponent(d), withIntermediateDirectories: true) }
        let ids = try String(contentsOf: fixtures.appendingPathComponent("wide-labels/split.txt"), encoding: .utf8).split(separator: "\n").map(String.init)
        for id in ids {
            try fm.copyItem(at: fixtures.appendingPathComponent("camvid-mini/JPEGImages/\(id).png"), to: root.appendingPathComponent("images/\(id).png"))
            try fm.copyItem(at: fixtures.appendingPathComponent("wide-labels/labels16/\(id).png"), to: root.appendingPathComponent("labels16/\(id).png"))
            let file = fixtures.appendingPathComponent("camvid-mini/SegmentationClass/\(id).png")
            let label = try ImageCodec.readLabel(try Data(contentsOf: file), id: id, path: file.path)
            try Vips.encode(label, suffix: ".png").write(to: root.appendingPathComponent("labels8/\(id).png"))
        }
        func text(_ labels: String, _ classes: Int, _ remap: String) -> String {
            """
            version: 1
            input: {format: folders, root: \(root.path), images: images, labels: \(labels), image_suffix: .png, label_suffix: .png}
            classes: \(classes)
            seed: 4
            stages:
              - decode: {crop_reads_above: 1}
            \(stage)
              - remap_labels: \(remap)
            \(tail)
            output: {dir: out, samples_per_shard: 8}
            """
        }
        if stage.contains("random_crop") {
            // The window path is the one taken: decode leaves the 16-bit label in its file.
            let spec = try s.spec(text("labels16", 10008, "{map: {65535: ignore}}"))
            var probe = Sample(record: try DatasetInput(spec, root: nil).records[0], repeatIndex: 0)
            var rng = SeededRandom(seed: 1)
            try spec.stages[0].apply(&probe, random: &rng, context: spec.context)
            #expect(probe.windowedSource)
        }
        let narrow = s.dir.appendingPathComponent("narrow").path, wide = s.dir.appendingPathComponent("wide").path
        _ = try s.run(text("labels8", 11, "{above: 10, to: ignore}"), output: narrow)
        _ = try s.run(text("labels16", 10008, "{map: {65535: ignore}}"), output: wide)
        let a = try SourceTests.samples(narrow), b = try SourceTests.samples(wide)
        #expect(a.ids == b.ids && a.images == b.images && !a.ids.isEmpty)
        #expect(try Manifest.load(from: wide).label.dtype == .u16)
        for (n8, w16) in zip(a.labels, b.labels) {
            let values = w16.withUnsafeBytes { raw in (0..<n8.count).map { Int(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self))) } }
            let expected: [Int] = n8.map { (n: UInt8) -> Int in n == 11 ? 10008 : 1000 * Int(n) + 7 }
            #expect(values == expected)
        }
    }

    @Test func sixteenBitValuesOutsideTheClassesAreNamed() throws {
        let s = try Scratch(count: 1)
        defer { s.remove() }
        // 16-bit labels into 11 classes without a map: each sample names its values and the fix.
        let text = Self.pipeline(labels: "wide-labels/labels16", classes: "11")
        #expect(throws: (any Error).self) { try s.run(text) }
        let summary = try? s.run(text, onError: .skip)
        #expect(summary == nil, "no sample can be kept")
        var probe = Sample(record: try DatasetInput(try s.spec(text), root: nil).records[0], repeatIndex: 0)
        let e = #expect(throws: SampleError.self) { try s.spec(text).process(&probe) }
        #expect(e?.problem.contains("has label values 1007, ") == true && e?.problem.contains("beyond the 11 classes") == true, "\(String(describing: e))")
        #expect(e?.fix.contains("remap_labels: {map:") == true)
        #expect(!FileManager.default.fileExists(atPath: s.out.appendingPathComponent("index.json").path))
        // A fill an 8-bit pipeline cannot hold, and more classes than 16 bits hold, are refused before any pixel.
        let fill = #expect(throws: PipelineError.self) { try s.spec(Self.pipeline(labels: "wide-labels/labels16", classes: "11", fill: "300")) }
        #expect(fill?.message.contains("'label_fill' is 300, above 255") == true, "\(String(describing: fill))")
        let many = #expect(throws: PipelineError.self) { try s.spec(Self.pipeline(labels: "wide-labels/labels16", classes: "70000")) }
        #expect(many?.message.contains("between 1 and 65535 classes") == true)
    }

    @Test func wideLabelsExportAsSixteenBitPNGs() throws {
        let s = try Scratch(count: 1)
        defer { s.remove() }
        let dir = s.dir.appendingPathComponent("wide").path, out = s.dir.appendingPathComponent("wds").path
        _ = try s.run(Self.wide, output: dir)
        try Vips.start()
        _ = try WebDatasetExporter(source: dir, output: out).run()
        let reader = try ShardReader(folder: dir)
        // The first sample's label PNG, extracted by the system's tar: its 16-bit values are the shard's label.
        let (status, _) = try runProcess(URL(fileURLWithPath: "/usr/bin/env"), ["tar", "-xf", out + "/shard-00000.tar", "-C", s.dir.path, "00000000.seg.png"])
        #expect(status == 0)
        let png = try Data(contentsOf: s.dir.appendingPathComponent("00000000.seg.png"))
        let decoded = try ImageCodec.readLabel(png, id: "x", path: "x")
        let stored = try reader.withSample(0) { Array($1) }
        #expect(decoded.channels == 2 && decoded.pixels == stored)
    }
}
