import Foundation
import SegFormat

/// Writes 8-bit indexed (palette) PNGs of class maps, so label viewers show colours while the
/// pixel values stay class indices (as VOC's `SegmentationClass` files).
///
/// Pure Swift: rows are filtered with `None`, and the image data is deflated with fixed Huffman
/// codes and run-length matches (distance 1 and one row up), which suits label maps.
public enum PalettePNG {
    /// Encodes `label` (1 channel of indices) with `palette` colours (up to 256 entries used).
    ///
    /// - Precondition: `label.channels == 1`.
    public static func encode(_ label: Raster, palette: Palette) -> Data {
        precondition(label.channels == 1, "a palette PNG holds one channel of indices")
        let used = Int(label.pixels.max() ?? 0) + 1
        var out = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        var ihdr = Data()
        ihdr.appendBigEndian(UInt32(label.width)); ihdr.appendBigEndian(UInt32(label.height))
        ihdr.append(contentsOf: [8, 3, 0, 0, 0])
        chunk("IHDR", ihdr, into: &out)
        chunk("PLTE", Data((0..<max(used, 1)).flatMap { palette.colours[$0] }), into: &out)
        var raw = [UInt8](); raw.reserveCapacity((label.width + 1) * label.height)
        for y in 0..<label.height {
            raw.append(0)
            raw.append(contentsOf: label.pixels[(y * label.width)..<((y + 1) * label.width)])
        }
        chunk("IDAT", Deflate.zlib(raw, rowStride: label.width + 1), into: &out)
        chunk("IEND", Data(), into: &out)
        return out
    }

    /// Encodes and writes `label` to `path` atomically.
    ///
    /// - Throws: file-system errors naming the path.
    public static func write(_ label: Raster, palette: Palette, to path: String) throws {
        try AtomicFile.write(encode(label, palette: palette), to: path)
    }

    static func chunk(_ type: String, _ body: Data, into out: inout Data) {
        out.appendBigEndian(UInt32(body.count))
        var crcInput = Data(type.utf8)
        crcInput.append(body)
        out.append(crcInput)
        out.appendBigEndian(CRC32.checksum(crcInput))
    }
}

extension Data {
    mutating func appendBigEndian(_ v: UInt32) {
        append(contentsOf: [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)])
    }
}
