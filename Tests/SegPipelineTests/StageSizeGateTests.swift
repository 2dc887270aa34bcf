import Foundation
import SegFormat
import SegImage
import Testing
@testable import SegPipeline

/// Sizes a stage computes from its draws pass one gate before anything is allocated or divided by
/// them: an empty or over-budget raster fails its sample with a message, never a trap.
@Suite struct StageSizeGateTests {
    func pipeline(_ stages: String, extra: String = "") -> String {
        """
        input: {root: data, split: train}
        classes: 11
        seed: 7
        \(extra)stages:
          - decode: {}
        \(stages)
        output: {dir: out, samples_per_shard: 5}
        """
    }

    @Test func aResizeToNothingFailsItsSampleWithAMessage() throws {
        let s = try Scratch(count: 2)
        defer { s.remove() }
        for (k, later) in ["  - letterbox: {size: [32, 32]}", "  - random_resize: {size: [32, 32]}\n  - place: {}",
                      "  - resize: {scale: [32, 32]}\n  - random_crop: {size: [16, 16]}\n  - pad: {size: [16, 16]}"].enumerated() {
            let out = s.dir.appendingPathComponent("out\(k)").path
            let text = pipeline("  - resize: {scale: [1, 1], ratio_range: [0.01, 0.01]}\n" + later)
            do {
                _ = try s.run(text, output: out)
                Issue.record("a run resized samples to nothing")
            } catch {
                #expect("\(error)".contains("would be resized to 0x0 by 'resize', an empty image; raise 'resize.scale' or 'resize.ratio_range'"), "\(error)")
            }
            // Skipped, every sample names the reason; none is left, which the run says.
            do {
                _ = try s.run(text, output: out, force: true, onError: .skip)
                Issue.record("a run kept samples resized to nothing")
            } catch {
                #expect("\(error)".contains("an empty image"), "\(error)")
            }
        }
    }

    @Test func aSkippedSampleLeavesTheOthersAsTheyWere() throws {
        let s = try Scratch(count: 1)
        defer { s.remove() }
        let text = pipeline("  - resize: {scale: [2, 2], ratio_range: [1, 1]}\n  - letterbox: {size: [16, 16]}")
        let alone = try s.run(text, output: s.dir.appendingPathComponent("alone").path)
        // A 1x40 image keeps no column at this scale; the camvid frame is still 2 pixels a side.
        try Vips.savePNG(Raster(width: 1, height: 40, fill: [10, 20, 30]), to: s.data.appendingPathComponent("JPEGImages/thin.png").path)
        try Vips.savePNG(Raster(width: 1, height: 40, fill: [1]), to: s.data.appendingPathComponent("SegmentationClass/thin.png").path)
        try s.writeSplit(s.ids + ["thin"])
        let mixed = try s.run(text, output: s.dir.appendingPathComponent("mixed").path, onError: .skip)
        #expect(mixed.manifest.skipped.map(\.id) == ["thin"])
        #expect(mixed.manifest.skipped.first?.reason.contains("would be resized to 0x2 by 'resize', an empty image") == true, "\(mixed.manifest.skipped)")
        #expect(mixed.manifest.sampleCount == alone.manifest.sampleCount)
        // The kept sample's tensors are the same bytes (the headers differ only in their run keys).
        func tensors(_ folder: String) throws -> Data {
            let d = try s.files(s.dir.appendingPathComponent(folder).path)["shard-00000.safetensors"] ?? Data()
            guard d.count >= 8 else { return Data() }
            let n = d.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
            return n >= 0 && 8 + n <= d.count ? Data(d.dropFirst(8 + n)) : Data()
        }
        let kept = try tensors("mixed"), reference = try tensors("alone")
        #expect(!kept.isEmpty && kept == reference)
    }

    @Test func aCanvasBeyondThePixelBudgetIsRefusedBeforeItIsAllocated() throws {
        let s = try Scratch(count: 2)
        defer { s.remove() }
        let text = pipeline("  - mosaic: {img_scale: [16384, 16384], p: 1}\n  - letterbox: {size: [32, 32]}")
        do {
            _ = try s.run(text)
            Issue.record("a 32768x32768 mosaic canvas was made")
        } catch {
            #expect("\(error)".contains("would become 32768x32768 in 'mosaic', more than the"), "\(error)")
            #expect("\(error)".contains("lower 'mosaic.img_scale', or raise --max-pixels"), "\(error)")
        }
    }

