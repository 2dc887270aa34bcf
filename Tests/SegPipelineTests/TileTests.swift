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

/// Peak memory of `run` tiling a 100-megapixel JPEG with its label: both stream top to bottom and
/// only a band of rows is kept, so the process stays below the 300 MB the image alone takes decoded
/// (measured with getrusage of the child, not timed).
@Suite struct TileMemoryTests {
    @Test func aHugeImageIsTiledInBoundedMemory() throws {
        let s = try Scratch(count: 1)
        defer { s.remove() }
        try Vips.start()
        let root = s.dir.appendingPathComponent("huge")
        let fm = FileManager.default
        for d in ["images", "labels"] { try fm.createDirectory(at: root.appendingPathComponent(d), withIntermediateDirectories: true) }
        let jpg = TileTests.potsdam.appendingPathComponent("images/area1.jpg")
        let (tile, _) = try ImageCodec.decodeRGB(try Data(contentsOf: jpg), id: "a", path: jpg.path)
        let n = 10_000
        do {
            var big = Raster(width: n, height: n, fill: [0, 0, 0])
            var label = Raster(width: n, height: n, fill: [0])
            let classes = Raster(width: tile.width, height: tile.height, channels: 1,
                                 pixels: (0..<(tile.width * tile.height)).map { UInt8(($0 / 7919) % 6) })
            for y in stride(from: 0, to: n, by: tile.height) {
                for x in stride(from: 0, to: n, by: tile.width) {
                    big.paste(tile, dx: x, dy: y)
                    label.paste(classes, dx: x, dy: y)
                }
            }
            try Vips.encode(big, suffix: ".jpg[Q=85]").write(to: root.appendingPathComponent("images/huge.jpg"))
            try Vips.encode(label, suffix: ".png[compression=1]").write(to: root.appendingPathComponent("labels/huge.png"))
        }
        let pipeline = s.dir.appendingPathComponent("huge.yaml")
        try TileTests.pipeline(root: root.path, labels: "", extra: "")
            .replacingOccurrences(of: "stride: [256, 256]", with: "stride: [512, 512]")
            .write(to: pipeline, atomically: true, encoding: .utf8)
        let script = "import resource, subprocess, sys; r = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
            + "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, r.returncode, r.stderr[-300:].replace(chr(10), ' '))"
        let (status, out) = try runProcess(URL(fileURLWithPath: "/usr/bin/env"),
                                           ["python3", "-c", script, segPrepBinary.path, "run", pipeline.path, "--output", s.out.path, "--threads", "2"])
        #expect(status == 0, "\(out)")
        let fields = out.split(separator: " ")
        let rssKB = Int(fields.first ?? "") ?? .max
        #expect(fields.count > 1 && fields[1] == "0", "\(out)")
        #expect(rssKB < 300_000, "peak RSS \(rssKB) KB: \(out)")
        let m = try Manifest.load(from: s.out.path)
        #expect(m.sampleCount == 400)
    }
}

/// Sliding-window prediction against a whole-image transcription of mmsegmentation's
/// `slide_inference` (full-size sums and counts, no bands), with window logits that depend on the
/// position inside the window so overlapping windows disagree and the averaging matters.
@Suite struct SlideInferenceTests {
    /// Scores of a window: class 0 from red and the row, class 1 from green and the column, class 2 flat.
    static func scores(_ w: Raster) -> [Float] {
        let t = w.width
        var out = [Float](repeating: 0, count: 3 * t * t)
        for y in 0..<t {
            for x in 0..<t {
                let p = (y * t + x) * 3
                out[y * t + x] = Float(w.pixels[p]) * (1 + Float(y) * 0.02)
                out[t * t + y * t + x] = Float(w.pixels[p + 1]) + Float(x) * 3.5
                out[2 * t * t + y * t + x] = 140
            }
        }
        return out
    }

    /// mmseg's loop: h_grids = max(H − t + s − 1, 0) // s + 1; y1 = i·s; y2 = min(y1 + t, H);
    /// y1 = max(y2 − t, 0) (likewise x); preds += logits of the crop; count += 1; argmax(preds / count).
    static func oracle(_ image: Raster, tile t: Int, stride s: Int) -> [UInt8] {
        let (H, W) = (image.height, image.width)
        var preds = [Float](repeating: 0, count: 3 * H * W), count = [Float](repeating: 0, count: H * W)
        for i in 0..<(max(H - t + s - 1, 0) / s + 1) {
            for j in 0..<(max(W - t + s - 1, 0) / s + 1) {
                let y2 = min(i * s + t, H), x2 = min(j * s + t, W)
                let y1 = max(y2 - t, 0), x1 = max(x2 - t, 0)
                var crop = Raster(width: t, height: t, fill: [128, 128, 128])
                crop.paste(image, dx: -x1, dy: -y1)
                let l = scores(crop)
                for y in y1..<y2 {
                    for x in x1..<x2 {
                        for c in 0..<3 { preds[c * H * W + y * W + x] += l[c * t * t + (y - y1) * t + (x - x1)] }
                        count[y * W + x] += 1
                    }
                }
            }
        }
        return (0..<(H * W)).map { p in
            var best = preds[p] / count[p], k: UInt8 = 0
            for c in 1..<3 where preds[c * H * W + p] / count[p] > best { best = preds[c * H * W + p] / count[p]; k = UInt8(c) }
            return k
        }
    }

    @Test(arguments: [(97, 64, 40, 24), (50, 130, 32, 32), (20, 30, 48, 16), (83, 61, 25, 7)])
    func bandsEqualTheWholeImageAverage(height: Int, width: Int, tile: Int, stride: Int) throws {
        let s = try Scratch(count: 1)
        defer { s.remove() }
        try Vips.start()
        var rng = SplitMix64(seed: UInt64(height * width))
        let image = Raster(width: width, height: height, channels: 3,
                           pixels: (0..<(width * height * 3)).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
        let path = s.dir.appendingPathComponent("scene.png").path
        try Vips.savePNG(image, to: path)
        let label = try SlideInference(tile: tile, stride: stride, classes: 3).labelMap(path: path) { Self.scores($0) }
        let want = Self.oracle(image, tile: tile, stride: stride)
        #expect(label.width == width && label.height == height)
        #expect(label.pixels == want)
        #expect(Set(want).count == 3, "every class should win somewhere for the test to mean something")
    }
}

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
