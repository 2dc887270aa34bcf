import SegImage
import Foundation
import SegFormat
import Testing
@testable import SegPipeline

/// labelme JSON → exactly labelme's own PNGs; other shape kinds against the pure-Python transcription
/// of Pillow's drawing code (`scripts/labelme_raster_reference.py`, itself checked against Pillow by
/// `scripts/labelme_raster_check.py`).
@Suite struct LabelmeTests {
    static let dir = fixtures.appendingPathComponent("labelme-json")

    /// labels.txt without `__ignore__`: `_background_` is class 0, as labelme2voc numbers them.
    static func classes() throws -> [String] {
        try String(contentsOf: dir.appendingPathComponent("labels.txt"), encoding: .utf8)
            .split(whereSeparator: \.isNewline).map(String.init).filter { $0 != "__ignore__" }
    }

    static func source(root: String = dir.path) throws -> LabelmeSource {
        let names = try classes().map { "'\($0)'" }.joined(separator: ", ")
        let text = """
        input: {format: labelme, root: \(root)}
        classes: [\(names)]
        stages:
          - decode: {}
          - letterbox: {size: [64, 64]}
        output: {dir: out}
        """
        return try #require(try PipelineSpec.parse(text, file: "/tmp/p.yaml").input as? LabelmeSource)
    }

    @Test func examplesGiveLabelmesOwnPNGs() throws {
        let source = try Self.source()
        let records = try source.records(root: source.root)
        #expect(records.map(\.id) == ["2011_000003", "2011_000006", "2011_000025"])
        for r in records {
            #expect(r.problem == nil && r.image.hasSuffix("\(r.id).jpg"))
            let label = try source.readLabel(try Data(contentsOf: URL(fileURLWithPath: r.label)), record: r)
            let png = fixtures.appendingPathComponent("labelme-voc/SegmentationClass/\(r.id).png")
            let expected = try ImageCodec.readLabel(try Data(contentsOf: png), id: r.id, path: png.path)
            #expect(label.width == expected.width && label.height == expected.height)
            #expect(label.pixels == expected.pixels, "\(r.id): \(zip(label.pixels, expected.pixels).filter { $0 != $1 }.count) pixels differ")
        }
    }

    @Test func aRunOverLabelmeFilesWritesTheirClasses() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("segprep-labelme-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        let names = try Self.classes().map { "'\($0)'" }.joined(separator: ", ")
        let text = "input: {format: labelme, root: \(Self.dir.path)}\nclasses: [\(names)]\nstages:\n  - decode: {}\n  - letterbox: {size: [64, 64], label_fill: ignore}\noutput: {dir: \(out.path)}\n"
        let summary = try PipelineRunner(spec: try PipelineSpec.parse(text, file: "/tmp/p.yaml"), options: RunOptions()).run()
        #expect(summary.samples == 3 && summary.manifest.skipped.isEmpty)
        #expect(summary.manifest.classPixels[21] > 0, "the __ignore__ regions and the padding land in the ignore class")
    }

