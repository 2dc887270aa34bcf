import Foundation
import SegFormat
import SegImage
import Testing
@testable import SegPipeline

/// `merge` over parts whose manifests were changed after the run: each disagreement or impossible
/// count is refused by name before anything is written (nothing large allocated, no overflow), and
/// the parts stay intact.
@Suite struct MergeAgreementTests {
    /// Two parts of one run, the second's manifest edited by `edit`; the merge's error.
    func mergeError(_ edit: (inout [String: Any]) -> Void, editFirstToo: Bool = false) throws -> String {
        let s = try Scratch(count: 4)
        defer { s.remove() }
        let parts = (0..<2).map { s.dir.appendingPathComponent("parts/part\($0)").path }
        for (k, p) in parts.enumerated() { _ = try s.run(output: p, partition: Partition(k: k, n: 2)) }
        for p in (editFirstToo ? parts : [parts[1]]) {
            let index = URL(fileURLWithPath: p).appendingPathComponent("index.json")
            var m = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: index)) as? [String: Any])
            edit(&m)
            try JSONSerialization.data(withJSONObject: m).write(to: index)
        }
        let merged = s.dir.appendingPathComponent("merged").path
        defer { #expect(!FileManager.default.fileExists(atPath: merged + "/index.json")) }
        do {
            _ = try ManifestMerger.merge(parts: parts, into: merged)
            return ""
        } catch {
            return "\(error)"
        }
    }

    @Test func partsThatDisagreeAreNamed() throws {
        let renamed = try mergeError { m in
            var classes = m["classes"] as? [String] ?? []
            classes[0] = "cloud"
            m["classes"] = classes
            // (the survival table names the classes too: renamed alike, so only the merge can tell)
            if var survival = m["survival"] as? [[String: Any]], !survival.isEmpty {
                survival[0]["class"] = "cloud"
                m["survival"] = survival
            }
        }
        #expect(renamed.contains("part1 and ") && renamed.contains("differ in `classes`"), "\(renamed)")
        let total = try mergeError { m in m["total_samples"] = (m["total_samples"] as? Int ?? 0) + 1 }
        #expect(total.contains("differ in `total_samples`"), "\(total)")
    }

    @Test func impossibleSampleTotalsAreRefusedBeforeAnyArithmetic() throws {
        for value in [Int.max, 1 << 40, 1 << 62] {
            let e = try mergeError({ m in m["total_samples"] = value }, editFirstToo: true)
            #expect(e.contains("`total_samples` is \(value), more than 16777216 shards of"), "\(e)")
        }
    }

    @Test func captionsShowAnyRecordedValue() {
        for (v, shown) in [(1e300, "1e+300"), (-1e19, "-1e+19"), (Double.infinity, "inf"), (Double.nan, "nan"), (3, "3"), (0.125, "0.12"),
                           (Double(1 << 62), "4611686018427387904")] {
            #expect(ContactSheet.shownValue(v) == shown, "\(v)")
        }
        #expect(ContactSheet.caption(id: "a", repeatIndex: 0, params: ["scale": 1e300, "gamma": 1e20]).contains("scale 1e+300"))
    }
}
