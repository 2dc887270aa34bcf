import SegImage
import Foundation
import SegFormat
import Testing
@testable import SegPipeline

/// The multi-image stages: `mosaic` against mmsegmentation's RandomMosaic (every `random_mosaic`
/// case of fixtures/golden-mmseg-aug, inputs, draws and expectations read from the files),
/// `class_mix` by its properties, both through a real run.
@Suite struct MixStageTests {
    typealias G = AugmentParityTests

    /// Every RandomMosaic case: the placements of its parts, and the output of the stage's static
    /// function with the recorded centre and donor pairs (the not-applied case: the sample as it
    /// is, which the stage keeps when it fits the canvas).
    @Test func mosaicIsRandomMosaic() throws {
        let f = try G.file()
        let cases = (G.params["random_mosaic"]?.object ?? [:]).filter { $0.value["top_left_pair"] != nil }.sorted { $0.key < $1.key }
        var checked = 0
        for (name, c) in cases {
            let scale = try #require(c["img_scale_hw"]?.ints)
            let ratio = try #require(c["center_ratio_range"]?.doubles)
            let pad = try #require(c["pad_val"]?.int), segPad = try #require(c["seg_pad_val"]?.int)
            let prob = try #require(c["prob"]?.double)
            let yaml = "- mosaic: {img_scale: [\(scale[0]), \(scale[1])], center_ratio_range: [\(ratio[0]), \(ratio[1])], fill: \(pad), label_fill: \(segPad), p: \(prob)}"
            let stage = try G.stage(yaml, as: MosaicStage.self)
            let names = [try #require(c["top_left_pair"]?.string)] + (c["mixed_in_pairs"]?.array ?? []).compactMap(\.string)
            #expect(names.count == 4, "\(name): pairs")
            let parts = try names.map { try G.pair($0) }
            if c["mosaic"]?.bool == true {
                let center = try #require(c["center_xy"]?.ints)
                // Placements as mmseg computes them.
                for (k, part) in (c["parts"]?.array ?? []).enumerated() {
                    let at = MosaicStage.placement(corner: k, partWidth: parts[k].image.width, partHeight: parts[k].image.height,
                                                   centerX: center[0], centerY: center[1], height: scale[0], width: scale[1])
                    #expect([at.width, at.height] == part["resized_wh"]?.ints, "\(name) part \(k): size")
                    #expect([at.paste.x0, at.paste.y0, at.paste.x1, at.paste.y1] == part["paste_x1y1x2y2"]?.ints, "\(name) part \(k): paste")
                    #expect([at.crop.x0, at.crop.y0, at.crop.x1, at.crop.y1] == part["crop_x1y1x2y2"]?.ints, "\(name) part \(k): crop")
                }
                let draw = MosaicStage.Draw(donors: c["mix_indices"]?.ints ?? [], applied: true, centerX: center[0], centerY: center[1])
                let out = stage.output(parts.map { ($0.image, $0.label) }, draw: draw, ignore: 21)
                #expect([out.image.height, out.image.width] == c["output_hw"]?.ints, "\(name): size")
                #expect(sha(out.image.pixels) == G.expected(c["image"]), "\(name): image")
                #expect(sha(out.label.pixels) == G.expected(c["label"]), "\(name): label")
                if c["stored"]?.bool == true {
                    #expect(out.image.pixels == (try f.bytes("mosaic.\(name).image")), "\(name): stored image")
                    #expect(out.label.pixels == (try f.bytes("mosaic.\(name).label")), "\(name): stored label")
                }
            } else {
                let out = stage.output(parts.map { ($0.image, $0.label) }, draw: MosaicStage.Draw(donors: c["mix_indices"]?.ints ?? [], applied: false, centerX: 0, centerY: 0), ignore: 21)
                #expect(sha(out.image.pixels) == G.expected(c["image"]), "\(name): image (not applied)")
                #expect(sha(out.label.pixels) == G.expected(c["label"]), "\(name): label (not applied)")
            }
            checked += 1
        }
        #expect(checked >= 6)
    }

    /// Samples of random blocks of classes 0..3 (and some ignore) with random pixels.
    static func synthetic(_ n: Int, width: Int = 24, height: Int = 16, seed: UInt64 = 3) -> [Sample] {
        var r = SeededRandom(seed: seed)
        return (0..<n).map { i in
            var image = [UInt8](repeating: 0, count: width * height * 3)
            for k in image.indices { image[k] = UInt8(truncatingIfNeeded: r.next()) }
            var label = [UInt8](repeating: 0, count: width * height)
            let blocks = (0..<6).map { _ in UInt8(r.below(4)) }
            for y in 0..<height { for x in 0..<width { label[y * width + x] = y == 0 && x < 3 ? 21 : blocks[(y / 8) * 3 + x / 8] } }
            return Sample(id: "s\(i)", image: Raster(width: width, height: height, channels: 3, pixels: image),
                          label: Raster(width: width, height: height, channels: 1, pixels: label))
        }
    }

    static func donors(_ samples: [Sample]) -> Donors {
        Donors(records: samples.map { SampleRecord(id: $0.id, image: $0.id, label: $0.id) }) { index, _, _, _ in samples[index] }
    }

    static func mix(_ yaml: String, classes: Int = 21) throws -> ClassMixStage {
        let spec = try stages("- decode: {}\n- letterbox: {size: [16, 24]}\n" + yaml, classes: classes)
        return try #require(spec.stages[2] as? ClassMixStage)
    }

    @Test func classMixPastesDonorPixelsExactly() throws {
        let samples = Self.synthetic(5)
        var context = StageContext(classes: 21, height: 16, width: 24)
        context.donors = Self.donors(samples)
        var pasted = 0
        for yaml in ["- class_mix: {p: 1}", "- class_mix: {p: 1, classes: [1, class2]}"] {
            let stage = try Self.mix(yaml)
            for (i, source) in samples.enumerated() {
                for rep in 0..<4 {
                    var s = source
                    s.repeatIndex = rep
                    var rng = SeededRandom(seed: 9, id: s.id, repeatIndex: rep, stage: 2)
                    try stage.apply(&s, random: &rng, context: context)
                    let k = try #require(s.params["class_mix_donor"].map { Int($0) })
                    #expect(k != i && samples.indices.contains(k), "donor is another sample")
                    let donor = samples[k]
                    let chosen = Set((0..<21).filter { s.params["class_mix_class_\($0)"] == 1 })
                    #expect(Double(chosen.count) == s.params["class_mix_classes"])
                    if yaml.contains("classes") { #expect(chosen.isSubset(of: [1, 2])) }
                    let present = Set(ClassMixStage.present(donor.label, classes: 21, ignore: 21))
                    #expect(chosen.isSubset(of: present))
                    if !yaml.contains("classes") { #expect(chosen.count == (present.count + 1) / 2) }
                    for p in 0..<(16 * 24) {
                        let d = Int(donor.label.pixels[p]), o = Int(s.label.pixels[p])
                        #expect(o == d || o == Int(source.label.pixels[p]), "label from source or donor")
                        if chosen.contains(d) {
                            #expect(o == d && Array(s.image.pixels[(3 * p)..<(3 * p + 3)]) == Array(donor.image.pixels[(3 * p)..<(3 * p + 3)]))
                            pasted += 1
                        } else {
                            #expect(o == Int(source.label.pixels[p]) && Array(s.image.pixels[(3 * p)..<(3 * p + 3)]) == Array(source.image.pixels[(3 * p)..<(3 * p + 3)]))
                        }
                    }
                }
            }
        }
        #expect(pasted > 0)
    }

    /// 16-bit labels paste whole values, and an 8-bit side is widened.
    @Test func classMixPastesSixteenBitLabels() {
        let w = 4, h = 2
        let image = Raster(width: w, height: h, fill: [1, 2, 3]), donorImage = Raster(width: w, height: h, fill: [9, 8, 7])
        var label = Raster(width: w, height: h, channels: 1, pixels: [0, 1, 0, 1, 0, 1, 0, 1])
        let donorValues: [UInt16] = [300, 302, 300, 1, 302, 302, 0, 1]
        let donorLabel = Raster(width: w, height: h, channels: 2, pixels: donorValues.flatMap { [UInt8(truncatingIfNeeded: $0), UInt8(truncatingIfNeeded: $0 >> 8)] })
        var out = image
        ClassMixStage.paste(image: &out, label: &label, donorImage: donorImage, donorLabel: donorLabel, classes: [302, 1])
        #expect(label.channels == 2)
        let values = label.labelValues
        for i in 0..<(w * h) {
            let pasted = [302, 1].contains(Int(donorValues[i]))
            #expect(values[i] == (pasted ? donorValues[i] : UInt16(i % 2)))
            #expect(Array(out.pixels[(3 * i)..<(3 * i + 3)]) == (pasted ? [9, 8, 7] : [1, 2, 3]))
        }
    }

    @Test func classMixIdentities() throws {
        let samples = Self.synthetic(3)
        var context = StageContext(classes: 21, height: 16, width: 24)
        context.donors = Self.donors(samples)
        // p: 0 is the identity.
        let off = try Self.mix("- class_mix: {p: 0}")
        for s0 in samples {
            var s = s0
            var rng = SeededRandom(seed: 1, id: s.id, repeatIndex: 0, stage: 2)
            try off.apply(&s, random: &rng, context: context)
            #expect(s.image == s0.image && s.label == s0.label && s.params["class_mix"] == 0)
        }
        // Named classes absent from every donor paste nothing.
        let absent = try Self.mix("- class_mix: {p: 1, classes: [17, class20]}")
        for s0 in samples {
            var s = s0
            var rng = SeededRandom(seed: 1, id: s.id, repeatIndex: 0, stage: 2)
            try absent.apply(&s, random: &rng, context: context)
            #expect(s.image == s0.image && s.label == s0.label && s.params["class_mix_classes"] == 0)
        }
    }

    @Test func captionsShowTheMixes() {
        let text = ContactSheet.caption(id: "a", repeatIndex: 0, params: ["mosaic": 1, "mosaic_donor1": 4, "class_mix": 1, "class_mix_donor": 3, "class_mix_classes": 2])
        #expect(text == "a #0\nmosaic 1  class_mix_donor 3  class_mix_classes 2")
        #expect(ContactSheet.caption(id: "a", repeatIndex: 0, params: ["mosaic": 0, "class_mix": 0]) == "a #0\n")
    }

    @Test func mixStagesAreRefusedWhereTheyCannotWork() throws {
        func message(_ yaml: String) -> String {
            do { _ = try stages(yaml); return "" } catch { return "\(error)" }
        }
        #expect(message("- decode: {}\n- letterbox: {size: [16, 24]}\n- class_mix: {classes: [cat]}").contains("names 'cat', which is not a class"))
        #expect(message("- decode: {}\n- letterbox: {size: [16, 24]}\n- class_mix: {classes: [40]}").contains("40, which is not a class index"))
        #expect(message("- decode: {}\n- class_mix: {}\n- letterbox: {size: [16, 24]}").contains("the size must be fixed before it"))
        #expect(message("- decode: {}\n- tile: {size: [16, 16]}\n- class_mix: {}") == "")
        #expect(message("- decode: {}\n- tile: {size: [16, 16]}\n- mosaic: {}").contains("already fixed the output size"))
        #expect(message("- decode: {}\n- letterbox: {size: [16, 24]}\n- mosaic: {}").contains("already fixed the output size"))
        #expect(message("- decode: {}\n- mosaic: {}\n- pad: {size: [1280, 1280]}") == "")
        #expect(message("- decode: {}\n- mosaic: {img_scale: [32, 32]}\n- pad: {size: [32, 32]}").contains("larger than it pads to"))
        #expect(message("- decode: {}\n- mosaic: {}\n- random_crop: {size: [512, 512]}\n- pad: {size: [512, 512]}") == "")
        // A class named twice, by index and by name.
        #expect(message("- decode: {}\n- letterbox: {size: [16, 24]}\n- class_mix: {classes: [3, class3]}").contains("names class 3 ('class3') twice"))
        // Nested multi-image stages run the earlier ones on every donor: bounded to 16 source samples an output.
        let mixes = { (k: Int) in "- decode: {}\n- letterbox: {size: [16, 24]}\n" + String(repeating: "- class_mix: {p: 1}\n", count: k) }
        #expect(message(mixes(4)) == "")
        let five = message(mixes(5))
        #expect(five.contains(":10:") && five.contains("'class_mix' after 'class_mix', 'class_mix', 'class_mix', 'class_mix' would make each output sample from 32 source samples"), "\(five)")
        #expect(message("- decode: {}\n- mosaic: {}\n- pad: {size: [1280, 1280]}\n- class_mix: {}") == "")
        let twice = message("- decode: {}\n- mosaic: {}\n- mosaic: {}\n- pad: {size: [2560, 2560]}\n- class_mix: {}")
        #expect(twice.contains("'class_mix' after 'mosaic', 'mosaic' would make each output sample from 32 source samples") && twice.contains("at most 16 are allowed"), "\(twice)")
    }

    static let mixed = """
    input: {root: data, split: train}
    classes: 11
    seed: 7
    repeats: 2
    stages:
      - decode: {}
      - remap_labels: {above: 10, to: ignore}
      - mosaic: {img_scale: [32, 48], p: 0.8}
      - pad: {size: [64, 96]}
      - class_mix: {p: 0.7}
      - flip: {}
    output: {dir: out, samples_per_shard: 3}
    """

    @Test func mixStagesRunWithTheSameBytesOnAnyThreadCount() throws {
        let s = try Scratch(count: 4)
        defer { s.remove() }
        let one = try s.run(Self.mixed, output: s.dir.appendingPathComponent("t1").path, threads: 1)
        _ = try s.run(Self.mixed, output: s.dir.appendingPathComponent("t2").path, threads: 2)
        let a = try s.files(s.dir.appendingPathComponent("t1").path)
        #expect(a == (try s.files(s.dir.appendingPathComponent("t2").path)))
        #expect(one.samples == 8)
        // Partitions draw the same donors: each part's shards are the whole run's.
        for k in 0..<2 {
            let part = s.dir.appendingPathComponent("part\(k)").path
            _ = try s.run(Self.mixed, output: part, threads: 2, partition: Partition(k: k, n: 2))
            for (file, bytes) in try s.files(part) where file.hasPrefix("shard-") { #expect(a[file] == bytes, "part \(k): \(file)") }
        }
        let params = one.manifest.shards.flatMap(\.params)
        #expect(params.contains { $0["mosaic"] == 1 && $0["mosaic_donor3"] != nil && $0["mosaic_center_x"] != nil })
        #expect(params.contains { $0["class_mix"] == 1 && $0["class_mix_donor"] != nil })
    }

    /// The shipped recipe runs on its fixture (the first frames) and records its mixes.
    @Test func theMixRecipeRuns() throws {
        let spec = try PipelineSpec.load(path: packageRoot.appendingPathComponent("pipelines/camvid-mix.yaml").path)
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("segprep-mix-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        let summary = try PipelineRunner(spec: spec, options: RunOptions(output: out.path, threads: 2, limit: 5)).run()
        #expect(summary.samples == 10 && summary.manifest.image.shape == [256, 256, 3])
        let params = summary.manifest.shards.flatMap(\.params)
        #expect(params.allSatisfy { $0["mosaic"] == 1 && ($0["mosaic_donor1"] ?? -1) >= 0 && ($0["mosaic_donor3"] ?? 5) < 5 })
        #expect(params.contains { $0["class_mix"] == 1 } && params.contains { $0["class_mix"] == 0 })
        // Only the named classes are pasted: pole 2, signsymbol 6, pedestrian 9, bicyclist 10.
        #expect(params.allSatisfy { p in p.keys.filter { $0.hasPrefix("class_mix_class_") }.allSatisfy { ["class_mix_class_2", "class_mix_class_6", "class_mix_class_9", "class_mix_class_10"].contains($0) } })
    }

    /// After `tile`, donors are windows of the input's images (a window min_labelled leaves out
    /// pastes nothing); the bytes do not depend on the thread count.
    @Test func classMixPastesWindowsAfterTile() throws {
        let path = packageRoot.appendingPathComponent("pipelines/potsdam-tiles.yaml").path
        let shipped = try String(contentsOfFile: path, encoding: .utf8)
        let text = shipped.replacingOccurrences(of: "  - flip: {p: 0.5}\n", with: "  - class_mix: {p: 1}\n  - flip: {p: 0.5}\n")
        #expect(text.contains("class_mix"))
        let spec = try PipelineSpec.parse(text, file: path)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("segprep-tilemix-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        var files: [[String: Data]] = []
        var params: [[String: Double]] = []
        for threads in [1, 2] {
            let out = dir.appendingPathComponent("t\(threads)")
            let summary = try PipelineRunner(spec: spec, options: RunOptions(output: out.path, threads: threads, limit: 10)).run()
            var d: [String: Data] = [:]
            for name in try FileManager.default.contentsOfDirectory(atPath: out.path) { d[name] = try Data(contentsOf: out.appendingPathComponent(name)) }
            files.append(d)
            params = summary.manifest.shards.flatMap(\.params)
        }
        #expect(files[0] == files[1])
        #expect(params.count > 2 && params.allSatisfy { $0["class_mix"] == 1 && $0["class_mix_donor"] != nil })
        #expect(params.contains { ($0["class_mix_classes"] ?? 0) > 0 })
    }

    /// A bad donor fails the samples it is drawn for, each naming the donor's file.
    @Test func aBadDonorIsNamed() throws {
        let s = try Scratch(count: 6)
        defer { s.remove() }
        let bad = s.ids[1]
        try Data([0xFF, 0xD8, 0x00]).write(to: s.data.appendingPathComponent("JPEGImages/\(bad).png"))
        let text = Self.mixed.replacingOccurrences(of: "  - class_mix: {p: 0.7}\n", with: "")
        #expect(!text.contains("class_mix"))
        let summary = try s.run(text, onError: .skip)
        let reasons = summary.manifest.skipped.filter { $0.id != bad }.map(\.reason)
        #expect(!reasons.isEmpty && reasons.allSatisfy { $0.contains("(donor '\(bad)' of 'mosaic')") && $0.contains("JPEGImages/\(bad).png") }, "\(reasons)")
        #expect(summary.manifest.skipped.contains { $0.id == bad } && summary.samples > 0)
    }

    @Test func oneSampleIsRefusedBeforeAnyPixel() throws {
        let s = try Scratch(count: 1)
        defer { s.remove() }
        do {
            _ = try s.run(Self.mixed)
            Issue.record("a mosaic over one sample ran")
        } catch let e as PipelineError {
            #expect("\(e)".contains("p.yaml:8:") && "\(e)".contains("'mosaic' mixes each sample with other samples"), "\(e)")
        }
        #expect(!FileManager.default.fileExists(atPath: s.out.path))
        // Every command that makes samples refuses it alike, `bench stages` included.
        let path = s.dir.appendingPathComponent("p.yaml").path
        try Self.mixed.write(toFile: path, atomically: true, encoding: .utf8)
        for command in [["bench", "stages", path, "--limit", "1", "--repeats", "1"], ["inspect", path, "--count", "1", "--out", s.dir.appendingPathComponent("sheet.png").path]] {
            let (status, text) = try segPrep(command)
            #expect(status != 0 && text.contains("p.yaml:8:") && text.contains("'mosaic' mixes each sample with other samples"), "\(command[0]): \(text)")
        }
    }
}
