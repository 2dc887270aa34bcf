import Foundation
import SegFormat

/// A training checkpoint: the model's PyTorch `state_dict`, optional optimiser state, and where the
/// run stood, kept in the safetensors metadata.
///
/// `best.safetensors` holds the model only (loads with `strict=True`); `last.safetensors` adds the
/// `optimizer.*` tensors. Files are written atomically, so an interrupted write leaves the old one.
public struct TrainCheckpoint: Sendable {
    /// Where the run stood when the checkpoint was written.
    public struct Position: Sendable, Equatable {
        /// Epochs fully completed.
        public var epoch = 0
        /// Batches already trained in epoch `epoch` (non-zero only after an interruption).
        public var batch = 0
        /// Sum of the training losses of those batches, and the time spent on them.
        public var lossSum = 0.0
        public var seconds = 0.0
        public var waitSeconds = 0.0
        /// Best validation mIoU so far (-1 before the first validation).
        public var bestMIoU = -1.0
        /// Optimiser updates so far (Adam's step).
        public var optimizerStep = 0

        public init() {}
    }

    /// Writes `model` (and `optimizer`'s state when given) with `position` and `info` as metadata.
    ///
    /// - Throws: file-system errors.
    public static func save(_ model: inout SegmentationModel, optimizer: TrainingOptimizer?, position: Position,
                            info: [String: String], to path: String) throws {
        var metadata = info
        metadata["model"] = model.kind.rawValue
        metadata["classes"] = String(model.classes)
        metadata["epoch"] = String(position.epoch)
        metadata["batch"] = String(position.batch)
        metadata["loss_sum"] = "\(position.lossSum)"
        metadata["seconds"] = "\(position.seconds)"
        metadata["wait_seconds"] = "\(position.waitSeconds)"
        metadata["best_miou"] = "\(position.bestMIoU)"
        metadata["optimizer_step"] = String(position.optimizerStep)
        if let optimizer { metadata["optimizer"] = optimizer.kind.rawValue }
        try Checkpoint.save(&model, extra: optimizer?.namedState ?? [], to: path, metadata: metadata)
    }

    /// The metadata key recording option `option` (`--batch-size` → `option.batch-size`).
    static func optionKey(_ option: String) -> String { "option." + option.drop { $0 == "-" } }

    /// Reads a checkpoint's position and optimiser tensors, loading its model state into `model`.
    ///
    /// - Throws: `TrainError` when it was saved from another architecture or class count, or holds no
    ///   optimiser state of the requested kind; reader and `Checkpoint.LoadError` errors otherwise.
    public static func restore(_ path: String, into model: inout SegmentationModel,
                               optimizer: inout TrainingOptimizer, options: TrainOptions? = nil) throws -> Position {
        let file = try SafeTensorsFile(path: path)
        if let options {
            // Options that change the batch order, the model or the step must match the run that
            // wrote the checkpoint, or the run would skip or repeat samples under another recipe.
            let changed = options.resumeKey.filter { key in
                file.metadata[optionKey(key.option)].map { $0 != key.value } ?? false
            }
            if !changed.isEmpty {
                throw TrainError.resumeOptionsChanged(path: path, changes: changed.map { "\($0.option) \(file.metadata[optionKey($0.option)] ?? "") (now \($0.value))" })
            }
        }
        let (kind, classes) = try SegmentationModel.describe(checkpoint: file)
        guard kind == model.kind, classes == model.classes else {
            throw TrainError.checkpointModel(path: path, kind: kind.rawValue, classes: classes, runKind: model.kind.rawValue, runClasses: model.classes)
        }
        guard file.metadata["optimizer"] == optimizer.kind.rawValue else {
            throw TrainError.checkpointOptimizer(path: path, found: file.metadata["optimizer"], run: optimizer.kind.rawValue)
        }
        try Checkpoint.load(into: &model, from: path)
        var tensors: [String: Tensor<Float>] = [:]
        for t in file.tensors where t.name.hasPrefix(TrainingOptimizer.prefix) {
            tensors[t.name] = Tensor(shape: t.shape, scalars: try file.floats(t.name))
        }
        let m = file.metadata
        func count(_ key: String) throws -> Int {
            guard let text = m[key] else { return 0 }
            guard let v = Int(text), (0...Int(Int32.max)).contains(v) else {
                throw TrainError.checkpointMetadata(path: path, key: key, value: String(text.prefix(40)), expected: "a count")
            }
            return v
        }
        func number(_ key: String, default d: Double) throws -> Double {
            guard let text = m[key] else { return d }
            guard let v = Double(text), v.isFinite else {
                throw TrainError.checkpointMetadata(path: path, key: key, value: String(text.prefix(40)), expected: "a finite number")
            }
            return v
        }
        var p = Position()
        p.epoch = try count("epoch")
        p.batch = try count("batch")
        p.lossSum = try number("loss_sum", default: 0)
        p.seconds = try number("seconds", default: 0)
        p.waitSeconds = try number("wait_seconds", default: 0)
        p.bestMIoU = try number("best_miou", default: -1)
        p.optimizerStep = try count("optimizer_step")
        optimizer.loadState(tensors, step: p.optimizerStep)
        return p
    }
}
