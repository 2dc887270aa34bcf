import SegImage
import Foundation
import SegFormat
import Testing
@testable import SegPipeline

/// `random_crop` right after `decode` on a large source reads only its windows; the samples equal
/// those of decoding the whole image (the same pipeline with `crop_reads_above` above its size).
@Suite struct WindowedCropTests {
    static func pipeline(input: String, classes: String, threshold: Int, crop: String) -> String {
        """
        version: 1
        input: \(input)
        classes: \(classes)
        seed: 5
        repeats: 3
        stages:
          - decode: {crop_reads_above: \(threshold)}
          - random_crop: \(crop)
          - flip: {p: 0.5}
          - pad: {size: [256, 320]}
        output: {dir: out, samples_per_shard: 4}
        """
    }

    @Test(arguments: [("{format: folders, root: \(TileTests.potsdam.path), images: images, labels: labels, image_suffix: .jpg, label_suffix: .png, label_colors: isprs}",
                       TileTests.classes),
                      ("{root: data, split: train}", "11\nignore_index: 255")])
    func windowsEqualTheWholeImagePath(input: String, classes: String) throws {
        let s = try Scratch(count: 4)
        defer { s.remove() }
        try Vips.start()
        // CamVid's palette PNGs repeat a colour (unused entries), which only the whole path reads:
        // as grey index PNGs both paths apply.
        for id in s.ids {
            let file = s.data.appendingPathComponent("SegmentationClass/\(id).png")
            let label = try ImageCodec.readLabel(try Data(contentsOf: file), id: id, path: file.path)
            try Vips.encode(label, suffix: ".png").write(to: file)
        }
        // The windowed path is the one taken.
        let spec = try s.spec(Self.pipeline(input: input, classes: classes, threshold: 1, crop: "{size: [256, 320]}"))
        let records = try DatasetInput(spec, root: nil).records
        var probe = Sample(record: records[0], repeatIndex: 0)
        var rng = SeededRandom(seed: 1, id: "x", repeatIndex: 0, stage: 0)
        try spec.stages[0].apply(&probe, random: &rng, context: spec.context)
        #expect(probe.windowedSource && probe.image.pixels.isEmpty)
        var retried = false
        for crop in ["{size: [256, 320], cat_max_ratio: 0.75}", "{size: [256, 320], cat_max_ratio: 0.35}", "{size: [256, 320]}"] {
            let whole = s.dir.appendingPathComponent("whole").path, windows = s.dir.appendingPathComponent("windows").path
            _ = try s.run(Self.pipeline(input: input, classes: classes, threshold: 1 << 30, crop: crop), output: whole, force: true)
            _ = try s.run(Self.pipeline(input: input, classes: classes, threshold: 1, crop: crop), output: windows, force: true)
            let a = try SourceTests.samples(whole), b = try SourceTests.samples(windows)
            #expect(a.ids == b.ids && !a.ids.isEmpty)
            #expect(a.images == b.images, "\(crop)")
            #expect(a.labels == b.labels, "\(crop)")
            let pa = try Manifest.load(from: whole).shards.flatMap(\.params), pb = try Manifest.load(from: windows).shards.flatMap(\.params)
            #expect(pa == pb)
            retried = retried || pa.contains { ($0["crop_tries"] ?? 0) > 1 }
        }
        #expect(retried, "some crop should need more than one try for the test to cover the label windows")
    }
}
