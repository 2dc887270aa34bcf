import ArgumentParser
import Foundation
import SegTrain

/// `seg-prep train`'s command line, parsed into `TrainOptions` (which holds every default, so the
/// help shows the values the trainer uses).
struct TrainArguments: ParsableArguments {
    private static let d = TrainOptions.defaults

    @Option(name: .customLong("train"), help: "Training shard folder (repeat for several).")
    var trainFolders: [String] = []

    @Option(name: .customLong("train-pipeline"), help: "Train on fresh draws of this pipeline file every epoch (epoch e is its run's repeat e) instead of --train folders.")
    var trainPipeline: String?

    @Option(name: .customLong("val"), help: "Validation shard folder (repeat for several).")
    var valFolders: [String]

    @Option(name: .customLong("out"), help: "Output folder for log.jsonl, curves.png and checkpoints.")
    var outDir: String

    @Option(help: "Network architecture.")
    var model: SegmentationModel.Kind = d.model

    @Option(help: "Training loss (`+dice` adds a Dice term; terms in any order).")
    var loss: LossKind = d.loss

    @Option(help: "Class weights: none, inverse, median (from index.json pixel counts) or a file of one weight per class.")
    var classWeights = "none"

    @Option(help: "Focal loss alpha.")
    var focalAlpha = d.focalAlpha

    @Option(help: "Focal loss gamma.")
    var focalGamma = d.focalGamma

    @Option(help: "Optimiser.")
    var optimizer: TrainOptions.Optimizer = d.optimizer

    @Option(help: "Initial (peak) learning rate.")
    var lr = d.lr

    @Option(name: .customLong("min-lr"), help: "Final learning rate of cos/step (default lr/100).")
    var minLR: Double?

    @Option(help: "SGD momentum, or Adam beta1.")
    var momentum = d.momentum

    @Option(help: "Weight decay (L2, added to the gradient).")
    var weightDecay = d.weightDecay

    @Option(help: "Learning-rate schedule (changes once an epoch).")
    var schedule: LRSchedule.Kind = d.schedule

    @Option(help: "Warm-up epochs of the cos schedule (default min(max(5% of epochs, 1), 3)).")
    var warmupEpochs: Double?

    @Option(help: "Epochs to train (in total, counting those of a resumed run).")
    var epochs = d.epochs

    @Option(help: "Samples per batch.")
    var batchSize = d.batchSize

    @OptionGroup var threads: ComputeThreadsOption

    @Option(help: "Loader worker threads.")
    var workers = d.workers

    @Option(help: "Seed of the weights and the shuffle.")
    var seed = d.seed

    @Option(help: "Validate every N epochs and after the last; the epochs between log null validation metrics.")
    var valEvery = d.valEvery

    @Option(help: "Stop after N training steps in this run, saving last.safetensors (a quick check of a set-up; --resume continues).")
    var maxSteps: Int?

    @Option(help: "Continue from this checkpoint (a last.safetensors).")
    var resume: String?

    /// The trainer's options; throws `TrainError` for values out of range or an unreadable weight file.
    func options() throws -> TrainOptions {
        var o = TrainOptions(trainFolders: trainFolders, valFolders: valFolders, outDir: outDir)
        o.trainPipeline = trainPipeline
        o.model = model; o.loss = loss; o.classWeights = try TrainOptions.weighting(classWeights)
        o.focalAlpha = focalAlpha; o.focalGamma = focalGamma; o.optimizer = optimizer; o.lr = lr; o.minLR = minLR
        o.momentum = momentum; o.weightDecay = weightDecay; o.schedule = schedule; o.warmupEpochs = warmupEpochs
        o.epochs = epochs; o.batchSize = batchSize; o.threads = threads.value; o.workers = workers; o.seed = seed
        o.valEvery = valEvery; o.maxSteps = maxSteps; o.resume = resume
        try o.validate()
        return o
    }
}

extension SegmentationModel.Kind: ExpressibleByArgument {}
extension LRSchedule.Kind: ExpressibleByArgument {}
extension TrainOptions.Optimizer: ExpressibleByArgument {}
extension LossKind: ExpressibleByArgument {
    /// Any spelling `LossKind(name:)` accepts.
    public init?(argument: String) { self.init(name: argument) }
    public static var allValueStrings: [String] { allCases.map(\.rawValue) }
}
