import Foundation
import SegFormat
import Testing
@testable import SegImage

/// `ImageHeader.size(path:)` (libjpeg, libpng, libtiff) against libvips, which reads the same files'
/// windows later: every format it reads gives libvips' size, other formats are left to libvips, and
/// a damaged or missing file is a thrown error naming it, never a size.
@Suite struct ImageHeaderTests {
    static func folder() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("image-header-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func sizesMatchLibvipsForEveryFormatItReads() throws {
        try Vips.start()
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        var files = [fixtures.appendingPathComponent("potsdam-mini/images/area1.jpg"),
                     fixtures.appendingPathComponent("cmyk-jpeg/ycck.jpg"),
                     fixtures.appendingPathComponent("image-depths/rgb16.png"),
                     fixtures.appendingPathComponent("image-depths/cmyk.tif")]
        // An odd size in the layouts libvips writes: JPEG, PNG, TIFF in strips and tiles, BigTIFF, deflate.
        let image = Raster(width: 301, height: 77, fill: [10, 200, 30])
        for (name, suffix) in [("a.png", ".png"), ("a.jpg", ".jpg[interlace]"), ("strip.tif", ".tif"),
                               ("tiled.tif", ".tif[tile,tile-width=64,tile-height=64]"), ("big.tif", ".tif[bigtiff]"),
                               ("deflate.tif", ".tif[compression=deflate]")] {
            let url = dir.appendingPathComponent(name)
            try Vips.encode(image, suffix: suffix).write(to: url)
            files.append(url)
        }
        for url in files {
            let header = try ImageHeader.size(path: url.path)
            let opened = try Vips.WindowedImage(path: url.path)
            #expect(header?.width == opened.width && header?.height == opened.height, "\(url.lastPathComponent): \(String(describing: header)) vs \(opened.width)x\(opened.height)")
        }
    }

    @Test func otherFormatsAreLeftToLibvips() throws {
        try Vips.start()
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        // A binary PGM: libvips reads its size, the header reader leaves it alone.
        let url = dir.appendingPathComponent("a.pgm")
        try (Data("P5\n9 4\n255\n".utf8) + Data(repeating: 7, count: 36)).write(to: url)
        #expect(try ImageHeader.size(path: url.path) == nil)
        let opened = try Vips.WindowedImage(path: url.path)
        #expect(opened.width == 9 && opened.height == 4)
        let empty = dir.appendingPathComponent("empty.jpg")
        try Data().write(to: empty)
        #expect(try ImageHeader.size(path: empty.path) == nil)
    }

    @Test func damagedHeadersAndMissingFilesThrowWithTheirPath() throws {
        try Vips.start()
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let image = Raster(width: 40, height: 30, fill: [5, 6, 7])
        for (name, suffix, keep) in [("cut.jpg", ".jpg", 20), ("cut.png", ".png", 20), ("cut.tif", ".tif", 12)] {
            let url = dir.appendingPathComponent(name)
            try Vips.encode(image, suffix: suffix).prefix(keep).write(to: url)
            do {
                _ = try ImageHeader.size(path: url.path)
                Issue.record("\(name): a header cut at \(keep) bytes was read")
            } catch let failure as ImageHeader.Failure {
                #expect(failure.path == url.path && !failure.reason.isEmpty && failure.description.hasPrefix(url.path + ": "), "\(failure)")
            }
        }
        let missing = dir.appendingPathComponent("missing.png").path
        #expect(throws: ImageHeader.Failure.self) { try ImageHeader.size(path: missing) }
        // A PNG declaring a zero width is refused by libpng, not returned as an empty size.
        var png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        let zero = try Vips.encode(image, suffix: ".png")
        png.append(zero[8..<16])
        png.append(Data([0, 0, 0, 0, 0, 0, 0, 30]))
        png.append(zero[24...])
        let url = dir.appendingPathComponent("zero.png")
        try png.write(to: url)
        #expect(throws: ImageHeader.Failure.self) { try ImageHeader.size(path: url.path) }
    }
}
