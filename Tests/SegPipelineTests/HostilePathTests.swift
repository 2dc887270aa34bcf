import Foundation
import SegFormat
import Testing
@testable import SegPipeline

/// Paths in split files and manifests are hostile input: nothing outside the dataset or the shard
/// folder is ever read, and no message quotes a file's content.
@Suite struct HostilePathTests {
    /// A file outside the dataset that must never be read.
    func secret(_ s: Scratch) throws -> URL {
        let dir = s.dir.appendingPathComponent("elsewhere")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let image = s.data.appendingPathComponent("JPEGImages/\(s.ids[0]).png")
        try FileManager.default.copyItem(at: image, to: dir.appendingPathComponent("secret.png"))
        return dir.appendingPathComponent("secret.png")
    }

    func splitPath(_ s: Scratch) -> String { s.data.appendingPathComponent("ImageSets/Segmentation/train.txt").path }

    @Test(arguments: [
        ("../../elsewhere/secret", "has a '..' component, which leaves the dataset folder"),
        ("/etc/passwd", "is an absolute path"),
        ("a\u{01}b", "holds NUL or control characters"),
        ("sub/../../x", "has a '..' component"),
    ])
    func idsThatLeaveTheDatasetAreRefusedWithFileAndLine(_ id: String, _ why: String) throws {
        let s = try Scratch(count: 3)
        defer { s.remove() }
        _ = try secret(s)
        try s.writeSplit([s.ids[0], id, s.ids[1]])
        let error = #expect(throws: InputError.self) { try s.run() }
        #expect(error?.description.hasPrefix("\(splitPath(s)):2: id '") == true, "\(String(describing: error))")
        #expect(error?.description.contains(why) == true, "\(String(describing: error))")
        #expect(!FileManager.default.fileExists(atPath: s.out.path), "nothing written")
    }

