import Foundation
import SegFormat
import Testing
@testable import SegImage
@testable import SegPipeline

/// A JPEG kept encoded until its geometry is rendered is decoded only in the box the window reads;
/// the rendered sample must equal the render of the whole decoded image, for every resize method
/// that takes a part, with crops, canvases, mirrors and shrink-on-load.
@Suite struct RegionDecodeRenderTests {
    static let file = "labelme-voc/JPEGImages/2011_000003.jpg"

    /// Random geometries: a resize (up or down, by `method`), maybe a crop of it, maybe a canvas
    /// that crops or pads it, maybe mirrors.
    static func geometries(source: (Int, Int), method: Geometry.Resize.Method, seed: UInt64) -> [Geometry] {
        var rng = SplitMix64(seed: seed)
        func draw(_ n: Int) -> Int { Int(rng.next() % UInt64(max(1, n))) }
        var out: [Geometry] = []
        for k in 0..<24 {
            var g = Geometry()
            let scale = 0.2 + Double(draw(1000)) / 400
            let rw = max(1, Int(Double(source.0) * scale)), rh = max(1, Int(Double(source.1) * scale * (0.8 + Double(draw(40)) / 100)))
            if k % 8 != 7 { g.resize = Geometry.Resize(width: rw, height: rh, method: method) }
            let (fw, fh) = g.resized(source: source)
            g.flipX = draw(2) == 1
            g.flipY = draw(3) == 1
            if draw(2) == 1 {
                let x0 = draw(fw), y0 = draw(fh)
                g.crop = Resample.Window(x0: x0, y0: y0, x1: x0 + 1 + draw(fw - x0), y1: y0 + 1 + draw(fh - y0))
            }
            if draw(2) == 1 {
                g.canvas = Geometry.Canvas(width: 64 + draw(300), height: 64 + draw(300), dx: draw(200) - 150, dy: draw(200) - 150,
                                           fill: [128, 128, 128], labelFill: 0)
            }
            out.append(g)
        }
        return out
    }

