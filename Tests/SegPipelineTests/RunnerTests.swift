import Foundation
import SegFormat
import Testing
@testable import SegPipeline

/// A scratch copy of a few camvid-mini samples and a pipeline over them.
struct Scratch {
    let dir: URL
    var data: URL { dir.appendingPathComponent("data") }
    var out: URL { dir.appendingPathComponent("out") }
    let ids: [String]

    init(count: Int = 6) throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("segprep-\(UUID().uuidString)")
        let src = fixtures.appendingPathComponent("camvid-mini")
        let fm = FileManager.default
        for sub in ["JPEGImages", "SegmentationClass", "ImageSets/Segmentation"] {
            try fm.createDirectory(at: dir.appendingPathComponent("data/\(sub)"), withIntermediateDirectories: true)
        }
        let all = try String(contentsOf: src.appendingPathComponent("ImageSets/Segmentation/train.txt"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        ids = Array(all.prefix(count))
        for id in ids {
            try fm.copyItem(at: src.appendingPathComponent("JPEGImages/\(id).png"), to: data.appendingPathComponent("JPEGImages/\(id).png"))
            try fm.copyItem(at: src.appendingPathComponent("SegmentationClass/\(id).png"), to: data.appendingPathComponent("SegmentationClass/\(id).png"))
        }
        try writeSplit(ids)
    }

    func writeSplit(_ ids: [String]) throws {
        try (ids.joined(separator: "\n") + "\n").write(to: data.appendingPathComponent("ImageSets/Segmentation/train.txt"), atomically: true, encoding: .utf8)
    }

    static let augmented = """
    input: {root: data, split: train}
    classes: 11
    seed: 7
    repeats: 2
    stages:
      - decode: {}
      - remap_labels: {above: 10, to: ignore}
      - random_resize: {size: [64, 96]}
      - flip: {}
      - place: {}
      - hsv: {}
    output: {dir: out, samples_per_shard: 5}
    """

    func spec(_ text: String = Scratch.augmented) throws -> PipelineSpec {
        try PipelineSpec.parse(text, file: dir.appendingPathComponent("p.yaml").path)
    }

    func run(_ text: String = Scratch.augmented, output: String? = nil, threads: Int = 1,
             partition: Partition? = nil, force: Bool = false, onError: PipelineSpec.OnError? = nil) throws -> RunSummary {
        try PipelineRunner(spec: try spec(text), options: RunOptions(output: output ?? out.path, threads: threads,
                                                                  partition: partition, force: force, onError: onError)).run()
    }

    /// Every file of an output folder and its bytes.
    func files(_ path: String? = nil) throws -> [String: Data] {
        let p = path ?? out.path
        var d: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: p) {
            d[name] = try Data(contentsOf: URL(fileURLWithPath: "\(p)/\(name)"))
        }
        return d
    }

    func remove() { try? FileManager.default.removeItem(at: dir) }
}

@Suite struct RunnerTests {
    @Test func sameBytesForAnyThreadCount() throws {
        let s = try Scratch()
        defer { s.remove() }
        let one = try s.run(output: s.dir.appendingPathComponent("t1").path, threads: 1)
        _ = try s.run(output: s.dir.appendingPathComponent("t3").path, threads: 3)
        let a = try s.files(s.dir.appendingPathComponent("t1").path)
        let b = try s.files(s.dir.appendingPathComponent("t3").path)
        #expect(a.keys.sorted() == ["index.json", "shard-00000.safetensors", "shard-00001.safetensors", "shard-00002.safetensors"])
        #expect(a == b)
        #expect(one.samples == 12)
    }

    /// Direct I/O changes how shards reach the disk, not their bytes (a skipped sample makes a
    /// shard be rewritten from its bytes read back, which direct I/O keeps partly in its buffer).
    @Test func sameBytesWithAndWithoutDirectIO() throws {
        let s = try Scratch()
        defer { s.remove() }
        try Data([0xFF, 0xD8, 0x00]).write(to: s.data.appendingPathComponent("JPEGImages/\(s.ids[1]).png"))
        var outs: [[String: Data]] = []
        for mode in [DirectIO.on, .off] {
            let out = s.dir.appendingPathComponent("io-\(mode.rawValue)").path
            _ = try PipelineRunner(spec: try s.spec(), options: RunOptions(output: out, threads: 2, onError: .skip, directIO: mode)).run()
            outs.append(try s.files(out))
        }
        #expect(outs[0] == outs[1] && outs[0].count == 4)
        #expect(try Manifest.load(from: s.dir.appendingPathComponent("io-on").path).skipped.count == 2)
        #expect(!DirectIO.auto.use(forBytes: 1 << 20) && DirectIO.auto.use(forBytes: 1 << 60))
        #expect(DirectIO.on.use(forBytes: 0) && !DirectIO.off.use(forBytes: 1 << 60))
    }

