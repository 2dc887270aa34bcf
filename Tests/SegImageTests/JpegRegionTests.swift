import CImageCodecs
import Foundation
import SegFormat
import Testing
@testable import SegImage

/// Decoding a box of a JPEG (`ImageCodec.decodeRGB(_:shrink:id:path:box:)`) against the same box of
/// a whole decode, its oracle: every layout libjpeg reads here, every shrink, boxes at and between
/// the iMCU edges, and files that may be truncated.
@Suite struct JpegRegionTests {
    /// A photo re-encoded by libvips in several layouts, at a size that ends inside an iMCU.
    static func variants() throws -> [(name: String, data: Data)] {
        try Vips.start()
        let photo = try Data(contentsOf: fixtures.appendingPathComponent("labelme-voc/JPEGImages/2011_000025.jpg"))
        let whole = try ImageCodec.decodeRGB(photo, id: "p", path: "p").0
        let odd = whole.window(Resample.Window(x0: 3, y0: 5, x1: 3 + 437, y1: 5 + 301))
        var out: [(String, Data)] = [("as shipped (baseline 4:2:0)", photo)]
        for (name, options) in [("4:4:4", "Q=92,subsample-mode=off"), ("4:2:0 odd size", "Q=85,subsample-mode=on"),
                                ("progressive", "Q=90,interlace"), ("restart markers", "Q=90,restart-interval=3"),
                                ("optimised Huffman", "Q=75,optimize-coding")] {
            out.append((name, try Vips.encode(odd, suffix: ".jpg[\(options)]")))
        }
        for file in ["decoder/grey.jpg", "decoder/progressive.jpg", "decoder/cmyk.jpg", "decoder/sampling-422.jpg",
                     "decoder/sampling-440.jpg", "decoder/sampling-411.jpg", "decoder/sampling-422-progressive.jpg"] {
            out.append((file, try Data(contentsOf: fixtures.appendingPathComponent(file))))
        }
        return out
    }

    @Test("A box decodes to the same bytes as that box of a whole decode", arguments: [1, 2, 4, 8])
    func boxesEqualTheWholeDecode(shrink: Int) throws {
        var rng = SplitMix64(seed: UInt64(shrink))
        for (name, data) in try Self.variants() {
            let whole = try ImageCodec.decodeRGB(data, shrink: shrink, id: "x", path: name).0
            let (w, h) = (whole.width, whole.height)
            // Edges, single pixels, iMCU-aligned and random boxes.
            var boxes = [Resample.Window(x0: 0, y0: 0, x1: 1, y1: 1), Resample.Window(x0: w - 1, y0: h - 1, x1: w, y1: h),
                         Resample.Window(x0: 0, y0: h / 2, x1: w, y1: h), Resample.Window(x0: w / 2, y0: 0, x1: w, y1: h / 3)]
            for a in [8, 16, 32] where 2 * a + 2 < min(w, h) {
                boxes.append(Resample.Window(x0: a, y0: a, x1: min(w, 3 * a + 1), y1: min(h, 2 * a + 1)))
                boxes.append(Resample.Window(x0: a - 1, y0: a + 1, x1: w - a + 1, y1: h - a - 1))
            }
            for _ in 0..<40 {
                let x0 = Int(rng.next() % UInt64(w)), y0 = Int(rng.next() % UInt64(h))
                let x1 = x0 + 1 + Int(rng.next() % UInt64(w - x0)), y1 = y0 + 1 + Int(rng.next() % UInt64(h - y0))
                boxes.append(Resample.Window(x0: x0, y0: y0, x1: x1, y1: y1))
            }
            for box in boxes {
                let (part, _) = try ImageCodec.decodeRGB(data, shrink: shrink, id: "x", path: name) { pw, ph in
                    #expect(pw == w && ph == h)
                    return box
                }
                #expect(part.x == box.x0 && part.y == box.y0 && part.width == w && part.height == h)
                #expect(part.raster.width == box.width && part.raster.height == box.height)
                #expect(part.raster.pixels == whole.window(box).pixels, "\(name) shrink \(shrink) box \(box)")
            }
        }
    }

