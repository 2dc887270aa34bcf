import Foundation
import SegFormat
import Testing
@testable import SegPipeline

/// Single-file outputs (`stats --plot`, `inspect --out`, `eval --plot`, `report --out`) go through the same
/// ownership as predict's folders: never over a file seg-prep did not write (the manifest, a shard,
/// an image), never into the folders the command reads; their own earlier outputs are replaced.
@Suite struct OwnedFileOutputTests {
    func bytes(_ dir: URL) throws -> [String: Data] {
        var out: [String: Data] = [:]
        for name in try FileManager.default.subpathsOfDirectory(atPath: dir.path) {
            let path = dir.appendingPathComponent(name).path
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue { out[name] = FileManager.default.contents(atPath: path) }
        }
        return out
    }

    @Test func statsPlotNeverReplacesTheManifestOrAShard() throws {
        let s = try Scratch(count: 2)
        defer { s.remove() }
        _ = try s.run()
        let before = try bytes(s.out)
        for target in ["index.json", "shard-00000.safetensors"] {
            let (status, text) = try segPrep(["stats", s.out.path, "--plot", s.out.appendingPathComponent(target).path])
            #expect(status != 0)
            #expect(text.contains("\(s.out.appendingPathComponent(target).path) is one of the files stats reads, so it will not be written over"), "\(text)")
        }
        #expect(try bytes(s.out) == before)
        // A new name is written, and written again by the next call (it is seg-prep's now).
        let plot = s.dir.appendingPathComponent("charts/classes.png").path
        for _ in 0..<2 {
            let (status, text) = try segPrep(["stats", s.out.path, "--plot", plot])
            #expect(status == 0, "\(text)")
        }
        #expect(FileManager.default.fileExists(atPath: plot))
        // A figure of someone else's at the name is kept.
        let foreign = s.dir.appendingPathComponent("figure.png")
        try Data("mine".utf8).write(to: foreign)
        let (status, text) = try segPrep(["stats", s.out.path, "--plot", foreign.path])
        #expect(status != 0 && text.contains("was not written by seg-prep"), "\(text)")
        #expect(try Data(contentsOf: foreign) == Data("mine".utf8))
    }

    @Test func inspectNeverWritesIntoItsInputs() throws {
        let s = try Scratch(count: 2)
        defer { s.remove() }
        let pipeline = s.dir.appendingPathComponent("p.yaml").path
        try Scratch.augmented.write(toFile: pipeline, atomically: true, encoding: .utf8)
        let before = try bytes(s.data)
        // Into the images' folder: a folders-layout run would read the sheet as an input next time.
        let (status, text) = try segPrep(["inspect", pipeline, "--count", "1", "--out", s.data.appendingPathComponent("JPEGImages/sheet.png").path])
        #expect(status != 0)
        #expect(text.contains("which inspect reads; give the outputs a folder of their own"), "\(text)")
        // Over the pipeline file itself.
        let (status2, text2) = try segPrep(["inspect", pipeline, "--count", "1", "--out", pipeline])
        #expect(status2 != 0 && text2.contains("is one of the files inspect reads"), "\(text2)")
        #expect(try bytes(s.data) == before)
        #expect(try String(contentsOfFile: pipeline, encoding: .utf8) == Scratch.augmented)
        // A folder is not a file name.
        let (status3, text3) = try segPrep(["inspect", pipeline, "--count", "1", "--out", s.dir.path + "/"])
        #expect(status3 != 0 && text3.contains("names a folder, not a file"), "\(text3)")
        let (ok, okText) = try segPrep(["inspect", pipeline, "--count", "1", "--out", s.dir.appendingPathComponent("sheet.png").path])
        #expect(ok == 0, "\(okText)")
    }

