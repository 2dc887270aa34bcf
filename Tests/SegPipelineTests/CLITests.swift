import Foundation
import SegFormat
import Testing
@testable import SegPipeline

/// The built `seg-prep` executable, next to the test bundle.
let segPrepBinary: URL = {
    var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for _ in 0..<3 {
        let candidate = dir.appendingPathComponent("seg-prep")
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        dir = dir.deletingLastPathComponent()
    }
    return packageRoot.appendingPathComponent(".build/debug/seg-prep")
}()

/// Starts `seg-prep args…` and returns the process (not yet finished).
func startSegPrep(_ args: [String]) throws -> (Process, Pipe) {
    let p = Process()
    p.executableURL = segPrepBinary
    p.arguments = args
    let pipe = Pipe()
    p.standardOutput = pipe
    p.standardError = pipe
    try p.run()
    return (p, pipe)
}

/// Runs `seg-prep args…` to completion: exit status and combined output.
func segPrep(_ args: [String]) throws -> (Int32, String) {
    let (p, pipe) = try startSegPrep(args)
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: data, as: UTF8.self))
}

@Suite(.serialized) struct CLITests {
    func writePipeline(_ s: Scratch, _ text: String = Scratch.augmented) throws -> String {
        let path = s.dir.appendingPathComponent("p.yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func threePartitionsMergeToTheSingleMachineRun() throws {
        let s = try Scratch(count: 7)
        defer { s.remove() }
        let pipeline = try writePipeline(s)
        let single = s.dir.appendingPathComponent("single").path
        #expect(try segPrep(["run", pipeline, "--output", single, "--threads", "2"]).0 == 0)
        let procs = try (0..<3).map { k in
            try startSegPrep(["run", pipeline, "--partition", "\(k)/3", "--threads", "1",
                              "--output", s.dir.appendingPathComponent("part\(k)").path])
        }
        for (p, pipe) in procs {
            _ = pipe.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            #expect(p.terminationStatus == 0)
        }
        let merged = s.dir.appendingPathComponent("merged").path
        let parts = (0..<3).map { s.dir.appendingPathComponent("part\($0)").path }
        let (status, out) = try segPrep(["merge"] + parts + ["--output", merged])
        #expect(status == 0, "\(out)")
        #expect(try segPrep(["verify", merged]).0 == 0)
        let a = try Manifest.load(from: single), b = try Manifest.load(from: merged)
        #expect(a.shards.count == 3 && b.shards.count == 3)
        for (x, y) in zip(a.shards, b.shards) {
            #expect(x.digest == y.digest && x.ids == y.ids && x.repeats == y.repeats)
            #expect(y.file.hasPrefix("../part\(y.index % 3)/"))
            let bytesA = try Data(contentsOf: URL(fileURLWithPath: "\(single)/\(x.file)"))
            let bytesB = try Data(contentsOf: URL(fileURLWithPath: "\(merged)/\(y.file)"))
            #expect(bytesA == bytesB)
        }
        #expect(a.classPixels == b.classPixels && a.channelSums == b.channelSums)
        // Missing and duplicate partitions are refused.
        let missing = try segPrep(["merge", parts[0], parts[2], "--output", merged])
        #expect(missing.0 != 0 && missing.1.contains("partitions 1/3 are missing; run them and pass every part"))
        let duplicate = try segPrep(["merge", parts[0], parts[0], parts[1], parts[2], "--output", merged])
        #expect(duplicate.0 != 0 && duplicate.1.contains("is given twice"))
        let whole = try segPrep(["merge", single, "--output", merged])
        #expect(whole.0 != 0 && whole.1.contains("is not a partition"))
    }

    @Test func killedRunsResumeToTheSameBytes() throws {
        let s = try Scratch(count: 8)
        defer { s.remove() }
        let text = Scratch.augmented.replacingOccurrences(of: "repeats: 2", with: "repeats: 3")
            .replacingOccurrences(of: "samples_per_shard: 5", with: "samples_per_shard: 2")
        let pipeline = try writePipeline(s, text)
        let clean = s.dir.appendingPathComponent("clean").path
        #expect(try segPrep(["run", pipeline, "--output", clean, "--threads", "1"]).0 == 0)
        let total = 12
        let out = s.dir.appendingPathComponent("killed").path
        for fraction in [0.3, 0.6] {
            let (p, _) = try startSegPrep(["run", pipeline, "--output", out, "--threads", "1"])
            let target = Int(Double(total) * fraction)
            let deadline = Date().addingTimeInterval(120)
            while Date() < deadline {
                // A shard is reusable once its entry is written beside it.
                let entries = ((try? FileManager.default.contentsOfDirectory(atPath: out)) ?? []).filter { $0.hasSuffix(".entry.json") }
                if entries.count >= target || !p.isRunning { break }
                usleep(20_000)
            }
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            #expect(!FileManager.default.fileExists(atPath: "\(out)/index.json"))
        }
        let (status, output) = try segPrep(["run", pipeline, "--output", out, "--threads", "2", "--json"])
        #expect(status == 0, "\(output)")
        let reused = (try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])?["reused_shards"] as? Int ?? 0
        #expect(reused >= 7, "reused \(reused) shards")
        let a = try s.files(clean), b = try s.files(out)
        #expect(a.keys.sorted() == b.keys.sorted())
        #expect(a == b)
    }

