import Foundation

/// Scores a folder of predicted label PNGs against a folder of ground-truth label PNGs, as the
/// reference's `compute_mIoU`: same-named files, one confusion matrix over all pixel pairs.
///
/// Reading PNGs is left to the caller (`read`), so this type needs no image library. Pairs whose
/// sizes differ are skipped with a warning, as the reference does; so are ids without a prediction.
public struct FolderEvaluation: Sendable {
    /// A decoded label map: `height` rows of `width` class indices.
    public struct LabelImage: Sendable, Equatable {
        public var width: Int
        public var height: Int
        public var pixels: [UInt8]

        public init(width: Int, height: Int, pixels: [UInt8]) {
            self.width = width; self.height = height; self.pixels = pixels
        }
    }

    /// The accumulated matrix.
    public private(set) var matrix: ConfusionMatrix
    /// Ids scored, and ids skipped with the reason.
    public private(set) var evaluated: [String] = []
    public private(set) var skipped: [(id: String, reason: String)] = []

    /// The ids to score: the lines of `list` (first word of each, as a VOC split file), or every
    /// `*.png` in `gt` without its extension, sorted.
    ///
    /// - Throws: `EvaluationError` when the list or folder cannot be read or names nothing.
    public static func ids(gt: String, list: String?) throws -> [String] {
        if let list {
            // Read as a stream, so a pipe or process substitution (`--list <(…)`) works like a file.
            guard let handle = FileHandle(forReadingAtPath: list), let bytes = try? handle.readToEnd() ?? Data(),
                  let text = String(data: bytes, encoding: .utf8) else {
                throw EvaluationError.listUnreadable(path: list)
            }
            let ids = text.split(whereSeparator: \.isNewline).compactMap { $0.split(separator: " ").first.map(String.init) }
            guard !ids.isEmpty else { throw EvaluationError.listEmpty(path: list) }
            var seen = Set<String>()
            if let twice = ids.first(where: { !seen.insert($0).inserted }) { throw EvaluationError.listRepeats(path: list, id: twice) }
            return ids
        }
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: gt) else {
            throw EvaluationError.folderUnreadable(path: gt)
        }
        let ids = names.filter { $0.lowercased().hasSuffix(".png") }.map { String($0.dropLast(4)) }.sorted()
        guard !ids.isEmpty else { throw EvaluationError.noLabelMaps(folder: gt) }
        return ids
    }

    /// Scores `ids`, reading `gt/<id>.png` and `pred/<id>.png` with `read`; `warn` receives one line
    /// per skipped pair.
    ///
    /// - Throws: whatever `read` throws for an unreadable file; `EvaluationError` when no pair could be scored.
    public init(gt: String, pred: String, classes: Int, ids: [String],
                read: (String) throws -> LabelImage, warn: (String) -> Void = { _ in }) throws {
        try self.init(classes: classes, ids: ids, truth: { id in
            (try read((gt as NSString).appendingPathComponent(id + ".png")), (gt as NSString).appendingPathComponent(id + ".png"))
        }, prediction: { id in
            let path = (pred as NSString).appendingPathComponent(id + ".png")
            return FileManager.default.fileExists(atPath: path) ? (try read(path), path) : (nil, path)
        }, warn: warn)
    }

    /// Scores `ids` with ground truth from `truth` and predictions from `prediction` (nil when there
    /// is none), each with the path it names in messages.
    ///
    /// - Throws: what the readers throw; `EvaluationError` when no pair could be scored.
    public init(classes: Int, ids: [String], truth: (String) throws -> (LabelImage, String),
                prediction: (String) throws -> (LabelImage?, String), warn: (String) -> Void = { _ in }) throws {
        matrix = ConfusionMatrix(classes: classes)
        for id in ids {
            let (predicted, predPath) = try prediction(id)
            guard let predicted else {
                skipped.append((id, "no prediction \(predPath)"))
                warn("Skipping \(id): \(predPath) does not exist")
                continue
            }
            let (label, gtPath) = try truth(id)
            guard label.width == predicted.width, label.height == predicted.height else {
                let reason = "ground truth is \(label.width)x\(label.height) but the prediction is \(predicted.width)x\(predicted.height)"
                skipped.append((id, reason))
                warn("Skipping \(id): \(reason) (\(gtPath), \(predPath))")
                continue
            }
            matrix.add(labels: label.pixels, predictions: predicted.pixels)
            evaluated.append(id)
        }
        guard !evaluated.isEmpty else {
            throw EvaluationError.nothingScored(skipped: skipped.count)
        }
    }
}
