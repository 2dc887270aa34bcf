import SegImage
import Foundation
import Testing
@testable import SegPipeline

/// Geometric stages compose one plan that a single renderer executes on the output window; the
/// oracle renders after every stage instead (each transform computed in full, in stage order).
@Suite struct GeometryTests {
    static let pipelines = [
        // mmseg's recipe with mirrors after the crop and a canvas after them.
        "- resize: {scale: [600, 300], ratio_range: [0.5, 2.0]}\n- random_crop: {size: [200, 240], cat_max_ratio: 0.75}\n- flip: {p: 1}\n- flip: {direction: vertical}\n- pad: {size: [200, 240]}",
        // The reference's branch, mirrored again after placement (negative offsets crop).
        "- random_resize: {size: [160, 224]}\n- flip: {}\n- place: {}\n- flip: {direction: vertical, p: 1}\n- flip: {}",
        "- letterbox: {size: [200, 200], fill: [1, 2, 3]}\n- flip: {p: 1}\n- flip: {direction: vertical}",
        // A mirror before a resize, then a bicubic resize, crop, mirror and padding to a multiple.
        "- flip: {p: 1}\n- resize: {scale: [400, 300], ratio_range: [0.5, 1.5], interpolation: bicubic}\n- random_crop: {size: [128, 128]}\n- flip: {}\n- pad: {size_divisor: 48}",
        // Two crops of the source with a mirror between them.
        "- random_crop: {size: [300, 300]}\n- flip: {direction: vertical, p: 1}\n- random_crop: {size: [100, 150], cat_max_ratio: 0.6}\n- flip: {}\n- pad: {size: [100, 150]}",
        // A pixel stage renders the plan; the mirror after it starts a new one.
        "- random_resize: {size: [128, 128]}\n- place: {center: true}\n- hsv: {}\n- flip: {p: 1}",
    ]

    @Test(arguments: 0..<pipelines.count)
    func theComposedPlanEqualsEachStageInFull(pipeline: Int) throws {
        let spec = try stages("- decode: {}\n" + Self.pipelines[pipeline])
        for pair in goldenPairs {
            for seed in 0..<3 {
                let ctx = StageContext(classes: 21, height: spec.height, width: spec.width)
                let base = try decodedPair(pair)
                var planned = base, eager = base
                var deferred = false
                for (i, stage) in spec.stages.enumerated() where i > 0 {
                    var r1 = SeededRandom(seed: UInt64(seed), id: pair, repeatIndex: 0, stage: i), r2 = r1
                    if !type(of: stage).isGeometric { try planned.render() }
                    try stage.apply(&planned, random: &r1, context: ctx)
                    try stage.apply(&eager, random: &r2, context: ctx)
                    try eager.render()
                    deferred = deferred || Self.transforms(planned.geometry) >= 2
                }
                #expect(deferred, "the plan should have held more than one transform")
                try planned.render()
                #expect(planned.image == eager.image, "\(pipeline) \(pair) seed \(seed): image")
                #expect(planned.label == eager.label, "\(pipeline) \(pair) seed \(seed): label")
                #expect(planned.params == eager.params)
                #expect(planned.image.width == spec.width && planned.image.height == spec.height)
            }
        }
    }

    /// Mirroring a planned crop and canvas moves the window and offset, as mirroring the output would.
    @Test func aMirrorMovesInsideTheCropAndCanvas() {
        var g = Geometry()
        let accepted = [g.compose(resize: Geometry.Resize(width: 100, height: 80)),
                        g.compose(crop: Resample.Window(x0: 10, y0: 5, x1: 40, y1: 25)),
                        g.compose(canvas: Geometry.Canvas(width: 50, height: 30, dx: 3, dy: 2, fill: [0, 0, 0], labelFill: 0))]
        #expect(accepted == [true, true, true])
        g.composeFlip(vertical: false, source: (300, 200))
        #expect(g.flipX && g.crop == Resample.Window(x0: 60, y0: 5, x1: 90, y1: 25))
        #expect(g.canvas?.dx == 50 - 3 - 30 && g.canvas?.dy == 2)
        g.composeFlip(vertical: true, source: (300, 200))
        #expect(g.flipY && g.crop == Resample.Window(x0: 60, y0: 55, x1: 90, y1: 75) && g.canvas?.dy == 30 - 2 - 20)
        // What the order cannot express is refused, so the stage renders first.
        let refused = [g.compose(resize: Geometry.Resize(width: 10, height: 10)),
                       g.compose(crop: Resample.Window(x0: 0, y0: 0, x1: 5, y1: 5)),
                       g.compose(canvas: Geometry.Canvas(width: 5, height: 5, dx: 0, dy: 0, fill: [0, 0, 0], labelFill: 0))]
        #expect(refused == [false, false, false])
        let size = g.outputSize(source: (300, 200))
        #expect(size.width == 50 && size.height == 30)
    }

    static func transforms(_ g: Geometry) -> Int {
        [g.resize != nil, g.flipX, g.flipY, g.crop != nil, g.canvas != nil].filter { $0 }.count
    }
}
