import ArgumentParser
import SegImage
import Foundation
import SegFormat
import SegPipeline
import SegTrain

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a pipeline's whole input before a run: pairing, sizes, label encodings and values, EXIF.",
        discussion: """
        Reads every image header and label file, and decodes a sample of \(InputCheck.defaultDecodes) images spread over the input (every image with --decode), so a truncated or damaged file is found before a run. Prints one line per problem, naming the file and the fix (the first \(Check.shownProblems), then a count), then the pixels of each class in the source labels (after the pipeline's remap_labels stages). Exit 1 when there is a problem.

        Examples:
          seg-prep check pipelines/cityscapes-train.yaml --input-root /data/cityscapes
          seg-prep check pipelines/voc-train.yaml --json
        """)

    /// Problems printed before the rest are counted.
    static let shownProblems = 20

    @Argument(help: "Pipeline file (YAML).")
    var pipeline: String

    @OptionGroup var dataset: InputRootOption

    @Flag(help: "Decode every image whole, not only a sample of them (slower: as long as a run's decoding).")
    var decode = false

    @OptionGroup var output: JSONOutput

    func run() throws {
        BLASKernels.releaseIdleThreads()
        try Vips.start()
        let spec = try PipelineSpec.load(path: pipeline)
        let input = try DatasetInput(spec.input, root: dataset.inputRoot)
        let check = InputCheck(spec: spec, input: input, decode: decode ? nil : InputCheck.defaultDecodes)
        let total = max(1, check.valuePixels.reduce(0, +))
        // One row per class, then the ignore value's.
        let rows = spec.classes.enumerated().map { (index: $0.offset, name: $0.element) } + [(index: spec.ignoreIndex, name: "ignore")]
        func pixels(_ v: Int) -> Int { v < check.valuePixels.count ? check.valuePixels[v] : 0 }
        if output.json {
            let classes = rows.map { ["index": $0.index, "name": $0.name, "pixels": pixels($0.index)] as [String: Any] }
            let obj: [String: Any] = ["samples": check.samples, "decoded": check.decoded, "problems": check.problems, "warnings": check.warnings, "classes": classes]
            print(String(decoding: try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys, .prettyPrinted]), as: UTF8.self))
        } else {
            // A long list of problems is mostly one cause: the first ones, then a count.
            for p in check.problems.prefix(Self.shownProblems) { print("problem: \(p)") }
            if check.problems.count > Self.shownProblems {
                print("… and \(check.problems.count - Self.shownProblems) more problems (--json lists them all)")
            }
            for w in check.warnings { print("warning: \(w)") }
            print("\(check.samples) of \(input.records.count) samples read (\(check.decoded) images decoded whole); pixels per class:")
            for (i, name) in rows {
                let share = String(format: "%6.2f%%", 100 * Double(pixels(i)) / Double(total))
                let count = String(pixels(i))
                print("  " + String(repeating: " ", count: max(0, 3 - String(i).count)) + "\(i)  " + name.padding(toLength: 20, withPad: " ", startingAt: 0)
                      + String(repeating: " ", count: max(0, 12 - count.count)) + count + "  " + share)
            }
        }
        if !check.problems.isEmpty { throw ExitCode(1) }
    }
}
