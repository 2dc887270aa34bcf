import Foundation
import Testing
@testable import SegFormat

/// A shard streamed piece by piece is the file `SafeTensorsWriter` builds in one go; wrong byte
/// counts are refused and leave nothing behind.
@Suite struct ShardStreamTests {
    let dir: String = {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("segprep-stream-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }()

    let tensors: [ShardStream.Declared] = [.init(name: "image", dtype: .u8, shape: [2, 3]),
                                           .init(name: "label", dtype: .u8, shape: [2, 2])]

    func entries() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: dir).sorted() }

    @Test func streamedPiecesEqualTheWholeFile() throws {
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = "\(dir)/s.safetensors"
        let stream = try ShardStream(tensors, metadata: ["k": "v"], to: path, checksum: .sha256)
        for piece: [UInt8] in [[1, 2, 3], [4, 5, 6], [7, 8, 9, 10]] {
            try piece.withUnsafeBytes { try stream.append($0) }
        }
        let file = try stream.finish()
        try file.commit()
        var w = SafeTensorsWriter()
        w.add("image", dtype: .u8, shape: [2, 3], data: [1, 2, 3, 4, 5, 6])
        w.add("label", dtype: .u8, shape: [2, 2], data: [7, 8, 9, 10])
        let expected = w.encoded(metadata: ["k": "v"])
        let written = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(written == expected)
        #expect(file.bytes == expected.count)
        #expect(file.digest == Checksum.sha256(expected) && file.checksum == .sha256)
        #expect(try entries() == ["s.safetensors"])
    }

