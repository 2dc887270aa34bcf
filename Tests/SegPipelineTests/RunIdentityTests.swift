import Foundation
import SegFormat
import Testing
@testable import SegPipeline

/// A rerun must match what the folder's shards were made from: the input root and the error mode of
/// an unfinished run, the error mode of a finished one.
@Suite struct RunIdentityTests {
    /// A run that failed on shard 1 and 2 and kept shard 0, and the bad label file's good bytes.
    func interrupted(_ s: Scratch) throws -> (label: URL, good: Data) {
        let label = s.data.appendingPathComponent("SegmentationClass/\(s.ids[5]).png")
        let good = try Data(contentsOf: label)
        try Data("not a png".utf8).write(to: label)
        #expect(throws: RunFailure.self) { try s.run() }
        #expect(try s.files().keys.sorted() == ["shard-00000.entry.json", "shard-00000.safetensors"])
        return (label, good)
    }

    @Test func anotherInputRootIsRefusedThenReplacedWithForce() throws {
        let s = try Scratch(count: 6)
        defer { s.remove() }
        let (label, good) = try interrupted(s)
        try good.write(to: label)
        // The same dataset in another folder: a rerun from there may not reuse shard 0.
        let other = s.dir.appendingPathComponent("copy")
        try FileManager.default.copyItem(at: s.data, to: other)
        let before = try s.files()
        func run(force: Bool) throws -> RunSummary {
            try PipelineRunner(spec: try s.spec(), options: RunOptions(inputRoot: other.path, output: s.out.path, threads: 1, force: force)).run()
        }
        let e = #expect(throws: RunError.self) { _ = try run(force: false) }
        let text = e?.description ?? ""
        #expect(text.contains("holds shard-00000.safetensors of an unfinished run made with --input-root \(RealPath.resolve(s.data.path)) (now \(RealPath.resolve(other.path)))"), "\(text)")
        #expect(try s.files() == before)
        let summary = try run(force: true)
        #expect(summary.reused == 0)
        #expect(try ShardVerifier.verify(s.out.path).isEmpty)
    }

    @Test func anotherErrorModeIsRefusedForAnUnfinishedRun() throws {
        let s = try Scratch(count: 6)
        defer { s.remove() }
        _ = try interrupted(s)
        let e = #expect(throws: RunError.self) { try s.run(onError: .skip) }
        #expect(e?.description.contains("--on-error fail (now skip)") == true, "\(String(describing: e))")
    }

    @Test func aFolderFinishedBySkippingFailsAFailingRerun() throws {
        let s = try Scratch(count: 3)
        defer { s.remove() }
        try Data("not a png".utf8).write(to: s.data.appendingPathComponent("SegmentationClass/\(s.ids[1]).png"))
        _ = try s.run(onError: .skip)
        let before = try s.files()
        let e = #expect(throws: RunError.self) { try s.run() }
        let text = e?.description ?? ""
        #expect(text.contains("was finished with --on-error skip, which left out the 2 sample(s) above"), "\(text)")
        #expect(text.contains("\(s.ids[1]):"), "\(text)")
        // The skip-mode rerun keeps the folder as it is.
        #expect(try s.run(onError: .skip).reused == before.keys.filter { $0.hasSuffix(".safetensors") }.count)
        #expect(try s.files() == before)
    }
}
