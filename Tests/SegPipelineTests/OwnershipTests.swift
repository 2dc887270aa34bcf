import Foundation
import SegFormat
import Testing
@testable import SegPipeline

/// `run`, `--force` and `merge` touch only regular files seg-prep wrote, lock their folder, refuse
/// folders that must not be written, and never reuse a damaged shard.
@Suite struct OwnershipTests {
    /// Files of a folder tree (relative path → bytes), directories included as empty entries.
    func tree(_ dir: URL) throws -> [String: Data] {
        var out: [String: Data] = [:]
        let e = FileManager.default.enumerator(at: dir, includingPropertiesForKeys: [.isDirectoryKey, .isSymbolicLinkKey])!
        for case let url as URL in e {
            let rel = String(url.path.dropFirst(dir.path.count + 1))
            let v = try url.resourceValues(forKeys: [.isDirectoryKey, .isSymbolicLinkKey])
            out[rel] = v.isDirectory == true || v.isSymbolicLink == true ? Data() : try Data(contentsOf: url)
        }
        return out
    }

    @Test func runRefusesWhatItDidNotWriteAtAShardName() throws {
        let s = try Scratch(count: 3)
        defer { s.remove() }
        let fm = FileManager.default
        try fm.createDirectory(at: s.out.appendingPathComponent("shard-00000.safetensors"), withIntermediateDirectories: true)
        try Data("notes".utf8).write(to: s.out.appendingPathComponent("shard-00000.safetensors/notes.txt"))
        let before = try tree(s.out)
        let error = #expect(throws: RunError.self) { try s.run() }
        #expect(error?.description.contains("shard-00000.safetensors is a directory, not a file this run wrote") == true, "\(String(describing: error))")
        #expect(error?.description.contains("move it away or choose another --output") == true)
        #expect(try tree(s.out) == before)
        // --force does not make it ours.
        #expect(throws: RunError.self) { try s.run(force: true) }
        #expect(try tree(s.out) == before)
    }

    @Test func aGitLFSPointerAtAShardNameIsRefusedAndKept() throws {
        let s = try Scratch(count: 3)
        defer { s.remove() }
        try FileManager.default.createDirectory(at: s.out, withIntermediateDirectories: true)
        let pointer = Data("version https://git-lfs.github.com/spec/v1\noid sha256:4d7a\nsize 12345\n".utf8)
        try pointer.write(to: s.out.appendingPathComponent("shard-00001.safetensors"))
        let error = #expect(throws: RunError.self) { try s.run() }
        #expect(error?.description.contains("shard-00001.safetensors is a file that is not a seg-prep shard") == true, "\(String(describing: error))")
        #expect(try Data(contentsOf: s.out.appendingPathComponent("shard-00001.safetensors")) == pointer)
    }

    @Test func forceRemovesOnlyFilesSegPrepWrote() throws {
        let s = try Scratch(count: 3)
        defer { s.remove() }
        _ = try s.run()
        let fm = FileManager.default
        try fm.createDirectory(at: s.out.appendingPathComponent("shard-archive"), withIntermediateDirectories: true)
        try Data("my thesis".utf8).write(to: s.out.appendingPathComponent("shard-archive/thesis.txt"))
        try fm.createDirectory(at: s.out.appendingPathComponent("shard-old.safetensors"), withIntermediateDirectories: true)
        try Data("old notes".utf8).write(to: s.out.appendingPathComponent("shard-old.safetensors/notes.txt"))
        try Data("keep".utf8).write(to: s.out.appendingPathComponent("shard-notes.txt"))
        let other = Scratch.augmented.replacingOccurrences(of: "seed: 7", with: "seed: 9")
        _ = try s.run(other, force: true)
        #expect(try Data(contentsOf: s.out.appendingPathComponent("shard-archive/thesis.txt")) == Data("my thesis".utf8))
        #expect(try Data(contentsOf: s.out.appendingPathComponent("shard-old.safetensors/notes.txt")) == Data("old notes".utf8))
        #expect(try Data(contentsOf: s.out.appendingPathComponent("shard-notes.txt")) == Data("keep".utf8))
        #expect(try Manifest.load(from: s.out.path).seed == 9)
        #expect(try ShardVerifier.verify(s.out.path).isEmpty)
    }

    @Test func aForeignIndexJSONIsNeverReplaced() throws {
        let s = try Scratch(count: 3)
        defer { s.remove() }
        try FileManager.default.createDirectory(at: s.out, withIntermediateDirectories: true)
        let mine = Data("{\"my\": \"config\"}".utf8)
        try mine.write(to: s.out.appendingPathComponent("index.json"))
        let error = #expect(throws: RunError.self) { try s.run(force: true) }
        #expect(error?.description.contains("index.json is a file that is not a seg-prep manifest") == true, "\(String(describing: error))")
        #expect(try Data(contentsOf: s.out.appendingPathComponent("index.json")) == mine)
    }

