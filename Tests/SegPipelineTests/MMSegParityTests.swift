import SegImage
import Foundation
import SegFormat
import Testing
@testable import SegPipeline

/// The mmseg recipe's stages against mmsegmentation 1.2.2 / mmcv 2.1 outputs with explicit draws
/// (fixtures/golden-mmseg: SHA-256s and stored arrays of every case, of the RGB arrays).
@Suite struct MMSegParityTests {
    static let dir = fixtures.appendingPathComponent("golden-mmseg")
    nonisolated(unsafe) static let params: [String: Any] = {
        let data = try! Data(contentsOf: dir.appendingPathComponent("params.json"))
        return try! JSONSerialization.jsonObject(with: data) as! [String: Any]
    }()

    static func cases(_ section: String) -> [(String, [String: Any])] {
        (params[section] as! [String: Any]).filter { !$0.key.contains("verification") }
            .compactMap { k, v in (v as? [String: Any]).map { (k, $0) } }.sorted { $0.0 < $1.0 }
    }

    static func expected(_ entry: Any?, _ key: String) -> String? { ((entry as? [String: Any])?[key] as? [String: Any])?["sha256"] as? String }

    /// The recipe's stages, built from a pipeline file.
    static let spec: PipelineSpec = try! stages("""
    - decode: {}
    - resize: {scale: [2048, 512], ratio_range: [0.5, 2.0], keep_ratio: true}
    - random_crop: {size: [512, 512], cat_max_ratio: 0.75}
    - photometric: {}
    - pad: {size: [512, 512], fill: 0, label_fill: 255}
    """, classes: 150)
    static var resize: ResizeStage { spec.stages[1] as! ResizeStage }
    static var crop: RandomCropStage { spec.stages[2] as! RandomCropStage }

    /// The resize case `name`'s input (reduce-zero-label applied to the label when `reduce`) and output.
    static func resized(_ name: String, reduce: Bool = false) throws -> Sample {
        let c = (params["resize"] as! [String: Any])[name] as! [String: Any]
        var s = try decodedPair(c["pair"] as! String)
        if reduce { s.label.mapLabels(ADE20KSource.reduceZeroLabel(ignore: 255)) }
        try resize.resize(&s, ratio: c["ratio"] as! Double)
        try s.render()
        return s
    }

    @Test func resizeIsCv2AndMmcvImrescale() throws {
        var checked = 0
        for (name, c) in Self.cases("resize") {
            let s = try Self.resized(name)
            let hw = c["output_hw"] as! [Int]
            #expect([s.image.height, s.image.width] == hw, "\(name)")
            #expect(sha(s.image.pixels) == Self.expected(c, "image"), "\(name): image")
            #expect(sha(s.label.pixels) == Self.expected(c, "label"), "\(name): label")
            checked += 1
        }
        #expect(checked >= 18)
    }

    @Test func randomCropPicksMmsegsWindow() throws {
        for (name, c) in Self.cases("crop") {
            let s = try Self.resized(c["resize_case"] as! String, reduce: c["reduce_zero_label"] as? Bool ?? false)
            let candidates = (c["candidates_hw"] as! [[Int]]).map { ($0[0], $0[1]) }
            let picked = Self.crop.pick(s.label, candidates: candidates, ignore: 255)
            #expect(picked == c["picked"] as? Int, "\(name)")
            let (y, x) = candidates[picked]
            let image = RandomCropStage.crop(s.image, y: y, x: x, height: 512, width: 512)
            let label = RandomCropStage.crop(s.label, y: y, x: x, height: 512, width: 512)
            #expect(sha(image.pixels) == Self.expected(c, "image"), "\(name): image")
            #expect(sha(label.pixels) == Self.expected(c, "label"), "\(name): label")
            // What a run does: only the window is resampled, with the same result.
            let rc = (Self.params["resize"] as! [String: Any])[c["resize_case"] as! String] as! [String: Any]
            let source = try decodedPair(rc["pair"] as! String)
            let window = Resample.Window(x0: x, y0: y, x1: x + image.width, y1: y + image.height)
            #expect(CVResize.bilinear(source.image, width: s.image.width, height: s.image.height, window: window) == image, "\(name): window")
        }
    }

    @Test func padIsMmcvPad() throws {
        let stage = Self.spec.stages[4]
        for (name, c) in Self.cases("pad") {
            var s = try Self.resized(c["resize_case"] as! String)
            if s.image.width > 512 || s.image.height > 512 {
                // mmcv's Pad keeps a side already above 512; seg-prep's pad refuses it (shards are fixed-size).
                var rng = SeededRandom(seed: 0)
                #expect(throws: SampleError.self) { try stage.apply(&s, random: &rng, context: Self.spec.context) }
                continue
            }
            var rng = SeededRandom(seed: 0)
            try stage.apply(&s, random: &rng, context: Self.spec.context)
            try s.render()
            #expect(sha(s.image.pixels) == Self.expected(c, "image"), "\(name): image")
            #expect(sha(s.label.pixels) == Self.expected(c, "label"), "\(name): label")
        }
    }