    /// Direct I/O (the default on file systems that take it) and the page cache give the same
    /// file; `copyData` reads back bytes from the file and from the staging buffer alike.
    @Test(arguments: [true, false])
    func directAndBufferedWritesGiveTheSameBytes(directIO: Bool) throws {
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // 9 MB + 123 bytes: two full 4 MiB staging buffers and an unaligned tail.
        let n = 9 * (1 << 20) + 123
        var rng = SplitMix64(seed: 3)
        let data = (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        let big: [ShardStream.Declared] = [.init(name: "x", dtype: .u8, shape: [n])]
        let stream = try ShardStream(big, metadata: ["k": "v"], to: "\(dir)/a.safetensors", checksum: .xxh3, directIO: directIO)
        try data.withUnsafeBytes { raw in
            for start in stride(from: 0, to: n, by: 700_001) {
                try stream.append(UnsafeRawBufferPointer(rebasing: raw[start..<min(n, start + 700_001)]))
            }
        }
        // A copy of everything but the first byte, read back before the stream finishes: it spans
        // written blocks and (with direct I/O) the staged tail.
        let copy = try ShardStream([.init(name: "x", dtype: .u8, shape: [n - 1])], metadata: ["k": "v"], to: "\(dir)/b.safetensors", directIO: directIO)
        try stream.copyData(1..<n, to: copy)
        let a = try stream.finish(), b = try copy.finish()
        try a.commit(); try b.commit()
        var w = SafeTensorsWriter()
        w.add("x", dtype: .u8, shape: [n], data: data)
        let expected = w.encoded(metadata: ["k": "v"])
        #expect(try Data(contentsOf: URL(fileURLWithPath: "\(dir)/a.safetensors")) == expected)
        let digest = try ChecksumAlgorithm.xxh3.digest(file: "\(dir)/a.safetensors")
        #expect(a.bytes == expected.count && a.digest == digest)
        var w2 = SafeTensorsWriter()
        w2.add("x", dtype: .u8, shape: [n - 1], data: Array(data.dropFirst()))
        #expect(try Data(contentsOf: URL(fileURLWithPath: "\(dir)/b.safetensors")) == w2.encoded(metadata: ["k": "v"]))
        #expect(try entries() == ["a.safetensors", "b.safetensors"])
    }

    /// Bytes placed ahead of the appends (a shard's labels while its images still arrive) give
    /// the same file and checksum as appending everything in order, through the page cache and
    /// with direct I/O; `copyData` reads placed bytes back too.
    @Test(arguments: [true, false])
    func placedBytesGiveTheSameFile(directIO: Bool) throws {
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // 5 MiB + 77 bytes appended, then 4 MiB + 5 placed: pieces of 300,001 bytes, the places
        // interleaved with the appends.
        let head = 5 * (1 << 20) + 77, n = head + 4 * (1 << 20) + 5, piece = 300_001
        var rng = SplitMix64(seed: 9)
        let data = (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        let declared: [ShardStream.Declared] = [.init(name: "image", dtype: .u8, shape: [head]), .init(name: "label", dtype: .u8, shape: [n - head])]
        let stream = try ShardStream(declared, metadata: ["k": "v"], to: "\(dir)/a.safetensors", directIO: directIO)
        let appends = Array(stride(from: 0, to: head, by: piece)), places = Array(stride(from: head, to: n, by: piece))
        try data.withUnsafeBytes { raw in
            for i in 0..<max(appends.count, places.count) {
                if i < places.count { try stream.place(UnsafeRawBufferPointer(rebasing: raw[places[i]..<min(n, places[i] + piece)]), at: places[i]) }
                if i < appends.count { try stream.append(UnsafeRawBufferPointer(rebasing: raw[appends[i]..<min(head, appends[i] + piece)])) }
            }
        }
        // The placed part without its first byte, copied before the stream finishes.
        let copy = try ShardStream([.init(name: "x", dtype: .u8, shape: [n - head - 1])], metadata: ["k": "v"], to: "\(dir)/b.safetensors", directIO: directIO)
        try stream.copyData((head + 1)..<n, to: copy)
        let a = try stream.finish(), b = try copy.finish()
        try a.commit(); try b.commit()
        var w = SafeTensorsWriter()
        w.add("image", dtype: .u8, shape: [head], data: Array(data[0..<head]))
        w.add("label", dtype: .u8, shape: [n - head], data: Array(data[head...]))
        let expected = w.encoded(metadata: ["k": "v"])
        #expect(try Data(contentsOf: URL(fileURLWithPath: "\(dir)/a.safetensors")) == expected)
        let digest = try ChecksumAlgorithm.xxh3.digest(file: "\(dir)/a.safetensors")
        #expect(a.bytes == expected.count && a.digest == digest)
        var w2 = SafeTensorsWriter()
        w2.add("x", dtype: .u8, shape: [n - head - 1], data: Array(data[(head + 1)...]))
        #expect(try Data(contentsOf: URL(fileURLWithPath: "\(dir)/b.safetensors")) == w2.encoded(metadata: ["k": "v"]))
        #expect(try entries() == ["a.safetensors", "b.safetensors"])
    }

    /// Places that leave a gap, and appends that run into placed bytes, are refused and leave nothing.
    @Test func misplacedBytesAreRefused() throws {
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = "\(dir)/s.safetensors"
        let two = [UInt8](repeating: 1, count: 2)
        var stream = try ShardStream(tensors, metadata: [:], to: path)
        try two.withUnsafeBytes { try stream.place($0, at: 6) }
        let gap = #expect(throws: SafeTensorsError.self) { try two.withUnsafeBytes { try stream.place($0, at: 9) } }
        #expect(gap?.description == "\(path): received 2 data bytes to place at 9, not after those placed up to 8 within its 10")
        #expect(try entries().isEmpty)
        stream = try ShardStream(tensors, metadata: [:], to: path)
        try two.withUnsafeBytes { try stream.place($0, at: 6) }
        let into = #expect(throws: SafeTensorsError.self) { try [UInt8](repeating: 1, count: 7).withUnsafeBytes { try stream.append($0) } }
        #expect(into?.description == "\(path): received 7 data bytes, running into the bytes placed at 6")
        #expect(try entries().isEmpty)
        stream = try ShardStream(tensors, metadata: [:], to: path)
        try two.withUnsafeBytes { try stream.place($0, at: 8) }
        try [UInt8](repeating: 1, count: 6).withUnsafeBytes { try stream.append($0) }
        let short = #expect(throws: SafeTensorsError.self) { try stream.finish() }
        #expect(short?.description == "\(path): received 6 data bytes before the 2 placed at 8")
        #expect(try entries().isEmpty)
    }

    @Test func placingAfterTheEndOrCopyingUnwrittenBytesIsAnError() throws {
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = "\(dir)/s.safetensors", other = "\(dir)/t.safetensors"
        // Bytes not yet written cannot be copied; the target keeps what it was given before.
        let stream = try ShardStream(tensors, metadata: [:], to: path)
        try [UInt8](1...4).withUnsafeBytes { try stream.append($0) }
        let target = try ShardStream(tensors, metadata: [:], to: other)
        try stream.copyData(0..<4, to: target)
        let unwritten = #expect(throws: SafeTensorsError.self) { try stream.copyData(2..<8, to: target) }
        #expect(unwritten?.description == "\(path): has no data bytes 2..<8 to copy (finished, abandoned, or not yet written)")
        try [UInt8](5...10).withUnsafeBytes { try target.append($0) }
        let copied = try target.finish()
        try copied.commit()
        // A finished shard takes no more bytes, and its file stays as written.
        try [UInt8](5...10).withUnsafeBytes { try stream.append($0) }
        let file = try stream.finish()
        try file.commit()
        let late = #expect(throws: SafeTensorsError.self) { try [UInt8](1...2).withUnsafeBytes { try stream.place($0, at: 8) } }
        #expect(late?.description == "\(path): received bytes to place after it was finished or abandoned")
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(contentsOf: URL(fileURLWithPath: other)))
        #expect(try entries() == ["s.safetensors", "t.safetensors"])
    }

    @Test func tooManyBytesAreRefused() throws {
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = "\(dir)/s.safetensors"
        let stream = try ShardStream(tensors, metadata: [:], to: path)
        let e = #expect(throws: SafeTensorsError.self) {
            try [UInt8](repeating: 1, count: 11).withUnsafeBytes { try stream.append($0) }
        }
        #expect(e?.description == "\(path): received 11 data bytes but its header declares 10")
        #expect(try entries().isEmpty)
    }

