import Foundation
import SegFormat

/// Trains a segmentation model on shard folders: per-epoch schedule, validation, log and checkpoints.
///
/// Each epoch sets the scheduled learning rate, runs forward, loss, backward and an optimiser update
/// on every training batch (shuffled by `(seed, epoch)`, last short batch dropped), then validates
/// in evaluation mode (running BatchNorm statistics) into a confusion matrix, appends an
/// `EpochRecord` to `outDir/log.jsonl` and rewrites `outDir/last.safetensors` (and
/// `best.safetensors` when mIoU improved). A stop request is honoured after the current batch:
/// `last.safetensors` then records the batch reached, and `resume` continues from exactly there.
public struct Trainer {
    /// Where training stands, reported after every batch.
    public struct Progress: Sendable {
        /// 0-based epoch and 1-based batch within it.
        public var epoch: Int
        public var batch: Int
        public var batches: Int
        /// Mean training loss of the epoch so far.
        public var meanLoss: Double
        /// Seconds since the epoch started.
        public var seconds: Double
    }

    /// How a run ended.
    public enum Outcome: Sendable, Equatable {
        case finished
        /// Stopped on request inside `epoch` (0-based) after `batch` batches.
        case interrupted(epoch: Int, batch: Int)
    }

    public let options: TrainOptions
    /// Class names of the shards; the ignore class is their count.
    public let classNames: [String]
    /// Per-class loss weights in force (nil = unweighted).
    public let classWeights: [Double]?
    public private(set) var model: SegmentationModel
    public private(set) var optimizer: TrainingOptimizer
    public private(set) var log: TrainLog
    /// Where the run stands (restored from `resume`).
    public private(set) var position = TrainCheckpoint.Position()

    let train: ShardLoader
    /// Training batches in one epoch.
    public var batchesPerEpoch: Int { train.batchesPerEpoch }
    let val: ShardLoader
    let loss: SegmentationLoss

    /// Path of `last.safetensors` and `best.safetensors` in the output folder.
    /// The files training writes into its output folder.
    public static let outputNames = ["log.jsonl", "curves.png", "last.safetensors", "best.safetensors"]

    public var lastPath: String { (options.outDir as NSString).appendingPathComponent("last.safetensors") }
    public var bestPath: String { (options.outDir as NSString).appendingPathComponent("best.safetensors") }