    @Test func manifestDescribesShards() throws {
        let s = try Scratch()
        defer { s.remove() }
        let summary = try s.run()
        let m = try Manifest.load(from: s.out.path)
        #expect(m == summary.manifest)
        #expect(m.shards.map(\.samples) == [5, 5, 2])
        #expect(m.shards[0].ids == Array(s.ids.prefix(5)))
        #expect(m.shards[1].ids == [s.ids[5]] + Array(s.ids.prefix(4)))
        #expect(m.shards[1].repeats == [0, 1, 1, 1, 1])
        #expect(m.ignoreIndex == 11 && m.classes.count == 11)
        #expect(m.image.shape == [64, 96, 3] && m.label.shape == [64, 96])
        var pixels = [Int](repeating: 0, count: 12)
        for shard in m.shards {
            let path = "\(s.out.path)/\(shard.file)"
            #expect(try ChecksumAlgorithm.xxh3.digest(file: path) == shard.digest && shard.checksum == .xxh3)
            let f = try SafeTensorsFile(path: path)
            #expect(try f.info("image").shape == [shard.samples, 64, 96, 3])
            #expect(try f.info("label").shape == [shard.samples, 64, 96])
            for v in try f.bytes("label") { pixels[Int(v)] += 1 }
            for p in shard.params {
                #expect(p["scale"].map { (0.25...2).contains($0) } == true)
                #expect(p["flip"] == 0 || p["flip"] == 1)
                #expect(p["hue"].map { (0.9...1.1).contains($0) } == true)
            }
        }
        #expect(pixels == m.classPixels)
        #expect(m.sampleCount == 12)
    }

    @Test func sha256OnRequestSameShards() throws {
        let s = try Scratch(count: 3)
        defer { s.remove() }
        _ = try s.run()
        let text = Scratch.augmented.replacingOccurrences(of: "samples_per_shard: 5}", with: "samples_per_shard: 5, checksum: sha256}")
        let other = s.dir.appendingPathComponent("sha").path
        _ = try s.run(text, output: other)
        let a = try Manifest.load(from: s.out.path), b = try Manifest.load(from: other)
        #expect(a.checksum == .xxh3 && b.checksum == .sha256)
        for (x, y) in zip(a.shards, b.shards) {
            let sha = try Checksum.sha256(file: "\(other)/\(y.file)")
            #expect(y.checksum == .sha256 && y.digest == sha)
            #expect(x.checksum == .xxh3 && x.digest != y.digest)
            // The tensors are the same; only the run key in the header differs.
            let fx = try SafeTensorsFile(path: "\(s.out.path)/\(x.file)"), fy = try SafeTensorsFile(path: "\(other)/\(y.file)")
            #expect(try fx.bytes("image") == fy.bytes("image"))
            #expect(try fx.bytes("label") == fy.bytes("label"))
        }
        #expect(try ShardVerifier.verify(other).isEmpty)
        let index = try String(contentsOfFile: "\(other)/index.json", encoding: .utf8)
        #expect(index.contains("\"sha256\" : \"") && !index.contains("\"xxh3\" : \""))
    }

    @Test func changingTheSeedChangesSamples() throws {
        let s = try Scratch(count: 3)
        defer { s.remove() }
        _ = try s.run(output: s.dir.appendingPathComponent("a").path)
        _ = try s.run(Scratch.augmented.replacingOccurrences(of: "seed: 7", with: "seed: 8"), output: s.dir.appendingPathComponent("b").path)
        let a = try s.files(s.dir.appendingPathComponent("a").path), b = try s.files(s.dir.appendingPathComponent("b").path)
        #expect(a["shard-00000.safetensors"] != b["shard-00000.safetensors"])
    }

    /// A run interrupted by a failing sample: shard 0 complete (with its entry), shards 1 and 2 not.
    func interruptedRun(_ s: Scratch) throws -> (clean: [String: Data], restore: () throws -> Void) {
        let cleanDir = s.dir.appendingPathComponent("clean").path
        _ = try s.run(output: cleanDir)
        let clean = try s.files(cleanDir)
        // ids[5] is sample 5 (shard 1) and sample 11 (shard 2): both shards fail, shard 0 is kept.
        let label = s.data.appendingPathComponent("SegmentationClass/\(s.ids[5]).png")
        let good = try Data(contentsOf: label)
        try Data("not a png".utf8).write(to: label)
        #expect(throws: RunFailure.self) { try s.run() }
        #expect(try s.files().keys.sorted() == ["shard-00000.entry.json", "shard-00000.safetensors"])
        // How entries begin, which is how their temporaries are recognised.
        #expect(try s.files()["shard-00000.entry.json"]!.starts(with: OutputFolder.entryPrefix))
        return (clean, { try good.write(to: label) })
    }

