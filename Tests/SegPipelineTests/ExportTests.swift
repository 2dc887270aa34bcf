import SegImage
import Foundation
import SegTasks
import SegFormat
import Testing
@testable import SegPipeline

/// `export --format webdataset`: one tar per shard with the WebDataset names, in sample order; bad
/// sources and occupied output folders are refused without touching anything. (python/tests
/// reads the tars back with the webdataset package and compares every sample.)
@Suite struct ExportTests {
    func export(_ s: Scratch, to name: String = "wds") throws -> (WebDatasetExporter.Summary, String) {
        try Vips.start()
        let out = s.dir.appendingPathComponent(name).path
        return (try WebDatasetExporter(source: s.out.path, output: out).run(), out)
    }

    @Test func tarsHoldEverySampleInOrder() throws {
        let s = try Scratch(count: 3)
        defer { s.remove() }
        _ = try s.run()
        let (summary, out) = try export(s)
        #expect(summary.tars.map(\.file) == ["shard-00000.tar", "shard-00001.tar"])
        #expect(summary.samples == 6 && summary.tars.map(\.samples) == [5, 1])
        // The system's tar lists the members: key.png, key.seg.png, key.json per sample.
        let (status, listing) = try runProcess(URL(fileURLWithPath: "/usr/bin/env"), ["tar", "tf", "\(out)/shard-00001.tar"])
        #expect(status == 0)
        #expect(listing.split(separator: "\n") == ["00000005.png", "00000005.seg.png", "00000005.json"])
        let meta = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(out)/webdataset.json"))) as? [String: Any]
        #expect(meta?["ignore_index"] as? Int == 11 && (meta?["classes"] as? [String])?.count == 11)
    }

    @Test func aDamagedShardIsRefusedBeforeAnyTar() throws {
        let s = try Scratch(count: 3)
        defer { s.remove() }
        _ = try s.run()
        let p = s.out.appendingPathComponent("shard-00001.safetensors")
        var d = try Data(contentsOf: p)
        d[d.count - 10] ^= 0x01
        try d.write(to: p)
        #expect(throws: LoaderError.self) { try export(s) }
        #expect(!FileManager.default.fileExists(atPath: s.dir.appendingPathComponent("wds").path))
    }

    @Test func occupiedOutputsAreRefusedAndKept() throws {
        let s = try Scratch(count: 2)
        defer { s.remove() }
        _ = try s.run()
        let out = s.dir.appendingPathComponent("wds")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: out.appendingPathComponent("webdataset.json").path, withDestinationPath: "/etc/hostname")
        let e = #expect(throws: ExportError.self) { try export(s) }
        #expect(e?.description == "\(out.path) holds webdataset.json, which export did not write; give --output a new or empty folder (seg-prep never deletes files it did not write)")
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("webdataset.json").path))
        // A file by an export's name but of other content is not an export's either.
        try FileManager.default.removeItem(at: out.appendingPathComponent("webdataset.json"))
        try "mine".write(to: out.appendingPathComponent("shard-00000.tar"), atomically: false, encoding: .utf8)
        let other = #expect(throws: ExportError.self) { try export(s) }
        #expect(other?.description.contains("holds shard-00000.tar, which export did not write") == true)
        #expect(try String(contentsOf: out.appendingPathComponent("shard-00000.tar"), encoding: .utf8) == "mine")
        // An earlier export's files are rewritten.
        try FileManager.default.removeItem(at: out.appendingPathComponent("shard-00000.tar"))
        _ = try export(s)
        _ = try export(s)
        #expect(try Data(contentsOf: out.appendingPathComponent("shard-00000.tar")).count > 1024)
        let file = s.dir.appendingPathComponent("plain")
        try "x".write(to: file, atomically: false, encoding: .utf8)
        let f = #expect(throws: ExportError.self) { try WebDatasetExporter(source: s.out.path, output: file.path).run() }
        #expect(f?.description == "\(file.path) is a file; give --output a new or empty folder")
        // Inside the shard folder it reads, or holding it: refused, the folder left as it was.
        let before = try FileManager.default.contentsOfDirectory(atPath: s.out.path).sorted()
        for output in [s.out.appendingPathComponent("wds").path, s.dir.path] {
            let o = #expect(throws: ExportError.self) { try WebDatasetExporter(source: s.out.path, output: output).run() }
            #expect(o?.description == "--output \(output) overlaps the shard folder \(s.out.path) it exports; give --output a folder outside it")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: s.out.path).sorted() == before)
    }
}
