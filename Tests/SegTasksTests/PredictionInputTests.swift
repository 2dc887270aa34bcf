import Foundation
import SegTasks
import Testing

/// The images `predict --input` names: a file, or a folder's images by extension in name order;
/// a missing path or a folder without images is an error saying what to give.
@Suite struct PredictionInputTests {
    @Test func aFolderGivesItsImagesInNameOrder() throws {
        let dir = NSTemporaryDirectory() + "pred-input-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for name in ["b.JPG", "a.png", "notes.txt", "c.tiff"] { FileManager.default.createFile(atPath: "\(dir)/\(name)", contents: Data()) }
        let inputs = try PredictionInput.files(dir)
        #expect(inputs.map(\.name) == ["a", "b", "c"])
        #expect(inputs.map(\.source) == ["a.png", "b.JPG", "c.tiff"].map { "\(dir)/\($0)" })
        #expect(try PredictionInput.files("\(dir)/notes.txt").map(\.name) == ["notes"])
    }

    @Test func aMissingPathOrAFolderWithoutImagesIsRefused() throws {
        let dir = NSTemporaryDirectory() + "pred-input-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        FileManager.default.createFile(atPath: "\(dir)/readme.md", contents: Data("keep".utf8))
        #expect(throws: PredictionError.noInput(path: "\(dir)/none")) { try PredictionInput.files("\(dir)/none") }
        do {
            _ = try PredictionInput.files(dir)
            Issue.record("a folder without images was accepted")
        } catch let error as PredictionError {
            #expect(error.description.hasPrefix("--input \(dir) holds no images (bmp, jpeg, jpg, png, tif, tiff, webp)"))
        }
        // Nothing in the folder was touched.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["readme.md"])
        #expect(FileManager.default.contents(atPath: "\(dir)/readme.md") == Data("keep".utf8))
    }
}
