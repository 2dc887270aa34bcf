import SegImage
import Foundation
import SegFormat
import Testing
@testable import SegPipeline

/// Seeded fuzzing of every parser that reads user files: pipeline YAML, split files, label PNGs
/// (libdeflate fast path and libpng) and JPEG headers with the decode that follows them. Each case
/// must be accepted or rejected with a thrown error: no crash, no hang, no allocation beyond what
/// the pixel limit allows.
///
/// Cases per parser: `SEGPREP_FUZZ_CASES` (default 400); seed: `SEGPREP_FUZZ_SEED` (default 1).
/// A longer run: `SEGPREP_FUZZ_CASES=200000 swift test --filter ParserFuzzTests`.
@Suite struct ParserFuzzTests {
    static let cases = Int(ProcessInfo.processInfo.environment["SEGPREP_FUZZ_CASES"] ?? "") ?? 400
    static let seed = UInt64(ProcessInfo.processInfo.environment["SEGPREP_FUZZ_SEED"] ?? "") ?? 1

    /// A seeded generator, so every failing case can be replayed.
    typealias Generator = SplitMix64

    /// `bytes` with one to eight random edits: byte changes, insertions of `tokens`, deletions,
    /// truncation, duplication of a slice.
    static func mutate(_ bytes: [UInt8], tokens: [[UInt8]] = [], rng: inout Generator) -> [UInt8] {
        var b = bytes
        for _ in 0..<Int.random(in: 1...8, using: &rng) {
            let at = b.isEmpty ? 0 : Int.random(in: 0..<b.count, using: &rng)
            switch Int.random(in: 0..<6, using: &rng) {
            case 0 where !b.isEmpty: b[at] = UInt8.random(in: 0...255, using: &rng)
            case 1 where !b.isEmpty: b[at] ^= 1 << UInt8.random(in: 0..<8, using: &rng)
            case 2 where !tokens.isEmpty: b.insert(contentsOf: tokens.randomElement(using: &rng)!, at: at)
            case 3 where !b.isEmpty: b.removeSubrange(at..<min(b.count, at + Int.random(in: 1...16, using: &rng)))
            case 4: b = Array(b.prefix(at))
            default:
                let end = min(b.count, at + Int.random(in: 1...64, using: &rng))
                b.insert(contentsOf: b[at..<end], at: Int.random(in: 0...b.count, using: &rng))
            }
        }
        return b
    }

    @Test func pipelineFiles() throws {
        var rng = Generator(seed: Self.seed)
        let dir = packageRoot.appendingPathComponent("pipelines")
        let seeds = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted().map {
            Array(try Data(contentsOf: dir.appendingPathComponent($0)))
        }
        let tokens = [": ", "\n", "- ", "[", "]", "{", "}", ", ", "&a ", "*a", "!!binary ", "1e400", "-1", "18446744073709551616",
                      "~", "'", "\"", "? ", "|\n", "\t", "\u{0}", "%YAML 1.1\n", "---\n", "...\n", "nan", ".inf"].map { Array($0.utf8) }
        var accepted = 0
        for i in 0..<Self.cases {
            let bytes = Self.mutate(seeds[i % seeds.count], tokens: tokens, rng: &rng)
            do {
                _ = try PipelineSpec.parse(String(decoding: bytes, as: UTF8.self), file: dir.appendingPathComponent("fuzz.yaml").path)
                accepted += 1
            } catch is PipelineError {
            }
        }
        #expect(accepted < Self.cases, "some mutations must be rejected")
    }

    @Test func aliasBombsInPipelineFilesAreRejectedQuickly() {
        var text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for k in 1..<10 { text += "a\(k): &a\(k) [" + Array(repeating: "*a\(k - 1)", count: 10).joined(separator: ", ") + "]\n" }
        text += "input: {root: data}\nclasses: 2\nstages: *a9\noutput: {dir: out}\n"
        #expect(throws: PipelineError.self) { try PipelineSpec.parse(text, file: "/tmp/bomb.yaml") }
    }

    @Test func splitFiles() {
        var rng = Generator(seed: Self.seed &+ 1)
        let seed = Array("2007_000032\r\n2007_000039\n\u{FEFF}2007_000063  \nsub/dir/id\n".utf8)
        let tokens = ["\r", "\n", "\r\n", "..", "/", "\u{0}", "\u{1F}", "\u{FEFF}", " ", "\u{7F}"].map { Array($0.utf8) } + [[0xC3], [0xFF], [0xE2, 0x82]]
        for _ in 0..<Self.cases {
            let bytes = Self.mutate(seed, tokens: tokens, rng: &rng)
            do {
                for e in try SplitFile.parse(Data(bytes), path: "train.txt") {
                    #expect(SplitFile.problem(e.id) == nil && !e.id.isEmpty && e.line >= 1)
                }
            } catch is InputError {
            } catch {
                Issue.record("unexpected error \(error)")
            }
        }
    }

