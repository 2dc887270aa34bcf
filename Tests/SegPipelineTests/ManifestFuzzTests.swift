import Foundation
import SegFormat
import Testing
@testable import SegPipeline

/// Random edits of a real `index.json` (numbers set to extremes, lists emptied or grown, strings
/// swapped) go through the manifest gate and every reader behind it: each either reads the folder or
/// throws an error with a message — a trap would end the test process.
@Suite struct ManifestFuzzTests {
    nonisolated(unsafe) static let extremes: [Any] = [-1, 0, 1, 255, 256, 65_535, 65_536, Int.max, Int.min, 1e308, -1e308, "x", [Any](), [String: Any](), NSNull()]

    /// Every path to a leaf or list of the JSON value, as keys and indices.
    static func paths(_ v: Any, _ prefix: [Any] = []) -> [[Any]] {
        var out: [[Any]] = [prefix]
        if let d = v as? [String: Any] { for (k, x) in d { out += paths(x, prefix + [k]) } }
        if let a = v as? [Any] { for (i, x) in a.enumerated().prefix(3) { out += paths(x, prefix + [i]) } }
        return out
    }

    static func set(_ v: Any, _ path: ArraySlice<Any>, _ new: Any) -> Any {
        guard let head = path.first else { return new }
        if var d = v as? [String: Any], let k = head as? String { d[k] = set(d[k] as Any, path.dropFirst(), new); return d }
        if var a = v as? [Any], let i = head as? Int, i < a.count { a[i] = set(a[i], path.dropFirst(), new); return a }
        return v
    }

    @Test func randomEditsThrowOrRead() throws {
        let s = try Scratch(count: 3)
        defer { s.remove() }
        _ = try s.run()
        let index = s.out.appendingPathComponent("index.json")
        let original = try JSONSerialization.jsonObject(with: Data(contentsOf: index))
        let all = Self.paths(original).filter { !$0.isEmpty }
        var random = SeededRandom(seed: 2026)
        var refused = 0
        for _ in 0..<300 {
            var edited = original
            for _ in 0..<(1 + Int(random.next() % 3)) {
                let path = all[Int(random.next() % UInt64(all.count))]
                edited = Self.set(edited, path[...], Self.extremes[Int(random.next() % UInt64(Self.extremes.count))])
            }
            try JSONSerialization.data(withJSONObject: edited).write(to: index)
            do {
                let m = try Manifest.load(from: s.out.path)
                _ = ClassStats(m)
                _ = try ShardReader(folder: s.out.path)
                _ = try ShardVerifier.verify(s.out.path)
            } catch {
                refused += 1
                #expect(!"\(error)".isEmpty)
            }
        }
        #expect(refused > 200)
    }
}
