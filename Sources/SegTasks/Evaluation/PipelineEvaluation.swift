import SegImage
import Foundation
import SegPipeline
import SegTrain

/// Scores a folder of predictions against a pipeline's ground truth: `<pred>/<id>.png` for every id
/// the pipeline's input source gives, the ground truth read as the pipeline reads labels
/// (`GroundTruth`) at each image's own size.
public enum PipelineEvaluation {
    /// The evaluation over `truth`'s records with predictions in `pred`; `classes` defaults to the
    /// pipeline's (at most 255: the matrix counts 8-bit values).
    ///
    /// Throws label errors, or `EvaluationError` when no pair could be scored.
    public static func evaluate(_ truth: GroundTruth, pred: String, classes: Int, warn: (String) -> Void) throws -> FolderEvaluation {
        let records = Dictionary(truth.input.records.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        return try FolderEvaluation(classes: classes, ids: truth.input.records.map(\.id), truth: { id in
            guard let record = records[id] else { throw EvaluationError.notASample(id: id) }
            let label = try truth.label(record)
            return (FolderEvaluation.LabelImage(width: label.width, height: label.height, pixels: LabelFile.narrowed(label)), record.label)
        }, prediction: { id in
            let path = (pred as NSString).appendingPathComponent(id + ".png")
            guard FileManager.default.fileExists(atPath: path) else { return (nil, path) }
            let label = try LabelFile.read(path)
            return (FolderEvaluation.LabelImage(width: label.width, height: label.height, pixels: LabelFile.narrowed(label)), path)
        }, warn: warn)
    }
}
