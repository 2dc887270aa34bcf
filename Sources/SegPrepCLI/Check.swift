import ArgumentParser
import SegImage
import Foundation
import SegFormat
import SegPipeline
import SegTasks
import SegTrain

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a pipeline's whole input before a run: pairing, sizes, label encodings and values, EXIF, label survival, leakage.",
        discussion: """
        Reads every image header and label file, and decodes a sample of \(InputCheck.defaultDecodes) images spread over the input (every image with --decode), so a truncated or damaged file is found before a run. Prints one line per problem, naming the file and the fix (the first \(Check.shownProblems), then a count), then the pixels of each class in the source labels (after the pipeline's remap_labels stages). Exit 1 when there is a problem.

        Label survival is predicted by running the pipeline on \(SurvivalPrediction.defaultDraws) draws spread over sources and repeats (--survival-draws; 0 skips it): per class, of the drawn samples whose source holds it, how many keep at least one pixel. A class below the pipeline's `output.min_survival` floor is a warning.

        --against VAL.yaml looks for leakage between this pipeline's input and another's: near-duplicate images (DCT perceptual hashes of the decoded images, within --threshold bits of 64, confirmed by a finer check), tiles or samples of one source image in both (from ids and image files), and identical label maps. --duplicates looks within this input alone. Each pair is printed with its distance; --strict exits 1 when any is found. The two pipelines must have the same classes.

        Examples:
          seg-prep check pipelines/cityscapes-train.yaml --input-root /data/cityscapes
          seg-prep check pipelines/voc-train.yaml --json
          seg-prep check pipelines/camvid-train.yaml --against pipelines/camvid-val.yaml --strict
        """)

    /// Problems printed before the rest are counted.
    static let shownProblems = 20

    @Argument(help: "Pipeline file (YAML).")
    var pipeline: String

    @OptionGroup var dataset: InputRootOption

    @Flag(help: "Decode every image whole, not only a sample of them (slower: as long as a run's decoding).")
    var decode = false

    @Option(help: "Samples the pipeline is run on to predict label survival (0 skips the prediction).")
    var survivalDraws = SurvivalPrediction.defaultDraws

    @Option(help: "Another pipeline (e.g. the validation split) to look for leakage against.")
    var against: String?

    @Option(help: "Dataset root replacing the --against pipeline's input.root.")
    var againstRoot: String?

    @Flag(help: "Look for near-duplicates within this pipeline's input.")
    var duplicates = false

    @Option(help: "Largest perceptual-hash distance (bits of 64) for a near-duplicate.")
    var threshold = LeakageCheck.defaultThreshold

    @Flag(help: "Exit 1 when a duplicate or leak is found.")
    var strict = false

    @OptionGroup var output: JSONOutput

    func validate() throws {
        guard (0...10_000).contains(survivalDraws) else { throw ValidationError("--survival-draws must be 0 to 10000.") }
        guard (0...64).contains(threshold) else { throw ValidationError("--threshold must be 0 to 64 bits.") }
    }

    func run() throws {
        BLASKernels.releaseIdleThreads()
        try Vips.start()
        let spec = try PipelineSpec.load(path: pipeline)
        let input = try DatasetInput(spec.input, root: dataset.inputRoot)
        let check = InputCheck(spec: spec, input: input, decode: decode ? nil : InputCheck.defaultDecodes)
        let prediction = survivalDraws > 0 && check.problems.isEmpty ? SurvivalPrediction(spec: spec, input: input, draws: survivalDraws) : nil
        var leakage: LeakageCheck?
        if let against {
            leakage = try LeakageCheck(first: spec, firstRoot: dataset.inputRoot, second: try PipelineSpec.load(path: against),
                                       secondRoot: againstRoot, threshold: threshold)
        } else if duplicates {
            leakage = try LeakageCheck(first: spec, firstRoot: dataset.inputRoot, threshold: threshold)
        }
        let warnings = check.warnings + (prediction?.misses.map(Self.describe) ?? [])
        let total = max(1, check.valuePixels.reduce(0, +))
        // One row per class, then the ignore value's.
        let rows = spec.classes.enumerated().map { (index: $0.offset, name: $0.element) } + [(index: spec.ignoreIndex, name: "ignore")]
        func pixels(_ v: Int) -> Int { v < check.valuePixels.count ? check.valuePixels[v] : 0 }
        if output.json {
            let classes = rows.map { ["index": $0.index, "name": $0.name, "pixels": pixels($0.index)] as [String: Any] }
            var obj: [String: Any] = ["samples": check.samples, "decoded": check.decoded, "problems": check.problems, "warnings": warnings, "classes": classes]
            if let prediction {
                obj["survival"] = try Self.jsonObject(prediction.survival)
                obj["survival_draws"] = prediction.draws
                obj["survival_failed"] = prediction.failed
            }
            if let leakage {
                obj["duplicates"] = try Self.jsonObject(leakage.findings)
                obj["hashed"] = leakage.hashed
                obj["duplicate_problems"] = leakage.problems
            }
            print(String(decoding: try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys, .prettyPrinted]), as: UTF8.self))
        } else {
            // A long list of problems is mostly one cause: the first ones, then a count.
            for p in check.problems.prefix(Self.shownProblems) { print("problem: \(p)") }
            if check.problems.count > Self.shownProblems {
                print("… and \(check.problems.count - Self.shownProblems) more problems (--json lists them all)")
            }
            for w in warnings { print("warning: \(w)") }
            print("\(check.samples) of \(input.records.count) samples read (\(check.decoded) images decoded whole); pixels per class:")
            for (i, name) in rows {
                let share = String(format: "%6.2f%%", 100 * Double(pixels(i)) / Double(total))
                let count = String(pixels(i))
                print("  " + String(repeating: " ", count: max(0, 3 - String(i).count)) + "\(i)  " + name.padding(toLength: 20, withPad: " ", startingAt: 0)
                      + String(repeating: " ", count: max(0, 12 - count.count)) + count + "  " + share)
            }
            if let prediction {
                print("predicted label survival over \(prediction.draws) drawn samples (\(prediction.failed) failed): drawn samples from sources holding the class, and those keeping ≥ 1 pixel")
                for (i, e) in prediction.survival.enumerated() {
                    let rate = e.survivalRate.map { String(format: "%6.1f%%", 100 * $0) } ?? "     —"
                    print("  " + String(repeating: " ", count: max(0, 3 - String(i).count)) + "\(i)  " + e.class.padding(toLength: 20, withPad: " ", startingAt: 0)
                          + String(format: "%8d %8d ", e.samples, e.survived) + rate)
                }
            }
            if let leakage {
                for p in leakage.problems.prefix(Self.shownProblems) { print("problem: \(p)") }
                print("\(leakage.hashed) images hashed; \(leakage.findings.count) duplicate or leaking pair(s)" + (leakage.findings.isEmpty ? "" : ":"))
                for f in leakage.findings { print("  \(f.kind.rawValue)  \(f.a)  \(f.b)  distance \(f.distance)") }
            }
        }
        if !check.problems.isEmpty { throw ExitCode(1) }
        if strict, let leakage, !leakage.findings.isEmpty { throw ExitCode(1) }
    }

    /// The warning for a class predicted below its floor.
    static func describe(_ m: SurvivalPrediction.Miss) -> String {
        guard let p = m.predicted else {
            return "output.min_survival: no drawn sample came from a source holding class '\(m.class)', so its survival (floor \(m.floor)) cannot be predicted; draw more with --survival-draws"
        }
        let pct = { (x: Double) in String(format: "%.1f%%", 100 * x) }
        return "output.min_survival: class '\(m.class)' is predicted to survive in \(pct(p)) of the samples made from sources holding it (\(m.samples) drawn), below its floor of \(pct(m.floor)); use a larger crop, `cat_max_ratio`, fewer geometric losses, or lower the floor"
    }

    /// `value` as a JSON object tree (snake_case keys).
    static func jsonObject<T: Encodable>(_ value: T) throws -> Any {
        let e = JSONEncoder()
        e.keyEncodingStrategy = .convertToSnakeCase
        return try JSONSerialization.jsonObject(with: e.encode(value))
    }
}
