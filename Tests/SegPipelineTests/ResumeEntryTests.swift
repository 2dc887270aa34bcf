import Foundation
import SegFormat
import SegImage
import Testing
@testable import SegPipeline

/// Entries left for a rerun (`shard-NNNNN.entry.json`), partition counts and merged parts that
/// were edited or are out of range: each is refused or rebuilt with a message, never added up into a
/// trap or an invalid manifest, and the valid shards are kept.
@Suite struct ResumeEntryTests {
    /// Edits of shard 0's entry (keys as the entry stores them) that a resumed run must not trust.
    static let entryEdits: [String] = ["channel sums of one value", "a thousand samples", "class pixels at Int.max",
                                       "survival of one class", "squares at Int.max", "negative class pixels",
                                       "more survivors than samples", "a negative repeat"]

    static func edit(_ name: String, _ e: inout [String: Any]) {
        switch name {
        case "channel sums of one value": e["channelSums"] = [1]
        case "a thousand samples":
            var entry = e["entry"] as? [String: Any] ?? [:]
            entry["samples"] = 1000
            e["entry"] = entry
        case "class pixels at Int.max":
            var c = e["classPixels"] as? [Int] ?? []
            c[0] = Int.max
            e["classPixels"] = c
        case "survival of one class":
            var s = e["survival"] as? [String: Any] ?? [:]
            s["samples"] = [1]
            e["survival"] = s
        case "squares at Int.max": e["channelSquares"] = [Int.max, Int.max, Int.max]
        case "more survivors than samples":
            var s = e["survival"] as? [String: Any] ?? [:]
            var survived = s["survived"] as? [Int] ?? []
            survived[0] = (s["samples"] as? [Int] ?? [0])[0] + 1
            s["survived"] = survived
            e["survival"] = s
        case "a negative repeat":
            var entry = e["entry"] as? [String: Any] ?? [:]
            var repeats = entry["repeats"] as? [Int] ?? []
            repeats[0] = -1
            entry["repeats"] = repeats
            e["entry"] = entry
        default:
            var c = e["classPixels"] as? [Int] ?? []
            c[1] = -4
            e["classPixels"] = c
        }
    }

    @Test(arguments: entryEdits) func anEditedEntryMakesItsShardAgain(_ name: String) throws {
        let s = try Scratch()
        defer { s.remove() }
        let (clean, restore) = try RunnerTests().interruptedRun(s)
        try restore()
        let url = s.out.appendingPathComponent("shard-00000.entry.json")
        var entry = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        Self.edit(name, &entry)
        try JSONSerialization.data(withJSONObject: entry, options: [.sortedKeys]).write(to: url)
        let resumed = try s.run()
        #expect(resumed.reused == 0 && resumed.processed == 3, "\(name)")
        #expect(try s.files() == clean, "\(name)")
        _ = try Manifest.load(from: s.out.path)
    }

    @Test func anUneditedEntryIsStillReused() throws {
        let s = try Scratch()
        defer { s.remove() }
        let (clean, restore) = try RunnerTests().interruptedRun(s)
        try restore()
        let resumed = try s.run()
        #expect(resumed.reused == 1 && resumed.processed == 2)
        #expect(try s.files() == clean)
    }

    @Test func statisticsThatOverflowAreAnErrorNotATrap() {
        var a = PixelStatistics(classes: 2)
        a.channelSums = [Int.max, 0, 0]
        var b = PixelStatistics(classes: 2)
        b.channelSums = [1, 0, 0]
        #expect(throws: RunError.statisticsOverflow) { try a.add(b) }
        #expect(RunError.statisticsOverflow.description.contains("add up past the integer range"))
    }

    @Test func partitionCountsAreBounded() {
        #expect(Partition("0/\(Manifest.maxPartitions)") != nil)
        #expect(Partition("0/\(Manifest.maxPartitions + 1)") == nil)
        #expect(Partition("0/1000000000000") == nil)
        let env = ["JOB_COMPLETION_INDEX": "0", "SEGPREP_PARTITIONS": "\(Manifest.maxPartitions + 1)"]
        guard case .failure(let e) = Partition.fromEnvironment(env) else {
            Issue.record("a partition count past the limit was accepted")
            return
        }
        #expect(e.description.contains("more than the \(Manifest.maxPartitions) a run may be split into"))
    }

    /// One part of a thousand: the message names ten missing parts and counts the rest.
    @Test func manyMissingPartsAreCountedNotListed() throws {
        let s = try Scratch(count: 3)
        defer { s.remove() }
        let part = s.dir.appendingPathComponent("p0").path
        _ = try s.run(output: part, partition: Partition(k: 0, n: 1000))
        let before = try s.files(part)
        let error = #expect(throws: ManifestError.self) {
            _ = try ManifestMerger.merge(parts: [part], into: s.dir.appendingPathComponent("merged").path, copy: false)
        }
        let text = error?.description ?? ""
        #expect(text.contains("partitions 1/1000, 2/1000") && text.contains("10/1000 and 989 more are missing"), "\(text)")
        #expect(try s.files(part) == before)
    }

    /// A manifest that would not pass the gate is not written: the one writer validates.
    @Test func anInvalidManifestIsNotWritten() throws {
        let s = try Scratch(count: 3)
        defer { s.remove() }
        _ = try s.run()
        var m = try Manifest.load(from: s.out.path)
        let before = try s.files()
        m.channelSums = [1e308, 0, 0]
        let error = #expect(throws: ManifestError.self) { try m.write(to: s.out.path) }
        #expect(error?.description.contains("was not written, as the manifest made from the shards' entries or the merged parts would be invalid") == true)
        #expect(try s.files() == before)
    }

    /// A bad file's advice names `--on-error` and `--max-pixels` only for the commands that have them.
    @Test func adviceWithoutRunOptions() {
        let e = SampleError(id: "a", file: "/p/a.png", problem: "claims 9x9 pixels",
                            fix: "raise `max_pixels` of decode (or pass --max-pixels) if the image is genuine, or run with --on-error skip")
        #expect(e.withoutRunOptions == "/p/a.png: claims 9x9 pixels; raise `max_pixels` of decode if the image is genuine")
        #expect(e.description.contains("--on-error skip"))
        let choices = SampleError(id: "a", file: "/p/a.png", problem: "has no label",
                                  fix: "add the label, remove the image, or run with --on-error skip")
        #expect(choices.withoutRunOptions == "/p/a.png: has no label; add the label or remove the image")
        let one = SampleError(id: "a", file: "/p/a.png", problem: "is damaged", fix: "re-export this image, or run with --on-error skip")
        #expect(one.withoutRunOptions == "/p/a.png: is damaged; re-export this image")
    }
}
