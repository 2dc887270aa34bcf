import Foundation
import SegTasks
import SegFormat
import Testing
@testable import SegPipeline

/// Hand-edited or damaged `index.json` files: every command that reads a manifest gets a
/// `ManifestError` naming what is wrong (never a trap), and the folder's shards are left as they were.
@Suite struct ManifestGateTests {
    /// One edit of the manifest's JSON object and a phrase its message must hold.
    struct Edit: Sendable, CustomStringConvertible {
        let description: String
        let expect: String
        let apply: @Sendable (inout [String: Any]) -> Void
    }

    static func shards(_ m: [String: Any]) -> [[String: Any]] { m["shards"] as? [[String: Any]] ?? [] }
    static func setShard(_ m: inout [String: Any], _ key: String, _ value: Any) {
        var s = shards(m)
        s[0][key] = value
        m["shards"] = s
    }

    static let edits: [Edit] = [
        Edit(description: "no classes", expect: "`classes` is empty") { $0["classes"] = [String]() },
        Edit(description: "300 classes over U8 labels", expect: "300 classes do not fit U8 labels") {
            $0["classes"] = (0..<300).map { "c\($0)" }; $0["ignore_index"] = 300
        },
        Edit(description: "ignore inside the classes", expect: "`ignore_index` is 3") { $0["ignore_index"] = 3 },
        Edit(description: "short channel sums", expect: "`channel_sums` must be three") { $0["channel_sums"] = [1.0] },
        Edit(description: "negative square sums", expect: "`channel_square_sums` must be three") { $0["channel_square_sums"] = [1.0, -2.0, 3.0] },
        Edit(description: "short class pixels", expect: "`class_pixels` has 2 entries") { $0["class_pixels"] = [1, 2] },
        Edit(description: "huge class pixels", expect: "`class_pixels` adds up past the integer range") {
            var c = $0["class_pixels"] as? [Int] ?? []
            c[0] = Int.max; c[1] = Int.max
            $0["class_pixels"] = c
        },
        Edit(description: "samples_per_shard 0", expect: "`samples_per_shard` is 0") { $0["samples_per_shard"] = 0 },
        Edit(description: "checksum field removed (entries in XXH3)", expect: "has an xxh3-128 checksum but the manifest's `checksum` is sha256") {
            $0["checksum"] = nil
        },
        Edit(description: "total beyond the shard limit", expect: "more than 16777216 shards of") { $0["total_samples"] = Int.max },
        Edit(description: "samples_per_shard huge", expect: "`samples_per_shard` is 100000000") { $0["samples_per_shard"] = 100_000_000 },
        Edit(description: "negative partition", expect: "`partition` is '-1/2', not K/N with 0 ≤ K < N") { $0["partition"] = "-1/2" },
        Edit(description: "empty params", expect: "parameter sets") { setShard(&$0, "params", [[String: Double]]()) },
        Edit(description: "more samples than ids", expect: "lists 4 samples but") { setShard(&$0, "samples", 4) },
        Edit(description: "negative samples", expect: "holds -1 samples") { setShard(&$0, "samples", -1) },
        Edit(description: "partition past its count", expect: "`partition` is '2/2'") { $0["partition"] = "2/2" },
        Edit(description: "a trillion partitions", expect: "not K/N with 0 ≤ K < N ≤ 1048576") { $0["partition"] = "0/1000000000000" },
        Edit(description: "shard file listed twice", expect: "shard file 'shard-00000.safetensors' is listed twice") {
            var s = shards($0)
            s[1]["file"] = s[0]["file"]
            $0["shards"] = s
        },
        Edit(description: "byte count near Int.max", expect: "samples' tensors and the largest header") { setShard(&$0, "bytes", Int.max) },
        Edit(description: "channel sums past 255 a pixel", expect: "`channel_sums` holds a sum above") { $0["channel_sums"] = [1e308, 1e308, 1e308] },
        Edit(description: "negative repeat", expect: "negative repeat") {
            var r = shards($0)[0]["repeats"] as? [Int] ?? []
            r[0] = -5
            setShard(&$0, "repeats", r)
        },
        Edit(description: "tiny byte count", expect: "is said to be 10 bytes") { setShard(&$0, "bytes", 10) },
        Edit(description: "short checksum", expect: "lowercase hex digits") { setShard(&$0, "xxh3", "abc") },
        Edit(description: "duplicate shard index", expect: "listed twice") {
            var s = shards($0)
            s[1]["index"] = s[0]["index"]
            $0["shards"] = s
        },
        Edit(description: "image of 0 rows", expect: "outside 1...65536") { $0["image"] = ["dtype": "U8", "shape": [0, 96, 3]] },
        Edit(description: "float images", expect: "not U8 [H, W, 3]") { $0["image"] = ["dtype": "F32", "shape": [64, 96, 3]] },
        Edit(description: "labels of another size", expect: "labels are declared [64, 95]") { $0["label"] = ["dtype": "U8", "shape": [64, 95]] },
        Edit(description: "more samples than the total", expect: "more than `total_samples`") { $0["total_samples"] = 1 },
        Edit(description: "survival of fewer classes", expect: "`survival` has 2 entries, not one per class (11)") {
            $0["survival"] = Array((($0["survival"] as? [Any]) ?? []).prefix(2))
        },
        Edit(description: "survival of another class", expect: "`survival` entry 1 is for class 'pavement'") { setSurvival(&$0, 1, "class", "pavement") },
        Edit(description: "more survived than samples", expect: "`survival` entry 0 ('class0') has 99 survived") { setSurvival(&$0, 0, "survived", 99) },
        Edit(description: "negative source samples", expect: "`survival` entry 2 ('class2') holds a negative count") { setSurvival(&$0, 2, "source_samples", -1) },
        Edit(description: "survival past the run", expect: "`survival` entry 0 ('class0') counts more samples than") { setSurvival(&$0, 0, "samples", 1_000_000) },
        Edit(description: "negative pixel ratio", expect: "`survival` entry 3 ('class3') has a `pixel_ratio`") { setSurvival(&$0, 3, "pixel_ratio", -0.5) },
    ]