    @Test func reportNeverReplacesWhatItReports() throws {
        let s = try Scratch(count: 2)
        defer { s.remove() }
        _ = try s.run()
        let pipeline = s.dir.appendingPathComponent("p.yaml").path
        try Scratch.augmented.write(toFile: pipeline, atomically: true, encoding: .utf8)
        let (folderBefore, dataBefore) = (try bytes(s.out), try bytes(s.data))
        // The folder's manifest and shards, a file inside the folder, the pipeline, the dataset.
        for (source, target, message) in [
            (s.out.path, s.out.appendingPathComponent("index.json").path, "which report reads; give the outputs a folder of their own"),
            (s.out.path, s.out.appendingPathComponent("report.html").path, "which report reads; give the outputs a folder of their own"),
            (pipeline, pipeline, "is one of the files report reads"),
            (pipeline, s.data.appendingPathComponent("report.html").path, "which report reads; give the outputs a folder of their own"),
        ] {
            let (status, text) = try segPrep(["report", source, "--out", target])
            #expect(status != 0, "\(target)")
            #expect(text.contains(message), "\(text)")
        }
        #expect(try bytes(s.out) == folderBefore)
        #expect(try bytes(s.data) == dataBefore)
        #expect(try String(contentsOfFile: pipeline, encoding: .utf8) == Scratch.augmented)
        // Someone's page at the name is kept; a new name is written, and again on the next call.
        let foreign = s.dir.appendingPathComponent("page.html")
        try Data("mine".utf8).write(to: foreign)
        let (status, text) = try segPrep(["report", s.out.path, "--out", foreign.path])
        #expect(status != 0 && text.contains("was not written by seg-prep"), "\(text)")
        #expect(try Data(contentsOf: foreign) == Data("mine".utf8))
        let page = s.dir.appendingPathComponent("pages/report.html").path
        for _ in 0..<2 {
            let (ok, okText) = try segPrep(["report", s.out.path, "--out", page])
            #expect(ok == 0, "\(okText)")
        }
        #expect(try String(contentsOfFile: page, encoding: .utf8).hasPrefix("<!DOCTYPE html>"))
        // --against compares pipelines; a folder with it is refused before anything is written.
        let (s4, t4) = try segPrep(["report", s.out.path, "--against", pipeline, "--out", s.dir.appendingPathComponent("x.html").path])
        #expect(s4 != 0 && t4.contains("--against compares two pipelines' inputs; give the pipeline that wrote"), "\(t4)")
        #expect(!FileManager.default.fileExists(atPath: s.dir.appendingPathComponent("x.html").path))
        // --against-root without --against names what is missing, and writes nothing.
        let (s5, t5) = try segPrep(["report", pipeline, "--against-root", s.data.path, "--out", s.dir.appendingPathComponent("y.html").path])
        #expect(s5 != 0 && t5.contains("--against-root replaces the root of the --against pipeline; give --against too."), "\(t5)")
        #expect(!FileManager.default.fileExists(atPath: s.dir.appendingPathComponent("y.html").path))
    }

    @Test func trainNeverWritesIntoItsInputsOrOverForeignFiles() throws {
        let s = try Scratch(count: 2)
        defer { s.remove() }
        _ = try s.run()
        let before = try bytes(s.out)
        for out in [s.out.path, s.out.appendingPathComponent("run").path] {
            let (status, text) = try segPrep(["train", "--train", s.out.path, "--val", s.out.path, "--out", out, "--batch-size", "1", "--epochs", "1"])
            #expect(status != 0)
            #expect(text.contains("which train reads; give the outputs a folder of their own"), "\(text)")
        }
        #expect(try bytes(s.out) == before)
        // Someone's log in the output folder is kept, and nothing else is written beside it.
        let runs = s.dir.appendingPathComponent("runs")
        try FileManager.default.createDirectory(at: runs, withIntermediateDirectories: true)
        try Data("mine\n".utf8).write(to: runs.appendingPathComponent("log.jsonl"))
        let (status, text) = try segPrep(["train", "--train", s.out.path, "--val", s.out.path, "--out", runs.path, "--batch-size", "1", "--epochs", "1"])
        #expect(status != 0 && text.contains("was not written by seg-prep"), "\(text)")
        #expect(try Data(contentsOf: runs.appendingPathComponent("log.jsonl")) == Data("mine\n".utf8))
        #expect(try FileManager.default.contentsOfDirectory(atPath: runs.path).filter { $0 != ".seg-prep-owned" } == ["log.jsonl"])
    }
}
