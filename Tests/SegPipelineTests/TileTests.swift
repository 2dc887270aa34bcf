import SegImage
import Foundation
import SegFormat
import Testing
@testable import SegPipeline

/// `tile`: the window grid formula, windows equal to crops of the full decode (the naive oracle),
/// the same tiles from JPEG, PNG and TIFF files of the same pixels, bad input named per file.
@Suite struct TileTests {
    static let potsdam = fixtures.appendingPathComponent("potsdam-mini")
    static let classes = "[impervious_surfaces, building, low_vegetation, tree, car, clutter]"

    static func pipeline(root: String, suffix: String = ".jpg", tile: String = "{size: [512, 512], stride: [256, 256]}",
                         labels: String = "label_colors: isprs", extra: String = "") -> String {
        """
        version: 1
        input: {format: folders, root: \(root), images: images, labels: labels, image_suffix: \(suffix), label_suffix: .png\(labels.isEmpty ? "" : ", " + labels)}
        classes: \(classes)
        \(extra)
        stages:
          - decode: {}
          - tile: \(tile)
          - flip: {p: 0.5}
        output: {dir: out, samples_per_shard: 8}
        """
    }

    // MARK: the grid

    @Test func windowStartsFollowTheFormula() {
        typealias W = TileWindow
        #expect(W.starts(length: 1080, size: 512, stride: 256, border: .pad) == [0, 256, 512, 768])
        #expect(W.starts(length: 1080, size: 512, stride: 256, border: .shift) == [0, 256, 512, 568])
        #expect(W.starts(length: 400, size: 512, stride: 256, border: .pad) == [0])
        #expect(W.starts(length: 400, size: 512, stride: 256, border: .shift) == [0])
        #expect(W.starts(length: 512, size: 512, stride: 256, border: .pad) == [0])
        #expect(W.starts(length: 513, size: 512, stride: 256, border: .pad) == [0, 256])
        #expect(W.starts(length: 513, size: 512, stride: 256, border: .shift) == [0, 1])
        #expect(W.starts(length: 1000, size: 100, stride: 300, border: .pad) == [0, 300, 600, 900])
        #expect(W.starts(length: 10000, size: 512, stride: 1024, border: .pad) == (0..<10).map { $0 * 1024 })
        #expect(W.starts(length: 10000, size: 512, stride: 1024, border: .shift) == (0..<10).map { $0 * 1024 } + [9488])
        // Against the definition: the fewest windows at k·stride whose last one reaches the end.
        var rng = SplitMix64(seed: 3)
        for _ in 0..<2000 {
            let size = Int(rng.next() % 300) + 1, stride = Int(rng.next() % 300) + 1, length = Int(rng.next() % 2000) + 1
            var n = 1
            while (n - 1) * stride + size < length { n += 1 }
            let pad = W.starts(length: length, size: size, stride: stride, border: .pad)
            #expect(pad == (0..<n).map { $0 * stride }.filter { $0 < length }, "L \(length) S \(size) T \(stride)")
            #expect(pad.last! + size >= length || pad.last! + stride >= length)
            let shift = W.starts(length: length, size: size, stride: stride, border: .shift)
            #expect(shift.count == n && shift.allSatisfy { $0 + size <= max(length, size) })
        }
        let grid = W.grid(imageHeight: 400, imageWidth: 900, size: (512, 512), stride: (256, 256), border: .pad)
        #expect(grid.map { $0.id(of: "a") } == ["a@0_0", "a@0_256", "a@0_512"])
        #expect(grid[2].inside == (0, 512, 400, 388))
    }

    // MARK: pixels

    /// Every window of `dir`'s run as (id, image bytes, label bytes).
    static func tiles(_ dir: String) throws -> [(String, [UInt8], [UInt8])] {
        let m = try Manifest.load(from: dir)
        var out: [(String, [UInt8], [UInt8])] = []
        for s in m.shards where s.samples > 0 {
            let f = try SafeTensorsFile(path: try m.path(of: s, in: dir))
            let image = try f.bytes("image"), label = try f.bytes("label")
            let (ib, lb) = (image.count / s.samples, label.count / s.samples)
            for (k, id) in s.ids.enumerated() {
                out.append((id, Array(image[(k * ib)..<((k + 1) * ib)]), Array(label[(k * lb)..<((k + 1) * lb)])))
            }
        }
        return out
    }