    @Test func rerunResumesFromCompleteShards() throws {
        let s = try Scratch()
        defer { s.remove() }
        let (clean, restore) = try interruptedRun(s)
        try restore()
        // A temporary left by a crash: a header and part of the data.
        let partial = try Data(contentsOf: s.out.appendingPathComponent("shard-00000.safetensors")).prefix(4096)
        try partial.write(to: s.out.appendingPathComponent("shard-00001.safetensors.tmp-999"))
        let resumed = try s.run()
        #expect(resumed.reused == 1 && resumed.processed == 2)
        #expect(try s.files() == clean)
        let again = try s.run()
        #expect(again.processed == 0)
    }

    @Test func rerunRemakesAShardThatNoLongerMatchesItsEntry() throws {
        let s = try Scratch()
        defer { s.remove() }
        let (clean, restore) = try interruptedRun(s)
        try restore()
        let shard = s.out.appendingPathComponent("shard-00000.safetensors")
        var bytes = try Data(contentsOf: shard)
        bytes[bytes.count - 1] ^= 0xff
        try bytes.write(to: shard)
        let resumed = try s.run()
        #expect(resumed.reused == 0 && resumed.processed == 3)
        #expect(try s.files() == clean)
    }

    @Test func rerunRemakesAShardWithoutItsEntry() throws {
        let s = try Scratch()
        defer { s.remove() }
        let (clean, restore) = try interruptedRun(s)
        try restore()
        try FileManager.default.removeItem(at: s.out.appendingPathComponent("shard-00000.entry.json"))
        let resumed = try s.run()
        #expect(resumed.reused == 0 && resumed.processed == 3)
        #expect(try s.files() == clean)
    }

    @Test func refusesToMixRuns() throws {
        let s = try Scratch(count: 3)
        defer { s.remove() }
        _ = try s.run()
        let before = try s.files()
        let other = Scratch.augmented.replacingOccurrences(of: "seed: 7", with: "seed: 9")
        let error = #expect(throws: RunError.self) { try s.run(other) }
        #expect(error?.description.contains("already holds the output of a different pipeline, seed or input; choose another --output, or pass --force") == true)
        #expect(try s.files() == before)
        _ = try s.run(other, force: true)
        #expect(try s.files() != before)
    }

    @Test func pythonSafetensorsReadsShards() throws {
        let s = try Scratch(count: 3)
        defer { s.remove() }
        _ = try s.run()
        let script = """
        import sys, json
        from safetensors.numpy import load_file
        m = json.load(open(sys.argv[1] + '/index.json'))
        for sh in m['shards']:
            t = load_file(sys.argv[1] + '/' + sh['file'])
            assert sorted(t) == ['image', 'label'], sorted(t)
            assert t['image'].dtype.name == 'uint8' and t['image'].shape == (sh['samples'], 64, 96, 3)
            assert t['label'].shape == (sh['samples'], 64, 96) and int(t['label'].max()) <= m['ignore_index']
            print(sh['file'], int(t['image'].sum()), int(t['label'].sum()))
        # The package's reader checks every shard's XXH3-128 (written by seg-prep) before serving it.
        sys.path.insert(0, sys.argv[2])
        from segprep import ShardDataset
        ds = ShardDataset(sys.argv[1])
        assert m['checksum'] == 'xxh3-128' and len(ds) == sum(sh['samples'] for sh in m['shards'])
        assert int(ds[0][0].sum()) == int(load_file(sys.argv[1] + '/' + m['shards'][0]['file'])['image'][0].sum())
        print('reader ok')
        """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", script, s.out.path, packageRoot.appendingPathComponent("python").path]
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        p.waitUntilExit()
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(p.terminationStatus == 0, "\(out)")
        let f = try SafeTensorsFile(path: s.out.appendingPathComponent("shard-00000.safetensors").path)
        let sum = try f.bytes("image").reduce(0) { $0 + Int($1) }
        #expect(out.contains("shard-00000.safetensors \(sum) ") && out.contains("reader ok"), "\(out)")
    }
}
