import Foundation

/// Everything `Trainer` needs to know about a run: data, model, loss, optimiser, schedule, output.
/// `seg-prep train` fills it from its command line (`TrainArguments`).
///
/// Defaults follow the reference trainer where it has one (Adam β1 = momentum 0.9, cosine schedule
/// with warm-up, `minLR` = lr/100, training batches with `drop_last`).
public struct TrainOptions: Sendable {
    /// How per-class loss weights are chosen.
    public enum ClassWeighting: Sendable, Equatable {
        case none
        /// `1 / (classes · fraction)` from the training manifests' pixel counts.
        case inverse
        /// Median frequency balancing from the training manifests' pixel counts.
        case median
        /// One weight per class, given.
        case explicit([Double])
    }

    /// The optimisers `train` offers.
    public enum Optimizer: String, Sendable, CaseIterable {
        case adam, sgd
    }

    /// Training and validation shard folders, and the folder for the log, curves and checkpoints.
    public var trainFolders: [String]
    /// A pipeline file to draw training samples from online instead of `trainFolders` (epoch `e`
    /// is the run's repeat `e`); the caller opens it and hands `Trainer` its `SampleSource`.
    public var trainPipeline: String?
    public var valFolders: [String]
    public var outDir: String
    /// Network architecture.
    public var model: SegmentationModel.Kind = .unetS
    /// Training loss (registered terms joined by `+`).
    public var loss: LossKind = .ce
    public var classWeights: ClassWeighting = .none
    /// Focal loss alpha and gamma.
    public var focalAlpha = 0.5
    public var focalGamma = 2.0
    public var optimizer: Optimizer = .adam
    /// Initial (peak) learning rate.
    public var lr = 1e-3
    /// Final rate of `cos`/`step`; nil = lr / 100 (the reference's `Min_lr = Init_lr * 0.01`).
    public var minLR: Double?
    /// SGD momentum, or Adam beta1.
    public var momentum = 0.9
    /// Weight decay (L2, added to the gradient).
    public var weightDecay = 0.0
    /// Learning-rate schedule (changes once an epoch).
    public var schedule: LRSchedule.Kind = .cos
    /// Warm-up epochs of the cos schedule; nil = min(max(5% of epochs, 1), 3).
    public var warmupEpochs: Double?
    /// Epochs to train in total, counting those of a resumed run.
    public var epochs = 20
    /// Samples per batch.
    public var batchSize = 8
    /// Matrix-kernel threads; nil leaves OpenBLAS' setting.
    public var threads: Int?
    /// Loader worker threads.
    public var workers = 2
    /// Seed of the weights and the shuffle.
    public var seed: UInt64 = 0
    /// Validate every this many epochs (and after the last one).
    public var valEvery = 1
    /// Stop after this many training steps in this invocation (a smoke test; `resume` continues).
    public var maxSteps: Int?
    /// Checkpoint to continue from (`last.safetensors` of an earlier run).
    public var resume: String?

    /// The defaults, for `trainFolders`, `valFolders` and `outDir`.
    public init(trainFolders: [String], valFolders: [String], outDir: String) {
        self.trainFolders = trainFolders; self.valFolders = valFolders; self.outDir = outDir
    }

    /// Every default, in one place (the command line shows these).
    public static let defaults = TrainOptions(trainFolders: [], valFolders: [], outDir: "")

    /// The options a resumed run must share with the run that wrote its checkpoint, as (option,
    /// value) pairs: what decides the order of the batches (data, batch size, seed), the model and what
    /// each step computes. `--epochs` may grow (it counts the whole run); threads and workers do not
    /// change results.
    public var resumeKey: [(option: String, value: String)] {
        let weights: String
        switch classWeights {
        case .none: weights = "none"
        case .inverse: weights = "inverse"
        case .median: weights = "median"
        case .explicit(let w): weights = w.map { "\($0)" }.joined(separator: ",")
        }
        return [("--train", trainFolders.joined(separator: ",")), ("--train-pipeline", trainPipeline ?? ""), ("--batch-size", String(batchSize)), ("--seed", String(seed)),
                ("--model", model.rawValue), ("--loss", loss.rawValue), ("--class-weights", weights),
                ("--focal-alpha", "\(focalAlpha)"), ("--focal-gamma", "\(focalGamma)"), ("--optimizer", optimizer.rawValue),
                ("--lr", "\(lr)"), ("--min-lr", minLR.map { "\($0)" } ?? "default"), ("--momentum", "\(momentum)"),
                ("--weight-decay", "\(weightDecay)"), ("--schedule", schedule.rawValue),
                ("--warmup-epochs", warmupEpochs.map { "\($0)" } ?? "default")]
    }