    @Test func refusesTheInputFolderAndFoldersInsideIt() throws {
        let s = try Scratch(count: 3)
        defer { s.remove() }
        let before = try tree(s.data)
        for out in [s.data.path, s.data.appendingPathComponent("JPEGImages/out").path] {
            let error = #expect(throws: RunError.self) { try s.run(output: out) }
            #expect(error?.description.contains("is inside the input folder") == true, "\(String(describing: error))")
        }
        #expect(try tree(s.data) == before)
    }

    @Test func refusesTheRootAndTheHomeFolder() throws {
        #expect(RealPath.unsafeOutput("/") == "is the file system root")
        #expect(RealPath.unsafeOutput("/tmp/..") == "is the file system root")
        if let home = ProcessInfo.processInfo.environment["HOME"], home != "/" {
            #expect(RealPath.unsafeOutput(home + "/.") == "is your home directory")
            #expect(RealPath.unsafeOutput(home + "/seg-prep-out") == nil)
        }
        let s = try Scratch(count: 3)
        defer { s.remove() }
        let error = #expect(throws: RunError.self) { try s.run(output: "/") }
        #expect(error?.description == "output folder / is the file system root; choose a folder of its own with --output")
    }

    @Test func aSecondRunIntoALockedFolderFailsAtOnceNamingTheHolder() throws {
        let s = try Scratch(count: 3)
        defer { s.remove() }
        try FileManager.default.createDirectory(at: s.out, withIntermediateDirectories: true)
        let held = try FolderLock(s.out.path)
        let error = #expect(throws: RunError.self) { try s.run() }
        #expect(error?.description == "output folder \(s.out.path) is in use by another seg-prep process (pid \(getpid())); wait for it to finish or choose another --output")
        #expect(try FileManager.default.contentsOfDirectory(atPath: s.out.path) == [FolderLock.fileName])
        withExtendedLifetime(held) {}
        _ = consume held
        _ = try s.run()
        #expect(!FileManager.default.fileExists(atPath: s.out.appendingPathComponent(FolderLock.fileName).path))
    }

    @Test func aDamagedShardInAFinishedFolderIsRebuiltNotReused() throws {
        let s = try Scratch()
        defer { s.remove() }
        _ = try s.run()
        let clean = try s.files()
        let shard = s.out.appendingPathComponent("shard-00001.safetensors")
        var bytes = try Data(contentsOf: shard)
        bytes[bytes.count - 100] ^= 0x40
        try bytes.write(to: shard)
        let rerun = try s.run()
        #expect(rerun.rebuilt == 1 && rerun.reused == 2 && rerun.processed == 1)
        #expect(try s.files() == clean)
        #expect(try ShardVerifier.verify(s.out.path).isEmpty)
        let again = try s.run()
        #expect(again.rebuilt == 0 && again.processed == 0)
    }

    @Test func aDamagedShardInAnInterruptedFolderIsRebuiltAndCounted() throws {
        let s = try Scratch()
        defer { s.remove() }
        let (clean, restore) = try RunnerTests().interruptedRun(s)
        try restore()
        let shard = s.out.appendingPathComponent("shard-00000.safetensors")
        var bytes = try Data(contentsOf: shard)
        bytes[bytes.count - 1] ^= 0xff
        try bytes.write(to: shard)
        let resumed = try s.run()
        #expect(resumed.rebuilt == 1 && resumed.reused == 0 && resumed.processed == 3)
        #expect(try s.files() == clean)
    }

    @Test func temporariesAreRemovedOnlyWhenSegPrepWroteThem() throws {
        let s = try Scratch()
        defer { s.remove() }
        _ = try s.run(output: s.dir.appendingPathComponent("clean").path)
        let real = try Data(contentsOf: s.dir.appendingPathComponent("clean/shard-00000.safetensors"))
        try FileManager.default.createDirectory(at: s.out, withIntermediateDirectories: true)
        let ours = s.out.appendingPathComponent("shard-00001.safetensors.tmp-999")
        let empty = s.out.appendingPathComponent("shard-00002.safetensors.tmp-998")
        let foreign = s.out.appendingPathComponent("shard-00002.safetensors.tmp-997")
        let entry = s.out.appendingPathComponent("shard-00001.entry.json.tmp-996")
        let foreignEntry = s.out.appendingPathComponent("shard-00001.entry.json.tmp-995")
        try real.prefix(real.count / 3).write(to: ours)      // a header and part of the data
        try Data().write(to: empty)
        try Data("someone else's".utf8).write(to: foreign)
        try Data(OutputFolder.entryPrefix + Array("[1, 2".utf8)).write(to: entry)
        try Data("{\"mine\": 1}".utf8).write(to: foreignEntry)
        _ = try s.run()
        let names = try FileManager.default.contentsOfDirectory(atPath: s.out.path)
        #expect(!names.contains(ours.lastPathComponent) && !names.contains(empty.lastPathComponent) && !names.contains(entry.lastPathComponent))
        #expect(try Data(contentsOf: foreign) == Data("someone else's".utf8))
        #expect(try Data(contentsOf: foreignEntry) == Data("{\"mine\": 1}".utf8))
    }
}
