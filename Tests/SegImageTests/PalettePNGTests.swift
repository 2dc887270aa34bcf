import Foundation
import Testing
@testable import SegImage

/// Palette PNGs written with libpng read back (through libpng) with the same indices.
@Suite struct PalettePNGTests {
    func roundTrip(_ label: Raster) throws -> Raster {
        try Vips.start()
        let data = try PalettePNG.encode(label, palette: Palette.voc(ignoreIndex: 21))
        return try ImageCodec.readLabel(data, id: "t", path: "t.png")
    }

    @Test func noisyLabelsRoundTrip() throws {
        var state: UInt64 = 7
        let pixels = (0..<(53 * 41)).map { _ -> UInt8 in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let r = UInt8(truncatingIfNeeded: state >> 33)
            return r % 9 == 0 ? 255 : r % 21
        }
        let label = Raster(width: 53, height: 41, channels: 1, pixels: pixels)
        #expect(try roundTrip(label) == label)
    }

    @Test func runsAndRepeatedRowsRoundTripAndCompress() throws {
        // Long runs (> 258), rows repeating the row above, and a class change every 97 pixels.
        let w = 700, h = 300
        let pixels = (0..<(w * h)).map { i -> UInt8 in UInt8((i % w) / 97 + (i / w) / 100) }
        let label = Raster(width: w, height: h, channels: 1, pixels: pixels)
        #expect(try roundTrip(label) == label)
        #expect(try PalettePNG.encode(label, palette: Palette.voc(ignoreIndex: 21)).count < w * h / 50)
    }

    @Test func tinyAndSingleValueMaps() throws {
        for label in [Raster(width: 1, height: 1, channels: 1, pixels: [0]),
                      Raster(width: 3, height: 2, channels: 1, pixels: [255, 255, 255, 255, 255, 255])] {
            #expect(try roundTrip(label) == label)
        }
    }
}