    @Test("Rendering from a box of the JPEG equals rendering from the whole decode",
          arguments: [Geometry.Resize.Method.pillowBicubic, .cvBilinear], [false, true])
    func partEqualsWhole(method: Geometry.Resize.Method, shrink: Bool) throws {
        try Vips.start()
        let data = try Data(contentsOf: fixtures.appendingPathComponent(Self.file))
        let size = try ImageCodec.imageSize(data, id: "x", path: Self.file)
        let label = Raster(width: size.width, height: size.height, channels: 1,
                           pixels: (0..<(size.width * size.height)).map { UInt8(truncatingIfNeeded: $0 % 251) })
        var partial = 0
        for g in Self.geometries(source: (size.width, size.height), method: method, seed: shrink ? 11 : 12) {
            var encoded = Sample(id: "x", repeatIndex: 0, imagePath: Self.file, labelPath: Self.file)
            encoded.label = label
            encoded.source = .encoded(EncodedImage(data: data, width: size.width, height: size.height, jpeg: true, shrinkOnLoad: shrink))
            encoded.geometry = g
            // The same sample decoded whole first, at the shrink the render picks.
            var whole = encoded
            try whole.decodeImage(forTarget: g.resize.map { ($0.width, $0.height) })
            #expect(whole.source == .pixels)
            whole.geometry = g
            try encoded.render()
            try whole.render()
            #expect(encoded.image == whole.image, "\(g)")
            #expect(encoded.label == whole.label, "\(g)")
            // (A window wholly off the canvas decodes nothing, so records no shrink.)
            if encoded.params["shrink_on_load"] != nil { #expect(encoded.params == whole.params) }
            let s = Int(whole.params["shrink_on_load"] ?? 1)
            if let r = g.resize, r.width * s < size.width / 2 || g.crop != nil { partial += 1 }
        }
        #expect(partial > 0, "some geometries read a box smaller than the image")
    }

    @Test("A JPEG that decodes to another size than its header says is refused, box or not")
    func headerMismatchIsRefused() throws {
        try Vips.start()
        let data = try Data(contentsOf: fixtures.appendingPathComponent(Self.file))
        let size = try ImageCodec.imageSize(data, id: "x", path: Self.file)
        var s = Sample(id: "x", repeatIndex: 0, imagePath: Self.file, labelPath: Self.file)
        s.label = Raster(width: size.width + 2, height: size.height, channels: 1, pixels: [UInt8](repeating: 1, count: (size.width + 2) * size.height))
        s.source = .encoded(EncodedImage(data: data, width: size.width + 2, height: size.height, jpeg: true, shrinkOnLoad: false))
        s.geometry.resize = Geometry.Resize(width: 50, height: 40)
        s.geometry.crop = Resample.Window(x0: 3, y0: 3, x1: 20, y1: 20)
        do {
            try s.render()
            Issue.record("a JPEG of another size rendered")
        } catch let e as SampleError {
            #expect(e.problem == "decodes to \(size.width)x\(size.height) but its header says \(size.width + 2)x\(size.height)")
        }
    }

    @Test("A label-only stage before the geometry leaves the JPEG encoded, with the same output")
    func labelOnlyStagesKeepTheImageEncoded() throws {
        try Vips.start()
        let root = fixtures.appendingPathComponent("labelme-voc").path
        func spec(_ stages: String) throws -> PipelineSpec {
            try PipelineSpec.parse("""
            version: 1
            input: {format: voc, root: \(root), split: train}
            classes: 21
            stages:
            \(stages)
            output: {dir: out}
            """, file: "p.yaml")
        }
        // remap_labels first, then a resize that shrinks 4x: the decode can shrink only if the
        // image is still encoded when the resize renders. (No stage draws: the two orders agree.)
        let before = try spec("  - decode: {shrink_on_load: true}\n  - remap_labels: {above: 5, to: ignore}\n  - resize: {scale: [100, 70], keep_ratio: false}\n  - pad: {size: [70, 100]}")
        let after = try spec("  - decode: {shrink_on_load: true}\n  - resize: {scale: [100, 70], keep_ratio: false}\n  - pad: {size: [70, 100]}\n  - remap_labels: {above: 5, to: ignore}")
        let records = try DatasetInput(before.input).records
        #expect(!records.isEmpty)
        for r in records {
            var a = Sample(record: r, repeatIndex: 0), b = a
            try before.process(&a)
            try after.process(&b)
            #expect(a.params["shrink_on_load"] == 4, "\(r.id): decoded shrunk, so after remap_labels")
            #expect(a.image == b.image && a.label == b.label)
        }
    }

    @Test("A damaged JPEG is refused even when none of it lands on the canvas")
    func invisibleImagesAreStillDecoded() throws {
        try Vips.start()
        let data = try Data(contentsOf: fixtures.appendingPathComponent(Self.file))
        let size = try ImageCodec.imageSize(data, id: "x", path: Self.file)
        let cut = data.prefix(data.count / 2)
        var s = Sample(id: "x", repeatIndex: 0, imagePath: Self.file, labelPath: Self.file)
        s.label = Raster(width: size.width, height: size.height, channels: 1, pixels: [UInt8](repeating: 1, count: size.width * size.height))
        s.source = .encoded(EncodedImage(data: cut, width: size.width, height: size.height, jpeg: true, shrinkOnLoad: false))
        s.geometry.resize = Geometry.Resize(width: 60, height: 40)
        s.geometry.canvas = Geometry.Canvas(width: 32, height: 32, dx: 100, dy: 0, fill: [1, 2, 3], labelFill: 0)
        var intact = s
        intact.source = .encoded(EncodedImage(data: data, width: size.width, height: size.height, jpeg: true, shrinkOnLoad: false))
        try intact.render()
        #expect(intact.image.pixels == [UInt8](repeating: 0, count: 32 * 32 * 3).enumerated().map { UInt8($0.offset % 3 + 1) })
        do {
            try s.render()
            Issue.record("a truncated JPEG off the canvas rendered")
        } catch let e as SampleError {
            #expect(e.problem == "cannot be decoded as an image (Premature end of JPEG file)")
        }
    }
}
