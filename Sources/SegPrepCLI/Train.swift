import ArgumentParser
import Foundation
import SegPipeline
import SegTrain

/// `seg-prep train`: train a segmentation model on shard folders, validating every epoch.
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train unet-s (or a per-pixel linear baseline) on shard folders, with validation, log, curves and checkpoints.",
        discussion: """
        Writes into --out: log.jsonl (one JSON object an epoch: epoch, train_loss, val_loss, miou,
        miou_present, mpa, accuracy, lr, seconds, wait_seconds), curves.png, last.safetensors (model +
        optimiser state) and best.safetensors (best val mIoU). Checkpoint tensors carry PyTorch's
        state_dict names (enc1.0.weight, enc1.1.running_mean, …); optimiser tensors start with
        "optimizer." — drop them before load_state_dict(strict=True).

        Schedules (per epoch, as the reference): cos = warm-up (quadratic from lr/10) then cosine to
        --min-lr, last 5% of epochs at --min-lr; step = ten steps from --lr down to --min-lr.
        Ctrl-C stops after the current batch and saves last.safetensors; --resume it to continue the
        same schedule from that batch.

        Example:
          seg-prep train --train out/em-membrane-train --val out/em-membrane-val --out runs/em \\
            --batch-size 4 --lr 1e-3 --schedule constant --epochs 40
        """)

    @Option(help: "Training shard folder (repeat for several).")
    var train: [String]

    @Option(help: "Validation shard folder (repeat for several).")
    var val: [String]

    @Option(help: "Output folder for log.jsonl, curves.png and checkpoints.")
    var out: String

    @Option(help: "Model: unet-s or linear.")
    var model = "unet-s"

    @Option(help: "Loss: ce, focal, dice, ce+dice or focal+dice.")
    var loss = "ce"

    @Option(help: "Class weights: none, inverse, median (from index.json pixel counts) or a file of one weight per class.")
    var classWeights = "none"

    @Option(help: "Focal loss alpha.")
    var focalAlpha = 0.5

    @Option(help: "Focal loss gamma.")
    var focalGamma = 2.0

    @Option(help: "Optimiser: adam or sgd.")
    var optimizer = "adam"

    @Option(help: "Initial (peak) learning rate.")
    var lr = 1e-3

    @Option(help: "Final learning rate of cos/step (default lr/100).")
    var minLr: Double?

    @Option(help: "SGD momentum, or Adam beta1.")
    var momentum = 0.9

    @Option(help: "Weight decay (L2, added to the gradient).")
    var weightDecay = 0.0

    @Option(help: "Learning-rate schedule: constant, cos or step.")
    var schedule = "cos"

    @Option(help: "Warm-up epochs of the cos schedule (default min(max(5% of epochs, 1), 3)).")
    var warmupEpochs: Double?

    @Option(help: "Epochs to train (in total, counting those of a resumed run).")
    var epochs = 20

    @Option(help: "Samples per batch.")
    var batchSize = 8

    @Option(help: "Matrix-kernel threads (default: OpenBLAS' own setting).")
    var threads: Int?

    @Option(help: "Loader worker threads.")
    var workers = 2

    @Option(help: "Seed of the weights and the shuffle.")
    var seed: UInt64 = 0

    @Option(help: "Continue from this checkpoint (a last.safetensors).")
    var resume: String?

    func run() throws {
        var o = TrainOptions(trainFolders: train, valFolders: val, outDir: out)
        guard let kind = SegmentationModel.Kind(rawValue: model) else {
            throw ValidationError("--model \(model) is unknown; use unet-s or linear.")
        }
        guard let opt = TrainOptions.Optimizer(rawValue: optimizer) else {
            throw ValidationError("--optimizer \(optimizer) is unknown; use adam or sgd.")
        }
        guard let sched = LRSchedule.Kind(rawValue: schedule) else {
            throw ValidationError("--schedule \(schedule) is unknown; use constant, cos or step.")
        }
        o.model = kind; o.optimizer = opt; o.schedule = sched
        o.loss = loss; o.classWeights = try weighting()
        o.focalAlpha = focalAlpha; o.focalGamma = focalGamma
        o.lr = lr; o.minLR = minLr; o.momentum = momentum; o.weightDecay = weightDecay
        o.warmupEpochs = warmupEpochs; o.epochs = epochs; o.batchSize = batchSize
        o.threads = threads; o.workers = workers; o.seed = seed; o.resume = resume

        var trainer = try Trainer(options: o)
        try Vips.start()
        let curvesPath = (out as NSString).appendingPathComponent("curves.png")
        if !trainer.log.records.isEmpty { try TrainCurves.chart(trainer.log.records).writePNG(to: curvesPath) }
        let interrupt = InterruptFlag()
        interrupt.install(message: "stopping after this batch and saving \(trainer.lastPath); Ctrl-C again quits at once")
        let tty = isatty(2) != 0
        let start = trainer.position
        FileHandle.standardError.write(Data("training \(kind.rawValue) on \(trainer.classNames.count) classes, \(ComputeThreads.current) thread(s), epoch \(start.epoch + 1)\(start.batch > 0 ? " batch \(start.batch + 1)" : "") of \(epochs)\n".utf8))
        var records = trainer.log.records
        let outcome = try trainer.run(onStep: { p in
            guard tty else { return }
            let line = String(format: "\repoch %d/%d  batch %d/%d  loss %.4f  %.1fs   ", p.epoch + 1, epochs, p.batch, p.batches, p.meanLoss, p.seconds)
            FileHandle.standardError.write(Data(line.utf8))
        }, onEpoch: { r in
            if tty { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            print(String(format: "epoch %d/%d  train_loss %.4f  val_loss %.4f  miou %.4f  miou_present %.4f  mpa %.4f  accuracy %.4f  lr %.3g  %.1fs (wait %.2fs)",
                         r.epoch, epochs, r.trainLoss, r.valLoss, r.miou, r.miouPresent, r.mpa, r.accuracy, r.lr, r.seconds, r.waitSeconds))
            fflush(nil)
            records.append(r)
            do { try TrainCurves.chart(records).writePNG(to: curvesPath) } catch {
                FileHandle.standardError.write(Data("warning: \(curvesPath) not written: \(error)\n".utf8))
            }
        }, shouldStop: { interrupt.isRaised })
        switch outcome {
        case .finished:
            let best = records.max { $0.miou < $1.miou }
            if let best {
                print(String(format: "best miou %.4f at epoch %d; checkpoints in %@", best.miou, best.epoch, out))
            }
        case let .interrupted(epoch, batch):
            if tty { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            print("interrupted in epoch \(epoch + 1) after batch \(batch); continue with --resume \(trainer.lastPath)")
            throw ExitCode(130)
        }
    }

    /// The --class-weights choice.
    func weighting() throws -> TrainOptions.ClassWeighting {
        switch classWeights {
        case "none": return .none
        case "inverse": return .inverse
        case "median": return .median
        default:
            guard let text = try? String(contentsOfFile: classWeights, encoding: .utf8) else {
                throw ValidationError("--class-weights \(classWeights) is neither none, inverse, median nor a readable file; give one of those or a file of one weight per class.")
            }
            let parts = text.split { $0 == "," || $0 == "[" || $0 == "]" || $0.isWhitespace }
            let values = parts.compactMap { Double($0) }
            guard values.count == parts.count, !values.isEmpty, values.allSatisfy({ $0 >= 0 && $0.isFinite }) else {
                throw ValidationError("--class-weights \(classWeights) must hold non-negative numbers separated by spaces, commas or newlines (or a JSON array).")
            }
            return .explicit(values)
        }
    }
}
