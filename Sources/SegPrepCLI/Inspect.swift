import ArgumentParser
import SegImage
import Foundation
import SegFormat
import SegPipeline
import SegTasks
import SegTrain

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Render augmented samples as a contact sheet: image, coloured label and overlay, with the drawn parameters.",
        discussion: """
        TARGET is a pipeline file (samples are augmented now, nothing is written but the sheet) or a finished shard folder (samples are read from the shards). Labels use the PASCAL VOC colours; ignored pixels are white. --json prints each sample's id, repeat and drawn parameters.

        Examples:
          seg-prep inspect pipelines/camvid-train.yaml --count 8 --out sheet.png
          seg-prep inspect pipelines/camvid-train.yaml --seed 3 --json
          seg-prep inspect out/camvid-train --index 40 --count 4 --out shards.png
        """)

    @Argument(help: "Pipeline file or shard folder.")
    var target: String

    @OptionGroup var dataset: InputRootOption

    @Option(help: "Number of samples to show.")
    var count = 8

    @Option(help: "First sample (shard folders: over all shards; pipelines: over ids x repeats).")
    var index = 0

    @Option(help: "Seed replacing the pipeline's seed (pipelines only).")
    var seed: UInt64?

    @Option(help: "Where to write the contact sheet PNG.")
    var out: String?

    @Option(help: "Longest side of each panel in pixels (16 to 4096).")
    var panel = 192

    @Option(help: "Samples per row (1 to 64).")
    var columns = 2

    @Option(help: "What to do with a bad sample (pipelines only): fail (default) or skip (report it on stderr and show the next one).")
    var onError: PipelineSpec.OnError?

    @Option(help: "Refuse images and labels whose header claims more pixels than this (replaces decode's max_pixels).")
    var maxPixels: Int?

    @OptionGroup var output: JSONOutput

    func validate() throws {
        guard count >= 1 else { throw ValidationError("--count must be at least 1") }
        guard index >= 0 else { throw ValidationError("--index must be 0 or more") }
        guard (16...4096).contains(panel) else { throw ValidationError("--panel must be 16 to 4096 pixels") }
        guard (1...64).contains(columns) else { throw ValidationError("--columns must be 1 to 64") }
        if let maxPixels, maxPixels < 1 { throw ValidationError("--max-pixels must be at least 1") }
        // The range a pipeline file's `seed` has, so that every preview can be written down and run.
        if let seed, seed > UInt64(Int.max) { throw ValidationError("--seed must be from 0 to \(Int.max), as a pipeline's seed") }
        if out == nil && !output.json { throw ValidationError("give --out sheet.png to draw a contact sheet, or --json to print parameters") }
    }

    func run() throws {
        BLASKernels.releaseIdleThreads()
        try Vips.start()
        var isDir: ObjCBool = false
        let inspection: SampleInspection
        if FileManager.default.fileExists(atPath: target, isDirectory: &isDir) && isDir.boolValue {
            inspection = try SampleInspection(shards: target, index: index, count: count)
        } else {
            var spec = try PipelineSpec.load(path: target)
            if let seed { spec.seed = seed }
            if let maxPixels { spec.maxPixels = maxPixels }
            inspection = try SampleInspection(pipeline: spec, root: dataset.inputRoot, index: index, count: count,
                                              skip: (onError ?? spec.onError) == .skip) { e in
                FileHandle.standardError.write(Data("skipped \(e.id): \(e)\n".utf8))
            }
        }
        // Skipped samples are printed one by one; none left is a failure, not an empty sheet.
        guard !inspection.samples.isEmpty else { throw InspectionError.everySampleSkipped(source: target) }
        if output.json {
            let list = inspection.samples.map { ["id": $0.sample.id, "repeat": $0.sample.repeatIndex, "params": $0.params] as [String: Any] }
            print(String(decoding: try JSONSerialization.data(withJSONObject: list, options: [.sortedKeys, .prettyPrinted]), as: UTF8.self))
        }
        if let out {
            let raster = try inspection.sheet(panel: panel, columns: columns)
            try Vips.savePNG(raster, to: try OwnedOutputFile.claim(out, command: "inspect", inputs: inspection.inputs + [target]))
            FileHandle.standardError.write(Data("wrote \(out) (\(inspection.samples.count) samples, \(raster.width)x\(raster.height))\n".utf8))
        }
    }
}
