import SegImage
import Foundation
import SegFormat
import SegPipeline
import SegTasks
import SegTrain
import Testing

/// Prediction and evaluation through a pipeline's input source: outputs named by the source's ids,
/// ground truth read as the pipeline reads labels (suffixes, remap_labels), overlays beside.
@Suite struct PipelinePredictionTests {
    /// A folders dataset with `_img.png` images and `_mask.png` labels holding 0 (red half) and
    /// 200 (green half), which the pipeline remaps to class 1; and a per-pixel linear checkpoint
    /// scoring class 0 by 10·(R − G), so red pixels are class 0 and green ones class 1.
    func dataset() throws -> (root: String, pipeline: String, checkpoint: String) {
        try Vips.start()
        let root = NSTemporaryDirectory() + "tasks-\(UUID().uuidString)"
        for sub in ["data/images/sub", "data/labels/sub"] { try FileManager.default.createDirectory(atPath: "\(root)/\(sub)", withIntermediateDirectories: true) }
        for (id, w, h) in [("a", 16, 8), ("sub/b", 12, 10)] {
            var image = [UInt8](repeating: 0, count: w * h * 3), label = [UInt8](repeating: 0, count: w * h)
            for y in 0..<h {
                for x in 0..<w {
                    let red = x < w / 2
                    image[(y * w + x) * 3 + (red ? 0 : 1)] = 240
                    label[y * w + x] = red ? 0 : 200
                }
            }
            try Vips.savePNG(Raster(width: w, height: h, channels: 3, pixels: image), to: "\(root)/data/images/\(id)_img.png")
            try Vips.savePNG(Raster(width: w, height: h, channels: 1, pixels: label), to: "\(root)/data/labels/\(id)_mask.png")
        }
        let pipeline = "\(root)/val.yaml"
        try """
        input: {format: folders, root: data, image_suffix: _img.png, label_suffix: _mask.png}
        classes: [red, green]
        stages: [{decode: {}}, {remap_labels: {map: {200: 1}}}, {letterbox: {size: [8, 8]}}]
        output: {dir: out}
        """.write(toFile: pipeline, atomically: true, encoding: .utf8)
        var writer = SafeTensorsWriter()
        writer.add("weight", shape: [2, 3], floats: [10, -10, 0, 0, 0, 0])
        writer.add("bias", shape: [2], floats: [0, 0])
        try writer.write(to: "\(root)/model.safetensors", metadata: ["height": "8", "width": "8", "model": "linear"])
        return (root, pipeline, "\(root)/model.safetensors")
    }

    @Test func predictionsNamedByIdsScoreAgainstTheRemappedGroundTruth() throws {
        let (root, pipeline, checkpoint) = try dataset()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let spec = try PipelineSpec.load(path: pipeline)
        let truth = try GroundTruth(spec: spec)
        #expect(truth.input.records.map(\.id) == ["a", "sub/b"])
        var predictor = try LabelPredictor(checkpoint: checkpoint)
        var writer = try PredictionWriter(out: "\(root)/pred", overlay: "\(root)/overlays", inputs: [truth.input.root], format: .png, classes: predictor.classes)
        for record in truth.input.records {
            let (label, image) = try predictor.labelMap(file: record.image)
            try writer.write(label, name: record.id, image: image)
        }
        #expect(FileManager.default.fileExists(atPath: "\(root)/pred/sub/b.png"))
        let overlay = try ImageFile.read("\(root)/overlays/a.jpg")
        #expect(overlay.width == 32 && overlay.height == 8)
        var warnings: [String] = []
        let result = try PipelineEvaluation.evaluate(truth, pred: "\(root)/pred", classes: 2) { warnings.append($0) }
        #expect(result.evaluated == ["a", "sub/b"] && warnings.isEmpty)
        // The remapped ground truth (200 → 1) matches the colours the model separates.
        #expect(result.matrix.accuracy > 0.9, "\(result.matrix.accuracy)")
    }

    @Test func anOutputInsideTheDatasetIsRefused() throws {
        let (root, pipeline, _) = try dataset()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let truth = try GroundTruth(spec: try PipelineSpec.load(path: pipeline))
        let e = #expect(throws: OwnershipError.self) {
            _ = try PredictionWriter(out: "\(root)/data/labels", overlay: nil, inputs: [truth.input.root], format: .png, classes: 2)
        }
        #expect(e?.description.contains("which predict reads") == true)
    }
}
