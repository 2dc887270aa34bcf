import Foundation
import CDeflate
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
        var out = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        func chunk(_ type: String, _ body: Data) {
            var len = UInt32(body.count).bigEndian
            out.append(Data(bytes: &len, count: 4))
            let typed = Data(type.utf8) + body
            out.append(typed)
            var crc = UInt32(typed.withUnsafeBytes { libdeflate_crc32(0, $0.baseAddress, $0.count) }).bigEndian
            out.append(Data(bytes: &crc, count: 4))
        }
        var ihdr = Data()
        for v in [UInt32(width), UInt32(height)] { var b = v.bigEndian; ihdr.append(Data(bytes: &b, count: 4)) }
        ihdr.append(contentsOf: [8, colourType, 0, 0, 0])
        chunk("IHDR", ihdr)
        if colourType == 3 { chunk("PLTE", Data(repeating: 0, count: 3 * 4)) }
        // Two rows of zeros, stored (uncompressed) in a zlib stream.
        let rowBytes = colourType == 2 ? width * 3 : width
        let raw = [UInt8](repeating: 0, count: min(2 * (rowBytes + 1), 60_000))
        var z = Data([0x78, 0x01, 0x01])   // one final stored block (no Adler-32: the file is cut short anyway)
        var n = UInt16(raw.count).littleEndian, nn = (~UInt16(raw.count)).littleEndian
        z.append(Data(bytes: &n, count: 2)); z.append(Data(bytes: &nn, count: 2))
        z.append(contentsOf: raw)
        chunk("IDAT", z)
        chunk("IEND", Data())
        return out
    }
}
