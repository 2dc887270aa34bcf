import SegImage
import Foundation
import SegFormat
import Testing
@testable import SegPipeline

/// `resize`'s `bicubic` and `area` against cv2.resize outputs (fixtures/cv-resize: inputs, sizes and
/// outputs read from the files), whole and in windows; IPP's cubic (cv2's x86 default) within ±1.
@Suite struct CVResizeTests {
    static let dir = fixtures.appendingPathComponent("cv-resize")
    nonisolated(unsafe) static let cases: [[String: Any]] = {
        let data = try! Data(contentsOf: dir.appendingPathComponent("cases.json"))
        return (try! JSONSerialization.jsonObject(with: data) as! [String: Any])["cases"] as! [[String: Any]]
    }()
    static let file = try! SafeTensorsFile(path: dir.appendingPathComponent("cases.safetensors").path)

    static func raster(_ name: String) throws -> Raster {
        let info = try file.info(name)
        return Raster(width: info.shape[1], height: info.shape[0], channels: info.shape[2], pixels: Array(try file.bytes(name)))
    }

    static func resize(_ src: Raster, _ kind: String, width: Int, height: Int, window: Resample.Window? = nil) -> Raster {
        kind == "cubic" ? CVResize.bicubic(src, width: width, height: height, window: window)
                        : CVResize.area(src, width: width, height: height, window: window)
    }

    @Test func everyCaseEqualsCv2() throws {
        #expect(Set(Self.cases.map { $0["interpolation"] as! String }) == ["cubic", "area"])
        for c in Self.cases {
            let name = c["name"] as! String, kind = c["interpolation"] as! String
            let hw = c["output_hw"] as! [Int]
            let src = try Self.raster(c["input"] as! String), want = try Self.raster(c["output"] as! String)
            let got = Self.resize(src, kind, width: hw[1], height: hw[0])
            #expect(got.width == want.width && got.height == want.height, "\(name)")
            let diff = zip(got.pixels, want.pixels).filter { $0 != $1 }.count
            #expect(diff == 0, "\(name): \(diff) bytes differ")
            // A window of the output equals that part of the whole output.
            if hw[0] > 2 && hw[1] > 2 {
                let w = Resample.Window(x0: hw[1] / 3, y0: hw[0] / 4, x1: hw[1] - 1, y1: hw[0] - hw[0] / 5)
                var whole = Raster(width: w.x1 - w.x0, height: w.y1 - w.y0, fill: [0, 0, 0])
                whole.paste(want, dx: -w.x0, dy: -w.y0)
                #expect(Self.resize(src, kind, width: hw[1], height: hw[0], window: w).pixels == whole.pixels, "\(name) window")
            }
            if let ipp = c["output_ipp_default"] as? String {
                let other = try Self.raster(ipp)
                #expect(zip(got.pixels, other.pixels).allSatisfy { abs(Int($0) - Int($1)) <= 1 }, "\(name) vs IPP")
            }
        }
    }

    @Test func theResizeStageUsesThem() throws {
        for kind in ["bicubic", "area"] {
            let spec = try stages("- decode: {}\n- resize: {scale: [300, 200], ratio_range: [1.0, 1.0], interpolation: \(kind)}\n- random_crop: {size: [64, 64]}\n- pad: {size: [64, 64]}")
            let resize = spec.stages[1] as! ResizeStage
            var s = try decodedPair(goldenPairs.first!)
            let src = s.image
            try resize.resize(&s, ratio: 1.0)
            try s.render()
            let want = kind == "bicubic" ? CVResize.bicubic(src, width: s.image.width, height: s.image.height)
                                         : CVResize.area(src, width: s.image.width, height: s.image.height)
            #expect(s.image.pixels == want.pixels && s.image.width <= 300)
        }
    }

    @Test func aCropOfAPlannedResizeIsTheCropOfTheWholeResize() throws {
        for kind in ["bilinear", "bicubic", "area", "nearest"] {
            for ratio in [0.3, 1.7] {
                let spec = try stages("- decode: {}\n- resize: {scale: [400, 300], ratio_range: [\(ratio), \(ratio)], interpolation: \(kind)}\n- random_crop: {size: [96, 128]}\n- pad: {size: [96, 128]}")
                var lazy = try decodedPair(goldenPairs[1])
                var whole = lazy
                let resize = spec.stages[1] as! ResizeStage, crop = spec.stages[2] as! RandomCropStage
                let ctx = StageContext(classes: 21, height: 96, width: 128)
                var r1 = SeededRandom(seed: 1, id: "a", repeatIndex: 0, stage: 1), r2 = r1
                try resize.apply(&lazy, random: &r1, context: ctx)        // leaves the resize pending
                #expect(lazy.geometry.resize?.method == resize.interpolation.method)
                try resize.apply(&whole, random: &r2, context: ctx)
                try whole.render()                                        // the whole resize first
                var c1 = SeededRandom(seed: 1, id: "a", repeatIndex: 0, stage: 2), c2 = c1
                try crop.apply(&lazy, random: &c1, context: ctx)
                try crop.apply(&whole, random: &c2, context: ctx)
                try lazy.render(); try whole.render()
                #expect(lazy.image.pixels == whole.image.pixels && lazy.label.pixels == whole.label.pixels, "\(kind) \(ratio)")
                #expect(lazy.params == whole.params)
            }
        }
    }
}
