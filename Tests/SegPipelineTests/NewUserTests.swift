import SegImage
import Foundation
import SegFormat
import Testing
@testable import SegPipeline

/// What a new user sees on a folders dataset whose files carry suffixes (`<id>.img.png` images,
/// `<id>_mask.png` labels): check, inspect, run, export, train, predict and eval through the CLI,
/// with the outputs each promises.
@Suite(.serialized) struct NewUserTests {
    func dataset() throws -> (dir: URL, pipeline: String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("new-user-\(UUID().uuidString)")
        let fm = FileManager.default
        for sub in ["data/images", "data/labels"] { try fm.createDirectory(at: dir.appendingPathComponent(sub), withIntermediateDirectories: true) }
        let src = fixtures.appendingPathComponent("camvid-mini")
        let ids = try String(contentsOf: src.appendingPathComponent("ImageSets/Segmentation/train.txt"), encoding: .utf8)
            .split(separator: "\n").prefix(4).map(String.init)
        for id in ids {
            try fm.copyItem(at: src.appendingPathComponent("JPEGImages/\(id).png"), to: dir.appendingPathComponent("data/images/\(id).img.png"))
            try fm.copyItem(at: src.appendingPathComponent("SegmentationClass/\(id).png"), to: dir.appendingPathComponent("data/labels/\(id)_mask.png"))
        }
        let pipeline = dir.appendingPathComponent("p.yaml").path
        try """
        version: 1
        input: {format: folders, root: data, image_suffix: .img.png, label_suffix: _mask.png}
        classes: 11
        stages:
          - decode: {}
          - remap_labels: {above: 10, to: ignore}
          - letterbox: {size: [32, 32]}
        output: {dir: out, samples_per_shard: 2}
        """.write(toFile: pipeline, atomically: true, encoding: .utf8)
        return (dir, pipeline)
    }

    @Test func fromCheckToEval() throws {
        let (dir, pipeline) = try dataset()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = { (name: String) in dir.appendingPathComponent(name).path }

        var r = try segPrep(["check", pipeline])
        #expect(r.0 == 0 && r.1.contains("4 of 4 samples read (4 images decoded whole)"), "\(r.1)")
        let wrong = path("wrong.yaml")
        try String(contentsOfFile: pipeline, encoding: .utf8).replacingOccurrences(of: "_mask.png", with: ".png").write(toFile: wrong, atomically: true, encoding: .utf8)
        r = try segPrep(["check", wrong])
        #expect(r.0 != 0 && r.1.contains("set `label_suffix: _mask.png`"), "\(r.1)")
        #expect(r.1.split(separator: "\n").count < 5, "\(r.1)")

        r = try segPrep(["inspect", pipeline, "--count", "2", "--out", path("sheet.png")])
        #expect(r.0 == 0 && FileManager.default.fileExists(atPath: path("sheet.png")), "\(r.1)")
        r = try segPrep(["run", pipeline, "--json"])
        #expect(r.0 == 0, "\(r.1)")
        r = try segPrep(["inspect", path("out"), "--index", "4", "--json"])
        #expect(r.0 != 0 && r.1.contains("holds 4 samples (0..3)"), "\(r.1)")

        r = try segPrep(["export", path("out"), "--format", "webdataset", "--output", path("wds")])
        #expect(r.0 == 0, "\(r.1)")
        #expect(!r.1.contains("\r"), "progress written to a file: \(r.1)")
        let (_, members) = try runProcess(URL(fileURLWithPath: "/usr/bin/env"), ["tar", "-tf", path("wds/shard-00000.tar")])
        #expect(members.contains("00000000.seg.png"))
        _ = try runProcess(URL(fileURLWithPath: "/usr/bin/env"), ["tar", "-xf", path("wds/shard-00000.tar"), "-C", dir.path, "00000000.seg.png"])
        let png = try Data(contentsOf: dir.appendingPathComponent("00000000.seg.png"))
        #expect(png[25] == 0, "labels in the export are greyscale PNGs (colour type 0), not palette ones")

        r = try segPrep(["train", "--train", path("out"), "--val", path("out"), "--out", path("runs"), "--batch-size", "2",
                         "--max-steps", "1", "--threads", "1", "--workers", "1"])
        #expect(r.0 == 0, "\(r.1)")
        let checkpoint = path("runs/last.safetensors")
        r = try segPrep(["predict", "--checkpoint", checkpoint, "--pipeline", pipeline, "--out", path("data/images")])
        #expect(r.0 != 0 && r.1.contains("which predict reads"), "\(r.1)")
        r = try segPrep(["predict", "--checkpoint", checkpoint, "--pipeline", pipeline, "--out", path("pred"), "--overlay", path("overlays")])
        #expect(r.0 == 0, "\(r.1)")
        let ids = try FileManager.default.contentsOfDirectory(atPath: path("data/images")).map { String($0.dropLast(".img.png".count)) }.sorted()
        #expect(try FileManager.default.contentsOfDirectory(atPath: path("pred")).filter { $0.hasSuffix(".png") }.sorted() == ids.map { "\($0).png" })
        #expect(try FileManager.default.contentsOfDirectory(atPath: path("overlays")).filter { $0.hasSuffix(".jpg") }.count == 4)
        r = try segPrep(["eval", "--pipeline", pipeline, "--pred", path("pred"), "--json"])
        #expect(r.0 == 0 && r.1.contains("\"images\" : 4"), "\(r.1)")
        // More classes scored than the pipeline names: the extra ones are named by their index.
        let classes = try PipelineSpec.load(path: pipeline).classes.count
        r = try segPrep(["eval", "--pipeline", pipeline, "--pred", path("pred"), "--classes", "\(classes + 2)", "--json"])
        #expect(r.0 == 0 && r.1.contains("\"name\" : \"\(classes + 1)\""), "\(r.1)")
    }
}