    @Test func tilesEqualCropsOfTheFullDecode() throws {
        let s = try Scratch(count: 1)
        defer { s.remove() }
        let text = Self.pipeline(root: Self.potsdam.path, tile: "{size: [512, 512], stride: [256, 384], border: pad, fill: [9, 8, 7]}")
            .replacingOccurrences(of: "  - flip: {p: 0.5}\n", with: "")
        let spec = try s.spec(text)
        _ = try s.run(text)
        let tiles = try Self.tiles(s.out.path)
        let m = try Manifest.load(from: s.out.path)
        #expect(tiles.count == 4 * 4 + 3 && m.skipped.isEmpty)   // area1 1440x1080: 4 x 4; area2 900x400: 1 x 3
        for area in ["area1", "area2"] {
            let imageFile = Self.potsdam.appendingPathComponent("images/\(area).jpg").path
            let labelFile = Self.potsdam.appendingPathComponent("labels/\(area).png").path
            let (image, _) = try ImageCodec.decodeRGB(try Data(contentsOf: URL(fileURLWithPath: imageFile)), id: area, path: imageFile)
            let (rgb, _) = try ImageCodec.decodeRGB(try Data(contentsOf: URL(fileURLWithPath: labelFile)), id: area, path: labelFile)
            let label = try spec.labelColours!.indices(of: rgb, ignore: 6, id: area, path: labelFile)
            for (id, pixels, labels) in tiles where id.hasPrefix(area + "@") {
                let yx = id.split(separator: "@")[1].split(separator: "_").map { Int($0)! }
                var wantImage = Raster(width: 512, height: 512, fill: [9, 8, 7])
                wantImage.paste(image, dx: -yx[1], dy: -yx[0])
                var wantLabel = Raster(width: 512, height: 512, fill: [6])
                wantLabel.paste(label, dx: -yx[1], dy: -yx[0])
                #expect(pixels == wantImage.pixels, "\(id)")
                #expect(labels == wantLabel.pixels, "\(id)")
            }
        }
        #expect(m.shards.flatMap(\.params).allSatisfy { $0["tile_y"] != nil && $0["tile_x"] != nil })
    }

    @Test func jpegPngAndTiffGiveTheSameTiles() throws {
        let s = try Scratch(count: 1)
        defer { s.remove() }
        try Vips.start()
        let fm = FileManager.default
        var runs: [String: [(String, [UInt8], [UInt8])]] = [:]
        // The JPEG's decoded pixels as PNG, tiled deflate TIFF, and striped LZW BigTIFF.
        let formats = [(".jpg", ""), (".png", ".png"), (".tif", ".tif[tile,tile-width=256,tile-height=256,compression=deflate]"),
                       (".tiff", ".tif[compression=lzw,bigtiff]")]
        for (suffix, save) in formats {
            let root = s.dir.appendingPathComponent("root\(suffix)")
            try fm.createDirectory(at: root.appendingPathComponent("images"), withIntermediateDirectories: true)
            try fm.copyItem(at: Self.potsdam.appendingPathComponent("labels"), to: root.appendingPathComponent("labels"))
            for area in ["area1", "area2"] {
                let jpg = Self.potsdam.appendingPathComponent("images/\(area).jpg")
                let target = root.appendingPathComponent("images/\(area)\(suffix)")
                if save.isEmpty { try fm.copyItem(at: jpg, to: target); continue }
                let (image, _) = try ImageCodec.decodeRGB(try Data(contentsOf: jpg), id: area, path: jpg.path)
                try Vips.encode(image, suffix: save).write(to: target)
            }
            let out = s.dir.appendingPathComponent("out\(suffix)").path
            _ = try s.run(Self.pipeline(root: root.path, suffix: suffix), output: out)
            runs[suffix] = try Self.tiles(out)
        }
        let jpeg = runs[".jpg"]!
        #expect(jpeg.count == 23)
        for (suffix, _) in formats.dropFirst() {
            let other = runs[suffix]!
            #expect(other.map(\.0) == jpeg.map(\.0), "\(suffix)")
            #expect(other.map(\.1) == jpeg.map(\.1), "\(suffix) images")
            #expect(other.map(\.2) == jpeg.map(\.2), "\(suffix) labels")
        }
    }