    /// Opens the shard folders, builds the model, loss and optimiser, and restores `options.resume`.
    ///
    /// `trainSource` supplies the training samples when `options.trainPipeline` is set (the caller
    /// opens the pipeline, e.g. as SegTasks' `PipelineSampleSource`); otherwise `options.trainFolders`
    /// are opened.
    ///
    /// - Throws: `TrainError` for bad options or mismatched folders, `LoaderError`/`ManifestError` for
    ///   unreadable shards, checkpoint errors for a bad `resume` file.
    public init(options: TrainOptions, trainSource: (any SampleSource)? = nil) throws {
        try options.validate()
        if let path = options.trainPipeline, trainSource == nil {
            throw TrainError.option(name: "--train-pipeline", value: path, expected: "open the pipeline and pass its samples as trainSource")
        }
        self.options = options
        if let t = options.threads { ComputeThreads.set(t) }
        var trainOptions = LoaderOptions()
        trainOptions.batchSize = options.batchSize
        trainOptions.dropLast = true
        trainOptions.seed = options.seed
        trainOptions.workers = options.workers
        train = try ShardLoader(source: try trainSource ?? ShardSet(folders: options.trainFolders), options: trainOptions)
        var valOptions = trainOptions
        valOptions.dropLast = false
        valOptions.shuffle = false
        val = try ShardLoader(folders: options.valFolders, options: valOptions)
        let names = train.source.classes
        guard val.source.classes == names else {
            throw TrainError.classesDiffer(validation: val.source.classes, training: names)
        }
        guard names.count <= 255 else {
            throw TrainError.tooManyClasses(names.count)
        }
        guard train.batchesPerEpoch > 0 else {
            throw TrainError.noFullBatch(samples: train.samplesPerEpoch, batchSize: options.batchSize)
        }
        let (h, w) = (train.source.height, train.source.width)
        model = SegmentationModel(kind: options.model, classes: names.count, seed: options.seed)
        guard h % model.sizeMultiple == 0, w % model.sizeMultiple == 0, val.source.height == h, val.source.width == w else {
            throw TrainError.sizeUnsuitable(model: options.model.rawValue, multiple: model.sizeMultiple, width: w, height: h, valWidth: val.source.width, valHeight: val.source.height)
        }
        classNames = names
        classWeights = try Trainer.weights(options.classWeights, manifests: train.shards?.manifests ?? [], classes: names.count)
        loss = SegmentationLoss(kind: options.loss, classes: names.count, classWeights: classWeights,
                                alpha: options.focalAlpha, gamma: options.focalGamma)
        optimizer = TrainingOptimizer(kind: options.optimizer, lr: options.lr, momentum: options.momentum,
                                      weightDecay: options.weightDecay)
        // The output folder is owned as every seg-prep output is: never one of the folders read (or
        // inside one), never over a file seg-prep did not write; every name is claimed before a byte.
        var owner = try OwnedOutputFolder(options.outDir, command: "train",
                                          inputs: options.trainFolders + options.valFolders + (options.trainPipeline.map { [$0] } ?? []))
        for name in Self.outputNames { _ = try owner.claim(name) }
        let logPath = (options.outDir as NSString).appendingPathComponent("log.jsonl")
        if let resume = options.resume {
            position = try TrainCheckpoint.restore(resume, into: &model, optimizer: &optimizer, options: options)
            guard position.epoch <= options.epochs, position.batch < train.batchesPerEpoch else {
                throw TrainError.resumePastRun(path: resume, epoch: position.epoch + 1, batch: position.batch, epochs: options.epochs, batches: train.batchesPerEpoch)
            }
            log = TrainLog(path: logPath, keepThrough: position.epoch)
        } else {
            log = TrainLog(path: logPath)
            try log.write()
        }
    }

    /// Loss weights per class from the option and the manifests' pixel counts.
    static func weights(_ choice: TrainOptions.ClassWeighting, manifests: [Manifest], classes: Int) throws -> [Double]? {
        func merged() throws -> Manifest {
            // No manifests (a pipeline): `TrainOptions.validate` refuses inverse and median weights before this.
            guard var m = manifests.first else {
                throw TrainError.option(name: "--class-weights", value: "counted from pixels", expected: "give none or a file of weights when training on a pipeline")
            }
            m.classPixels = (0...classes).map { c in manifests.reduce(0) { $0 + ($1.classPixels.count > c ? $1.classPixels[c] : 0) } }
            return m
        }
        switch choice {
        case .none: return nil
        case .inverse: return ClassStats(try merged()).classes.map(\.weightInverse)
        case .median: return ClassStats(try merged()).classes.map(\.weightMedian)
        case .explicit(let w):
            guard w.count == classes else {
                throw TrainError.classWeightCount(given: w.count, classes: classes)
            }
            return w
        }
    }

    /// Metadata stored in every checkpoint: input size and class names.
    var checkpointInfo: [String: String] {
        ["height": String(train.source.height), "width": String(train.source.width),
         "class_names": classNames.joined(separator: "\n"), "loss": options.loss.rawValue, "schedule": options.schedule.rawValue]
            .merging(options.resumeKey.map { (TrainCheckpoint.optionKey($0.option), $0.value) }) { a, _ in a }
    }

