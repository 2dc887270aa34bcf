import Foundation
import SegFormat
import Testing
@testable import SegImage

/// The resizes from a part of their source (`ImagePart`) against the same resize of the whole
/// source: the part that is exactly the box the window reads gives the same bytes, and a part one
/// pixel short of it is declined.
@Suite struct ResizePartTests {
    static func noise(_ w: Int, _ h: Int, seed: UInt64) -> Raster {
        var rng = SplitMix64(seed: seed)
        return Raster(width: w, height: h, channels: 3, pixels: (0..<(w * h * 3)).map { _ in UInt8(truncatingIfNeeded: rng.next() >> 56) })
    }

    /// Random windows of random resizes (up, down, one axis unchanged) of a 97 x 61 source.
    static func cases(seed: UInt64) -> [(width: Int, height: Int, window: Resample.Window, flipX: Bool, flipY: Bool)] {
        var rng = SplitMix64(seed: seed)
        func draw(_ n: Int) -> Int { Int(rng.next() % UInt64(n)) }
        var out: [(Int, Int, Resample.Window, Bool, Bool)] = []
        for k in 0..<60 {
            let width = k % 7 == 0 ? 97 : 8 + draw(300), height = k % 5 == 0 ? 61 : 8 + draw(200)
            let x0 = draw(width), y0 = draw(height)
            let window = Resample.Window(x0: x0, y0: y0, x1: x0 + 1 + draw(width - x0), y1: y0 + 1 + draw(height - y0))
            out.append((width, height, window, draw(2) == 1, draw(2) == 1))
        }
        return out
    }

    /// The parts of `src` that are `box` and `box` short by a pixel on each side it can lose one.
    static func parts(_ src: Raster, box: Resample.Window) -> (exact: ImagePart, short: [ImagePart]) {
        func part(_ b: Resample.Window) -> ImagePart {
            ImagePart(raster: src.window(b), x: b.x0, y: b.y0, width: src.width, height: src.height)
        }
        var short: [ImagePart] = []
        if box.x1 - box.x0 > 1 {
            short.append(part(Resample.Window(x0: box.x0 + 1, y0: box.y0, x1: box.x1, y1: box.y1)))
            short.append(part(Resample.Window(x0: box.x0, y0: box.y0, x1: box.x1 - 1, y1: box.y1)))
        }
        if box.y1 - box.y0 > 1 {
            short.append(part(Resample.Window(x0: box.x0, y0: box.y0 + 1, x1: box.x1, y1: box.y1)))
            short.append(part(Resample.Window(x0: box.x0, y0: box.y0, x1: box.x1, y1: box.y1 - 1)))
        }
        return (part(box), short)
    }

    @Test("Pillow's bicubic from the box it reads equals it from the whole source")
    func bicubicFromItsBox() {
        let src = Self.noise(97, 61, seed: 3)
        for c in Self.cases(seed: 4) {
            let box = Resample.bicubicSourceBox(sourceWidth: 97, sourceHeight: 61, width: c.width, height: c.height, window: c.window)
            let expected = Resample.bicubic(src, width: c.width, height: c.height, window: c.window, flipX: c.flipX, flipY: c.flipY)
            let (exact, short) = Self.parts(src, box: box)
            let got = Resample.bicubic(exact, width: c.width, height: c.height, window: c.window, flipX: c.flipX, flipY: c.flipY)
            #expect(got?.pixels == expected.pixels, "\(c)")
            for p in short {
                #expect(Resample.bicubic(p, width: c.width, height: c.height, window: c.window) == nil, "\(c) \(p.x),\(p.y)")
            }
            // The plan that gave the box renders it (tables built once), from the box or the whole
            // source; a part short of the box, or of another source size, is declined.
            let plan = Resample.bicubicPlan(sourceWidth: 97, sourceHeight: 61, width: c.width, height: c.height, window: c.window)
            #expect(plan.box == box)
            #expect(Resample.bicubic(exact, plan: plan, flipX: c.flipX, flipY: c.flipY)?.pixels == expected.pixels, "\(c)")
            #expect(Resample.bicubic(ImagePart(whole: src), plan: plan, flipX: c.flipX, flipY: c.flipY)?.pixels == expected.pixels, "\(c)")
            for p in short { #expect(Resample.bicubic(p, plan: plan) == nil, "\(c) \(p.x),\(p.y)") }
            let other = Resample.bicubicPlan(sourceWidth: 96, sourceHeight: 61, width: c.width, height: c.height, window: c.window)
            #expect(Resample.bicubic(ImagePart(whole: src), plan: other) == nil)
        }
    }

    @Test("OpenCV's INTER_LINEAR from the box it reads equals it from the whole source")
    func bilinearFromItsBox() {
        let src = Self.noise(97, 61, seed: 5)
        for c in Self.cases(seed: 6) {
            let box = CVResize.bilinearSourceBox(sourceWidth: 97, sourceHeight: 61, width: c.width, height: c.height, window: c.window)
            let expected = CVResize.bilinear(src, width: c.width, height: c.height, window: c.window, flipX: c.flipX)
            let (exact, short) = Self.parts(src, box: box)
            let got = CVResize.bilinear(exact, width: c.width, height: c.height, window: c.window, flipX: c.flipX)
            #expect(got?.pixels == expected.pixels, "\(c)")
            // The Swift oracle from the part agrees too (the kernel's fallback).
            var xs = CVResize.Axis(source: 97, destination: c.width, clampWeight: true)
            var ys = CVResize.Axis(source: 61, destination: c.height, clampWeight: false)
            xs.index = xs.index.map { $0 - box.x0 }
            ys.index = ys.index.map { $0 - box.y0 }
            let oracle = CVResize.linearOracle(exact.raster, width: c.width, height: c.height, window: c.window, xs: xs, ys: ys)
            #expect(oracle.pixels == CVResize.bilinear(src, width: c.width, height: c.height, window: c.window).pixels, "\(c)")
            for p in short {
                #expect(CVResize.bilinear(p, width: c.width, height: c.height, window: c.window) == nil, "\(c) \(p.x),\(p.y)")
            }
        }
    }

    @Test("A window outside the resize is declined, not read past the part")
    func windowsOutsideAreDeclined() {
        let src = Self.noise(40, 30, seed: 7)
        let part = ImagePart(raster: src.window(Resample.Window(x0: 2, y0: 2, x1: 30, y1: 20)), x: 2, y: 2, width: 40, height: 30)
        for w in [Resample.Window(x0: -1, y0: 0, x1: 5, y1: 5), Resample.Window(x0: 0, y0: 0, x1: 81, y1: 5),
                  Resample.Window(x0: 3, y0: 3, x1: 3, y1: 9)] {
            #expect(Resample.bicubic(part, width: 80, height: 60, window: w) == nil)
            #expect(CVResize.bilinear(part, width: 80, height: 60, window: w) == nil)
        }
    }
}
