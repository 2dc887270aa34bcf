import ArgumentParser
import SegImage
import Foundation
import SegPipeline
import SegTasks
import SegTrain

/// `seg-prep train`: train a segmentation model on shard folders, validating every epoch.
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train unet-s (or a per-pixel linear baseline) on shard folders or a pipeline's fresh draws, with validation, log, curves and checkpoints.",
        discussion: """
        Writes into --out: log.jsonl (one JSON object an epoch: epoch, train_loss, val_loss, miou, miou_present, mpa, accuracy, lr, seconds, wait_seconds), curves.png, last.safetensors (model + optimiser state) and best.safetensors (best val mIoU). Checkpoint tensors carry PyTorch's state_dict names (enc1.0.weight, enc1.1.running_mean, …); optimiser tensors start with "optimizer." — drop them before load_state_dict(strict=True).

        Schedules (per epoch, as the reference): cos = warm-up (quadratic from lr/10) then cosine to --min-lr, last 5% of epochs at --min-lr; step = ten steps from --lr down to --min-lr. Ctrl-C stops after the current batch and saves last.safetensors; --resume it to continue the same schedule from that batch.

        --train-pipeline train.yaml trains on the pipeline's samples made online by the loader's workers, fresh each epoch (epoch e is what `seg-prep run` writes as repeat e); validation still reads --val shard folders. With `on_error: skip` in that file, a sample that cannot be made (a damaged image or label) is replaced by the next sample of the epoch and named in a warning at the end; otherwise it stops the training with the file's name.

        Example:
          seg-prep train --train out/em-membrane-train --val out/em-membrane-val --out runs/em \\
            --batch-size 4 --lr 1e-3 --schedule constant --epochs 40
        """)

    @OptionGroup var arguments: TrainArguments

    func run() throws {
        let options = try arguments.options()
        let (epochs, out) = (options.epochs, options.outDir)
        let source = try options.trainPipeline.map { try PipelineSampleSource(path: $0) }
        var trainer = try Trainer(options: options, trainSource: source)
        try Vips.start()
        let curvesPath = try OwnedOutputFile.claim((out as NSString).appendingPathComponent("curves.png"), command: "train",
                                                   inputs: options.trainFolders + options.valFolders + (options.trainPipeline.map { [$0] } ?? []))
        if !trainer.log.records.isEmpty { try TrainCurves.chart(trainer.log.records).writePNG(to: curvesPath) }
        let interrupt = InterruptFlag()
        interrupt.install(message: "stopping after this batch and saving \(trainer.lastPath); Ctrl-C again quits at once")
        let tty = isatty(2) != 0
        let start = trainer.position
        FileHandle.standardError.write(Data("training \(options.model.rawValue) on \(trainer.classNames.count) classes, \(ComputeThreads.current) thread(s), epoch \(start.epoch + 1)\(start.batch > 0 ? " batch \(start.batch + 1)" : "") of \(epochs)\n".utf8))
        var records = trainer.log.records
        // Steps in this invocation (for --max-steps) and their pace (for the ETA).
        var steps = 0
        let began = Date()
        let totalBatches = epochs * trainer.batchesPerEpoch
        let outcome = try trainer.run(onStep: { p in
            steps += 1
            guard tty else { return }
            let done = p.epoch * p.batches + p.batch
            let pace = Date().timeIntervalSince(began) / Double(steps)
            let eta = Self.duration(pace * Double(max(totalBatches - done, 0)))
            let line = String(format: "\repoch %d/%d  batch %d/%d  loss %.4f  %.1fs  ETA %@   ", p.epoch + 1, epochs, p.batch, p.batches, p.meanLoss, p.seconds, eta)
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
        }, shouldStop: { interrupt.isRaised || options.maxSteps.map { steps >= $0 } == true })
        if let note = source?.skipped.summary {
            if tty { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            FileHandle.standardError.write(Data("warning: \(note)\n".utf8))
        }
        switch outcome {
        case .finished:
            let best = records.max { $0.miou < $1.miou }
            if let best {
                print(String(format: "best miou %.4f at epoch %d; checkpoints in %@", best.miou, best.epoch, out))
            }
        case let .interrupted(epoch, batch):
            if tty { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            if !interrupt.isRaised, let maxSteps = options.maxSteps {
                print("stopped after \(maxSteps) steps (--max-steps) in epoch \(epoch + 1) after batch \(batch); continue with --resume \(trainer.lastPath)")
                return
            }
            print("interrupted in epoch \(epoch + 1) after batch \(batch); continue with --resume \(trainer.lastPath)")
            throw ExitCode(130)
        }
    }

    /// Seconds as `1h02m`, `3m05s` or `42s`.
    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "?" }
        let s = Int(min(seconds, 1e9).rounded())
        if s >= 3600 { return String(format: "%dh%02dm", s / 3600, s / 60 % 60) }
        if s >= 60 { return String(format: "%dm%02ds", s / 60, s % 60) }
        return "\(s)s"
    }
}
