import SegImage
import Foundation
import SegFormat
import Testing
@testable import SegPipeline

/// The one image reader: bit depths and colour spaces read as Pillow reads them (or refused by
/// name), every header checked against the pixel limit before decoding, files larger than any image
/// within the limit refused before they are read.
@Suite struct ImageGateTests {
    static let dir = fixtures.appendingPathComponent("image-depths")

    @Test(arguments: ["rgb16.png", "rgba16.png", "cmyk.tif"])
    func readAsPillowConvertsToRGB(_ name: String) throws {
        try Vips.start()
        let data = try Data(contentsOf: Self.dir.appendingPathComponent(name))
        let (image, _) = try ImageCodec.decodeRGB(data, id: name, path: name)
        let expectedName = (name as NSString).deletingPathExtension + ".expected.png"
        let (expected, _) = try ImageCodec.decodeRGB(Data(contentsOf: Self.dir.appendingPathComponent(expectedName)), id: name, path: expectedName)
        #expect(image.width == expected.width && image.height == expected.height)
        #expect(image.pixels == expected.pixels, "\(name) differs from Pillow's RGB")
    }

    @Test func a16BitGreyImageIsRefusedByName() throws {
        try Vips.start()
        let data = try Data(contentsOf: Self.dir.appendingPathComponent("grey16.png"))
        let e = #expect(throws: SampleError.self) { _ = try ImageCodec.decodeRGB(data, id: "g", path: "grey16.png") }
        #expect(e?.description.contains("it is a 16-bit greyscale image, which has no single 8-bit reading") == true, "\(String(describing: e))")
    }

    /// A folders dataset of one 40x24 image and a colour-coded TIFF label of `labelSize`.
    func colourLabelled(labelSize: (Int, Int), maxPixels: Int) throws -> (URL, PipelineSpec) {
        try Vips.start()
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("gate-\(UUID().uuidString)")
        for sub in ["images", "labels"] { try FileManager.default.createDirectory(at: root.appendingPathComponent(sub), withIntermediateDirectories: true) }
        try Vips.savePNG(Raster(width: 40, height: 24, fill: [9, 9, 9]), to: root.appendingPathComponent("images/a.png").path)
        let label = try Vips.encode(Raster(width: labelSize.0, height: labelSize.1, fill: [0, 0, 0]), suffix: ".tif")
        try label.write(to: root.appendingPathComponent("labels/a.tif"))
        let yaml = """
        input: {format: folders, root: \(root.path), image_suffix: .png, label_suffix: .tif, label_colors: [{color: [0, 0, 0], class: sea}]}
        classes: [sea]
        stages: [{decode: {max_pixels: \(maxPixels)}}, {letterbox: {size: [16, 16]}}]
        output: {dir: out}
        """
        return (root, try PipelineSpec.parse(yaml, file: root.appendingPathComponent("p.yaml").path))
    }

    @Test func aColourLabelThatIsNotAPNGIsCheckedBeforeDecoding() throws {
        let (root, spec) = try colourLabelled(labelSize: (100, 100), maxPixels: 1000)
        defer { try? FileManager.default.removeItem(at: root) }
        let input = try DatasetInput(spec.input)
        var s = Sample(record: input.records[0], repeatIndex: 0)
        let e = #expect(throws: SampleError.self) { try spec.process(&s) }
        #expect(e?.description.contains("claims 100x100 pixels in its header, above the limit of 1000") == true, "\(String(describing: e))")
        // Within the limit, the same dataset reads.
        let (root2, ok) = try colourLabelled(labelSize: (40, 24), maxPixels: 1000)
        defer { try? FileManager.default.removeItem(at: root2) }
        var good = Sample(record: try DatasetInput(ok.input).records[0], repeatIndex: 0)
        try ok.process(&good)
        #expect(good.label.pixels.allSatisfy { $0 == 0 } && good.label.width == 16)
    }

    @Test func aHugeSparseFileIsRefusedUnread() throws {
        let (root, spec) = try colourLabelled(labelSize: (40, 24), maxPixels: 1000)
        defer { try? FileManager.default.removeItem(at: root) }
        let image = root.appendingPathComponent("images/a.png").path
        let fd = open(image, O_WRONLY | O_TRUNC)
        #expect(fd >= 0)
        #expect(ftruncate(fd, 64 << 20) == 0)   // 64 MiB of holes
        close(fd)
        let input = try DatasetInput(spec.input)
        var s = Sample(record: input.records[0], repeatIndex: 0)
        let e = #expect(throws: SampleError.self) { try spec.process(&s) }
        let limit = FileGate.fileLimit(maxPixels: 1000)
        #expect(e?.description.contains("image file is \(64 << 20) bytes, more than the \(limit) bytes any file within the pixel limit takes") == true, "\(String(describing: e))")
    }

    /// A header claiming a side past 32 bits is refused by the gate (the kernels' sizes are 32-bit),
    /// even under a pixel limit that would let its area through.
    @Test func aSidePast32BitsIsRefused() throws {
        let error = #expect(throws: SampleError.self) {
            try FileGate.check(1 << 31, 1, limit: 1 << 40, id: "a", path: "wide.png")
        }
        #expect(error?.description == "wide.png: claims 2147483648x1 pixels in its header, a side longer than 2147483647 pixels (a damaged file), so it was not decoded; re-export the image, or run with --on-error skip")
        try FileGate.check(1 << 20, 1, limit: 1 << 40, id: "a", path: "wide.png")
    }
}