    @Test func unknownLabelsAndShapesAreNamed() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("segprep-labelme-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let doc = #"{"shapes": [{"label": "person", "points": [[1, 1], [5, 1], [5, 5]], "shape_type": "polygon"}, {"label": "unicorn", "points": [[0, 0], [3, 3]], "shape_type": "rectangle"}], "imagePath": "x.jpg", "imageHeight": 8, "imageWidth": 8}"#
        try Data(doc.utf8).write(to: root.appendingPathComponent("a.json"))
        let source = try Self.source(root: root.path)
        let r = try source.records(root: root.path)[0]
        let e = #expect(throws: SampleError.self) { try source.readLabel(Data(doc.utf8), record: r) }
        #expect(e?.description.contains("a.json: shape 1 has the label 'unicorn', which is not in `classes`") == true, "\(String(describing: e))")
        let far = #"{"shapes": [{"label": "person", "points": [[1, 1], [1e300, 1], [5, 5]]}], "imagePath": "x.jpg", "imageHeight": 8, "imageWidth": 8}"#
        let farError = #expect(throws: SampleError.self) { try source.readLabel(Data(far.utf8), record: r) }
        #expect(farError?.problem.contains("shape 0 has a coordinate beyond") == true, "\(String(describing: farError))")
        // A JSON claiming a huge map is refused from its declared size, before anything is drawn.
        #expect(source.labelSize(Data(#"{"shapes": [], "imageHeight": 100000, "imageWidth": 100000}"#.utf8), record: r)! == (100000, 100000))
        let outside = #"{"shapes": [], "imagePath": "../../etc/passwd", "imageHeight": 8, "imageWidth": 8}"#
        try Data(outside.utf8).write(to: root.appendingPathComponent("b.json"))
        let b = try source.records(root: root.path)[1]
        #expect(b.problem?.problem.contains("outside the dataset folder") == true, "\(String(describing: b.problem))")
    }

    static let pythonReady: Bool = {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", "pass"]
        p.standardOutput = FileHandle.nullDevice; p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return false }
        p.waitUntilExit()
        return p.terminationStatus == 0
    }()

    @Test(.enabled(if: pythonReady, "python3 is not installed"))
    func everyShapeKindMatchesThePillowTranscription() throws {
        var rng = SplitMix64(seed: 11)
        let kinds = ["polygon", "rectangle", "circle", "line", "linestrip", "point"]
        let (w, h) = (61, 47)
        var shapes: [[String: Any]] = []
        for i in 0..<240 {
            let kind = kinds[i % kinds.count]
            let n = ["polygon": 3 + Int(rng.next() % 5), "linestrip": 2 + Int(rng.next() % 4), "point": 1][kind] ?? 2
            let points = (0..<n).map { _ in [rng.uniform(-8, Double(w) + 8), rng.uniform(-8, Double(h) + 8)] }
            shapes.append(["label": "c\(i % 5)", "points": points, "shape_type": kind])
        }
        // Draw each shape alone (value 1 on 0) on both sides and compare.
        let input = try JSONSerialization.data(withJSONObject: ["shapes": shapes, "width": w, "height": h])
        let script = """
        import json, sys
        sys.path.insert(0, sys.argv[1])
        import labelme_raster_reference as r
        d = json.load(sys.stdin)
        out = []
        for s in d["shapes"]:
            m = r.shape_to_mask(d["height"], d["width"], s["points"], s["shape_type"], legacy_labelme5=s["shape_type"] == "linestrip")
            out.append("".join("1" if v else "0" for v in m))
        print(json.dumps(out))
        """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", script, packageRoot.appendingPathComponent("scripts").path]
        let stdin = Pipe(), stdout = Pipe()
        p.standardInput = stdin; p.standardOutput = stdout
        try p.run()
        stdin.fileHandleForWriting.write(input)
        try stdin.fileHandleForWriting.close()
        let data = stdout.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let masks = try #require(try JSONSerialization.jsonObject(with: data) as? [String])
        #expect(masks.count == shapes.count)
        var differing = 0
        for (s, expected) in zip(shapes, masks) {
            let pts = (s["points"] as! [[Double]]).map { ($0[0], $0[1]) }
            let shape: LabelmeRaster.Shape
            switch s["shape_type"] as! String {
            case "polygon": shape = .polygon(pts)
            case "rectangle": shape = .rectangle(pts[0], pts[1])
            case "circle": shape = .circle(center: pts[0], rim: pts[1])
            case "point": shape = .point(pts[0])
            default: shape = .line(pts)
            }
            var m = LabelmeRaster(width: w, height: h)
            m.draw(shape, ink: 1)
            if m.pixels.map({ $0 == 0 ? "0" : "1" }).joined() != expected { differing += 1 }
        }
        #expect(differing == 0, "\(differing) of \(shapes.count) shapes differ from the transcription")
    }
}