    @Test func indexLabelsAndPaletteLabelsAreReadAsIndices() throws {
        // The colour labels as grey index PNGs and as palette PNGs give the same tiles.
        let s = try Scratch(count: 1)
        defer { s.remove() }
        let spec = try s.spec(Self.pipeline(root: Self.potsdam.path))
        let fm = FileManager.default
        var outs: [String] = []
        for kind in ["grey", "palette"] {
            let root = s.dir.appendingPathComponent(kind)
            try fm.createDirectory(at: root.appendingPathComponent("labels"), withIntermediateDirectories: true)
            try fm.copyItem(at: Self.potsdam.appendingPathComponent("images"), to: root.appendingPathComponent("images"))
            for area in ["area1", "area2"] {
                let file = Self.potsdam.appendingPathComponent("labels/\(area).png")
                let (rgb, _) = try ImageCodec.decodeRGB(try Data(contentsOf: file), id: area, path: file.path)
                let indices = try spec.labelColours!.indices(of: rgb, ignore: 6, id: area, path: file.path)
                let data = kind == "grey" ? try Vips.encode(indices, suffix: ".png")
                    : try PalettePNG.encode(indices, palette: .voc(ignoreIndex: 6))
                try data.write(to: root.appendingPathComponent("labels/\(area).png"))
            }
            let out = s.dir.appendingPathComponent("out-\(kind)").path
            _ = try s.run(Self.pipeline(root: root.path, labels: ""), output: out)
            outs.append(out)
        }
        _ = try s.run(Self.pipeline(root: Self.potsdam.path))
        let colour = try Self.tiles(s.out.path)
        for out in outs {
            let t = try Self.tiles(out)
            #expect(t.map(\.0) == colour.map(\.0) && t.map(\.1) == colour.map(\.1) && t.map(\.2) == colour.map(\.2), "\(out)")
        }
    }

    @Test func minLabelledLeavesOutWindowsWithoutFailing() throws {
        let s = try Scratch(count: 1)
        defer { s.remove() }
        // Everything but impervious surfaces ignored: windows with little road are left out.
        let text = Self.pipeline(root: Self.potsdam.path, tile: "{size: [512, 512], stride: [256, 256], min_labelled: 0.3}",
                                 labels: "label_colors: [{color: [255, 255, 255], class: impervious_surfaces}, {color: [0, 0, 255], class: ignore}, {color: [0, 255, 255], class: ignore}, {color: [0, 255, 0], class: ignore}, {color: [255, 255, 0], class: ignore}, {color: [255, 0, 0], class: ignore}]")
        let summary = try s.run(text)
        let m = try Manifest.load(from: s.out.path)
        #expect(!m.skipped.isEmpty && summary.samples + m.skipped.count == 23)
        #expect(m.skipped.allSatisfy { $0.reason.contains("below min_labelled 0.3") })
        for (_, _, labels) in try Self.tiles(s.out.path) {
            #expect(Double(labels.filter { $0 != 6 }.count) / Double(labels.count) >= 0.3)
        }
    }

    // MARK: bad input

    /// Runs `text` with `--on-error skip` over `root` and returns the skipped reasons by id and the
    /// ids written.
    func skipped(_ s: Scratch, _ text: String) throws -> ([String: String], [String]) {
        _ = try s.run(text, force: true, onError: .skip)
        let m = try Manifest.load(from: s.out.path)
        return (Dictionary(uniqueKeysWithValues: m.skipped.map { ($0.id, $0.reason) }), m.shards.flatMap(\.ids))
    }