    static func setSurvival(_ m: inout [String: Any], _ i: Int, _ key: String, _ value: Any) {
        var s = m["survival"] as? [[String: Any]] ?? []
        if i < s.count { s[i][key] = value }
        m["survival"] = s
    }

    @Test func aKeyGivenTwiceIsRefusedByEveryReader() throws {
        let s = try Scratch(count: 3)
        defer { s.remove() }
        _ = try s.run()
        let index = s.out.appendingPathComponent("index.json")
        let text = try String(contentsOf: index, encoding: .utf8)
        let twice = text.replacingOccurrences(of: "\"samples_per_shard\"", with: "\"samples_per_shard\" : 1, \"samples_per_shard\"")
        #expect(twice != text)
        try twice.write(to: index, atomically: true, encoding: .utf8)
        let dir = s.out.path
        for (what, body) in [("load", { _ = try Manifest.load(from: dir) }), ("verify", { _ = try ShardVerifier.verify(dir) }),
                             ("the shard reader", { _ = try ShardReader(folder: dir) })] as [(String, () throws -> Void)] {
            do {
                try body()
                Issue.record("\(what) accepted a manifest giving a key twice")
            } catch {
                #expect("\(error)".contains("gives the key 'samples_per_shard' twice in one object"), "\(what): \(error)")
            }
        }
    }

    @Test(arguments: edits) func everyReaderRefusesTheEdit(_ edit: Edit) throws {
        let s = try Scratch(count: 3)
        defer { s.remove() }
        _ = try s.run()
        let index = s.out.appendingPathComponent("index.json")
        var m = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: index)) as? [String: Any])
        #expect(Self.shards(m).count >= 2)
        edit.apply(&m)
        try JSONSerialization.data(withJSONObject: m, options: [.sortedKeys]).write(to: index)
        let before = try s.files()
        let dir = s.out.path
        func refuses(_ what: String, _ body: () throws -> Void) {
            do {
                try body()
                Issue.record("\(edit): \(what) accepted the manifest")
            } catch {
                let text = "\(error)"
                #expect(text.contains(edit.expect), "\(edit): \(what) said: \(text)")
                #expect(text.contains("is damaged or was edited"), "\(edit): \(what) said: \(text)")
            }
        }
        refuses("load") { _ = try Manifest.load(from: dir) }
        refuses("verify") { _ = try ShardVerifier.verify(dir) }
        refuses("the shard reader") { _ = try ShardReader(folder: dir) }
        refuses("inspect") { _ = try ShardSamples(dir: dir) }
        refuses("export") { _ = try WebDatasetExporter(source: dir, output: s.dir.appendingPathComponent("wds").path).run() }
        refuses("report") { _ = try DatasetReport(folder: dir) }
        refuses("merge") { _ = try ManifestMerger.merge(parts: [dir], into: s.dir.appendingPathComponent("merged").path, copy: false) }
        // Nothing valid was touched.
        #expect(try s.files() == before, "\(edit)")
    }

    /// Valid JSON whose number does not fit its key is named as such, not as invalid JSON.
    @Test func aNumberThatDoesNotFitIsNotCalledInvalidJSON() throws {
        let s = try Scratch(count: 3)
        defer { s.remove() }
        _ = try s.run()
        let index = s.out.appendingPathComponent("index.json")
        for value in [1e30, 8.5] {
            var m = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: index)) as? [String: Any])
            Self.setShard(&m, "bytes", value)
            try JSONSerialization.data(withJSONObject: m, options: [.sortedKeys]).write(to: index)
            let error = #expect(throws: ManifestError.self) { _ = try Manifest.load(from: s.out.path) }
            #expect(error?.description.contains("valid JSON, but a number does not fit its key") == true, "\(value): \(String(describing: error))")
        }
    }

    @Test func theShippedRunPassesTheGate() throws {
        let s = try Scratch(count: 3)
        defer { s.remove() }
        _ = try s.run()
        let m = try Manifest.load(from: s.out.path)
        #expect(m.sampleCount == 6)
        #expect(m.survival?.count == 11)
    }

    /// A manifest of an earlier version, without `survival`, still reads (and reports none).
    @Test func manifestsWithoutSurvivalStillRead() throws {
        let s = try Scratch(count: 3)
        defer { s.remove() }
        _ = try s.run()
        let index = s.out.appendingPathComponent("index.json")
        var m = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: index)) as? [String: Any])
        #expect(m["survival"] != nil)
        m["survival"] = nil
        try JSONSerialization.data(withJSONObject: m, options: [.sortedKeys]).write(to: index)
        let loaded = try Manifest.load(from: s.out.path)
        #expect(loaded.survival == nil && loaded.sampleCount == 6)
        #expect(ClassStats(loaded).survival == nil)
    }
}
