import Foundation
@testable import SegPipeline

/// Small files whose headers claim huge images: a real JPEG with its frame size patched, and a PNG
/// with a valid IHDR over a little pixel data.
enum BombFiles {
    /// A real 500x375 JPEG whose SOF marker claims `width` x `height`.
    static func jpeg(width: Int, height: Int) throws -> Data {
        var d = try Data(contentsOf: fixtures.appendingPathComponent("labelme-voc/JPEGImages/2011_000003.jpg"))
        var i = 2
        while i + 9 < d.count {
            guard d[i] == 0xFF else { i += 1; continue }
            let marker = d[i + 1]
            let length = Int(d[i + 2]) << 8 | Int(d[i + 3])
            if (0xC0...0xC2).contains(marker) {
                d[i + 5] = UInt8(height >> 8); d[i + 6] = UInt8(height & 0xFF)
                d[i + 7] = UInt8(width >> 8); d[i + 8] = UInt8(width & 0xFF)
                return d
            }
            i += 2 + length
        }
        fatalError("no SOF marker in the fixture")
    }

    /// A PNG declaring `width` x `height` (8-bit, `colourType`) followed by a few rows of zeros.
    static func png(width: Int, height: Int, colourType: UInt8 = 2) -> Data {
        var out = TestPNG.signature
        TestPNG.chunk("IHDR", TestPNG.header(width: width, height: height, colourType: colourType), into: &out)
        if colourType == 3 { TestPNG.chunk("PLTE", Data(repeating: 0, count: 3 * 4), into: &out) }
        // The first rows only: the file is far shorter than its header says.
        let rowBytes = colourType == 2 ? width * 3 : width
        TestPNG.chunk("IDAT", TestPNG.zlib([UInt8](repeating: 0, count: min(2 * (rowBytes + 1), 60_000))), into: &out)
        TestPNG.chunk("IEND", Data(), into: &out)
        return out
    }
}
