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

    /// Reads a checkpoint's position and optimiser tensors, loading its model state into `model`.
    ///
    /// - Throws: `TrainError` when it was saved from another architecture or class count, or holds no
    ///   optimiser state of the requested kind; reader and `Checkpoint.LoadError` errors otherwise.
    public static func restore(_ path: String, into model: inout SegmentationModel,
                               optimizer: inout TrainingOptimizer) throws -> Position {
        let file = try SafeTensorsFile(path: path)
        let (kind, classes) = try SegmentationModel.describe(checkpoint: file)
        guard kind == model.kind, classes == model.classes else {
            throw TrainError("\(path) holds a \(kind.rawValue) model for \(classes) classes but this run trains \(model.kind.rawValue) for \(model.classes); resume with the same --model and shard folders.")
        }
        guard file.metadata["optimizer"] == optimizer.kind.rawValue else {
            let found = file.metadata["optimizer"].map { "\($0) optimiser state" } ?? "no optimiser state"
            throw TrainError("\(path) has \(found) but this run uses \(optimizer.kind.rawValue); resume from a last.safetensors written with the same --optimizer.")
        }
        try Checkpoint.load(into: &model, from: path)
        var tensors: [String: Tensor<Float>] = [:]
        for t in file.tensors where t.name.hasPrefix(TrainingOptimizer.prefix) {
            tensors[t.name] = Tensor(shape: t.shape, scalars: try file.floats(t.name))
        }
        let m = file.metadata
        var p = Position()
        p.epoch = Int(m["epoch"] ?? "") ?? 0
        p.batch = Int(m["batch"] ?? "") ?? 0
        p.lossSum = Double(m["loss_sum"] ?? "") ?? 0
        p.seconds = Double(m["seconds"] ?? "") ?? 0
        p.waitSeconds = Double(m["wait_seconds"] ?? "") ?? 0
        p.bestMIoU = Double(m["best_miou"] ?? "") ?? -1
        p.optimizerStep = Int(m["optimizer_step"] ?? "") ?? 0
        optimizer.loadState(tensors, step: p.optimizerStep)
        return p
    }
}