/// One `ignore_index` in memory as on disk: a contact sheet made from a pipeline with
/// `ignore_index: 255` paints ignored pixels as the sheet made from its shards does.
@Suite struct SheetIgnoreTests {
    @Test func pipelineAndShardSheetsAgree() throws {
        let s = try Scratch(count: 2)
        defer { s.remove() }
        let text = """
        input: {root: data, split: train}
        classes: 11
        ignore_index: 255
        seed: 3
        stages:
          - decode: {}
          - remap_labels: {above: 10, to: ignore}
          - letterbox: {size: [48, 96], label_fill: ignore}
        output: {dir: out, samples_per_shard: 4}
        """
        let pipeline = s.dir.appendingPathComponent("p.yaml").path
        try text.write(toFile: pipeline, atomically: true, encoding: .utf8)
        let fromPipeline = s.dir.appendingPathComponent("a.png").path, fromShards = s.dir.appendingPathComponent("b.png").path
        var r = try segPrep(["inspect", pipeline, "--count", "2", "--out", fromPipeline])
        #expect(r.0 == 0, "\(r.1)")
        r = try segPrep(["run", pipeline])
        #expect(r.0 == 0, "\(r.1)")
        r = try segPrep(["inspect", s.out.path, "--count", "2", "--out", fromShards])
        #expect(r.0 == 0, "\(r.1)")
        try Vips.start()
        let a = try ImageFile.read(fromPipeline), b = try ImageFile.read(fromShards)
        #expect(a.width == b.width && a.height == b.height)
        #expect(a.pixels == b.pixels)
        // The letterbox bands are ignored pixels, painted white in both.
        #expect(try Manifest.load(from: s.out.path).classPixels.last ?? 0 > 0)
    }
}

/// `stats` mean and std over labelled pixels by default: computed here from the shards' bytes.
@Suite struct LabelledStatisticsTests {
    @Test func meanAndStdLeavePaddingOut() throws {
        let s = try Scratch(count: 3)
        defer { s.remove() }
        let text = Scratch.augmented.replacingOccurrences(of: "  - place: {}", with: "  - place: {fill: [0, 0, 0], label_fill: ignore}")
        _ = try s.run(text)
        let reader = try ShardReader(folder: s.out.path)
        var sums = [Double](repeating: 0, count: 3), squares = sums, n = 0.0
        var allSums = [Double](repeating: 0, count: 3), all = 0.0
        for i in 0..<reader.count {
            try reader.withSample(i) { image, label in
                for p in 0..<label.count {
                    for c in 0..<3 { allSums[c] += Double(image[3 * p + c]) }
                    all += 1
                    guard Int(label[p]) != reader.ignoreIndex else { continue }
                    n += 1
                    for c in 0..<3 { let x = Double(image[3 * p + c]); sums[c] += x; squares[c] += x * x }
                }
            }
        }
        let m = try Manifest.load(from: s.out.path)
        let labelled = ClassStats(m), everything = ClassStats(m, over: .all)
        #expect(labelled.pixels == "labelled" && everything.pixels == "all")
        #expect(n < all, "the placement pads with ignored pixels")
        for c in 0..<3 {
            let mu = sums[c] / n
            #expect(abs(labelled.mean[c] - mu / 255) < 1e-12)
            #expect(abs(labelled.std[c] - (squares[c] / n - mu * mu).squareRoot() / 255) < 1e-9)
            #expect(abs(everything.mean[c] - allSums[c] / all / 255) < 1e-12)
        }
        let (status, out) = try segPrep(["stats", s.out.path, "--json"])
        #expect(status == 0 && out.contains("\"pixels\" : \"labelled\""), "\(out)")
    }
}
