/// Everything `Trainer` needs to know about a run: data, model, loss, optimiser, schedule, output.
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

    public var trainFolders: [String]
    public var valFolders: [String]
    /// Folder receiving `log.jsonl`, `last.safetensors`, `best.safetensors`.
    public var outDir: String
    public var model: SegmentationModel.Kind = .unetS
    /// `ce`, `focal`, `dice`, `ce+dice` or `focal+dice`.
    public var loss = "ce"
    public var classWeights: ClassWeighting = .none
    public var focalAlpha = 0.5
    public var focalGamma = 2.0
    public var optimizer: Optimizer = .adam
    public var lr = 1e-3
    /// Final rate of `cos`/`step`; nil = lr / 100 (the reference's `Min_lr = Init_lr * 0.01`).
    public var minLR: Double?
    /// Adam β1 or SGD momentum.
    public var momentum = 0.9
    public var weightDecay = 0.0
    public var schedule: LRSchedule.Kind = .cos
    public var warmupEpochs: Double?
    public var epochs = 20
    public var batchSize = 8
    /// Matrix-kernel threads; nil leaves OpenBLAS' setting.
    public var threads: Int?
    /// Loader worker threads.
    public var workers = 2
    /// Seeds the weights and the shuffle.
    public var seed: UInt64 = 0
    /// Checkpoint to continue from (`last.safetensors` of an earlier run).
    public var resume: String?

    public init(trainFolders: [String], valFolders: [String], outDir: String) {
        self.trainFolders = trainFolders
        self.valFolders = valFolders
        self.outDir = outDir
    }

    /// The learning-rate schedule these options describe.
    public var lrSchedule: LRSchedule {
        LRSchedule(kind: schedule, lr: lr, minLR: minLR ?? lr * 0.01, epochs: epochs, warmupEpochs: warmupEpochs)
    }

    /// Checks ranges; throws `TrainError` saying which option to change.
    public func validate() throws {
        guard epochs >= 1 else { throw TrainError("--epochs is \(epochs); train for at least 1 epoch.") }
        guard batchSize >= 1 else { throw TrainError("--batch-size is \(batchSize); use at least 1.") }
        guard lr > 0, lr.isFinite else { throw TrainError("--lr is \(lr); give a positive learning rate such as 1e-3.") }
        if let m = minLR, !(m > 0 && m <= lr) {
            throw TrainError("--min-lr is \(m); give a positive rate no larger than --lr (\(lr)).")
        }
        guard momentum >= 0, momentum < 1 else { throw TrainError("--momentum is \(momentum); use a value in [0, 1).") }
        guard weightDecay >= 0 else { throw TrainError("--weight-decay is \(weightDecay); use 0 or more.") }
        if let w = warmupEpochs, !(w >= 0) { throw TrainError("--warmup-epochs is \(w); use 0 or more.") }
        if let t = threads, t < 1 { throw TrainError("--threads is \(t); use at least 1.") }
        guard SegmentationLoss(name: loss, classes: 1) != nil else {
            throw TrainError("--loss '\(loss)' is unknown; use ce, focal, dice, ce+dice or focal+dice.")
        }
    }
}
