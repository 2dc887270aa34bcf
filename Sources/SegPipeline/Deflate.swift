import Foundation

/// A small zlib (RFC 1950/1951) compressor: one fixed-Huffman block with greedy run-length matches.
///
/// Matches are tried at distance 1 (runs) and at `rowStride` (the same bytes one image row up),
/// which captures most of the redundancy of label maps at a fraction of a full LZ77 search.
enum Deflate {
    static let lengthBase = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115,
                             131, 163, 195, 227, 258]
    static let lengthExtra = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    static let distanceBase = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537,
                               2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577]
    static let distanceExtra = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]

    /// The zlib stream (header, deflate data, Adler-32) of `bytes`.
    static func zlib(_ bytes: [UInt8], rowStride: Int) -> Data {
        var w = BitWriter()
        w.bytes = [0x78, 0x01]
        w.write(1, bits: 1)   // final block
        w.write(1, bits: 2)   // fixed Huffman codes
        let n = bytes.count
        bytes.withUnsafeBufferPointer { b in
            var i = 0
            while i < n {
                var bestLength = 0, bestDistance = 0
                for d in [1, rowStride] where d >= 1 && d <= 32_768 && i >= d {
                    var l = 0
                    let limit = min(258, n - i)
                    while l < limit && b[i + l] == b[i + l - d] { l += 1 }
                    if l > bestLength { bestLength = l; bestDistance = d }
                }
                if bestLength >= 3 {
                    w.match(length: bestLength, distance: bestDistance)
                    i += bestLength
                } else {
                    w.literal(Int(b[i]))
                    i += 1
                }
            }
        }
        w.symbol(256)
        w.flush()
        var a: UInt32 = 1, c: UInt32 = 0
        for chunkStart in stride(from: 0, to: n, by: 5552) {
            for k in chunkStart..<min(chunkStart + 5552, n) { a += UInt32(bytes[k]); c += a }
            a %= 65_521; c %= 65_521
        }
        let adler = c << 16 | a
        w.bytes += [UInt8(adler >> 24), UInt8(adler >> 16 & 0xFF), UInt8(adler >> 8 & 0xFF), UInt8(adler & 0xFF)]
        return Data(w.bytes)
    }

    /// An LSB-first bit stream with the fixed Huffman alphabet.
    struct BitWriter {
        var bytes: [UInt8] = []
        var buffer: UInt64 = 0
        var count = 0

        mutating func write(_ value: Int, bits: Int) {
            buffer |= UInt64(value) << UInt64(count)
            count += bits
            while count >= 8 { bytes.append(UInt8(buffer & 0xFF)); buffer >>= 8; count -= 8 }
        }

        /// Writes a Huffman code (most significant bit first).
        mutating func code(_ code: Int, bits: Int) {
            var reversed = 0
            for k in 0..<bits where code & (1 << k) != 0 { reversed |= 1 << (bits - 1 - k) }
            write(reversed, bits: bits)
        }

        /// Literal/length symbol 0...287 with the fixed code.
        mutating func symbol(_ s: Int) {
            switch s {
            case 0...143: code(0x30 + s, bits: 8)
            case 144...255: code(0x190 + s - 144, bits: 9)
            case 256...279: code(s - 256, bits: 7)
            default: code(0xC0 + s - 280, bits: 8)
            }
        }

        mutating func literal(_ byte: Int) { symbol(byte) }

        mutating func match(length: Int, distance: Int) {
            var li = Deflate.lengthBase.count - 1
            while Deflate.lengthBase[li] > length { li -= 1 }
            symbol(257 + li)
            write(length - Deflate.lengthBase[li], bits: Deflate.lengthExtra[li])
            var di = Deflate.distanceBase.count - 1
            while Deflate.distanceBase[di] > distance { di -= 1 }
            code(di, bits: 5)
            write(distance - Deflate.distanceBase[di], bits: Deflate.distanceExtra[di])
        }

        mutating func flush() {
            if count > 0 { bytes.append(UInt8(buffer & 0xFF)); buffer = 0; count = 0 }
        }
    }
}