    @Test("A box past the image is clipped to it; no box, or an empty one, decodes the whole image")
    func boxesOutsideAreClipped() throws {
        let data = try Self.variants()[1].data
        let whole = try ImageCodec.decodeRGB(data, id: "x", path: "x").0
        let clipped = try ImageCodec.decodeRGB(data, shrink: 1, id: "x", path: "x") { w, h in
            Resample.Window(x0: -5, y0: h - 10, x1: 20, y1: h + 7)
        }.0
        #expect(clipped.x == 0 && clipped.y == whole.height - 10 && clipped.raster.width == 20 && clipped.raster.height == 10)
        #expect(clipped.raster.pixels == whole.window(Resample.Window(x0: 0, y0: whole.height - 10, x1: 20, y1: whole.height)).pixels)
        for box in [nil, Resample.Window(x0: 5, y0: 5, x1: 5, y1: 9), Resample.Window(x0: -9, y0: 0, x1: -1, y1: 4)] {
            let part = try ImageCodec.decodeRGB(data, shrink: 1, id: "x", path: "x") { _, _ in box }.0
            #expect(part.isWhole && part.raster.pixels == whole.pixels)
        }
    }

    @Test("A truncated JPEG is refused for a box above the cut as for a whole decode", arguments: [1, 2])
    func truncatedFilesAreRefusedForAnyBox(shrink: Int) throws {
        try Vips.start()
        let data = try Data(contentsOf: fixtures.appendingPathComponent("labelme-voc/JPEGImages/2011_000003.jpg"))
        let cut = data.prefix(data.count * 3 / 4)
        do {
            _ = try ImageCodec.decodeRGB(cut, shrink: shrink, id: "2011_000003", path: "cut.jpg") { w, _ in
                Resample.Window(x0: 0, y0: 0, x1: w / 2, y1: 8)
            }
            Issue.record("a truncated JPEG decoded in a box")
        } catch let e as SampleError {
            #expect(e.file == "cut.jpg" && e.id == "2011_000003")
            #expect(e.problem == "cannot be decoded as an image (Premature end of JPEG file)")
        }
        // The whole file still decodes in a box afterwards (nothing shared between calls).
        let part = try ImageCodec.decodeRGB(data, shrink: shrink, id: "x", path: "x") { w, h in
            Resample.Window(x0: w / 4, y0: h / 4, x1: w / 2, y1: h / 2)
        }.0
        let whole = try ImageCodec.decodeRGB(data, shrink: shrink, id: "x", path: "x").0
        #expect(part.raster.pixels == whole.window(
            Resample.Window(x0: part.x, y0: part.y, x1: part.x + part.raster.width, y1: part.y + part.raster.height)).pixels)
    }

    /// A box in the middle of the image.
    static func middle(_ w: Int, _ h: Int) -> Resample.Window { Resample.Window(x0: w / 4, y0: h / 4, x1: w / 2, y1: h / 2) }

    @Test("A box leaves rows and columns out of the decode for every layout; files a whole decode could refuse past it are decoded whole")
    func whatIsLeftOut() throws {
        for (name, data) in try Self.variants() {
            let decoded = try #require(try ImageCodec.decodeJPEG(data, shrink: 1, id: "x", path: name, box: Self.middle))
            #expect(!decoded.wholeRead, "\(name): the box was decoded alone")
        }
        let data = try Self.variants()[0].data
        let whole = try ImageCodec.decodeRGB(data, id: "x", path: "x").0
        // A comment segment between the scan and the end, bytes after the end marker, no end marker.
        var commented = data.dropLast(2)
        commented.append(contentsOf: [0xFF, 0xFE, 0x00, 0x06, 0x61, 0x62, 0x63, 0x64, 0xFF, 0xD9])
        let trailing = data + Data([0x00, 0x01, 0x02])
        // Without its end marker the file is refused as truncated, in a box as whole.
        for box in [nil, Self.middle] as [((Int, Int) -> Resample.Window)?] {
            do {
                _ = try ImageCodec.decodeRGB(data.dropLast(2), shrink: 1, id: "x", path: "x") { w, h in box?(w, h) }
                Issue.record("a JPEG without its end marker decoded")
            } catch let e as SampleError {
                #expect(e.problem == "cannot be decoded as an image (Premature end of JPEG file)")
            }
        }
        for (what, file) in [("a segment after the scan", Data(commented)), ("bytes after the end", trailing)] {
            let decoded = try #require(try ImageCodec.decodeJPEG(file, shrink: 1, id: "x", path: what, box: Self.middle))
            #expect(decoded.wholeRead, "\(what): decoded whole")
            let b = Self.middle(whole.width, whole.height)
            #expect(decoded.part.raster.pixels == whole.window(b).pixels, "\(what): the same pixels")
        }
    }

    @Test("A file cut short with an end marker put back decodes alike in a box and whole", arguments: [1, 2])
    func cutWithEndMarker(shrink: Int) throws {
        let data = try Data(contentsOf: fixtures.appendingPathComponent("labelme-voc/JPEGImages/2011_000003.jpg"))
        let cut = data.prefix(data.count * 3 / 4) + Data([0xFF, 0xD9])
        let whole = try ImageCodec.decodeRGB(cut, shrink: shrink, id: "x", path: "x").0
        for box in [Self.middle(whole.width, whole.height), Resample.Window(x0: 0, y0: whole.height - 9, x1: 40, y1: whole.height)] {
            let part = try ImageCodec.decodeRGB(cut, shrink: shrink, id: "x", path: "x") { _, _ in box }.0
            #expect(part.raster.pixels == whole.window(box).pixels, "box \(box)")
        }
    }

    /// `sp_jpeg_read_rgb_region` into `capacity` bytes (64 guard bytes after them): its status,
    /// message, the box's bytes, and whether the guard bytes are untouched.
    static func readRegion(_ data: Data, box: Resample.Window, capacity: Int) -> (Int32, String, [UInt8], guarded: Bool) {
        var w: Int32 = 0, h: Int32 = 0, bands: Int32 = 0, status: Int32 = 0, whole: Int32 = 0
        var err = [CChar](repeating: 0, count: 256)
        var out = [UInt8](repeating: 7, count: capacity + 64)
        let rc = data.withUnsafeBytes { raw -> Int32 in
            let decoder = sp_jpeg_open(raw.baseAddress, raw.count, 1, &w, &h, &bands, &status, nil, 0)
            defer { sp_jpeg_close(decoder) }
            return out.withUnsafeMutableBufferPointer { o in
                err.withUnsafeMutableBufferPointer { e in
                    sp_jpeg_read_rgb_region(decoder, raw.baseAddress, raw.count, o.baseAddress, capacity, Int32(box.x0), Int32(box.y0),
                                            Int32(box.width), Int32(box.height), 1, &whole, e.baseAddress, e.count)
                }
            }
        }
        let message = err.withUnsafeBufferPointer { p in p.baseAddress.map { String(cString: $0) } ?? "" }
        return (rc, message, Array(out.prefix(box.width * box.height * 3)), out.suffix(64).allSatisfy { $0 == 7 })
    }

    @Test("Without slack past the box the rows are copied with the same bytes; a buffer smaller than the box is refused untouched")
    func slackAndShortBuffers() throws {
        for (name, data) in try Self.variants() {
            let whole = try ImageCodec.decodeRGB(data, id: "x", path: "x").0
            var rng = SplitMix64(seed: 11)
            var boxes = [Self.middle(whole.width, whole.height), Resample.Window(x0: min(40, whole.width - 1), y0: min(30, whole.height - 1), x1: min(41, whole.width), y1: min(90, whole.height)),
                         Resample.Window(x0: 0, y0: 0, x1: 3, y1: whole.height), Resample.Window(x0: whole.width - 2, y0: 5, x1: whole.width, y1: 9)]
            for _ in 0..<30 {
                let x0 = Int(rng.next() % UInt64(whole.width)), y0 = Int(rng.next() % UInt64(whole.height))
                boxes.append(Resample.Window(x0: x0, y0: y0, x1: x0 + 1 + Int(rng.next() % UInt64(whole.width - x0)),
                                             y1: y0 + 1 + Int(rng.next() % UInt64(whole.height - y0))))
            }
            for box in boxes {
                // Nothing is written past the buffer given, with or without the slack.
                let exact = Self.readRegion(data, box: box, capacity: box.width * box.height * 3)
                #expect(exact.0 == 0 && exact.2 == whole.window(box).pixels && exact.guarded, "\(name) box \(box)")
                let slack = Self.readRegion(data, box: box, capacity: box.width * box.height * 3 + Int(SP_JPEG_REGION_SLACK))
                #expect(slack.0 == 0 && slack.2 == whole.window(box).pixels && slack.guarded, "\(name) box \(box)")
                let short = Self.readRegion(data, box: box, capacity: box.width * box.height * 3 - 1)
                #expect(short.0 == -1 && short.1 == "the buffer is smaller than the region")
                #expect(short.2.allSatisfy { $0 == 7 } && short.guarded, "\(name): nothing written")
            }
        }
    }
}
