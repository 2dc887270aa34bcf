import SegImage
import Foundation
import SegFormat
import Testing
@testable import SegPipeline

/// `predict` writes through an owned output folder: never into the images' folder, never over a file
/// seg-prep did not write, and again over its own earlier outputs.
@Suite(.serialized) struct PredictOwnershipTests {
    func setUp() throws -> String {
        try Vips.start()
        let dir = NSTemporaryDirectory() + "predict-own-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: "\(dir)/images", withIntermediateDirectories: true)
        try Vips.savePNG(Raster(width: 12, height: 9, fill: [250, 10, 10]), to: "\(dir)/images/a.png")
        try Vips.savePNG(Raster(width: 8, height: 8, fill: [10, 250, 10]), to: "\(dir)/images/b.png")
        var writer = SafeTensorsWriter()
        writer.add("weight", shape: [2, 3], floats: [0, 0, 0, 10, -10, 0])
        writer.add("bias", shape: [2], floats: [0, 0])
        try writer.write(to: "\(dir)/model.safetensors", metadata: ["height": "8", "width": "8", "model": "linear"])
        return dir
    }

    func predict(_ dir: String, out: String) throws -> (Int32, String) {
        try segPrep(["predict", "--checkpoint", "\(dir)/model.safetensors", "--input", "\(dir)/images", "--out", out])
    }

    @Test func theImagesFolderIsRefused() throws {
        let dir = try setUp()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let before = try FileManager.default.contentsOfDirectory(atPath: "\(dir)/images").sorted()
        let a = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/images/a.png"))
        for out in ["\(dir)/images", "\(dir)/images/", "\(dir)/images/pred", dir] {
            let (status, text) = try predict(dir, out: out)
            #expect(status != 0, "\(out)")
            #expect(text.contains("which predict reads; give the outputs a folder of their own"), "\(text)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(dir)/images").sorted() == before)
        #expect(try Data(contentsOf: URL(fileURLWithPath: "\(dir)/images/a.png")) == a)
        // Through a symbolic link to the images' folder too.
        try FileManager.default.createSymbolicLink(atPath: "\(dir)/link", withDestinationPath: "\(dir)/images")
        let (status, _) = try predict(dir, out: "\(dir)/link")
        #expect(status != 0)
    }

    @Test func aFileItDidNotWriteIsKept() throws {
        let dir = try setUp()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: "\(dir)/gt", withIntermediateDirectories: true)
        try Data("ground truth".utf8).write(to: URL(fileURLWithPath: "\(dir)/gt/b.png"))
        let (status, text) = try predict(dir, out: "\(dir)/gt")
        #expect(status != 0)
        #expect(text.contains("\(dir)/gt/b.png exists and was not written by seg-prep, so predict will not replace it"), "\(text)")
        #expect(try String(contentsOfFile: "\(dir)/gt/b.png", encoding: .utf8) == "ground truth")
    }

    @Test func twoImagesWithOneOutputNameAreRefusedBeforeAnyWrite() throws {
        let dir = try setUp()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Vips.encode(Raster(width: 8, height: 8, fill: [9, 9, 9]), suffix: ".jpg").write(to: URL(fileURLWithPath: "\(dir)/images/a.jpg"))
        let (status, text) = try predict(dir, out: "\(dir)/pred")
        #expect(status != 0)
        #expect(text.contains("\(dir)/images/a.jpg and \(dir)/images/a.png would both be written as a.png; predict them into separate folders"), "\(text)")
        let written = (try? FileManager.default.contentsOfDirectory(atPath: "\(dir)/pred")) ?? []
        #expect(written.filter { $0.hasSuffix(".png") }.isEmpty, "\(written)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(dir)/images").count == 3)
    }

    @Test func itsOwnOutputsAreRewritten() throws {
        let dir = try setUp()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let first = try predict(dir, out: "\(dir)/pred")
        #expect(first.0 == 0, "\(first.1)")
        let a = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/pred/a.png"))
        let again = try predict(dir, out: "\(dir)/pred")
        #expect(again.0 == 0, "\(again.1)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: "\(dir)/pred/a.png")) == a)
    }
}

/// `eval` reads every label through the label gate and says when predictions hold values it cannot score.
@Suite struct EvalGateTests {
    @Test func sixteenBitGroundTruthAndOutOfRangePredictions() throws {
        try Vips.start()
        let dir = NSTemporaryDirectory() + "eval-gate-\(UUID().uuidString)"
        for sub in ["gt", "pred"] { try FileManager.default.createDirectory(atPath: "\(dir)/\(sub)", withIntermediateDirectories: true) }
        // 16-bit ground truth: 0, 1 and 300 (ignored); predictions 0, 1 and 7 (no class of 2).
        let gt: [UInt16] = [0, 1, 300, 1]
        try ImageCodec.encodeGrey16PNG(gt.flatMap { [UInt8($0 & 255), UInt8($0 >> 8)] }, width: 2, height: 2).write(to: URL(fileURLWithPath: "\(dir)/gt/a.png"))
        try Vips.savePNG(Raster(width: 2, height: 2, channels: 1, pixels: [0, 1, 1, 7]), to: "\(dir)/pred/a.png")
        let (status, out) = try segPrep(["eval", "--gt", "\(dir)/gt", "--pred", "\(dir)/pred", "--classes", "2", "--json"])
        #expect(status == 0, "\(out)")
        #expect(out.contains("warning: 1 predicted pixels hold values of 2 or more"), "\(out)")
        // The prediction of no class is a miss of its pixel's class 1: two of the three labelled pixels are right.
        #expect(out.contains("\"accuracy\" : 0.666666"), "\(out)")
        // A ground truth claiming more pixels than the limit is refused before it is decoded.
        var ihdr = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13]) + Data("IHDR".utf8)
        ihdr += Data([0, 1, 0, 0, 0, 1, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0])
        try ihdr.write(to: URL(fileURLWithPath: "\(dir)/gt/a.png"))
        let (bad, message) = try segPrep(["eval", "--gt", "\(dir)/gt", "--pred", "\(dir)/pred", "--classes", "2"])
        #expect(bad != 0 && message.contains("claims 65536x65536 pixels in its header, above the limit"), "\(message)")
        // eval has neither --max-pixels nor --on-error, so its advice names neither.
        #expect(!message.contains("--max-pixels") && !message.contains("--on-error"), "\(message)")
        // A list given through a pipe.
        let (listed, listOut) = try runProcess(URL(fileURLWithPath: "/bin/bash"),
            ["-c", "\"$0\" eval --gt \(dir)/pred --pred \(dir)/pred --classes 8 --list <(echo a) --json", segPrepBinary.path])
        #expect(listed == 0 && listOut.contains("\"images\" : 1"), "\(listOut)")
        // An id listed twice would be scored twice.
        let (twice, twiceOut) = try runProcess(URL(fileURLWithPath: "/bin/bash"),
            ["-c", "\"$0\" eval --gt \(dir)/pred --pred \(dir)/pred --classes 8 --list <(printf 'a\\na\\n')", segPrepBinary.path])
        #expect(twice != 0 && twiceOut.contains("names a twice, which would score it twice"), "\(twiceOut)")
    }
}