    @Test func theCommandLineSaysSoToo() throws {
        let s = try Scratch(count: 2)
        defer { s.remove() }
        let path = s.dir.appendingPathComponent("p.yaml").path
        try pipeline("  - resize: {scale: [1, 1], ratio_range: [0.01, 0.01]}\n  - letterbox: {size: [32, 32]}")
            .write(toFile: path, atomically: true, encoding: .utf8)
        for args in [["run", path, "--output", s.dir.appendingPathComponent("cli").path], ["inspect", path, "--json"], ["bench", "stages", path, "--limit", "1"]] {
            let (status, text) = try segPrep(args)
            #expect(status == 1 && text.contains("an empty image"), "\(args): \(text)")
        }
        // Skipping them all leaves inspect nothing to show: a failure naming why, not an empty sheet.
        let (status, text) = try segPrep(["inspect", path, "--on-error", "skip", "--out", s.dir.appendingPathComponent("sheet.png").path])
        #expect(status == 1 && text.contains("an empty image") && text.contains("made no sample to show"), "\(text)")
        #expect(!FileManager.default.fileExists(atPath: s.dir.appendingPathComponent("sheet.png").path))
    }
}

/// Tiles: the window count is known before any window is listed, and bounded; windows and canvases
/// pass the renderer's size gate.
@Suite struct TileBoundsTests {
    @Test func theWindowCountIsTheListsLength() {
        var rng = SplitMix64(seed: 3)
        for _ in 0..<400 {
            let h = Int(rng.next() % 300) + 1, w = Int(rng.next() % 300) + 1
            let size = (Int(rng.next() % 64) + 1, Int(rng.next() % 64) + 1), stride = (Int(rng.next() % 80) + 1, Int(rng.next() % 80) + 1)
            for border in [TileWindow.Border.pad, .shift] {
                let listed = TileWindow.grid(imageHeight: h, imageWidth: w, size: (size.0, size.1), stride: (stride.0, stride.1), border: border).count
                let counted = TileWindow.count(length: h, size: size.0, stride: stride.0, border: border)
                    * TileWindow.count(length: w, size: size.1, stride: stride.1, border: border)
                #expect(listed == counted, "\(h)x\(w) size \(size) stride \(stride) \(border)")
            }
        }
    }

    @Test func tooManyWindowsAreRefusedBeforeTheyAreListed() throws {
        let s = try Scratch(count: 1)
        defer { s.remove() }
        let text = """
        input: {root: data, split: train}
        classes: 11
        stages:
          - decode: {}
          - tile: {size: [1, 1], stride: [1, 1]}
        output: {dir: out}
        """
        // A camvid frame (480x360) is 172,800 windows, listed; a 4100x4100 image is 16,810,000.
        let spec = try s.spec(text)
        #expect((try DatasetInput(spec, root: s.data.path)).records.count == 480 * 360)
        let big = Raster(width: 4100, height: 4100, fill: [9, 9, 9])
        try Vips.savePNG(big, to: s.data.appendingPathComponent("JPEGImages/\(s.ids[0]).png").path)
        try Vips.savePNG(Raster(width: 4100, height: 4100, fill: [1]), to: s.data.appendingPathComponent("SegmentationClass/\(s.ids[0]).png").path)
        do {
            _ = try DatasetInput(spec, root: s.data.path)
            Issue.record("16,810,000 windows were listed")
        } catch {
            #expect("\(error)".contains("'tile' cuts more than \(TileStage.maxWindows) windows from the input"), "\(error)")
        }
    }

    @Test func aCanvasBeyondThePixelLimitIsRefusedByTheRenderer() throws {
        let s = try Scratch(count: 1)
        defer { s.remove() }
        // Tiles read labels as windows: a greyscale label of class indices (camvid's palette repeats a colour).
        try Vips.savePNG(Raster(width: 480, height: 360, fill: [1]), to: s.data.appendingPathComponent("SegmentationClass/\(s.ids[0]).png").path)
        for stage in ["pad: {size: [16384, 16384]}", "letterbox: {size: [16384, 16384]}", "tile: {size: [16384, 16384], border: shift}"] {
            let text = "input: {root: data, split: train}\nclasses: 11\nstages:\n  - decode: {}\n  - \(stage)\noutput: {dir: out}\n"
            do {
                _ = try s.run(text, output: s.dir.appendingPathComponent("o\(stage.prefix(3))").path)
                Issue.record("\(stage): a 16384x16384 output was made")
            } catch {
                let by = stage.hasPrefix("tile") ? "'tile'" : "its output window"
                #expect("\(error)".contains("would become 16384x16384 in \(by), more than the"), "\(stage): \(error)")
            }
        }
    }
}
