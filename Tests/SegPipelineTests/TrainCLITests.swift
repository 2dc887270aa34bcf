import SegImage
import Foundation
import SegFormat
import Testing
@testable import SegPipeline

/// `seg-prep eval` on hand-made PNGs and `seg-prep predict` with a hand-made checkpoint.
@Suite(.serialized) struct TrainCLITests {
    /// Runs the binary with separate stdout and stderr.
    func run(_ args: [String]) throws -> (status: Int32, out: String, err: String) {
        let p = Process()
        p.executableURL = segPrepBinary
        p.arguments = args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    func scratch() throws -> String {
        let dir = NSTemporaryDirectory() + "train-cli-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func evalScoresHandMadePNGs() throws {
        try Vips.start()
        let dir = try scratch()
        for sub in ["gt", "pred"] { try FileManager.default.createDirectory(atPath: "\(dir)/\(sub)", withIntermediateDirectories: true) }
        let palette = Palette.voc(ignoreIndex: 3)
        // Ground truth as palette PNGs, predictions as greyscale PNGs.
        try PalettePNG.write(Raster(width: 3, height: 2, channels: 1, pixels: [0, 1, 2, 2, 255, 1]), palette: palette, to: "\(dir)/gt/a.png")
        try Vips.savePNG(Raster(width: 3, height: 2, channels: 1, pixels: [0, 1, 1, 2, 0, 0]), to: "\(dir)/pred/a.png")
        try PalettePNG.write(Raster(width: 2, height: 2, channels: 1, pixels: [0, 0, 0, 0]), palette: palette, to: "\(dir)/gt/b.png")
        try Vips.savePNG(Raster(width: 4, height: 1, channels: 1, pixels: [0, 0, 0, 0]), to: "\(dir)/pred/b.png")
        try "sky\nroad\ncar\n".write(toFile: "\(dir)/names.txt", atomically: true, encoding: .utf8)

        let r = try run(["eval", "--gt", "\(dir)/gt", "--pred", "\(dir)/pred", "--classes", "3",
                         "--names", "\(dir)/names.txt", "--json", "--plot", "\(dir)/iou.png"])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.err.contains("Skipping b"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        #expect(abs((object["miou"] as? Double ?? 0) - 4.0 / 9) < 1e-12)
        #expect(abs((object["mpa"] as? Double ?? 0) - 2.0 / 3) < 1e-12)
        #expect(object["accuracy"] as? Double == 0.6)
        #expect(abs((object["miou_present"] as? Double ?? 0) - 4.0 / 9) < 1e-12)
        let perClass = try #require(object["per_class"] as? [[String: Any]])
        #expect(perClass.map { $0["name"] as? String } == ["sky", "road", "car"])
        #expect(perClass.map { $0["iou"] as? Double ?? -1 } == [0.5, 1.0 / 3, 0.5])
        #expect(perClass.map { $0["precision"] as? Double ?? -1 } == [0.5, 0.5, 1])
        #expect(FileManager.default.fileExists(atPath: "\(dir)/iou.png"))

        let table = try run(["eval", "--gt", "\(dir)/gt", "--pred", "\(dir)/pred", "--classes", "3", "--names", "\(dir)/names.txt"])
        #expect(table.status == 0)
        #expect(table.out.contains("road") && table.out.contains("mIoU 44.44"))

        // A names file of another length is refused before any scoring: nothing printed, no plot.
        for (count, text) in [(4, "sky\nroad\ncar\nbus\n"), (2, "sky\nroad\n")] {
            try text.write(toFile: "\(dir)/names\(count).txt", atomically: true, encoding: .utf8)
            let bad = try run(["eval", "--gt", "\(dir)/gt", "--pred", "\(dir)/pred", "--classes", "3",
                               "--names", "\(dir)/names\(count).txt", "--plot", "\(dir)/iou\(count).png"])
            #expect(bad.status != 0 && bad.err.contains("has \(count) names for 3 classes; give one name per class"), "\(bad.err)")
            #expect(bad.out.isEmpty && !FileManager.default.fileExists(atPath: "\(dir)/iou\(count).png"))
        }
    }

    @Test func aMissingCheckpointIsNamedPlainly() throws {
        let dir = try scratch()
        for (checkpoint, message) in [("\(dir)/none.safetensors", "none.safetensors: does not exist; check the path"),
                                      (dir, "is a folder, not a .safetensors file")] {
            let r = try run(["predict", "--checkpoint", checkpoint, "--input", dir, "--out", "\(dir)/pred"])
            #expect(r.status != 0 && r.err.contains(message) && !r.err.contains("The operation could not be completed"), "\(r.err)")
        }
    }

    @Test func predictWritesLabelMapsAtTheInputSize() throws {
        try Vips.start()
        let dir = try scratch()
        try FileManager.default.createDirectory(atPath: "\(dir)/images", withIntermediateDirectories: true)
        // Left half red, right half green; a portrait image all red.
        let (w, h) = (37, 23)
        var pixels = [UInt8](repeating: 0, count: w * h * 3)
        for y in 0..<h { for x in 0..<w { pixels[(y * w + x) * 3 + (x < 18 ? 0 : 1)] = 255 } }
        try Vips.savePNG(Raster(width: w, height: h, channels: 3, pixels: pixels), to: "\(dir)/images/wide.png")
        try Vips.savePNG(Raster(width: 20, height: 31, fill: [250, 10, 10]), to: "\(dir)/images/tall.png")
        // A per-pixel linear model: class 1 scores 10·(R − G), class 0 scores 0.
        var writer = SafeTensorsWriter()
        writer.add("weight", shape: [2, 3], floats: [0, 0, 0, 10, -10, 0])
        writer.add("bias", shape: [2], floats: [0, 0])
        try writer.write(to: "\(dir)/model.safetensors", metadata: ["height": "16", "width": "16", "model": "linear"])

        let r = try run(["predict", "--checkpoint", "\(dir)/model.safetensors", "--input", "\(dir)/images", "--out", "\(dir)/pred"])
        #expect(r.status == 0, "\(r.err)")
        let wide = try ImageCodec.readLabel(Data(contentsOf: URL(fileURLWithPath: "\(dir)/pred/wide.png")), id: "wide", path: "wide.png")
        #expect(wide.width == w && wide.height == h)
        #expect(Set(wide.pixels) == [0, 1])
        #expect(wide.pixels[11 * w + 2] == 1 && wide.pixels[11 * w + 34] == 0)
        #expect(wide.pixels[0] == 1 && wide.pixels[(h - 1) * w + w - 1] == 0)
        let tall = try ImageCodec.readLabel(Data(contentsOf: URL(fileURLWithPath: "\(dir)/pred/tall.png")), id: "tall", path: "tall.png")
        #expect(tall.width == 20 && tall.height == 31 && Set(tall.pixels) == [1])

        let single = try run(["predict", "--checkpoint", "\(dir)/model.safetensors", "--input", "\(dir)/images/tall.png",
                              "--out", "\(dir)/one", "--size", "8", "12"])
        #expect(single.status == 0, "\(single.err)")
        #expect(FileManager.default.fileExists(atPath: "\(dir)/one/tall.png"))
    }

    @Test func slidingWindowPredictionCoversTheWholeImage() throws {
        try Vips.start()
        let dir = try scratch()
        try FileManager.default.createDirectory(atPath: "\(dir)/images", withIntermediateDirectories: true)
        // Random pixels: a per-pixel model's answer depends on exactly which pixel lands where.
        let (w, h) = (101, 70)
        var rng = SplitMix64(seed: 11)
        let pixels = (0..<(w * h * 3)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        try Vips.savePNG(Raster(width: w, height: h, channels: 3, pixels: pixels), to: "\(dir)/images/scene.png")
        try Vips.savePNG(Raster(width: 20, height: 12, channels: 3, pixels: Array(pixels.prefix(20 * 12 * 3))), to: "\(dir)/images/small.png")
        // Class 1 scores 10·(R − G), class 0 scores 0: class 1 exactly where R > G.
        var writer = SafeTensorsWriter()
        writer.add("weight", shape: [2, 3], floats: [0, 0, 0, 10, -10, 0])
        writer.add("bias", shape: [2], floats: [0, 0])
        try writer.write(to: "\(dir)/model.safetensors", metadata: ["height": "16", "width": "16", "model": "linear"])
        for (tile, step, format) in [("32", "24", "png"), ("48", "48", "tiff"), ("16", "5", "png")] {
            let out = "\(dir)/pred-\(tile)-\(step)"
            let r = try run(["predict", "--checkpoint", "\(dir)/model.safetensors", "--input", "\(dir)/images", "--out", out,
                             "--tile", tile, "--stride", step, "--label-format", format])
            #expect(r.status == 0, "\(r.err)")
            let file = "\(out)/scene.\(format == "png" ? "png" : "tif")"
            let label = format == "png"
                ? try ImageCodec.readLabel(Data(contentsOf: URL(fileURLWithPath: file)), id: "scene", path: file)
                : try ImageCodec.decodeRGB(Data(contentsOf: URL(fileURLWithPath: file)), id: "scene", path: file).0
            #expect(label.width == w && label.height == h)
            let got = format == "png" ? label.pixels : stride(from: 0, to: label.pixels.count, by: 3).map { label.pixels[$0] }
            let want: [UInt8] = (0..<(w * h)).map { i -> UInt8 in pixels[3 * i] > pixels[3 * i + 1] ? 1 : 0 }
            // Where R == G the two scores tie up to the kernel's rounding (FMA), so either class is right.
            var differ: [Int] = []
            for i in 0..<(w * h) where got[i] != want[i] && pixels[3 * i] != pixels[3 * i + 1] { differ.append(i) }
            #expect(differ.isEmpty, "tile \(tile) stride \(step): \(differ.prefix(10))")
            #expect(FileManager.default.fileExists(atPath: "\(out)/small.\(format == "png" ? "png" : "tif")"))
        }
        let bad = try run(["predict", "--checkpoint", "\(dir)/model.safetensors", "--input", "\(dir)/images", "--out", "\(dir)/x", "--stride", "4"])
        #expect(bad.status != 0 && bad.err.contains("--stride needs --tile."))
    }

    /// `train --train-pipeline` on four camvid-mini frames drawn fresh each epoch, validated on shards
    /// `run` writes from the same pipeline; and the option refused beside --train or when both are missing.
    @Test func trainOnAPipelinesFreshDraws() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let fm = FileManager.default
        let camvid = fixtures.appendingPathComponent("camvid-mini")
        for sub in ["JPEGImages", "SegmentationClass", "ImageSets/Segmentation"] {
            try fm.createDirectory(atPath: "\(dir)/data/\(sub)", withIntermediateDirectories: true)
        }
        let ids = try String(contentsOf: camvid.appendingPathComponent("ImageSets/Segmentation/train.txt"), encoding: .utf8)
            .split(whereSeparator: \.isNewline).prefix(4).map(String.init)
        for id in ids {
            for sub in ["JPEGImages", "SegmentationClass"] {
                try fm.copyItem(atPath: camvid.appendingPathComponent("\(sub)/\(id).png").path, toPath: "\(dir)/data/\(sub)/\(id).png")
            }
        }
        try (ids.joined(separator: "\n") + "\n").write(toFile: "\(dir)/data/ImageSets/Segmentation/train.txt", atomically: true, encoding: .utf8)
        let pipeline = "\(dir)/train.yaml"
        try """
        version: 1
        input: {format: voc, root: data, split: train}
        classes: [sky, building, pole, road, pavement, tree, signsymbol, fence, car, pedestrian, bicyclist]
        seed: 42
        repeats: 1
        stages:
          - decode: {}
          - remap_labels: {above: 10, to: ignore}
          - random_resize: {size: [32, 32], jitter: 0.3, scale: [0.5, 1.5]}
          - flip: {p: 0.5}
          - place: {fill: [128, 128, 128], label_fill: ignore}
        output: {dir: val, samples_per_shard: 4}
        """.write(toFile: pipeline, atomically: true, encoding: .utf8)
        let made = try run(["run", pipeline])
        #expect(made.status == 0, "\(made.err)")

        let trained = try run(["train", "--train-pipeline", pipeline, "--val", "\(dir)/val", "--out", "\(dir)/runs",
                               "--epochs", "2", "--batch-size", "2", "--workers", "2", "--threads", "1"])
        #expect(trained.status == 0, "\(trained.err)")
        let epochLines = trained.out.split(separator: "\n").filter { $0.hasPrefix("epoch ") }
        #expect(epochLines.count == 2 && epochLines.allSatisfy { $0.contains("(wait ") }, "\(trained.out)")
        let log = try String(contentsOfFile: "\(dir)/runs/log.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(log.count == 2 && log.allSatisfy { $0.contains("\"wait_seconds\"") }, "\(log)")
        #expect(fm.fileExists(atPath: "\(dir)/runs/last.safetensors"))

        // A damaged frame: stops the training by default, and is replaced and named with on_error: skip.
        let damaged = "\(dir)/data/JPEGImages/\(ids[1]).png"
        try Data(repeating: 7, count: 100).write(to: URL(fileURLWithPath: damaged))
        let stopped = try run(["train", "--train-pipeline", pipeline, "--val", "\(dir)/val", "--out", "\(dir)/runs-bad",
                               "--epochs", "1", "--batch-size", "2", "--threads", "1"])
        #expect(stopped.status != 0 && stopped.err.contains(damaged), "\(stopped.err)")
        let skipping = "\(dir)/skip.yaml"
        try (try String(contentsOfFile: pipeline, encoding: .utf8)).replacingOccurrences(of: "repeats: 1", with: "repeats: 1\non_error: skip")
            .write(toFile: skipping, atomically: true, encoding: .utf8)
        let skipped = try run(["train", "--train-pipeline", skipping, "--val", "\(dir)/val", "--out", "\(dir)/runs-skip",
                               "--epochs", "1", "--batch-size", "2", "--threads", "1"])
        #expect(skipped.status == 0 && skipped.err.contains("warning: skipped 1 sample(s) that could not be made (on_error: skip)")
                && skipped.err.contains(damaged), "\(skipped.err)")
        try fm.removeItem(atPath: damaged)
        try fm.copyItem(atPath: camvid.appendingPathComponent("JPEGImages/\(ids[1]).png").path, toPath: damaged)