    @Test func fullDiskLeavesNoCompleteLookingFile() throws {
        let s = try Scratch(count: 3)
        defer { s.remove() }
        let pipeline = try writePipeline(s, Scratch.augmented.replacingOccurrences(of: "[64, 96]", with: "[512, 512]"))
        // Writes past a file-size limit fail (EFBIG) as they would on a full disk.
        let out = s.dir.appendingPathComponent("full").path
        let (p, pipe) = try startSegPrepLimited(["run", pipeline, "--output", out], fileSizeLimit: 600_000)
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationReason == .exit && p.terminationStatus == 1, "\(text)")
        #expect(text.contains("cannot be written (File too large); check that the folder exists, is writable and has free space"), "\(text)")
        let lines = text.split(separator: "\n").filter { !$0.hasPrefix("run ") && !$0.contains("\r") }
        #expect(lines.count == 1, "one line: \(text)")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: out)) ?? []
        #expect(!names.contains("index.json"))
        #expect(names.filter { $0.hasSuffix(".safetensors") }.isEmpty, "\(names)")
        #expect(names.filter { $0.contains(".tmp-") }.isEmpty, "\(names)")
    }

    @Test func inspectSkipsBadSamplesWhenAskedAndHonoursTheMaxPixels() throws {
        let s = try Scratch(count: 3)
        defer { s.remove() }
        let pipeline = try writePipeline(s)
        try Data("not a png".utf8).write(to: s.data.appendingPathComponent("SegmentationClass/\(s.ids[0]).png"))
        let (failed, failText) = try segPrep(["inspect", pipeline, "--count", "2", "--json"])
        #expect(failed != 0 && failText.contains("or run with --on-error skip"), "\(failText)")
        let (status, text) = try segPrep(["inspect", pipeline, "--count", "2", "--json", "--on-error", "skip"])
        #expect(status == 0, "\(text)")
        #expect(text.contains("skipped \(s.ids[0]): ") && text.contains("\"id\" : \"\(s.ids[1])\"") && text.contains("\"id\" : \"\(s.ids[2])\""), "\(text)")
        let (limited, limitText) = try segPrep(["run", pipeline, "--output", s.dir.appendingPathComponent("small").path,
                                                 "--max-pixels", "1000", "--on-error", "skip"])
        #expect(limited == 1 && limitText.contains("above the limit of 1000") && limitText.contains("no sample was kept"), "\(limitText)")
    }

    @Test func benchStagesTimesEveryStage() throws {
        let s = try Scratch(count: 2)
        defer { s.remove() }
        let (status, out) = try segPrep(["bench", "stages", try writePipeline(s), "--limit", "2", "--repeats", "1", "--json"])
        #expect(status == 0, "\(out)")
        let obj = try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any]
        let rows = obj?["stages"] as? [[String: Any]] ?? []
        #expect(rows.map { $0["stage"] as? String } == ["decode", "remap_labels", "random_resize", "flip", "place", "hsv", "render", "finish"])
        #expect(obj?["samples"] as? Int == 2 && rows.allSatisfy { ($0["us_per_sample"] as? Double ?? -1) >= 0 })
    }

    /// `bench decode` reads labels as the decode stage does: colour-coded ones through `label_colors`.
    @Test func benchDecodeMapsColourCodedLabels() throws {
        let (status, out) = try segPrep(["bench", "decode", packageRoot.appendingPathComponent("pipelines/potsdam-tiles.yaml").path,
                                         "--repeats", "1", "--json"])
        #expect(status == 0, "\(out)")
        let obj = try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any]
        #expect(obj?["samples"] as? Int == 2 && (obj?["ms_per_sample"] as? Double ?? 0) > 0)
    }

    /// `bench decode` reads through the file gate as a run does: an image whose header claims more than
    /// the pixel limit is refused before decoding (it once allocated what the header claimed).
    @Test func benchDecodeRefusesBombsAndBadOptions() throws {
        let s = try Scratch(count: 2)
        defer { s.remove() }
        let pipeline = try writePipeline(s)
        let file = s.data.appendingPathComponent("JPEGImages/\(s.ids[0]).png")
        // The image's IHDR replaced by one announcing 65500x65500 (its CRC right), the rest kept.
        let png = try Data(contentsOf: file)
        var bomb = TestPNG.signature
        TestPNG.chunk("IHDR", TestPNG.header(width: 65500, height: 65500, colourType: 2), into: &bomb)
        bomb.append(png.subdata(in: (png.startIndex + 8 + 25)..<png.endIndex))
        try bomb.write(to: file)
        let (status, out) = try segPrep(["bench", "decode", pipeline, "--repeats", "1"])
        #expect(status != 0 && out.contains("\(file.path): claims 65500x65500 pixels in its header, above the limit of"), "\(out)")
        // The other sample alone still decodes (nothing valid refused).
        try FileManager.default.removeItem(at: file)
        try s.writeSplit(Array(s.ids.dropFirst()))
        let (ok, okText) = try segPrep(["bench", "decode", pipeline, "--repeats", "1", "--json"])
        #expect(ok == 0 && okText.contains("\"samples\": 1"), "\(okText)")
        for (args, message) in [(["bench", "decode", pipeline, "--shrink", "3"], "--shrink must be 1, 2, 4 or 8"),
                                (["bench", "decode", pipeline, "--repeats", "0"], "--repeats must be 1 to 10000"),
                                (["bench", "stages", pipeline, "--repeats", "10001"], "--repeats must be at most 10000"),
                                (["bench", "stages", pipeline, "--warm-up=-1"], "--warm-up must be from 0 to 1000"),
                                (["inspect", pipeline, "--json", "--columns", "0"], "--columns must be 1 to 64"),
                                (["inspect", pipeline, "--json", "--seed", "9223372036854775808"], "--seed must be from 0 to 9223372036854775807"),
                                (["inspect", pipeline, "--json", "--panel", "5"], "--panel must be 16 to 4096 pixels")] {
            let (bad, text) = try segPrep(args)
            #expect(bad != 0 && text.contains(message), "\(args): \(text)")
        }
    }

    /// A file named .jpg that libjpeg refuses (a lossless JPEG) reaches libvips on a worker thread;
    /// libvips' environment is set when the run starts, so this is a skipped sample with its reason,
    /// never a crash, and the other samples are written.
    @Test func aJPEGLibjpegRefusesIsSkippedWithItsReason() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("segprep-sof3-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: fixtures.appendingPathComponent("labelme-voc"), to: data)
        let ids = try String(contentsOf: data.appendingPathComponent("ImageSets/Segmentation/train.txt"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        let file = data.appendingPathComponent("JPEGImages/\(ids[0]).jpg")
        var jpeg = try Data(contentsOf: file)
        let sof = try #require((0..<(jpeg.count - 1)).first { jpeg[$0] == 0xFF && jpeg[$0 + 1] == 0xC0 })
        jpeg[sof + 1] = 0xC3   // baseline → lossless: libjpeg-turbo 2.1 refuses it
        try jpeg.write(to: file)
        let out = dir.appendingPathComponent("out")
        let (status, text) = try segPrep(["run", packageRoot.appendingPathComponent("pipelines/voc-train.yaml").path, "--input-root", data.path,
                                          "--output", out.path, "--threads", "2", "--on-error", "skip"])
        #expect(status == 0, "\(text)")
        #expect(text.contains("skipped \(ids[0]): \(file.path): cannot be decoded as an image ("), "\(text)")
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("index.json"))) as? [String: Any]
        let shards = manifest?["shards"] as? [[String: Any]] ?? []
        #expect(shards.reduce(0) { $0 + ($1["samples"] as? Int ?? 0) } > 0)
        #expect(!shards.flatMap { $0["ids"] as? [String] ?? [] }.contains(ids[0]))
    }

    @Test func helpTeachesAndErrorsAreOneSentence() throws {
        let (status, help) = try segPrep(["run", "--help"])
        #expect(status == 0 && help.contains("--input-root") && help.contains("Examples:"))
        let (bad, text) = try segPrep(["run", "/nonexistent.yaml"])
        #expect(bad != 0 && text.contains("/nonexistent.yaml: pipeline file not found; check the path"))
        for partition in ["3/3", "0/\(Manifest.maxPartitions + 1)", "0/1000000000000000000000"] {
            let (bad2, text2) = try segPrep(["run", "x.yaml", "--partition", partition])
            #expect(bad2 != 0 && text2.contains("--partition must be K/N with 0 <= K < N <= \(Manifest.maxPartitions)"), "\(partition): \(text2)")
        }
    }
}

/// Starts `seg-prep` under a file-size limit (so writes past it fail with EFBIG, like a full disk).
func startSegPrepLimited(_ args: [String], fileSizeLimit: Int) throws -> (Process, Pipe) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/sh")
    // No `trap '' XFSZ` here: seg-prep itself must turn the signal into an EFBIG write error.
    p.arguments = ["-c", "ulimit -f \(fileSizeLimit / 512) && exec \"$0\" \"$@\"", segPrepBinary.path] + args
    let pipe = Pipe()
    p.standardOutput = pipe
    p.standardError = pipe
    try p.run()
    return (p, pipe)
}
