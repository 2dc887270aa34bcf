import Foundation
import SegFormat
import Testing
@testable import SegTrain

/// `--resume` with options that change the data order or the model is refused, naming them; a
/// checkpoint's position is checked against the run before any batch is skipped.
@Suite struct ResumeKeyTests {
    func options(_ train: ShardFixture, _ val: ShardFixture) -> TrainOptions {
        var o = TrainOptions(trainFolders: [train.folder], valFolders: [val.folder],
                             outDir: NSTemporaryDirectory() + "resume-\(UUID().uuidString)")
        o.epochs = 2
        o.batchSize = 2
        o.workers = 1
        o.threads = 1
        o.seed = 3
        return o
    }

    func interrupted() throws -> (TrainOptions, String) {
        let train = try ShardFixture(shardSizes: [4, 2], height: 8, width: 8, classes: 3, seed: 5, name: "train")
        let val = try ShardFixture(shardSizes: [3], height: 8, width: 8, classes: 3, seed: 6, name: "val")
        let o = options(train, val)
        var t = try Trainer(options: o)
        var steps = 0
        #expect(try t.run(onStep: { _ in steps += 1 }, shouldStop: { steps == 2 }) == .interrupted(epoch: 0, batch: 2))
        return (o, t.lastPath)
    }

    @Test func changedBatchSizeAndSeedAreNamed() throws {
        var (o, last) = try interrupted()
        o.resume = last
        o.batchSize = 1
        o.seed = 9
        let e = #expect(throws: TrainError.self) { _ = try Trainer(options: o) }
        let text = e?.description ?? ""
        #expect(text.contains("was written with --batch-size 2 (now 1), --seed 3 (now 9)"), "\(text)")
        #expect(text.contains("resume with the options it was written with"), "\(text)")
        // The checkpoint is untouched and still resumes with its own options.
        o.batchSize = 2
        o.seed = 3
        let t = try Trainer(options: o)
        #expect(t.position.epoch == 0 && t.position.batch == 2)
    }

    @Test func moreEpochsAndOtherThreadsMayResume() throws {
        var (o, last) = try interrupted()
        o.resume = last
        o.epochs = 3
        o.workers = 2
        var t = try Trainer(options: o)
        #expect(try t.run() == .finished)
        #expect(t.log.records.map(\.epoch) == [1, 2, 3])
    }

    /// A copy of checkpoint `path` with `metadata` changed.
    func rewritten(_ path: String, _ change: (inout [String: String]) -> Void) throws -> String {
        let file = try SafeTensorsFile(path: path)
        var writer = SafeTensorsWriter()
        for t in file.tensors { writer.add(t.name, dtype: t.dtype, shape: t.shape, data: try file.withBytes(t) { Array($0) }) }
        var metadata = file.metadata
        change(&metadata)
        let out = path + ".edited.safetensors"
        try writer.write(to: out, metadata: metadata)
        return out
    }

    @Test func positionsPastTheRunOrNotCountsAreRefused() throws {
        var (o, last) = try interrupted()
        for (key, value, message) in [("batch", "-4", "has batch -4 in its metadata, not a count"),
                                      ("epoch", "9223372036854775807", "has epoch 9223372036854775807 in its metadata, not a count"),
                                      ("batch", "50", "stands at epoch 1 batch 50, past this run's 2 epochs of 3 batches"),
                                      ("seconds", "nan", "has seconds nan in its metadata, not a finite number")] {
            o.resume = try rewritten(last) { $0[key] = value }
            let e = #expect(throws: TrainError.self, "\(key)=\(value)") { _ = try Trainer(options: o) }
            #expect(e?.description.contains(message) == true, "\(e?.description ?? "")")
        }
    }
}

/// `--val-every` and `--max-steps`.
@Suite struct TrainScheduleOptionTests {
    @Test func validationEveryOtherEpochKeepsTheBestCheckpointOfValidatedEpochs() throws {
        let train = try ShardFixture(shardSizes: [4, 2], height: 8, width: 8, classes: 3, seed: 5, name: "train")
        let val = try ShardFixture(shardSizes: [3], height: 8, width: 8, classes: 3, seed: 6, name: "val")
        var o = TrainOptions(trainFolders: [train.folder], valFolders: [val.folder], outDir: NSTemporaryDirectory() + "val-every-\(UUID().uuidString)")
        (o.epochs, o.batchSize, o.workers, o.threads, o.valEvery) = (5, 2, 1, 1, 2)
        var t = try Trainer(options: o)
        #expect(try t.run() == .finished)
        let validated = t.log.records.map { $0.miou.isFinite }
        #expect(validated == [false, true, false, true, true])
        let log = try String(contentsOfFile: o.outDir + "/log.jsonl", encoding: .utf8)
        #expect(log.split(separator: "\n").first?.contains("\"miou\": null") == true, "\(log)")
        let best = try #require(t.log.records.filter { $0.miou.isFinite }.map(\.miou).max())
        #expect(t.position.bestMIoU == best)
    }

    @Test func badValuesAreRefused() throws {
        var o = TrainOptions(trainFolders: ["a"], valFolders: ["b"], outDir: "c")
        o.valEvery = 0
        #expect(throws: TrainError.self) { try o.validate() }
        o.valEvery = 1
        o.maxSteps = 0
        #expect(throws: TrainError.self) { try o.validate() }
        o.maxSteps = nil
        o.workers = 20000
        let e = #expect(throws: TrainError.self) { try o.validate() }
        #expect(e?.description.contains("--workers is 20000; use 1 to 256") == true)
    }
}
