import CImageCodecs
import SegImage
import Foundation
import Testing
@testable import SegPipeline

/// The libdeflate fast path of the label reader against libpng (its oracle), on real label files,
/// on every scanline filter, and on damaged files.
@Suite struct LabelPNGTests {
    static let folders = ["camvid-mini", "labelme-voc", "em-membrane"]

    @Test("Every fixture label decodes the same through the fast path and through libpng", arguments: folders)
    func fixturesMatchLibpng(folder: String) throws {
        let dir = fixtures.appendingPathComponent("\(folder)/SegmentationClass")
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".png") }.sorted()
        #expect(!names.isEmpty)
        for name in names {
            let data = try Data(contentsOf: dir.appendingPathComponent(name))
            let fast = try ImageCodec.readLabel(data, id: name, path: name)
            let libpng = try ImageCodec.readLabel(data, id: name, path: name, fastPath: false)
            #expect(fast == libpng, "\(folder)/\(name)")
        }
    }

    /// A PNG of `pixels` (`width` x `height`) whose row `y` uses filter `filters[y % 5]`, its image
    /// data split over `parts` IDAT chunks.
    static func png(_ pixels: [UInt8], width: Int, height: Int, colourType: UInt8, parts: Int,
                    filters: [UInt8] = [0, 1, 2, 3, 4]) -> Data {
        func paeth(_ a: Int, _ b: Int, _ c: Int) -> Int {
            let p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c)
            return pa <= pb && pa <= pc ? a : (pb <= pc ? b : c)
        }
        var raw: [UInt8] = []
        for y in 0..<height {
            let f = filters[y % filters.count]
            raw.append(f)
            for x in 0..<width {
                let v = Int(pixels[y * width + x])
                let a = x > 0 ? Int(pixels[y * width + x - 1]) : 0
                let b = y > 0 ? Int(pixels[(y - 1) * width + x]) : 0
                let c = x > 0 && y > 0 ? Int(pixels[(y - 1) * width + x - 1]) : 0
                let predictor = [0, a, b, (a + b) / 2, paeth(a, b, c)][Int(f)]
                raw.append(UInt8(truncatingIfNeeded: v - predictor))
            }
        }
        var out = TestPNG.signature
        TestPNG.chunk("IHDR", TestPNG.header(width: width, height: height, colourType: colourType), into: &out)
        if colourType == 3 { TestPNG.chunk("PLTE", Data((0..<256 * 3).map { UInt8($0 % 251) }), into: &out) }
        let z = TestPNG.zlib(raw)
        let step = (z.count + parts - 1) / parts
        for start in stride(from: 0, to: z.count, by: step) {
            TestPNG.chunk("IDAT", z.subdata(in: (z.startIndex + start)..<(z.startIndex + min(start + step, z.count))), into: &out)
        }
        TestPNG.chunk("IEND", Data(), into: &out)
        return out
    }

    @Test("All five scanline filters, palette and grey, one or several IDAT chunks",
          arguments: [UInt8(3), UInt8(0)], [1, 3])
    func filters(colourType: UInt8, parts: Int) throws {
        var rng = SeededRandom(seed: UInt64(colourType) * 7 + UInt64(parts))
        let (w, h) = (37, 23)
        let pixels = (0..<(w * h)).map { i in i % 11 == 0 ? UInt8(255) : UInt8(truncatingIfNeeded: rng.next()) }
        let data = Self.png(pixels, width: w, height: h, colourType: colourType, parts: parts)
        let fast = try ImageCodec.readLabel(data, id: "x", path: "x.png")
        #expect(fast.pixels == pixels && fast.width == w && fast.height == h)
        #expect(try ImageCodec.readLabel(data, id: "x", path: "x.png", fastPath: false) == fast)
    }

    @Test("A damaged or cut label PNG is an error naming the file, on both paths")
    func damaged() throws {
        let pixels = [UInt8](repeating: 3, count: 40 * 30)
        let good = Self.png(pixels, width: 40, height: 30, colourType: 3, parts: 1)
        var flipped = good
        flipped[flipped.count - 20] ^= 0x5A   // inside the IDAT data: its CRC no longer matches
        for (name, data) in [("crc", flipped), ("cut", good.prefix(good.count - 30))] {
            for fast in [true, false] {
                do {
                    _ = try ImageCodec.readLabel(Data(data), id: "lab", path: "\(name).png", fastPath: fast)
                    Issue.record("\(name) decoded (fast path \(fast))")
                } catch let e as SampleError {
                    #expect(e.file == "\(name).png" && e.problem.hasPrefix("cannot be read as a label PNG ("), "\(e.problem)")
                }
            }
        }
    }

    @Test("A header announcing more pixels than the file can hold is refused before that much is allocated, on both paths")
    func headerBeyondTheFile() throws {
        // 40000 x 40000 announced (1.6 GB) over a few hundred bytes: deflate packs at most 1032:1.
        let small = Self.png([UInt8](repeating: 3, count: 40 * 30), width: 40, height: 30, colourType: 3, parts: 1)
        var out = TestPNG.signature
        TestPNG.chunk("IHDR", TestPNG.header(width: 40000, height: 40000, colourType: 3), into: &out)
        // The small file's chunks after its IHDR (PLTE, IDAT, IEND).
        out.append(small.subdata(in: (small.startIndex + 8 + 25)..<small.endIndex))
        #expect(out.withUnsafeBytes { sp_png_label_capacity($0.baseAddress, $0.count) } == 0)
        #expect(small.withUnsafeBytes { sp_png_label_capacity($0.baseAddress, $0.count) } == 41 * 30)
        for fast in [true, false] {
            do {
                _ = try ImageCodec.readLabel(out, id: "lab", path: "big.png", fastPath: fast)
                Issue.record("a label announcing 40000x40000 decoded (fast path \(fast))")
            } catch let e as SampleError {
                #expect(e.file == "big.png", "\(e.problem)")
                #expect(e.problem == "cannot be read as a label PNG (declares 40000x40000 pixels, more than its \(out.count) bytes can hold: the file is damaged or truncated)")
            }
        }
        // The same pixels under an honest header still read (nothing valid lost).
        #expect(try ImageCodec.readLabel(small, id: "lab", path: "small.png").pixels == [UInt8](repeating: 3, count: 40 * 30))
    }

    @Test("A palette PNG without its palette, or with it after the image data, is refused on both paths")
    func paletteMissingOrLate() throws {
        let good = Self.png([UInt8](repeating: 3, count: 40 * 30), width: 40, height: 30, colourType: 3, parts: 1)
        // The PLTE chunk: 4 length bytes, "PLTE", 768 bytes, CRC.
        let at = try #require((0..<(good.count - 4)).first { good[$0] == 0x50 && good.subdata(in: $0..<($0 + 4)) == Data("PLTE".utf8) }) - 4
        let plte = good.subdata(in: at..<(at + 12 + 768))
        var none = good
        none.removeSubrange(at..<(at + 12 + 768))
        var late = none
        late.insert(contentsOf: plte, at: late.count - 12)   // before IEND, after IDAT
        for (name, data) in [("no palette", none), ("palette after the data", late)] {
            for fast in [true, false] {
                do {
                    _ = try ImageCodec.readLabel(data, id: "lab", path: "p.png", fastPath: fast)
                    Issue.record("\(name) decoded (fast path \(fast))")
                } catch let e as SampleError {
                    #expect(e.file == "p.png" && e.problem.hasPrefix("cannot be read as a label PNG ("), "\(name): \(e.problem)")
                }
            }
        }
        #expect(try ImageCodec.readLabel(good, id: "lab", path: "p.png").pixels == [UInt8](repeating: 3, count: 40 * 30))
    }

    @Test("Highly compressed masks of few bits a pixel are not taken for headers beyond their file", arguments: [1, 2, 4, 8])
    func lowBitDepthMasksRead(depth: Int) throws {
        // An all-background 1024x1024 grey mask at `depth` bits: a few hundred bytes for a million
        // pixels, within deflate's 1032:1 of the bits it stores.
        let (w, h) = (1024, 1024)
        let raw = [UInt8](repeating: 0, count: h * (1 + (w * depth + 7) / 8))
        var png = TestPNG.signature
        TestPNG.chunk("IHDR", TestPNG.bigEndian(UInt32(w)) + TestPNG.bigEndian(UInt32(h)) + Data([UInt8(depth), 0, 0, 0, 0]), into: &png)
        TestPNG.chunk("IDAT", TestPNG.zlib(raw), into: &png)
        TestPNG.chunk("IEND", Data(), into: &png)
        if depth < 8 { #expect(png.count * 1032 < w * h, "the file is smaller than a byte a pixel allows") }
        for fast in [true, false] {
            let label = try ImageCodec.readLabel(png, id: "m", path: "m.png", fastPath: fast)
            #expect(label.width == w && label.height == h && label.pixels.count == w * h && label.pixels.allSatisfy { $0 == 0 })
        }
    }
}
