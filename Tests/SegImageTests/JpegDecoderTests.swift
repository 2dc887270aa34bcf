import Foundation
import Testing
@testable import SegImage

/// The in-thread libjpeg decoder against libvips' jpegload (its oracle) and on damaged files.
@Suite struct JpegDecoderTests {
    static let files = ["labelme-voc/JPEGImages/2011_000003.jpg", "labelme-voc/JPEGImages/2011_000025.jpg",
                        "decoder/grey.jpg", "decoder/progressive.jpg"]

    @Test("libjpeg in the calling thread gives vips' pixels, full size and shrunk on load",
          arguments: files, [1, 2, 4, 8])
    func matchesVips(file: String, shrink: Int) throws {
        try Vips.start()
        let data = try Data(contentsOf: fixtures.appendingPathComponent(file))
        let direct = try #require(try ImageCodec.decodeJPEG(data, shrink: shrink, id: "x", path: file))
        let vips = try Vips.decodeWithVips(data, shrink: shrink, id: "x", path: file)
        #expect(direct.0.width == vips.0.width && direct.0.height == vips.0.height)
        #expect(direct.0.pixels == vips.0.pixels, "pixels equal")
        #expect(direct.1 == vips.1, "source bands")
        let size = try ImageCodec.imageSize(data, id: "x", path: file)
        #expect(size.jpeg && size.width / shrink == direct.0.width && size.height / shrink == direct.0.height)
    }

    @Test("CMYK and YCCK JPEGs decode as Pillow's convert(\"RGB\") does, with or without an Adobe marker",
          arguments: ["cmyk", "cmyk-noadobe", "ycck"])
    func cmykMatchesPillow(name: String) throws {
        try Vips.start()
        let dir = fixtures.appendingPathComponent("cmyk-jpeg")
        let data = try Data(contentsOf: dir.appendingPathComponent("\(name).jpg"))
        let expected = try ImageCodec.decodeRGB(try Data(contentsOf: dir.appendingPathComponent("\(name).png")), id: name, path: name).0
        let (raster, bands) = try #require(try ImageCodec.decodeJPEG(data, shrink: 1, id: name, path: name))
        #expect(bands == 4)
        #expect(raster.width == expected.width && raster.height == expected.height)
        #expect(raster.pixels == expected.pixels, "pixels equal Pillow's")
        #expect(try ImageCodec.decodeRGB(data, id: name, path: name).0.pixels == expected.pixels)
    }

    @Test("A large CMYK JPEG decodes to RGB in the calling thread")
    func cmykPhoto() throws {
        try Vips.start()
        let data = try Data(contentsOf: fixtures.appendingPathComponent("decoder/cmyk.jpg"))
        let (raster, bands) = try #require(try ImageCodec.decodeJPEG(data, shrink: 1, id: "x", path: "cmyk.jpg"))
        #expect(raster.width == 500 && raster.height == 338 && raster.channels == 3 && bands == 4)
    }

    @Test("A truncated JPEG is an error naming the file and saying why", arguments: [1, 4])
    func truncated(shrink: Int) throws {
        try Vips.start()
        let data = try Data(contentsOf: fixtures.appendingPathComponent(Self.files[0]))
        do {
            _ = try ImageCodec.decodeRGB(data.prefix(data.count / 2), shrink: shrink, id: "2011_000003", path: "cut.jpg")
            Issue.record("a truncated JPEG decoded")
        } catch let e as SampleError {
            #expect(e.file == "cut.jpg" && e.id == "2011_000003")
            #expect(e.problem == "cannot be decoded as an image (Premature end of JPEG file)")
        }
    }

    @Test("Bytes that only start like a JPEG are an error, not a crash")
    func garbage() throws {
        try Vips.start()
        let data = Data([0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46]) + Data(repeating: 7, count: 64)
        #expect(throws: SampleError.self) { _ = try ImageCodec.decodeRGB(data, id: "x", path: "bad.jpg") }
    }
}
