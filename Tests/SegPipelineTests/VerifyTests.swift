import Foundation
import SegFormat
import Testing
@testable import SegPipeline

@Suite struct VerifyTests {
    @Test func intactFolderVerifies() throws {
        let s = try Scratch(count: 3)
        defer { s.remove() }
        _ = try s.run()
        #expect(try ShardVerifier.verify(s.out.path).isEmpty)
    }

    @Test func oneFlippedByteNamesTheShard() throws {
        let s = try Scratch(count: 3)
        defer { s.remove() }
        _ = try s.run()
        let p = s.out.appendingPathComponent("shard-00001.safetensors")
        var d = try Data(contentsOf: p)
        d[d.count - 10] ^= 0x01
        try d.write(to: p)
        let damage = try ShardVerifier.verify(s.out.path)
        #expect(damage.map(\.file) == [p.path])
        #expect(damage.first?.problem.hasPrefix("XXH3-128 differs from the manifest") == true)
    }

    @Test func missingAndTruncatedShards() throws {
        let s = try Scratch(count: 3)
        defer { s.remove() }
        _ = try s.run()
        try FileManager.default.removeItem(at: s.out.appendingPathComponent("shard-00000.safetensors"))
        let p = s.out.appendingPathComponent("shard-00001.safetensors")
        try Data(try Data(contentsOf: p).prefix(100)).write(to: p)
        let damage = try ShardVerifier.verify(s.out.path)
        #expect(damage.count == 2)
        #expect(damage[0].problem.hasPrefix("missing"))
        #expect(damage[1].problem.contains("is 100 bytes, the manifest says"))
    }

    @Test func noManifest() throws {
        let e = #expect(throws: ManifestError.self) { try ShardVerifier.verify("/tmp/nonexistent-segprep") }
        #expect(e?.description.contains("has no index.json: it is not a finished seg-prep output") == true)
    }
}
