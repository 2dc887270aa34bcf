import CDeflate
import Foundation

/// PNG building blocks for tests that need files no encoder writes (chosen filters, split IDATs,
/// damaged or lying headers): chunks with libdeflate's CRC-32, zlib streams from libdeflate.
enum TestPNG {
    static let signature = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])

    /// Appends chunk `type` holding `body` (length, type, body, CRC-32 of type and body).
    static func chunk(_ type: String, _ body: Data, into out: inout Data) {
        out.append(bigEndian(UInt32(body.count)))
        let typed = Data(type.utf8) + body
        out.append(typed)
        out.append(bigEndian(UInt32(typed.withUnsafeBytes { libdeflate_crc32(0, $0.baseAddress, $0.count) })))
    }

    /// An IHDR body: size, bit depth 8, `colourType`, no interlace.
    static func header(width: Int, height: Int, colourType: UInt8) -> Data {
        bigEndian(UInt32(width)) + bigEndian(UInt32(height)) + Data([8, colourType, 0, 0, 0])
    }

    /// `raw` as a zlib stream (libdeflate, level 6).
    static func zlib(_ raw: [UInt8]) -> Data {
        let c = libdeflate_alloc_compressor(6)!
        defer { libdeflate_free_compressor(c) }
        let bound = libdeflate_zlib_compress_bound(c, raw.count)
        var out = [UInt8](repeating: 0, count: bound)
        let n = raw.withUnsafeBytes { r in out.withUnsafeMutableBytes { o in
            libdeflate_zlib_compress(c, r.baseAddress, r.count, o.baseAddress, o.count)
        } }
        return Data(out.prefix(n))
    }

    static func bigEndian(_ v: UInt32) -> Data {
        var b = v.bigEndian
        return Data(bytes: &b, count: 4)
    }
}