    @Test func badFilesAreNamedAndTheRestIsKept() throws {
        let s = try Scratch(count: 1)
        defer { s.remove() }
        try Vips.start()
        let root = s.dir.appendingPathComponent("bad")
        let fm = FileManager.default
        try fm.createDirectory(at: root.appendingPathComponent("images"), withIntermediateDirectories: true)
        try fm.createDirectory(at: root.appendingPathComponent("labels"), withIntermediateDirectories: true)
        let area1 = Self.potsdam.appendingPathComponent("images/area1.jpg"), label1 = Self.potsdam.appendingPathComponent("labels/area1.png")
        let (image, _) = try ImageCodec.decodeRGB(try Data(contentsOf: area1), id: "a", path: area1.path)
        func put(_ name: String, image: Data, label: Data? = nil) throws {
            try image.write(to: root.appendingPathComponent("images/\(name).tif"))
            try (label ?? Data(contentsOf: label1)).write(to: root.appendingPathComponent("labels/\(name).png"))
        }
        try put("good", image: try Vips.encode(image, suffix: ".tif"))
        let white = Raster(width: 64, height: 64, fill: [255, 255, 255])
        try put("tiny", image: try Vips.encode(white, suffix: ".tif"), label: try Vips.encode(white, suffix: ".png"))
        // Truncated: the tiled TIFF cut in half.
        let tiled = try Vips.encode(image, suffix: ".tif[tile,compression=deflate]")
        try put("truncated", image: tiled.prefix(tiled.count / 2))
        let jpeg = try Data(contentsOf: area1)
        try put("truncjpeg", image: jpeg.prefix(jpeg.count / 2))   // read by content (jpegload)
        // Four bands (a multispectral TIFF).
        var four = [UInt8](repeating: 0, count: image.width * image.height * 4)
        for i in 0..<(image.width * image.height) { for c in 0..<3 { four[4 * i + c] = image.pixels[3 * i + c] } }
        try put("fourband", image: try Vips.encode(Raster(width: image.width, height: image.height, channels: 4, pixels: four), suffix: ".tif"))
        // A CMYK JPEG (libvips reads four bands; only decode's whole-image path converts CMYK).
        let cmyk = fixtures.appendingPathComponent("cmyk-jpeg/cmyk.jpg")
        let cmykSize = try Vips.WindowedImage(path: cmyk.path)
        try put("cmyk", image: try Data(contentsOf: cmyk),
                label: try Vips.encode(Raster(width: cmykSize.width, height: cmykSize.height, fill: [255, 255, 255]), suffix: ".png"))
        // A label smaller than its image.
        let (rgbLabel, _) = try ImageCodec.decodeRGB(try Data(contentsOf: label1), id: "l", path: label1.path)
        var small = Raster(width: 1000, height: 1000, fill: [255, 255, 255])
        small.paste(rgbLabel, dx: 0, dy: 0)
        try put("smalllabel", image: try Vips.encode(image, suffix: ".tif"), label: try Vips.encode(small, suffix: ".png"))
        // 16-bit samples.
        var ihdr = TestPNG.bigEndian(64) + TestPNG.bigEndian(64)
        ihdr.append(contentsOf: [16, 2, 0, 0, 0])
        var png = TestPNG.signature
        TestPNG.chunk("IHDR", ihdr, into: &png)
        TestPNG.chunk("IDAT", TestPNG.zlib([UInt8](repeating: 0, count: 64 * (1 + 64 * 6))), into: &png)
        TestPNG.chunk("IEND", Data(), into: &png)
        try png.write(to: root.appendingPathComponent("images/deep.tif"))   // a PNG by a .tif name: libvips reads it by content
        try Vips.encode(white, suffix: ".png").write(to: root.appendingPathComponent("labels/deep.png"))

        let (reasons, kept) = try skipped(s, Self.pipeline(root: root.path, suffix: ".tif"))
        // A JPEG cut short streams until the damage: windows above it are kept, the rest are named.
        let keptTruncated = kept.filter { $0.hasPrefix("truncjpeg@") }
        #expect(kept.count == 21 + keptTruncated.count)
        #expect(kept.allSatisfy { $0.hasPrefix("good@") || $0 == "tiny@0_0" || $0.hasPrefix("truncjpeg@0_") })
        #expect(reasons.keys.contains { $0.hasPrefix("truncated") })
        // A TIFF cut before its directory has no readable header; a JPEG cut short fails its windows.
        #expect(reasons["truncated"]?.contains("truncated.tif: image header cannot be read") == true)
        let truncated = reasons.filter { $0.key.hasPrefix("truncjpeg@") }
        #expect(truncated.count + keptTruncated.count == 20 && truncated.count >= 10)
        #expect(truncated.values.allSatisfy { $0.contains("truncjpeg.tif: cannot be read at ") && $0.contains("(truncated or damaged)") }, "\(truncated)")
        #expect(reasons.first { $0.key.hasPrefix("fourband") }?.value.contains("has 4 bands; tiles are cut from grey or RGB images") == true)
        #expect(reasons.first { $0.key.hasPrefix("smalllabel") }?.value.contains("is 1000x1000 but its image is 1440x1080") == true)
        #expect(reasons["deep@0_0"]?.contains("has 16-bit samples; tiles are cut from 8-bit images") == true)
        #expect(reasons.filter { $0.key.hasPrefix("cmyk@") }.values.allSatisfy { $0.contains("cmyk.tif: is a CMYK JPEG; tiles are cut from grey or RGB images") })
        #expect(reasons.keys.contains { $0.hasPrefix("cmyk@") } && !kept.contains { $0.hasPrefix("cmyk@") })
        // A claimed size over tile's limit: the image is one failing record, nothing is read.
        let (limited, rest) = try skipped(s, Self.pipeline(root: root.path, suffix: ".tif", tile: "{size: [512, 512], max_pixels: 100000}"))
        #expect(limited["good"]?.contains("claims 1440x1080 pixels in its header, above tile's limit of 100000") == true)
        #expect(rest == ["tiny@0_0"])
    }

    @Test func tileMustFollowDecode() throws {
        let s = try Scratch(count: 1)
        defer { s.remove() }
        let text = Self.pipeline(root: Self.potsdam.path).replacingOccurrences(of: "  - decode: {}\n  - tile:", with: "  - decode: {}\n  - flip: {}\n  - tile:")
        let e = #expect(throws: PipelineError.self) { try s.spec(text) }
        #expect(e?.message == "'tile' must come directly after 'decode'")
    }
}
