import SegImage
import Foundation
import SegFormat
import Testing
@testable import SegPipeline

@Suite struct InspectTests {
    @Test func vocPaletteAndIgnoreColour() {
        let p = Palette.voc(ignoreIndex: 21)
        #expect(p.colour(0) == [0, 0, 0])
        #expect(p.colour(1) == [128, 0, 0])
        #expect(p.colour(15) == [192, 128, 128])   // person
        #expect(p.colour(21) == Palette.ignoreColour)
        #expect(!(0..<21).contains { p.colour($0) == Palette.ignoreColour })
    }

    @Test func contactSheetShowsLabelColoursAndOverlay() throws {
        try Vips.start()
        // 32x32 grey image; label: left half background 0, right half class 15, bottom row ignore.
        let image = Raster(width: 32, height: 32, fill: [100, 100, 100])
        var label = Raster(width: 32, height: 32, fill: [0])
        for y in 0..<32 { for x in 16..<32 { label.pixels[y * 32 + x] = 15 } }
        for x in 0..<32 { label.pixels[31 * 32 + x] = 21 }
        let sheet = ContactSheet(palette: .voc(ignoreIndex: 21), panel: 32, columns: 1)
        let r = try sheet.render([.init(image: image, label: label, caption: "a #0\nscale 1.00")])
        // One tile: 3 panels of 32 + 2 gaps of 6, plus 12-pixel margins; 32 + caption rows + gaps.
        #expect(r.width == 3 * 32 + 2 * 6 + 2 * 12)
        #expect(r.height == 32 + 34 + 2 * 6)
        func px(_ x: Int, _ y: Int) -> [UInt8] { Array(r.pixels[(3 * (y * r.width + x))..<(3 * (y * r.width + x) + 3)]) }
        let x0 = 12, y0 = 6
        #expect(px(x0 + 5, y0 + 5) == [100, 100, 100])                 // image panel
        #expect(px(x0 + 38 + 20, y0 + 5) == [192, 128, 128])          // label panel, class 15 colour
        #expect(px(x0 + 38 + 5, y0 + 5) == [0, 0, 0])                 // label panel, background
        #expect(px(x0 + 38 + 5, y0 + 31) == [255, 255, 255])          // label panel, ignore
        #expect(px(x0 + 76 + 5, y0 + 5) == [100, 100, 100])           // overlay leaves background alone
        #expect(px(x0 + 76 + 20, y0 + 5) == [146, 114, 114])          // overlay blends class 15
        // The caption strip holds rendered (bright) text pixels.
        let caption = (y0 + 34)..<(y0 + 60)
        #expect(caption.contains { y in (x0..<(x0 + 100)).contains { px($0, y + 0)[0] > 200 } })
    }

    @Test func statsMatchAnIndependentCountOfTheShards() throws {
        let s = try Scratch(count: 4)
        defer { s.remove() }
        _ = try s.run()
        let m = try Manifest.load(from: s.out.path)
        let stats = ClassStats(m)
        var counts = [Int](repeating: 0, count: 12)
        var sums = [0.0, 0.0, 0.0]
        for shard in m.shards {
            let f = try SafeTensorsFile(path: s.out.appendingPathComponent(shard.file).path)
            for v in try f.bytes("label") { counts[Int(v)] += 1 }
            for (i, v) in try f.bytes("image").enumerated() { sums[i % 3] += Double(v) }
        }
        #expect(stats.classes.map(\.pixels) == Array(counts.prefix(11)))
        #expect(stats.ignorePixels == counts[11])
        let valid = Double(counts.prefix(11).reduce(0, +))
        for c in stats.classes {
            #expect(abs(c.fraction - Double(c.pixels) / valid) < 1e-12)
            if c.pixels > 0 { #expect(abs(c.weightInverse * 11 * c.fraction - 1) < 1e-9) }
        }
        let total = Double(counts.reduce(0, +))
        // Over every pixel on request (the default, over labelled pixels, is checked in LabelledStatisticsTests).
        let everyPixel = ClassStats(m, over: .all)
        for ch in 0..<3 { #expect(abs(everyPixel.mean[ch] - sums[ch] / total / 255) < 1e-9) }
        let json = try JSONSerialization.jsonObject(with: try stats.json()) as! [String: Any]
        let first = (json["classes"] as! [[String: Any]])[0]
        #expect(Set(first.keys) == ["index", "name", "pixels", "fraction", "weight_inverse", "weight_median"])
    }

    @Test func shardSamplesReturnStoredPixels() throws {
        let s = try Scratch(count: 3)
        defer { s.remove() }
        _ = try s.run()
        let shards = try ShardSamples(dir: s.out.path)
        let (sample, params) = try shards.sample(5)   // shard 1, slot 0 (shards hold 5 + 1)
        let f = try SafeTensorsFile(path: s.out.appendingPathComponent("shard-00001.safetensors").path)
        let n = 64 * 96
        #expect(sample.label.pixels == Array(try f.bytes("label")[0..<n]))
        #expect(sample.id == shards.manifest.shards[1].ids[0] && sample.repeatIndex == 1)
        #expect(params == shards.manifest.shards[1].params[0])
        #expect(throws: ManifestError.self) { try shards.sample(6 * 100) }
    }

    @Test func stageDocsDoNotDrift() throws {
        let onDisk = try String(contentsOf: packageRoot.appendingPathComponent("docs/stages.md"), encoding: .utf8)
        #expect(onDisk == StageDocs.markdown(), "docs/stages.md is stale: regenerate it with `seg-prep stages --markdown > docs/stages.md`")
        for name in StageRegistry.names { #expect(onDisk.contains("## `\(name)`")) }
        let sources = try String(contentsOf: packageRoot.appendingPathComponent("docs/sources.md"), encoding: .utf8)
        #expect(sources == StageDocs.sourcesMarkdown(), "docs/sources.md is stale: regenerate it with `seg-prep sources --markdown > docs/sources.md`")
        for name in SourceRegistry.names { #expect(sources.contains("## `format: \(name)`")) }
    }
}