    @Test(arguments: [true, false])
    func labelPNGs(fastPath: Bool) throws {
        try Vips.start()
        var rng = Generator(seed: Self.seed &+ (fastPath ? 2 : 3))
        let seeds = try ["camvid-mini/SegmentationClass", "labelme-voc/SegmentationClass", "em-membrane/SegmentationClass"].map { sub in
            let dir = fixtures.appendingPathComponent(sub)
            let name = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted().first { $0.hasSuffix(".png") }!
            return Array(try Data(contentsOf: dir.appendingPathComponent(name)))
        }
        let limit = 4_000_000
        for i in 0..<Self.cases {
            var bytes = Self.mutate(seeds[i % seeds.count], rng: &rng)
            if i % 5 == 0, bytes.count > 24 {   // sizes in the header
                for k in 16..<24 where Bool.random(using: &rng) { bytes[k] = UInt8.random(in: 0...255, using: &rng) }
            }
            let data = Data(bytes)
            // The order `decode` uses: the header's size against the limit, then the pixels.
            if let size = ImageCodec.pngSize(data),
               (try? FileGate.check(size.width, size.height, limit: limit, id: "f", path: "f.png")) == nil { continue }
            if let label = try? ImageCodec.readLabel(data, id: "f", path: "f.png", fastPath: fastPath) {
                #expect(label.pixels.count == label.width * label.height && label.width * label.height <= limit)
            }
        }
    }

    @Test func jpegHeadersAndDecoding() throws {
        try Vips.start()
        var rng = Generator(seed: Self.seed &+ 4)
        let seeds = try ["decoder/grey.jpg", "decoder/progressive.jpg", "cmyk-jpeg/ycck.jpg", "cmyk-jpeg/cmyk.jpg"].map {
            Array(try Data(contentsOf: fixtures.appendingPathComponent($0)))
        }
        let limit = 4_000_000
        for i in 0..<Self.cases {
            var bytes = Self.mutate(seeds[i % seeds.count], rng: &rng)
            if i % 4 == 0, let sof = bytes.indices.dropLast(9).first(where: { bytes[$0] == 0xFF && (0xC0...0xC2).contains(bytes[$0 + 1]) }) {
                for k in (sof + 5)...(sof + 8) { bytes[k] = UInt8.random(in: 0...255, using: &rng) }
            }
            let data = Data(bytes)
            guard ImageCodec.isJPEG(data), let size = try? ImageCodec.imageSize(data, id: "f", path: "f.jpg") else { continue }
            do {
                try FileGate.check(size.width, size.height, limit: limit, id: "f", path: "f.jpg")
            } catch { continue }
            if let (image, _) = try? ImageCodec.decodeRGB(data, id: "f", path: "f.jpg") {
                #expect(image.pixels.count == image.width * image.height * 3 && image.width * image.height <= limit)
            }
        }
    }

    /// Images libvips decodes (RGB PNG, TIFF) through the one gate `predict` and the sources use:
    /// the header against the pixel limit, then the pixels; every mutation throws or decodes.
    @Test func imagesThroughTheGate() throws {
        try Vips.start()
        var rng = Generator(seed: Self.seed &+ 6)
        let camvid = fixtures.appendingPathComponent("camvid-mini/JPEGImages")
        let png = try FileManager.default.contentsOfDirectory(atPath: camvid.path).sorted().first { $0.hasSuffix(".png") } ?? ""
        let seeds = try [camvid.appendingPathComponent(png), fixtures.appendingPathComponent("potsdam-geo/images/north.tif")]
            .map { Array(try Data(contentsOf: $0)) }
        let limit = 4_000_000
        var decoded = 0
        for i in 0..<(Self.cases / 4) {
            var bytes = i < 2 ? seeds[i] : Self.mutate(seeds[i % seeds.count], rng: &rng)
            if i >= 2, i % 5 == 0, bytes.count > 24 {   // PNG sizes, or TIFF's first directory entries
                for k in 16..<24 where Bool.random(using: &rng) { bytes[k] = UInt8.random(in: 0...255, using: &rng) }
            }
            if let image = try? ImageFile.decode(Data(bytes), id: "f", path: i % 2 == 0 ? "f.png" : "f.tif", maxPixels: limit) {
                #expect(image.channels == 3 && image.pixels.count == image.width * image.height * 3 && image.width * image.height <= limit)
                decoded += 1
            }
        }
        #expect(decoded >= 2, "the unmutated seeds decode")
    }

    @Test func labelmeFiles() throws {
        var rng = Generator(seed: Self.seed &+ 5)
        let dir = fixtures.appendingPathComponent("labelme-json")
        let seeds = try ["2011_000003.json", "2011_000006.json", "2011_000025.json"].map { Array(try Data(contentsOf: dir.appendingPathComponent($0))) }
        let names = try String(contentsOf: dir.appendingPathComponent("labels.txt"), encoding: .utf8)
            .split(whereSeparator: \.isNewline).map(String.init).filter { $0 != "__ignore__" }
        let text = "input: {format: labelme, root: \(dir.path)}\nclasses: [\(names.map { "'\($0)'" }.joined(separator: ", "))]\nstages:\n  - decode: {}\n  - letterbox: {size: [8, 8]}\noutput: {dir: out}\n"
        let source = try #require(try PipelineSpec.parse(text, file: "/tmp/p.yaml").input as? LabelmeSource)
        let tokens = ["99999999", "-1", "1e300", "\"rectangle\"", "\"circle\"", "\"point\"", "\"line\"", "[]", "[[", "null", ","].map { Array($0.utf8) }
        let record = SampleRecord(id: "f", image: "f.json", label: "f.json")
        let limit = 4_000_000
        for i in 0..<(Self.cases / 4) {
            let data = Data(Self.mutate(seeds[i % seeds.count], tokens: tokens, rng: &rng))
            // The order `decode` uses: the declared size against the limit, then the drawing.
            if let size = source.labelSize(data, record: record),
               (try? FileGate.check(size.width, size.height, limit: limit, id: "f", path: "f.json")) == nil { continue }
            if let label = try? source.readLabel(data, record: record) {
                #expect(label.pixels.count == label.width * label.height && label.width * label.height <= limit)
            }
        }
    }
}
