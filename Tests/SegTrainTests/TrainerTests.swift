import Foundation
import SegFormat
import Testing
@testable import SegLoader
@testable import SegTrain

/// End-to-end training on generated shards: log keys, checkpoint names and shapes, resume.
@Suite(.serialized) struct TrainerTests {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `unet-s` state names and shapes as PyTorch's `state_dict` lists them (DESIGN.md §6).
    static func expectedState(classes: Int) -> [String: [Int]] {
        var names: [String: [Int]] = [:]
        for (block, cin, cout) in [("enc1", 3, 16), ("enc2", 16, 32), ("mid", 32, 64), ("dec2", 96, 32), ("dec1", 48, 16)] {
            for (conv, bn, inputs) in [("0", "1", cin), ("3", "4", cout)] {
                names["\(block).\(conv).weight"] = [cout, inputs, 3, 3]
                names["\(block).\(conv).bias"] = [cout]
                for p in ["weight", "bias", "running_mean", "running_var"] { names["\(block).\(bn).\(p)"] = [cout] }
                names["\(block).\(bn).num_batches_tracked"] = []
            }
        }
        names["head.weight"] = [classes, 16, 1, 1]
        names["head.bias"] = [classes]
        return names
    }

    func options(_ train: ShardFixture, _ val: ShardFixture, epochs: Int) -> TrainOptions {
        var o = TrainOptions(trainFolders: [train.folder], valFolders: [val.folder],
                             outDir: NSTemporaryDirectory() + "train-\(UUID().uuidString)")
        o.epochs = epochs
        o.batchSize = 2
        o.workers = 1
        o.threads = 1
        o.seed = 3
        o.schedule = .cos
        return o
    }

    func fixtures() throws -> (ShardFixture, ShardFixture) {
        (try ShardFixture(shardSizes: [4, 2], height: 8, width: 8, classes: 3, seed: 5, name: "train"),
         try ShardFixture(shardSizes: [3], height: 8, width: 8, classes: 3, seed: 6, name: "val"))
    }

    func floats(_ path: String) throws -> [String: [Float]] {
        let f = try SafeTensorsFile(path: path)
        var out: [String: [Float]] = [:]
        for t in f.tensors where t.dtype == .f32 { out[t.name] = try f.floats(t.name) }
        return out
    }

    @Test func writesLogAndPyTorchNamedCheckpoints() throws {
        let (train, val) = try fixtures()
        var trainer = try Trainer(options: options(train, val, epochs: 2))
        var seen: [EpochRecord] = []
        #expect(try trainer.run(onEpoch: { seen.append($0) }) == .finished)
        let out = trainer.options.outDir
        let lines = try String(contentsOfFile: out + "/log.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2)
        for (i, line) in lines.enumerated() {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(Set(object.keys) == Set(EpochRecord.keys))
            #expect(object["epoch"] as? Int == i + 1)
            #expect((object["train_loss"] as? Double ?? .nan).isFinite)
        }
        #expect(seen.map(\.epoch) == [1, 2])
        let expected = TrainerTests.expectedState(classes: 3)
        let best = try SafeTensorsFile(path: out + "/best.safetensors")
        #expect(Dictionary(uniqueKeysWithValues: best.tensors.map { ($0.name, $0.shape) }) == expected)
        #expect(best.tensors.filter { $0.name.hasSuffix("num_batches_tracked") }.allSatisfy { $0.dtype == .i64 })
        let last = try SafeTensorsFile(path: out + "/last.safetensors")
        let model = last.tensors.filter { !$0.name.hasPrefix("optimizer.") }
        #expect(Dictionary(uniqueKeysWithValues: model.map { ($0.name, $0.shape) }) == expected)
        let optimizerNames = Set(last.tensors.map(\.name).filter { $0.hasPrefix("optimizer.") })
        let parameters = expected.keys.filter { !$0.contains("running") && !$0.contains("num_batches") }
        #expect(optimizerNames == Set(parameters.flatMap { ["optimizer.\($0).exp_avg", "optimizer.\($0).exp_avg_sq"] }))
        #expect(last.metadata["epoch"] == "2" && last.metadata["height"] == "8" && last.metadata["model"] == "unet-s")
        // 6 samples, batch 2, drop_last: 3 updates an epoch; BatchNorm counted them.
        #expect(try last.int64s("enc1.1.num_batches_tracked") == [6])
        if PythonReaderTests.pythonReady {
            try checkWithPython(out + "/best.safetensors", classes: 3)
            try checkWithPython(out + "/last.safetensors", classes: 3)
        }
    }

    func checkWithPython(_ path: String, classes: Int) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "python/tests/test_checkpoint.py", path, "--classes", String(classes)]
        p.currentDirectoryURL = TrainerTests.packageRoot
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "python checkpoint check failed:\n\(text)")
    }

    @Test func interruptedRunResumesToTheSameWeightsAndSchedule() throws {
        let (train, val) = try fixtures()
        var straight = try Trainer(options: options(train, val, epochs: 4))
        #expect(try straight.run() == .finished)

        let o = options(train, val, epochs: 4)
        var first = try Trainer(options: o)
        var steps = 0
        let outcome = try first.run(onStep: { _ in steps += 1 }, shouldStop: { steps == 5 })
        #expect(outcome == .interrupted(epoch: 1, batch: 2))
        #expect(first.log.records.map(\.epoch) == [1])
        var resumed = o
        resumed.resume = first.lastPath
        var second = try Trainer(options: resumed)
        #expect(second.position.epoch == 1 && second.position.batch == 2)
        #expect(try second.run() == .finished)

        let a = straight.log.records, b = second.log.records
        #expect(b.map(\.epoch) == [1, 2, 3, 4])
        #expect(a.map(\.lr) == b.map(\.lr))
        #expect(b.map(\.lr) == (0..<4).map { o.lrSchedule.rate(epoch: $0) })
        // Epoch 1 of the resumed log was read back from JSON text (the last digit may differ).
        #expect(a.dropFirst().map(\.trainLoss) == b.dropFirst().map(\.trainLoss))
        #expect(a.dropFirst().map(\.miou) == b.dropFirst().map(\.miou))
        #expect(abs(a[0].trainLoss - b[0].trainLoss) < 1e-12 && abs(a[0].miou - b[0].miou) < 1e-12)
        #expect(try floats(straight.lastPath) == floats(second.lastPath))
        let log = try String(contentsOfFile: o.outDir + "/log.jsonl", encoding: .utf8)
        #expect(log.split(separator: "\n").count == 4)
    }

    @Test func resumeRejectsAnotherOptimizer() throws {
        let (train, val) = try fixtures()
        var o = options(train, val, epochs: 1)
        var t = try Trainer(options: o)
        _ = try t.run()
        o.resume = t.lastPath
        o.optimizer = .sgd
        #expect(throws: TrainError.self) { _ = try Trainer(options: o) }
    }

    @Test func linearBaselineTrains() throws {
        let (train, val) = try fixtures()
        var o = options(train, val, epochs: 2)
        o.model = .linear
        o.loss = .ceDice
        o.classWeights = .explicit([1, 2, 1])
        var t = try Trainer(options: o)
        #expect(try t.run() == .finished)
        let best = try SafeTensorsFile(path: t.bestPath)
        #expect(Dictionary(uniqueKeysWithValues: best.tensors.map { ($0.name, $0.shape) }) == ["weight": [3, 3], "bias": [3]])
        var model = try SegmentationModel(checkpoint: t.bestPath)
        #expect(model.kind == .linear && model.classes == 3)
        #expect(model.predict(Tensor(shape: [1, 3, 4, 4])).count == 16)
    }
}