    /// Trains until `options.epochs` are done or `shouldStop` returns true after a batch.
    ///
    /// - Throws: loader, loss and file-system errors (the last good checkpoint stays in place).
    public mutating func run(onStep: (Progress) -> Void = { _ in }, onEpoch: (EpochRecord) -> Void = { _ in },
                             shouldStop: () -> Bool = { false }) throws -> Outcome {
        let schedule = options.lrSchedule
        let clock = ContinuousClock()
        while position.epoch < options.epochs {
            let epoch = position.epoch
            let lr = schedule.rate(epoch: epoch)
            optimizer.learningRate = lr
            let start = clock.now
            let baseSeconds = position.seconds, baseWait = position.waitSeconds
            let run = train.epoch(epoch)
            var k = 0
            while let batch = try run.next() {
                defer { k += 1 }
                if k < position.batch { continue }
                let (images, labels) = batch.tensors()
                let value = try TrainingStep.run(&model, &optimizer, loss: loss, images: images, labels: labels)
                // A non-finite loss has already made the weights NaN: stop before saving any of them.
                guard value.isFinite else { throw TrainError.diverged(epoch: epoch + 1, batch: k + 1, learningRate: Double(lr)) }
                position.batch = k + 1
                position.lossSum += Double(value)
                position.optimizerStep = optimizer.step
                let elapsed = (clock.now - start).seconds
                onStep(Progress(epoch: epoch, batch: k + 1, batches: run.batchCount,
                                meanLoss: position.lossSum / Double(k + 1), seconds: baseSeconds + elapsed))
                if shouldStop() {
                    position.seconds = baseSeconds + elapsed
                    position.waitSeconds = baseWait + run.stats.waitSeconds
                    run.finish()
                    try TrainCheckpoint.save(&model, optimizer: optimizer, position: position, info: checkpointInfo, to: lastPath)
                    return .interrupted(epoch: epoch, batch: k + 1)
                }
            }
            let trainLoss = position.lossSum / Double(max(run.batchCount, 1))
            let wait = baseWait + run.stats.waitSeconds
            // Validation every `valEvery` epochs and after the last; other epochs log no metrics (NaN, null in the log).
            let validating = (epoch + 1) % options.valEvery == 0 || epoch + 1 == options.epochs
            let (valLoss, matrix) = validating ? try validate() : (Double.nan, nil)
            let record = EpochRecord(
                epoch: epoch + 1, trainLoss: trainLoss, valLoss: valLoss, miou: matrix?.meanIoU ?? .nan,
                miouPresent: matrix?.meanIoUPresent ?? .nan, mpa: matrix?.meanPixelAccuracy ?? .nan, accuracy: matrix?.accuracy ?? .nan, lr: lr,
                seconds: baseSeconds + (clock.now - start).seconds, waitSeconds: wait)
            try log.append(record)
            let best = position.bestMIoU
            position = TrainCheckpoint.Position()
            position.epoch = epoch + 1
            position.optimizerStep = optimizer.step
            // best.safetensors follows the best validated mIoU so far (epochs without validation keep it).
            let improved = record.miou.isFinite && record.miou >= best
            position.bestMIoU = improved ? record.miou : best
            if improved {
                try TrainCheckpoint.save(&model, optimizer: nil, position: position, info: checkpointInfo, to: bestPath)
            }
            try TrainCheckpoint.save(&model, optimizer: optimizer, position: position, info: checkpointInfo, to: lastPath)
            onEpoch(record)
            if shouldStop() { return epoch + 1 < options.epochs ? .interrupted(epoch: epoch + 1, batch: 0) : .finished }
        }
        return .finished
    }

    /// Mean loss and confusion matrix of the model on the validation folders, in evaluation mode.
    ///
    /// - Throws: loader and loss errors.
    public mutating func validate() throws -> (loss: Double, matrix: ConfusionMatrix) {
        var matrix = ConfusionMatrix(classes: classNames.count)
        var total = 0.0, batches = 0
        let run = val.epoch(0)
        while let batch = try run.next() {
            let (images, labels) = batch.tensors()
            let values = labels.values
            let logits = model.forward(images, training: false)
            let out: LossOutput<Float> = try loss(logits, labels)
            total += Double(out.value)
            batches += 1
            let ignore = UInt8(clamping: classNames.count)
            matrix.add(labels: values.map { $0 >= 0 && $0 < 255 ? UInt8($0) : ignore }, predictions: Prediction.argmax(logits))
        }
        return (batches > 0 ? total / Double(batches) : .nan, matrix)
    }
}
