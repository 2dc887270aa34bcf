import ArgumentParser
import SegImage
import Foundation
import SegPipeline
import SegTasks
import SegTrain

/// `seg-prep eval`: mIoU, mPA, accuracy and per-class scores of predicted label PNGs.
struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Score predicted label PNGs against ground-truth PNGs (mIoU, mPA, accuracy, per-class IoU/recall/precision).",
        discussion: """
        Reads <id>.png from both folders as class indices (palette or greyscale PNGs), for every id in --list (e.g. ImageSets/Segmentation/val.txt) or every PNG in --gt. Ground-truth values >= --classes (e.g. 255 void edges) are ignored, as the reference's fast_hist does. Pairs of different sizes are skipped with a warning on stderr. A predicted value of --classes or more names no class: it counts as a miss of its pixel's labelled class (in recall, IoU and accuracy), with a warning. miou and mpa average over all classes (the reference); miou_present averages over classes present in labels or predictions. --json prints {miou, mpa, accuracy, miou_present, images, skipped, per_class: [{index, name, iou, recall, precision, pixels}]}.

        With --pipeline val.yaml the ground truth is the pipeline's input (ids from its source, labels read and remapped as the pipeline reads them, at each image's own size; no geometric stage is applied), and predictions are <pred>/<id>.png as `seg-prep predict --pipeline` writes them.

        Example:
          seg-prep eval --gt fixtures/em-membrane/SegmentationClass --pred out/pred --classes 2 --list val.txt
          seg-prep eval --pipeline pipelines/em-membrane-val.yaml --pred out/pred
        """)

    @Option(help: "Folder of ground-truth label PNGs.")
    var gt: String?

    @Option(help: "A pipeline file whose input source gives the ground truth: every label read as the pipeline reads it (label colours, the source's value map, reduce-zero-label, remap_labels) at its image's size; predictions are <pred>/<id>.png.")
    var pipeline: String?

    @OptionGroup var dataset: InputRootOption

    @Option(help: "Folder of predicted label PNGs with the same names.")
    var pred: String

    @Option(help: "Number of classes (values >= this in the ground truth are ignored; default with --pipeline: its classes).")
    var classes: Int?

    @Option(help: "Class names, one per line (e.g. a dataset's classes.txt).")
    var names: String?

    @Option(help: "Image ids to score, one per line (default: every PNG in --gt).")
    var list: String?

    @OptionGroup var output: JSONOutput

    @Option(help: "Write a bar chart of per-class IoU as PNG.")
    var plot: String?

    func validate() throws {
        guard (gt == nil) != (pipeline == nil) else {
            throw ValidationError("give the ground truth with --gt (a folder of label PNGs) or --pipeline (a pipeline file's input), one of them.")
        }
        if gt != nil && classes == nil { throw ValidationError("--gt needs --classes, the number of classes the labels hold.") }
        if let classes, !(1...255).contains(classes) { throw ValidationError("--classes must be between 1 and 255.") }
        if list != nil && pipeline != nil { throw ValidationError("--list chooses files of --gt; with --pipeline the pipeline's split chooses the samples.") }
        if dataset.inputRoot != nil && pipeline == nil { throw ValidationError("--input-root replaces a pipeline's input.root; use it with --pipeline.") }
    }

    func run() throws {
        BLASKernels.releaseIdleThreads()
        try Vips.start()
        let warn = { (line: String) in FileHandle.standardError.write(Data((line + "\n").utf8)) }
        let result: FolderEvaluation
        let classes: Int
        let classNames: [String]   // read before any scoring, so a wrong --names file costs nothing
        var truthRoot: [String] = []
        if let pipeline {
            let truth = try GroundTruth(spec: try PipelineSpec.load(path: pipeline), root: dataset.inputRoot)
            classes = self.classes ?? truth.spec.classes.count
            guard classes <= 255 else {
                throw ValidationError("\(pipeline) has \(classes) classes; eval scores up to 255, so pass --classes with the classes to score.")
            }
            let specNames = truth.spec.classes   // --classes may score more classes than the pipeline names
            classNames = try names == nil ? (0..<classes).map { $0 < specNames.count ? specNames[$0] : String($0) } : loadNames(classes)
            truthRoot = [truth.input.root]
            result = try PipelineEvaluation.evaluate(truth, pred: pred, classes: classes, warn: warn)
        } else {
            classes = self.classes ?? 0
            classNames = try names == nil ? (0..<classes).map(String.init) : loadNames(classes)
            let gt = self.gt ?? ""
            result = try FolderEvaluation(gt: gt, pred: pred, classes: classes, ids: try FolderEvaluation.ids(gt: gt, list: list), read: { path in
                // Through the label gate: pixel limit before decoding, 16-bit files narrowed.
                let r = try LabelFile.read(path)
                return FolderEvaluation.LabelImage(width: r.width, height: r.height, pixels: LabelFile.narrowed(r))
            }, warn: warn)
        }
        let m = result.matrix
        if m.invalidPredictions > 0 {
            FileHandle.standardError.write(Data("warning: \(m.invalidPredictions) predicted pixels hold values of \(classes) or more, which no class of --classes \(classes) is; they count as misses of their labels' classes, so check --classes and the predictions\n".utf8))
        }
        let (iou, recall, precision, pixels) = (m.iou, m.recall, m.precision, m.labelTotals)
        if output.json {
            var perClass: [[String: Any]] = []
            for c in 0..<classes {
                perClass.append(["index": c, "name": classNames[c], "iou": iou[c], "recall": recall[c],
                                 "precision": precision[c], "pixels": pixels[c]])
            }
            let object: [String: Any] = [
                "miou": m.meanIoU, "mpa": m.meanPixelAccuracy, "accuracy": m.accuracy,
                "miou_present": m.meanIoUPresent.isFinite ? m.meanIoUPresent : NSNull(),
                "images": result.evaluated.count, "skipped": result.skipped.count, "per_class": perClass,
            ]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            let width = max(12, classNames.map(\.count).max() ?? 0)
            print("index  " + pad("name", width) + "     IoU  recall  precision      pixels")
            for c in 0..<classes {
                print(String(format: "%5d  ", c) + pad(classNames[c], width)
                      + String(format: "  %6.2f  %6.2f     %6.2f  %10d", iou[c] * 100, recall[c] * 100, precision[c] * 100, pixels[c]))
            }
            print(String(format: "mIoU %.2f  mPA %.2f  accuracy %.2f  mIoU(present) %.2f  (%d images, %d skipped)",
                         m.meanIoU * 100, m.meanPixelAccuracy * 100, m.accuracy * 100, m.meanIoUPresent * 100,
                         result.evaluated.count, result.skipped.count))
        }
        if let plot {
            let palette = Palette.voc(ignoreIndex: classes)
            let chart = BarChart(title: String(format: "IoU per class — mIoU %.4f", m.meanIoU),
                                 labels: (0..<classes).map { "\($0) \(classNames[$0])" }, values: iou,
                                 colours: (0..<classes).map { palette.colour($0) })
            try chart.writePNG(to: try OwnedOutputFile.claim(plot, command: "eval", inputs: [pred] + [gt, pipeline, names, list].compactMap { $0 } + truthRoot))
            FileHandle.standardError.write(Data("wrote \(plot)\n".utf8))
        }
    }

    /// Names from --names, or the class indices.
    func loadNames(_ classes: Int) throws -> [String] {
        guard let names else { return (0..<classes).map(String.init) }
        guard let text = try? String(contentsOfFile: names, encoding: .utf8) else {
            throw ValidationError("cannot read --names \(names); give a text file with one class name per line.")
        }
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        // Exactly one a class: a longer list is as likely another dataset's file as a shorter one.
        guard lines.count == classes else {
            throw ValidationError("--names \(names) has \(lines.count) names for \(classes) classes; give one name per class.")
        }
        return lines
    }

    func pad(_ s: String, _ n: Int) -> String { s.count < n ? s + String(repeating: " ", count: n - s.count) : s }
}
