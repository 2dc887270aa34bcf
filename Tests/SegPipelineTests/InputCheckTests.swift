import SegImage
import Foundation
import SegFormat
import Testing
@testable import SegPipeline

/// `seg-prep check` names the common label mistakes before any shard is written.
@Suite struct InputCheckTests {
    func check(_ s: Scratch, _ text: String) throws -> InputCheck {
        let spec = try s.spec(text)
        return InputCheck(spec: spec, input: try DatasetInput(spec.input))
    }

    @Test func valuesBeyondTheClassesAreNamedWithTheirCounts() throws {
        let s = try Scratch(count: 2)
        defer { s.remove() }
        let noRemap = Scratch.augmented.replacingOccurrences(of: "  - remap_labels: {above: 10, to: ignore}\n", with: "")
        let c = try check(s, noRemap)
        #expect(c.samples == 2)
        #expect(c.problems.count == 1 && c.problems[0].contains("labels hold values beyond the 11 classes (0..10, ignore = 11): 255 ("), "\(c.problems)")
        #expect(c.problems[0].contains("add `- remap_labels: {above: 10, to: ignore}` after decode"))
        // With the remap the histogram counts those pixels as ignored, and nothing is wrong.
        let ok = try check(s, Scratch.augmented)
        #expect(ok.problems.isEmpty)
        let raw = try check(s, noRemap)
        #expect(ok.valuePixels[11] == raw.valuePixels[11] + raw.valuePixels[255] && raw.valuePixels[255] > 0 && ok.valuePixels.reduce(0, +) == 2 * 480 * 360)
    }

    /// The histogram's ignore row is the ignore value's pixels, whatever `ignore_index` is.
    @Test func theIgnoreRowCountsTheIgnoreValue() throws {
        let s = try Scratch(count: 2)
        defer { s.remove() }
        let text = Scratch.augmented.replacingOccurrences(of: "classes: 11\n", with: "classes: 11\nignore_index: 255\n")
        let file = s.dir.appendingPathComponent("ignore255.yaml")
        try text.write(to: file, atomically: true, encoding: .utf8)
        let (status, out) = try segPrep(["check", file.path, "--json"])
        #expect(status == 0, "\(out)")
        let rows = (try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])?["classes"] as? [[String: Any]] ?? []
        let expected = try check(s, text)
        #expect(rows.count == 12 && rows.last?["name"] as? String == "ignore" && rows.last?["index"] as? Int == 255)
        #expect(rows.last?["pixels"] as? Int == expected.valuePixels[255] && expected.valuePixels[255] > 0)
    }

    /// 16-bit label values are counted as themselves, through a 16-bit remap.
    @Test func sixteenBitLabelsAreChecked() throws {
        let s = try Scratch(count: 1)
        defer { s.remove() }
        let c = try check(s, WideLabelTests.mapped)
        #expect(c.problems.isEmpty && c.samples == 6, "\(c.problems)")
        let unmapped = try check(s, WideLabelTests.pipeline(labels: "wide-labels/labels16", classes: "11"))
        #expect(unmapped.problems.count == 1 && unmapped.problems[0].contains("16-bit labels hold values beyond the 11 classes"), "\(unmapped.problems)")
        #expect(unmapped.problems[0].contains("1007 (") && unmapped.valuePixels.count == 65536)
    }

    @Test func binaryMasksWithTwoClassesSuggestAThreshold() throws {
        let s = try Scratch(count: 2)
        defer { s.remove() }
        for id in s.ids {
            let path = s.data.appendingPathComponent("SegmentationClass/\(id).png").path
            let l = try ImageCodec.readLabel(try Data(contentsOf: URL(fileURLWithPath: path)), id: id, path: path)
            try Vips.savePNG(Raster(width: l.width, height: l.height, channels: 1, pixels: l.pixels.map { $0 == 3 ? 255 : 0 }), to: path)
        }
        let text = Scratch.augmented.replacingOccurrences(of: "classes: 11", with: "classes: 2")
            .replacingOccurrences(of: "  - remap_labels: {above: 10, to: ignore}\n", with: "")
        let c = try check(s, text)
        #expect(c.problems == ["the labels are 0/255 masks but `classes` is 2 (values 0..1, ignore = 2); add `- remap_labels: {threshold: 127}` after decode"])
    }

    @Test func colourLabelsAndUnpairedFilesAreProblems() throws {
        let s = try Scratch(count: 2)
        defer { s.remove() }
        try Vips.savePNG(Raster(width: 480, height: 360, fill: [128, 64, 128]), to: s.data.appendingPathComponent("SegmentationClass/\(s.ids[0]).png").path)
        let c = try check(s, Scratch.augmented)
        #expect(c.samples == 1 && c.problems.count == 1)
        #expect(c.problems[0].contains("is a colour-coded RGB label") && c.problems[0].contains("or add `label_colors` to `input`"), "\(c.problems)")
    }

    @Test func exifOrientationIsReadAndWarned() throws {
        let s = try Scratch(count: 2)
        defer { s.remove() }
        // A real JPEG with an APP1 Exif segment (big-endian TIFF, one IFD entry: Orientation = 6).
        var jpeg = try Data(contentsOf: fixtures.appendingPathComponent("decoder/grey.jpg"))
        var tiff: [UInt8] = Array("MM".utf8) + [0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0]
        tiff = Array("Exif\0\0".utf8) + tiff
        let app1 = [0xFF, 0xE1, UInt8((tiff.count + 2) >> 8), UInt8((tiff.count + 2) & 0xFF)] + tiff
        jpeg.insert(contentsOf: app1, at: 2)
        #expect(InputCheck.exifOrientation(jpeg) == 6)
        #expect(InputCheck.exifOrientation(try Data(contentsOf: fixtures.appendingPathComponent("decoder/grey.jpg"))) == nil)
        let size = try ImageCodec.imageSize(jpeg, id: "x", path: "x.jpg")
        let path = s.data.appendingPathComponent("JPEGImages/\(s.ids[0]).jpg")
        try jpeg.write(to: path)
        try Vips.savePNG(Raster(width: size.width, height: size.height, fill: [1]), to: s.data.appendingPathComponent("SegmentationClass/\(s.ids[0]).png").path)
        let c = try check(s, Scratch.augmented)
        #expect(c.warnings.count == 1 && c.warnings[0].hasPrefix("\(path.path): EXIF orientation 6 would rotate"), "\(c.warnings)")
        #expect(c.problems.isEmpty, "\(c.problems)")
    }
}