    @Test func photometricIsPhotoMetricDistortion() throws {
        let file = try SafeTensorsFile(path: Self.dir.appendingPathComponent("mmseg.safetensors").path)
        let photometric = Self.params["photometric"] as! [String: Any]
        let sets = photometric["param_sets"] as! [String: [String: Any]]
        var checked = 0
        for (name, o) in (photometric["outputs"] as! [String: [String: Any]]).sorted(by: { $0.key < $1.key }) {
            let input = try file.info("photometric.\(o["input"] as! String).input")
            let p = sets[o["params"] as! String]!
            var image = Raster(width: input.shape[1], height: input.shape[0], channels: 3,
                               pixels: try file.bytes("photometric.\(o["input"] as! String).input"))
            PhotometricStage.distort(&image, Self.draw(p))
            #expect(image.pixels == (try file.bytes("photometric.\(name).output")), "\(name)")
            checked += 1
        }
        #expect(checked == 24)
    }

    static func draw(_ p: [String: Any]) -> PhotometricStage.Draw {
        PhotometricStage.Draw(
            beta: (p["brightness"] as! Bool) ? p["beta"] as? Double : nil,
            contrastFirst: (p["mode"] as! Int) == 1,
            contrastAlpha: (p["contrast"] as! Bool) ? p["contrast_alpha"] as? Double : nil,
            saturationAlpha: (p["saturation"] as! Bool) ? p["saturation_alpha"] as? Double : nil,
            hueDelta: (p["hue"] as! Bool) ? p["hue_delta"] as? Int : nil)
    }

    /// The whole recipe (load with reduce-zero-label or not, resize, crop, flip, photometric) with
    /// the draws mmseg made, against its stored outputs.
    @Test func theChainEqualsMmsegs() throws {
        let file = try SafeTensorsFile(path: Self.dir.appendingPathComponent("mmseg.safetensors").path)
        for (name, c) in Self.cases("chain") {
            var s = try decodedPair(c["pair"] as! String)
            if c["reduce_zero_label"] as? Bool == true {
                s.label.mapLabels(ADE20KSource.reduceZeroLabel(ignore: 255))
            }
            try Self.resize.resize(&s, ratio: c["ratio"] as! Double)
            try s.render()
            #expect(sha(s.image.pixels) == (c["resized_image"] as? [String: Any])?["sha256"] as? String, "\(name): resized")
            let candidates = (c["crop_candidates"] as! [[Int]]).map { ($0[0], $0[1]) }
            let picked = Self.crop.pick(s.label, candidates: candidates, ignore: 255)
            #expect(picked == c["picked"] as? Int, "\(name): picked")
            let (y, x) = candidates[picked]
            s.image = RandomCropStage.crop(s.image, y: y, x: x, height: 512, width: 512)
            s.label = RandomCropStage.crop(s.label, y: y, x: x, height: 512, width: 512)
            if c["flip"] as? Bool == true { s.image = s.image.flippedHorizontally(); s.label = s.label.flippedHorizontally() }
            PhotometricStage.distort(&s.image, Self.draw(c["photometric"] as! [String: Any]))
            #expect(s.image.pixels == (try file.bytes("chain.\(name).image")), "\(name): image")
            #expect(s.label.pixels == (try file.bytes("chain.\(name).label")), "\(name): label")
        }
    }

    @Test func theRecipeRunsAsAPipeline() throws {
        let s = try Scratch(count: 3)
        defer { s.remove() }
        let text = Scratch.augmented
            .replacingOccurrences(of: "  - random_resize: {size: [64, 96]}\n  - flip: {}\n  - place: {}\n  - hsv: {}\n",
                                  with: "  - resize: {scale: [256, 64], ratio_range: [0.5, 2.0]}\n  - random_crop: {size: [64, 64], cat_max_ratio: 0.75}\n  - flip: {}\n  - photometric: {}\n  - pad: {size: [64, 64], label_fill: ignore}\n")
        let summary = try s.run(text)
        #expect(summary.samples == 6)
        let m = try Manifest.load(from: s.out.path)
        #expect(m.image.shape == [64, 64, 3])
        #expect(m.shards[0].params[0]["ratio"] != nil && m.shards[0].params[0]["crop_tries"] != nil)
        #expect(try ShardVerifier.verify(s.out.path).isEmpty)
    }
}
