import Foundation
import Testing
@testable import SegPipeline

/// Each bad pipeline file gives its documented message at the right position.
@Suite struct PipelineErrorTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var yaml: String
        var position: String
        var message: String
        var fix: String
        var testDescription: String { name }
    }

    static let valid = """
    version: 1
    input: {format: voc, root: data, split: train}
    classes: 3
    stages:
      - decode: {}
      - letterbox: {size: [64, 64]}
    output: {dir: out}
    """

    static let cases: [Case] = [
        Case(name: "unknown stage", yaml: valid.replacingOccurrences(of: "- letterbox: {size: [64, 64]}", with: "- letterbox: {size: [64, 64]}\n  - flpi: {p: 0.5}"),
             position: ":7:5", message: "unknown stage 'flpi'", fix: "did you mean 'flip'?"),
        Case(name: "unknown parameter", yaml: valid.replacingOccurrences(of: "size: [64, 64]", with: "size: [64, 64], fil: 3"),
             position: ":6:33", message: "stage 'letterbox' has no parameter 'fil'", fix: "did you mean 'fill'?"),
        Case(name: "unknown top-level key", yaml: valid + "\nseeed: 3", position: ":8:1", message: "unknown key 'seeed' in the pipeline", fix: "did you mean 'seed'?"),
        Case(name: "wrong type", yaml: valid.replacingOccurrences(of: "[64, 64]", with: "big"),
             position: ":6:23", message: "'letterbox.size' must be a list [height, width]", fix: "use [height, width]"),
        Case(name: "out of range", yaml: valid.replacingOccurrences(of: "- letterbox: {size: [64, 64]}", with: "- random_resize: {size: [64, 64]}\n  - flip: {p: 1.5}\n  - place: {}"),
             position: ":7:15", message: "'flip.p' is 1.5, outside [0, 1]", fix: "use a probability"),
        Case(name: "interval reversed", yaml: valid.replacingOccurrences(of: "- letterbox: {size: [64, 64]}", with: "- random_resize: {size: [64, 64], scale: [2, 0.5]}\n  - place: {}"),
             position: ":6:44", message: "'random_resize.scale' is [2, 0.5]; need low <= high", fix: "use [low, high]"),
        Case(name: "stage before decode", yaml: valid.replacingOccurrences(of: "  - decode: {}\n", with: "  - flip: {}\n  - decode: {}\n"),
             position: ":5:5", message: "stage 'flip' comes before 'decode'", fix: "put `- decode: {}` first"),
        Case(name: "one_hot not last", yaml: valid.replacingOccurrences(of: "  - decode: {}\n", with: "  - decode: {}\n  - one_hot: {}\n"),
             position: ":7:5", message: "'letterbox' comes after 'one_hot'", fix: "make `- one_hot: {}` the last stage"),
        Case(name: "no fixed size", yaml: valid.replacingOccurrences(of: "  - letterbox: {size: [64, 64]}\n", with: "  - flip: {}\n"),
             position: ":5:3", message: "no stage fixes the output size", fix: "add `- letterbox"),
        Case(name: "resize without place", yaml: valid.replacingOccurrences(of: "- letterbox: {size: [64, 64]}", with: "- random_resize: {size: [64, 64]}"),
             position: ":5:3", message: "'random_resize' is not followed by 'place'", fix: "add `- place: {}`"),
        Case(name: "place without resize", yaml: valid.replacingOccurrences(of: "  - letterbox: {size: [64, 64]}\n", with: "  - place: {}\n  - letterbox: {size: [64, 64]}\n"),
             position: ":6:5", message: "'place' needs a 'random_resize' before it", fix: "add `- random_resize"),
        Case(name: "missing input", yaml: valid.replacingOccurrences(of: "input: {format: voc, root: data, split: train}\n", with: ""),
             position: ":1:1", message: "missing key 'input'", fix: "add `input:"),
        Case(name: "bad classes", yaml: valid.replacingOccurrences(of: "classes: 3", with: "classes: many"),
             position: ":3:10", message: "'classes' must be a count or a list of names", fix: "write `classes: 21`"),
        Case(name: "YAML syntax", yaml: valid.replacingOccurrences(of: "{size: [64, 64]}", with: "{size: [64, 64}"),
             position: ":6:", message: "YAML syntax error", fix: "fix the indentation"),
        Case(name: "remap with nothing", yaml: valid.replacingOccurrences(of: "  - letterbox", with: "  - remap_labels: {}\n  - letterbox"),
             position: ":6:5", message: "'remap_labels' has nothing to do", fix: "give at least one of"),
        Case(name: "output key out of range", yaml: valid.replacingOccurrences(of: "output: {dir: out}", with: "output: {dir: out, samples_per_shard: 0}"),
             position: ":7:39", message: "'output.samples_per_shard' is 0, outside [1, 100000]", fix: "use an integer in [1, 100000] — samples in each shard file"),
        Case(name: "unknown input key", yaml: valid.replacingOccurrences(of: "split: train}", with: "splt: train}"),
             position: ":2:34", message: "unknown key 'splt' in input", fix: "did you mean 'split'?"),
        Case(name: "unknown input format", yaml: valid.replacingOccurrences(of: "format: voc", with: "format: vco"),
             position: ":2:17", message: "'input.format' is 'vco'; did you mean 'voc'?", fix: "use one of `voc`"),
        Case(name: "missing output dir", yaml: valid.replacingOccurrences(of: "output: {dir: out}", with: "output: {samples_per_shard: 4}"),
             position: ":7:9", message: "missing key 'dir'", fix: "add `dir: …` — output folder"),
        Case(name: "unknown choice", yaml: valid.replacingOccurrences(of: "- letterbox: {size: [64, 64]}", with: "- letterbox: {size: [64, 64]}\n  - flip: {direction: horizontl}"),
             position: ":7:23", message: "'flip.direction' is 'horizontl'; did you mean 'horizontal'?", fix: "use one of"),
    ]

    @Test(arguments: cases)
    func badPipeline(_ c: Case) throws {
        let error = #expect(throws: PipelineError.self) { try PipelineSpec.parse(c.yaml, file: "p.yaml") }
        let text = error?.description ?? ""
        #expect(text.hasPrefix("p.yaml\(c.position)"), "\(text)")
        #expect(text.contains(c.message), "\(text)")
        #expect(text.contains(c.fix), "\(text)")
    }

    @Test func validPipelineParses() throws {
        let spec = try PipelineSpec.parse(Self.valid, file: "/x/p.yaml")
        #expect(spec.stageNames == ["decode", "letterbox"])
        #expect(spec.height == 64 && spec.width == 64)
        #expect(spec.input.root == "/x/data")
        #expect(spec.outputDir == "/x/out")
        #expect(spec.classes.count == 3)
    }

    @Test func absolutePathsStayAbsolute() throws {
        let text = Self.valid.replacingOccurrences(of: "root: data", with: "root: /srv/data").replacingOccurrences(of: "dir: out", with: "dir: /srv/out")
        let spec = try PipelineSpec.parse(text, file: "/x/p.yaml")
        #expect(spec.input.root == "/srv/data" && spec.outputDir == "/srv/out")
    }

    @Test func missingPipelineFile() {
        let error = #expect(throws: PipelineError.self) { try PipelineSpec.load(path: "/nonexistent/p.yaml") }
        #expect(error?.description == "/nonexistent/p.yaml: pipeline file not found; check the path (pipelines ship in the `pipelines/` folder)")
    }

    @Test func aFolderOrADeviceIsNamedAsSuch() throws {
        let folder = packageRoot.appendingPathComponent("pipelines").path
        let e1 = #expect(throws: PipelineError.self) { try PipelineSpec.load(path: folder) }
        #expect(e1?.description == "\(folder): is a folder, not a pipeline file; give the YAML file itself (pipelines ship in the `pipelines/` folder)")
        let e2 = #expect(throws: PipelineError.self) { try PipelineSpec.load(path: "/dev/zero") }
        #expect(e2?.description == "/dev/zero: is a device or socket, not a pipeline file; give a YAML pipeline file")
        // A pipe is read (the shell's process substitution gives one).
        let fifo = FileManager.default.temporaryDirectory.appendingPathComponent("segprep-fifo-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: fifo) }
        #expect(mkfifo(fifo.path, 0o600) == 0)
        let text = try String(contentsOf: packageRoot.appendingPathComponent("pipelines/voc-val.yaml"), encoding: .utf8)
        let writer = Thread {
            if let h = FileHandle(forWritingAtPath: fifo.path) { h.write(Data(text.utf8)); try? h.close() }
        }
        writer.start()
        #expect(try PipelineSpec.load(path: fifo.path).classes.count == 21)
        // A link to a pipeline still loads.
        let link = FileManager.default.temporaryDirectory.appendingPathComponent("segprep-link-\(UUID().uuidString).yaml")
        defer { try? FileManager.default.removeItem(at: link) }
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: packageRoot.appendingPathComponent("pipelines/voc-val.yaml"))
        #expect(try PipelineSpec.load(path: link.path).classes.count == 21)
    }

    @Test(arguments: ["camvid-train", "camvid-val", "em-membrane-train", "em-membrane-val", "voc-train", "voc-val", "cityscapes-train", "ade20k-train", "potsdam-tiles"])
    func shippedPipelinesParse(name: String) throws {
        let spec = try PipelineSpec.load(path: packageRoot.appendingPathComponent("pipelines/\(name).yaml").path)
        #expect(FileManager.default.fileExists(atPath: spec.input.root))
    }

    @Test func missingInputFolder() throws {
        let spec = try PipelineSpec.parse(Self.valid, file: "/nonexistent/p.yaml")
        let error = #expect(throws: InputError.self) { try DatasetInput(spec.input) }
        #expect(error?.description == "input folder /nonexistent/data does not exist; pass --input-root DIR or fix `input.root` in the pipeline file")
    }
}
