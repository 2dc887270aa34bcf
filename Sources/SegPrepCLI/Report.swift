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
        The page holds the dataset summary, pixels and images per class (linear and log scale), label survival (counted by `run`, or predicted for a pipeline), leakage findings (near-duplicates within a pipeline's input, or with --against between it and another pipeline's input, each pair shown with the two images), skipped samples with their reasons, a contact sheet with a legend naming each class's colour, and the pipeline text. Charts are inline SVG and the contact sheet an inline PNG: the file opens offline, fetches nothing and runs no script.

        Examples:
          seg-prep report out/camvid-train --out camvid-train.html
          seg-prep report pipelines/camvid-train.yaml --out before-the-run.html
          seg-prep report pipelines/camvid-train.yaml --against pipelines/camvid-val.yaml --out leakage.html

        The page is written only where seg-prep owns the file: never over a file it did not write, never over the folder or pipeline it reports on, never inside an input folder.
        """)

    @Argument(help: "Shard folder (holding index.json) or pipeline file (YAML).")
    var source: String

    @Option(help: "The HTML file to write.")
    var out: String

    @OptionGroup var dataset: InputRootOption

    @Option(help: "Another pipeline (e.g. the validation split) whose input is checked for leakage against this one's.")
    var against: String?

    @Option(help: "Dataset root replacing the --against pipeline's input.root.")
    var againstRoot: String?

    func validate() throws {
        if againstRoot != nil && against == nil {
            throw ValidationError("--against-root replaces the root of the --against pipeline; give --against too.")
        }
    }

    func run() throws {
        BLASKernels.releaseIdleThreads()
        try Vips.start(vips: true)
        var isDir: ObjCBool = false
        let report: DatasetReport
        if FileManager.default.fileExists(atPath: source, isDirectory: &isDir), isDir.boolValue {
            if against != nil {
                throw ValidationError("--against compares two pipelines' inputs; give the pipeline that wrote \(source) instead of the folder.")
            }
            report = try DatasetReport(folder: source)
        } else {
            report = try DatasetReport(pipeline: try PipelineSpec.load(path: source), root: dataset.inputRoot,
                                       against: try against.map { try PipelineSpec.load(path: $0) }, againstRoot: againstRoot)
        }
        try report.write(to: out)
        FileHandle.standardError.write(Data("wrote \(out)\n".utf8))
    }
}
