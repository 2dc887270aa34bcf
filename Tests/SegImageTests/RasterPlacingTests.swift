import Testing
@testable import SegImage

/// A canvas built around a placed raster against filling the whole canvas and pasting over it:
/// offsets inside, across every edge and fully outside, uniform and mixed fills, 1 to 3 channels.
@Suite struct RasterPlacingTests {
    @Test func placingEqualsFillThenPaste() {
        for fill: [UInt8] in [[7], [3, 250], [128, 128, 128], [1, 2, 3]] {
            let c = fill.count
            for (w, h) in [(5, 4), (1, 1), (3, 7)] {
                let src = Raster(width: w, height: h, channels: c, pixels: (0..<(w * h * c)).map { UInt8(truncatingIfNeeded: 11 * $0 + 5) })
                for dx in [-6, -2, 0, 1, 4, 9, 12] {
                    for dy in [-5, -1, 0, 2, 6, 8] {
                        var expected = Raster(width: 9, height: 8, fill: fill)
                        expected.paste(src, dx: dx, dy: dy)
                        let got = Raster(width: 9, height: 8, fill: fill, placing: src, dx: dx, dy: dy)
                        #expect(got == expected, "\(w)x\(h)x\(c) at (\(dx), \(dy)) on a 9x8 canvas of \(fill)")
                    }
                }
            }
        }
    }
}