    /// The learning-rate schedule these options describe.
    public var lrSchedule: LRSchedule {
        LRSchedule(kind: schedule, lr: lr, minLR: minLR ?? lr * 0.01, epochs: epochs, warmupEpochs: warmupEpochs)
    }

    /// Checks ranges; throws `TrainError` saying which option to change.
    public func validate() throws {
        if trainPipeline != nil && !trainFolders.isEmpty {
            throw TrainError.option(name: "--train-pipeline", value: "given together with --train \(trainFolders.joined(separator: ","))", expected: "train either on shard folders (--train) or on a pipeline's fresh draws (--train-pipeline), not both")
        }
        if trainPipeline == nil && trainFolders.isEmpty {
            throw TrainError.option(name: "--train", value: "missing", expected: "give training shard folders with --train, or a pipeline file with --train-pipeline")
        }
        if trainPipeline != nil, classWeights == .inverse || classWeights == .median {
            throw TrainError.option(name: "--class-weights", value: "\(classWeights == .inverse ? "inverse" : "median") with --train-pipeline", expected: "give none or a file of weights, since a pipeline has no counted pixels (or train on its shards)")
        }
        guard epochs >= 1 else { throw TrainError.option(name: "--epochs", value: "\(epochs)", expected: "train for at least 1 epoch") }
        guard batchSize >= 1 else { throw TrainError.option(name: "--batch-size", value: "\(batchSize)", expected: "use at least 1") }
        guard lr > 0, lr.isFinite else { throw TrainError.option(name: "--lr", value: "\(lr)", expected: "give a positive learning rate such as 1e-3") }
        if let m = minLR, !(m > 0 && m <= lr) {
            throw TrainError.option(name: "--min-lr", value: "\(m)", expected: "give a positive rate no larger than --lr (\(lr))")
        }
        guard momentum >= 0, momentum < 1 else { throw TrainError.option(name: "--momentum", value: "\(momentum)", expected: "use a value in [0, 1)") }
        guard weightDecay >= 0, weightDecay.isFinite else { throw TrainError.option(name: "--weight-decay", value: "\(weightDecay)", expected: "use 0 or more") }
        guard (0...1).contains(focalAlpha) else { throw TrainError.option(name: "--focal-alpha", value: "\(focalAlpha)", expected: "use a value from 0 to 1") }
        guard focalGamma >= 0, focalGamma.isFinite else { throw TrainError.option(name: "--focal-gamma", value: "\(focalGamma)", expected: "use 0 or more, such as 2") }
        if let w = warmupEpochs, !(w >= 0) { throw TrainError.option(name: "--warmup-epochs", value: "\(w)", expected: "use 0 or more") }
        if let t = threads, !(1...256).contains(t) { throw TrainError.option(name: "--threads", value: "\(t)", expected: "use 1 to 256 matrix-kernel threads") }
        guard (1...256).contains(workers) else { throw TrainError.option(name: "--workers", value: "\(workers)", expected: "use 1 to 256 loader threads") }
        guard epochs <= 1_000_000 else { throw TrainError.option(name: "--epochs", value: "\(epochs)", expected: "use at most 1000000") }
        guard batchSize <= 65_536 else { throw TrainError.option(name: "--batch-size", value: "\(batchSize)", expected: "use at most 65536") }
        guard (1...1_000_000).contains(valEvery) else { throw TrainError.option(name: "--val-every", value: "\(valEvery)", expected: "validate every 1 or more epochs") }
        if let m = maxSteps, m < 1 { throw TrainError.option(name: "--max-steps", value: "\(m)", expected: "train for at least 1 step") }
    }

    /// Parses `--class-weights`: none, inverse, median, or a file of one weight per class.
    public static func weighting(_ text: String) throws -> ClassWeighting {
        switch text {
        case "none": return .none
        case "inverse": return .inverse
        case "median": return .median
        default:
            guard let contents = try? String(contentsOfFile: text, encoding: .utf8) else {
                throw TrainError.classWeightsUnreadable(path: text)
            }
            let parts = contents.split { $0 == "," || $0 == "[" || $0 == "]" || $0.isWhitespace }
            let values = parts.compactMap { Double($0) }
            guard values.count == parts.count, !values.isEmpty, values.allSatisfy({ $0 >= 0 && $0.isFinite }) else {
                throw TrainError.classWeightsMalformed(path: text)
            }
            // All zero weighs every pixel by nothing: the loss is 0 and nothing is learned.
            guard values.contains(where: { $0 > 0 }) else { throw TrainError.classWeightsAllZero(path: text) }
            return .explicit(values)
        }
    }
}