        let both = try run(["train", "--train", "\(dir)/val", "--train-pipeline", pipeline, "--val", "\(dir)/val", "--out", "\(dir)/runs2"])
        #expect(both.status != 0 && both.err.contains("train either on shard folders (--train) or on a pipeline's fresh draws (--train-pipeline), not both"), "\(both.err)")
        let neither = try run(["train", "--val", "\(dir)/val", "--out", "\(dir)/runs3"])
        #expect(neither.status != 0 && neither.err.contains("give training shard folders with --train, or a pipeline file with --train-pipeline"), "\(neither.err)")
        // Resuming the pipeline run's checkpoint on shards is a changed option, named.
        let swapped = try run(["train", "--train", "\(dir)/val", "--val", "\(dir)/val", "--out", "\(dir)/runs", "--epochs", "3",
                               "--batch-size", "2", "--resume", "\(dir)/runs/last.safetensors"])
        #expect(swapped.status != 0 && swapped.err.contains("--train-pipeline \(pipeline) (now )"), "\(swapped.err)")

        // Options that would make the loss a non-number are refused before training.
        let base = ["train", "--train", "\(dir)/val", "--val", "\(dir)/val", "--epochs", "1", "--batch-size", "2", "--threads", "1"]
        try "0\n0\n0\n0\n0\n0\n0\n0\n0\n0\n0\n".write(toFile: "\(dir)/zero.txt", atomically: true, encoding: .utf8)
        for (extra, message) in [(["--weight-decay", "inf"], "--weight-decay is inf; use 0 or more"),
                                 (["--loss", "focal", "--focal-alpha", "nan"], "--focal-alpha is nan; use a value from 0 to 1"),
                                 (["--loss", "focal", "--focal-gamma", "inf"], "--focal-gamma is inf; use 0 or more"),
                                 (["--class-weights", "\(dir)/zero.txt"], "gives every class the weight 0")] {
            let r = try run(base + ["--out", "\(dir)/refused"] + extra)
            #expect(r.status != 0 && r.err.contains(message), "\(extra): \(r.err)")
        }
        #expect(!fm.fileExists(atPath: "\(dir)/refused/last.safetensors"))
        // A learning rate that blows the weights up stops the run at the first non-finite loss, saving nothing after it.
        let diverged = try run(base + ["--out", "\(dir)/diverged", "--lr", "1e308"])
        #expect(diverged.status != 0 && diverged.err.contains("the training loss stopped being a number at epoch 1 batch"), "\(diverged.err)")
        #expect(!fm.fileExists(atPath: "\(dir)/diverged/best.safetensors") && !fm.fileExists(atPath: "\(dir)/diverged/last.safetensors"))
    }
}