    @Test func aLinkOutOfTheDatasetIsRefused() throws {
        let s = try Scratch(count: 3)
        defer { s.remove() }
        let outside = try secret(s)
        let link = s.data.appendingPathComponent("JPEGImages/linked.png")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: outside)
        try FileManager.default.copyItem(at: s.data.appendingPathComponent("SegmentationClass/\(s.ids[0]).png"),
                                         to: s.data.appendingPathComponent("SegmentationClass/linked.png"))
        try s.writeSplit([s.ids[0], "linked"])
        let error = #expect(throws: InputError.self) { try s.run() }
        #expect(error?.description.contains("\(splitPath(s)):2: id 'linked' leads to") == true, "\(String(describing: error))")
        #expect(error?.description.contains("outside the dataset folder") == true)
        // A link that stays inside the dataset is fine.
        try FileManager.default.removeItem(at: link)
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: s.data.appendingPathComponent("JPEGImages/\(s.ids[1]).png"))
        #expect(try s.run().samples == 4)
    }

    @Test func splitFilesWithAnyLineEndingBOMAndTrailingSpaces() throws {
        let ids = ["a_1", "b_2", "c_3"]
        for text in ["a_1\nb_2\nc_3\n", "a_1\r\nb_2\r\nc_3\r\n", "a_1\rb_2\rc_3", "\u{FEFF}a_1  \n  b_2\t\n\nc_3 "] {
            let entries = try SplitFile.parse(Data(text.utf8), path: "train.txt")
            #expect(entries.map(\.id) == ids, "\(text.debugDescription)")
        }
        #expect(try SplitFile.parse(Data("a\r\n\r\nb".utf8), path: "t").map(\.line) == [1, 3])
        let latin1 = Data([0x61, 0xE9, 0x0A])
        let error = #expect(throws: InputError.self) { try SplitFile.parse(latin1, path: "train.txt") }
        #expect(error?.description == "split file train.txt is not UTF-8 text; save it as UTF-8 with one sample id per line")
    }

    @Test func aWindowsSplitFileRunsEverySample() throws {
        let s = try Scratch(count: 3)
        defer { s.remove() }
        try Data((s.ids.joined(separator: "\r\n") + "\r\n").utf8).write(to: URL(fileURLWithPath: splitPath(s)))
        let summary = try s.run(onError: .skip)
        #expect(summary.samples == 6 && summary.manifest.skipped.isEmpty)
    }

    @Test func aSplitFileThatIsAFolderOrALoopIsNamedAsSuch() throws {
        let s = try Scratch(count: 3)
        defer { s.remove() }
        let split = URL(fileURLWithPath: splitPath(s))
        try FileManager.default.removeItem(at: split)
        try FileManager.default.createDirectory(at: split, withIntermediateDirectories: false)
        let dirError = #expect(throws: InputError.self) { try s.run() }
        #expect(dirError?.description.contains("train.txt is a directory, not a file") == true, "\(String(describing: dirError))")
        try FileManager.default.removeItem(at: split)
        try FileManager.default.createSymbolicLink(atPath: split.path, withDestinationPath: split.path)
        let loopError = #expect(throws: InputError.self) { try s.run() }
        #expect(loopError?.description.contains("train.txt is a symbolic link loop") == true, "\(String(describing: loopError))")
    }

    @Test func aRunThatKeepsNoSampleFailsInEveryMode() throws {
        let s = try Scratch(count: 2)
        defer { s.remove() }
        for id in s.ids { try Data("not a png".utf8).write(to: s.data.appendingPathComponent("SegmentationClass/\(id).png")) }
        #expect(throws: RunFailure.self) { try s.run() }
        let error = #expect(throws: RunError.self) { try s.run(onError: .skip) }
        #expect(error?.description.contains("no sample was kept (4 skipped), so no index.json was written") == true, "\(String(describing: error))")
        #expect(!FileManager.default.fileExists(atPath: s.out.appendingPathComponent("index.json").path))
    }

    /// A finished folder whose manifest was edited to name `file` for shard 0.
    func editedManifest(_ s: Scratch, file: String) throws {
        let path = s.out.appendingPathComponent("index.json")
        var m = try JSONSerialization.jsonObject(with: Data(contentsOf: path)) as! [String: Any]
        var shards = m["shards"] as! [[String: Any]]
        shards[0]["file"] = file
        m["shards"] = shards
        try JSONSerialization.data(withJSONObject: m).write(to: path)
    }

    @Test func manifestsNamingFilesOutsideTheFolderAreRefusedUnread() throws {
        let s = try Scratch(count: 3)
        defer { s.remove() }
        _ = try s.run()
        let target = s.dir.appendingPathComponent("passwd")
        try Data("root:x:0:0:root:/root:/bin/bash\n".utf8).write(to: target)
        for file in ["../passwd", target.path, "shard-00000.safetensors/../../passwd", "../out/shard-00001.safetensors"] {
            try editedManifest(s, file: file)
            for read in [{ _ = try ShardVerifier.verify(s.out.path) }, { _ = try ShardSamples(dir: s.out.path) },
                         { _ = try ManifestMerger.merge(parts: [s.out.path], into: s.dir.appendingPathComponent("m").path, copy: true) }] {
                let error = #expect(throws: ManifestError.self) { try read() }
                let text = error?.description ?? ""
                #expect(text.contains("index.json is damaged or was edited: shard 0 is named"), "\(text)")
                #expect(!text.contains("root:x"), "\(text)")
            }
        }
        #expect(!FileManager.default.fileExists(atPath: s.dir.appendingPathComponent("m/passwd").path))
    }

    @Test func aShardThatIsALinkIsNotFollowed() throws {
        let s = try Scratch(count: 3)
        defer { s.remove() }
        _ = try s.run()
        let shard = s.out.appendingPathComponent("shard-00000.safetensors")
        let moved = s.dir.appendingPathComponent("moved.safetensors")
        try FileManager.default.moveItem(at: shard, to: moved)
        try FileManager.default.createSymbolicLink(at: shard, withDestinationURL: moved)
        let damage = try ShardVerifier.verify(s.out.path)
        #expect(damage.count == 1 && damage[0].problem.contains("is a symbolic link, not a shard file"), "\(damage)")
    }

    @Test func headerErrorsDoNotQuoteTheFile() throws {
        // The first eight bytes of a text file read as a header length must not be printed.
        let text = Data("root:x:0:0:root:/root:/bin/bash\n".utf8)
        let error = #expect(throws: SafeTensorsError.self) { _ = try SafeTensorsFile(data: text, path: "f") }
        let n = text.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        #expect(error?.reason.contains(String(n)) == false, "\(String(describing: error))")
        #expect(error?.reason.contains("header") == true)
    }

    @Test func mergeRefusesAnOutputThatIsContainsOrLiesInsideAPart() throws {
        let s = try Scratch(count: 7)
        defer { s.remove() }
        var parts: [String] = []
        for k in 0..<2 {
            let dir = s.dir.appendingPathComponent("parts/part\(k)").path
            _ = try s.run(output: dir, partition: Partition(k: k, n: 2))
            parts.append(dir)
        }
        let before = try parts.map { try s.files($0) }
        for (out, word) in [(parts[0], "is"), (parts[1] + "/merged", "lies inside"), (s.dir.appendingPathComponent("parts").path, "contains")] {
            for copy in [false, true] {
                let error = #expect(throws: ManifestError.self) { try ManifestMerger.merge(parts: parts, into: out, copy: copy) }
                #expect(error?.description.contains("\(word) the part") == true, "\(String(describing: error))")
            }
        }
        #expect(try parts.map { try s.files($0) } == before)
        for p in parts { #expect(try ShardVerifier.verify(p).isEmpty) }
        // A good merge names its parts; readers accept the shards inside them only.
        let merged = s.dir.appendingPathComponent("merged").path
        let m = try ManifestMerger.merge(parts: parts, into: merged)
        #expect(m.parts == ["../parts/part0", "../parts/part1"])
        #expect(try ShardVerifier.verify(merged).isEmpty)
        _ = try ManifestMerger.merge(parts: parts, into: merged)   // again, same run: allowed
    }

    @Test func mergeRefusesAFolderHoldingAnotherRunOrForeignFiles() throws {
        let s = try Scratch(count: 4)
        defer { s.remove() }
        let part = s.dir.appendingPathComponent("part0").path
        _ = try s.run(output: part, partition: Partition(k: 0, n: 1))
        _ = try s.run(Scratch.augmented.replacingOccurrences(of: "seed: 7", with: "seed: 9"))   // another run in s.out
        let before = try s.files()
        let error = #expect(throws: ManifestError.self) { try ManifestMerger.merge(parts: [part], into: s.out.path, copy: true) }
        #expect(error?.description.contains("already holds the output of another run") == true, "\(String(describing: error))")
        #expect(try s.files() == before)
        let other = s.dir.appendingPathComponent("other")
        try FileManager.default.createDirectory(at: other.appendingPathComponent("shard-00000.safetensors"), withIntermediateDirectories: true)
        let foreign = #expect(throws: ManifestError.self) { try ManifestMerger.merge(parts: [part], into: other.path, copy: true) }
        #expect(foreign?.description.contains("shard-00000.safetensors is a directory, not a file seg-prep wrote") == true, "\(String(describing: foreign))")
    }

    @Test func aLockedFolderRefusesAMerge() throws {
        let s = try Scratch(count: 3)
        defer { s.remove() }
        let part = s.dir.appendingPathComponent("part0").path
        _ = try s.run(output: part, partition: Partition(k: 0, n: 1))
        let out = s.dir.appendingPathComponent("merged")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let held = try FolderLock(out.path)
        let error = #expect(throws: ManifestError.self) { try ManifestMerger.merge(parts: [part], into: out.path) }
        #expect(error?.description.contains("is in use by another seg-prep process (pid \(getpid()))") == true, "\(String(describing: error))")
        withExtendedLifetime(held) {}
    }
}