    @Test func tooFewBytesAreRefused() throws {
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = "\(dir)/s.safetensors"
        let stream = try ShardStream(tensors, metadata: [:], to: path)
        try [UInt8](repeating: 1, count: 9).withUnsafeBytes { try stream.append($0) }
        let e = #expect(throws: SafeTensorsError.self) { try stream.finish() }
        #expect(e?.description == "\(path): received 9 data bytes but its header declares 10")
        #expect(try entries().isEmpty)
    }

    @Test func abandonedStreamLeavesNothing() throws {
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let stream = try ShardStream(tensors, metadata: [:], to: "\(dir)/s.safetensors")
        try [UInt8](repeating: 1, count: 6).withUnsafeBytes { try stream.append($0) }
        #expect(try entries().count == 1)   // the temporary file
        stream.abandon()
        #expect(try entries().isEmpty)
    }

    @Test func xxh3VectorEntryMatchesThePlainOne() {
        // libxxhash's dispatching entry (the AVX2 path) against its plain build (portable), over
        // lengths around its 64-byte stripes and 1 KiB blocks, fed whole and in uneven pieces.
        var rng = SplitMix64(seed: 7)
        for n in [1, 63, 64, 65, 1024, 1025, 4096 + 17, 300_001] {
            let bytes = (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            var digests: [String] = []
            for path in SIMDPath.available {
                for piece in [n, 100, 4097] {
                    let h = XXH3Hasher(path: path)
                    bytes.withUnsafeBytes { raw in
                        var at = 0
                        while at < n { let end = min(n, at + piece); h.update(UnsafeRawBufferPointer(rebasing: raw[at..<end])); at = end }
                    }
                    digests.append(h.finalize())
                }
            }
            #expect(Set(digests).count == 1, "XXH3-128 of \(n) bytes differs between paths or pieces")
        }
    }

    @Test func xxh3MatchesItsReferenceVectorsAndStreams() throws {
        // XXH3-128 of no bytes, canonical form (xxHash's own test vector).
        #expect(XXH3Hasher().finalize() == "99aa06d3014798d86001c324468d497f")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = "\(dir)/x.safetensors"
        let stream = try ShardStream(tensors, metadata: [:], to: path)
        for piece: [UInt8] in [[1, 2, 3], [4, 5, 6], [7, 8, 9, 10]] { try piece.withUnsafeBytes { try stream.append($0) } }
        let file = try stream.finish()
        try file.commit()
        #expect(file.checksum == .xxh3 && file.digest.count == 32)
        #expect(try ChecksumAlgorithm.xxh3.digest(file: path) == file.digest)
    }
}
