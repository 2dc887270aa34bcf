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
