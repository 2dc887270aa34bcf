import Foundation
import Testing
@testable import SegLoader
@testable import SegTrain

/// Folder scoring with an in-memory reader: pairing, skipping and a hand-computed matrix.
@Suite struct FolderEvaluationTests {
    /// Creates empty files named like the label maps so existence checks pass.
    func folders(_ ids: [String], predMissing: Set<String> = []) throws -> (String, String) {
        let root = NSTemporaryDirectory() + "eval-\(UUID().uuidString)"
        let gt = root + "/gt", pred = root + "/pred"
        for dir in [gt, pred] { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        for id in ids {
            #expect(FileManager.default.createFile(atPath: gt + "/\(id).png", contents: Data()))
            if !predMissing.contains(id) { #expect(FileManager.default.createFile(atPath: pred + "/\(id).png", contents: Data())) }
        }
        return (gt, pred)
    }

    @Test func handComputedMatrixAndScores() throws {
        let (gt, pred) = try folders(["a", "b", "c"], predMissing: ["c"])
        let maps: [String: FolderEvaluation.LabelImage] = [
            gt + "/a.png": .init(width: 3, height: 2, pixels: [0, 1, 2, 2, 255, 1]),
            pred + "/a.png": .init(width: 3, height: 2, pixels: [0, 1, 1, 2, 0, 0]),
            gt + "/b.png": .init(width: 2, height: 2, pixels: [0, 0, 0, 0]),
            pred + "/b.png": .init(width: 1, height: 4, pixels: [0, 0, 0, 0]),
        ]
        var warnings: [String] = []
        let ids = try FolderEvaluation.ids(gt: gt, list: nil)
        #expect(ids == ["a", "b", "c"])
        let e = try FolderEvaluation(gt: gt, pred: pred, classes: 3, ids: ids,
                                     read: { maps[$0]! }, warn: { warnings.append($0) })
        // Pairs (label, prediction): (0,0) (1,1) (2,1) (2,2) (1,0); 255 is ignored.
        #expect(e.matrix.counts == [1, 0, 0,
                                    1, 1, 0,
                                    0, 1, 1])
        #expect(e.evaluated == ["a"])
        #expect(e.skipped.map(\.id) == ["b", "c"])
        #expect(warnings.count == 2 && warnings[0].contains("2x2") && warnings[0].contains("1x4"))
        #expect(e.matrix.iou == [0.5, 1.0 / 3, 0.5])
        #expect(e.matrix.recall == [1, 0.5, 0.5])
        #expect(e.matrix.precision == [0.5, 0.5, 1])
        #expect(abs(e.matrix.meanIoU - 4.0 / 9) < 1e-12)
        #expect(abs(e.matrix.meanPixelAccuracy - 2.0 / 3) < 1e-12)
        #expect(e.matrix.accuracy == 0.6)
    }

    @Test func listFileSelectsIdsAndNothingScoredIsAnError() throws {
        let (gt, pred) = try folders(["x"], predMissing: ["x"])
        let list = gt + "/../list.txt"
        try "x\n\n".write(toFile: list, atomically: true, encoding: .utf8)
        #expect(try FolderEvaluation.ids(gt: gt, list: list) == ["x"])
        #expect(throws: EvaluationError.self) {
            _ = try FolderEvaluation(gt: gt, pred: pred, classes: 2, ids: ["x"], read: { _ in
                FolderEvaluation.LabelImage(width: 1, height: 1, pixels: [0])
            })
        }
    }
}
