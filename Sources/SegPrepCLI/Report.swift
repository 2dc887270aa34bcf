import SegImage
import ArgumentParser
import Foundation
import SegFormat
import SegPipeline
import SegTasks
import SegTrain

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write one self-contained HTML page about a shard folder or a pipeline's input.",
        discussion: """
        The page holds the dataset summary, pixels and images per class (linear and log scale), label survival (counted by `run`, or predicted for a pipeline), leakage findings (near-duplicates within a pipeline's input), skipped samples with their reasons, a contact sheet with a legend naming each class's colour, and the pipeline text. Charts are inline SVG and the contact sheet an inline PNG: the file opens offline, fetches nothing and runs no script.

        Examples:
          seg-prep report out/camvid-train --out camvid-train.html
          seg-prep report pipelines/camvid-train.yaml --out before-the-run.html
        """)

    @Argument(help: "Shard folder (holding index.json) or pipeline file (YAML).")
    var source: String

    @Option(help: "The HTML file to write.")
    var out: String

    @OptionGroup var dataset: InputRootOption

    func run() throws {
        BLASKernels.releaseIdleThreads()
        try Vips.start(vips: true)
        var isDir: ObjCBool = false
        let report: DatasetReport
        if FileManager.default.fileExists(atPath: source, isDirectory: &isDir), isDir.boolValue {
            report = try DatasetReport(folder: source)
        } else {
            report = try DatasetReport(pipeline: try PipelineSpec.load(path: source), root: dataset.inputRoot)
        }
        try report.write(to: out)
        FileHandle.standardError.write(Data("wrote \(out)\n".utf8))
    }
}
