import SegImage
import Foundation
import SegFormat
import Testing
@testable import SegPipeline

/// Checks that run at plan time or before a run, messages that say what happened, and commands
/// that refuse to write over what they did not write.
@Suite(.serialized) struct TrustTests {
    @Test func padSmallerThanTheCropIsAPlanError() throws {
        let yaml = """
        version: 1
        input: {format: voc, root: data, split: train}
        classes: 3
        stages:
          - decode: {}
          - random_crop: {size: [512, 512]}
          - pad: {size: [256, 256]}
        output: {dir: out}
        """
        let e = #expect(throws: PipelineError.self) { try PipelineSpec.parse(yaml, file: "p.yaml") }
        let text = e?.description ?? ""
        #expect(text.hasPrefix("p.yaml:7:"), "\(text)")
        #expect(text.contains("'pad' to 256x256 comes after random_crop's 512x512 windows"), "\(text)")
        #expect(text.contains("size: [512, 512]"), "\(text)")
        // A pad at least the crop's size plans.
        _ = try PipelineSpec.parse(yaml.replacingOccurrences(of: "[256, 256]", with: "[512, 512]"), file: "p.yaml")
    }

    /// A folders dataset with `<stem>_mask.png` labels and the default suffix.
    func maskFolders() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("segprep-trust-\(UUID().uuidString)")
        let fm = FileManager.default
        try fm.createDirectory(at: dir.appendingPathComponent("images"), withIntermediateDirectories: true)
        try fm.createDirectory(at: dir.appendingPathComponent("labels"), withIntermediateDirectories: true)
        let src = fixtures.appendingPathComponent("camvid-mini")
        let ids = try String(contentsOf: src.appendingPathComponent("ImageSets/Segmentation/train.txt"), encoding: .utf8)
            .split(separator: "\n").prefix(3).map(String.init)
        for id in ids {
            try fm.copyItem(at: src.appendingPathComponent("JPEGImages/\(id).png"), to: dir.appendingPathComponent("images/\(id).png"))
            try fm.copyItem(at: src.appendingPathComponent("SegmentationClass/\(id).png"), to: dir.appendingPathComponent("labels/\(id)_mask.png"))
        }
        return dir
    }

    @Test func aWrongLabelSuffixIsOneLineNamingTheRightOne() throws {
        let dir = try maskFolders()
        defer { try? FileManager.default.removeItem(at: dir) }
        let yaml = """
        input: {format: folders, root: \(dir.path), image_suffix: .png, label_suffix: .png}
        classes: 11
        stages: [{decode: {}}, {letterbox: {size: [32, 32]}}]
        output: {dir: out}
        """
        let spec = try PipelineSpec.parse(yaml, file: dir.appendingPathComponent("p.yaml").path)
        let e = #expect(throws: InputError.self) { _ = try DatasetInput(spec.input) }
        let text = e?.description ?? ""
        #expect(text.contains("none of the 3 .png images under \(dir.path)/images has its label under \(dir.path)/labels"), "\(text)")
        #expect(text.contains("the labels folder holds 3 files named <image stem>_mask.png: set `label_suffix: _mask.png`"), "\(text)")
        // With the suffix it names, every sample pairs.
        let fixed = try PipelineSpec.parse(yaml.replacingOccurrences(of: "label_suffix: .png", with: "label_suffix: _mask.png"),
                                           file: dir.appendingPathComponent("p.yaml").path)
        #expect(try DatasetInput(fixed.input).records.allSatisfy { $0.problem == nil })
    }

    @Test func checkDecodesAndFindsATruncatedImage() throws {
        let s = try Scratch(count: 3)
        defer { s.remove() }
        let victim = s.data.appendingPathComponent("JPEGImages/\(s.ids[1]).png")
        let whole = try Data(contentsOf: victim)
        try whole.prefix(whole.count / 2).write(to: victim)
        let spec = try s.spec()
        let check = InputCheck(spec: spec, input: try DatasetInput(spec.input))
        #expect(check.problems.count == 1, "\(check.problems)")
        #expect(check.problems.first?.contains(victim.path) == true, "\(check.problems)")
        #expect(check.samples == 2)
        // Headers only (no decode) cannot see it.
        #expect(InputCheck(spec: spec, input: try DatasetInput(spec.input), decode: 0).problems.isEmpty)
    }

    @Test func skipReasonsDoNotAdviseSkipping() throws {
        let s = try Scratch(count: 3)
        defer { s.remove() }
        try FileManager.default.removeItem(at: s.data.appendingPathComponent("SegmentationClass/\(s.ids[0]).png"))
        _ = try s.run(onError: .skip)
        let m = try Manifest.load(from: s.out.path)
        #expect(m.skipped.count == 2)
        for k in m.skipped {
            #expect(!k.reason.contains("--on-error"), "\(k.reason)")
            #expect(k.reason.contains("label file is missing"), "\(k.reason)")
        }
    }

    @Test func vocIsAPalette() throws {
        let names = ["background", "aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat", "chair", "cow",
                     "diningtable", "dog", "horse", "motorbike", "person", "pottedplant", "sheep", "sofa", "train", "tvmonitor"]
        let yaml = """
        input: {format: voc, root: data, split: train, label_colors: voc}
        classes: [\(names.joined(separator: ", "))]
        stages: [{decode: {}}, {letterbox: {size: [32, 32]}}]
        output: {dir: out}
        """
        let spec = try PipelineSpec.parse(yaml, file: "p.yaml")
        let colours = try #require(spec.context.labelColours)
        // Each class is VOC's colour map entry; the boundary colour is ignored.
        for (i, _) in names.enumerated() {
            #expect(colours.table[LabelColours.pack(Palette.voc(ignoreIndex: 255).colour(i))] == .value(UInt16(i)))
        }
        #expect(colours.table[LabelColours.pack([224, 224, 192])] == .ignore)
    }

    @Test func inspectPastTheEndNamesTheCount() throws {
        let s = try Scratch(count: 3)
        defer { s.remove() }
        _ = try s.run()
        for index in ["6", "900", "9223372036854775807"] {
            let (status, out) = try segPrep(["inspect", s.out.path, "--index", index, "--json"])
            #expect(status != 0 && status != 132 && status != 133, "\(index): \(out)")
            #expect(out.contains("--index \(index) is past the end: \(s.out.path) holds 6 samples (0..5)"), "\(out)")
        }
        let (status, out) = try segPrep(["inspect", s.out.path, "--index", "5", "--count", "9223372036854775807", "--json"])
        #expect(status == 0, "\(out)")
    }

    @Test func helpListsEveryStageSourceAndLoss() throws {
        let (status, out) = try segPrep(["--help"])
        #expect(status == 0)
        let flat = out.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        for name in StageRegistry.names + SourceRegistry.all.map({ $0.declaration.name }) + ["ce", "focal", "dice", "xxh3-128", "sha256"] {
            #expect(flat.contains(name), "\(name) is missing from seg-prep --help")
        }
        let (_, verify) = try segPrep(["verify", "--help"])
        #expect(verify.contains("XXH3-128"))
        let (_, run) = try segPrep(["run", "--help"])
        #expect(!run.contains("(default: all cores). (default:"), "\(run)")
        let (bad, message) = try segPrep(["run", "p.yaml", "--threads", "20000"])
        #expect(bad != 0 && message.contains("--threads is 20000; give 1 to 256 worker threads"), "\(message)")
    }

    @Test func aMergeThroughALinkNamesPartsFromTheRealFolder() throws {
        let s = try Scratch(count: 4)
        defer { s.remove() }
        let parts = (0..<2).map { s.dir.appendingPathComponent("parts/part\($0)").path }
        for (k, p) in parts.enumerated() { _ = try s.run(output: p, partition: Partition(k: k, n: 2)) }
        // scratch/all is a link to a folder elsewhere, as cluster scratch folders often are.
        let real = s.dir.appendingPathComponent("elsewhere/deep/all")
        try FileManager.default.createDirectory(at: real, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: s.dir.appendingPathComponent("scratch"), withIntermediateDirectories: true)
        let link = s.dir.appendingPathComponent("scratch/all").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: real.path)
        _ = try ManifestMerger.merge(parts: parts, into: link)
        for folder in [link, real.path] {
            let reader = try ShardReader(folder: folder, verifyChecksums: true)
            #expect(reader.count == 8, "\(folder)")
        }
        #expect(try ShardVerifier.verify(real.path).isEmpty)
    }

    @Test func trainStopsAtMaxStepsAndRefusesAResumeWithAnotherBatchSize() throws {
        let s = try Scratch(count: 4)
        defer { s.remove() }
        _ = try s.run()
        let runs = s.dir.appendingPathComponent("runs").path
        let common = ["train", "--train", s.out.path, "--val", s.out.path, "--out", runs, "--epochs", "2", "--threads", "1", "--workers", "1"]
        let (status, out) = try segPrep(common + ["--batch-size", "2", "--max-steps", "2"])
        #expect(status == 0, "\(out)")
        #expect(out.contains("stopped after 2 steps (--max-steps) in epoch 1 after batch 2"), "\(out)")
        let last = runs + "/last.safetensors"
        let (refused, message) = try segPrep(common + ["--batch-size", "4", "--resume", last])
        #expect(refused != 0)
        #expect(message.contains("was written with --batch-size 2 (now 4)"), "\(message)")
        let (resumed, text) = try segPrep(common + ["--batch-size", "2", "--resume", last])
        #expect(resumed == 0, "\(text)")
        #expect(text.contains("epoch 1 batch 3 of 2"), "\(text)")
    }

    @Test func schedulerNumbersAtTheIntegerLimitsAreMessages() {
        for env in [["SLURM_ARRAY_TASK_ID": "9223372036854775807", "SLURM_ARRAY_TASK_MIN": "-9223372036854775808", "SLURM_ARRAY_TASK_MAX": "9223372036854775807"],
                    ["SLURM_ARRAY_TASK_ID": "0", "SLURM_ARRAY_TASK_COUNT": "99999999999999999999"],
                    ["JOB_COMPLETION_INDEX": "-1", "SEGPREP_PARTITIONS": "4"]] {
            guard case .failure(let e) = Partition.fromEnvironment(env) else { Issue.record("accepted \(env)"); continue }
            #expect(e.description.contains("which is not a number from 0 to 2147483647"), "\(e)")
        }
        #expect((try? Partition.fromEnvironment(["SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_COUNT": "4"]).get()) == Partition(k: 3, n: 4))
    }

    @Test func hugeClassCountsAreRefusedBeforeAllocating() {
        for count in ["100000000", "9223372036854775807"] {
            let yaml = "input: {format: voc, root: data, split: train}\nclasses: \(count)\nstages: [{decode: {}}, {letterbox: {size: [8, 8]}}]\noutput: {dir: out}\n"
            let e = #expect(throws: PipelineError.self) { try PipelineSpec.parse(yaml, file: "p.yaml") }
            #expect(e?.description.contains("'classes' is \(count); between 1 and 65535 classes are supported") == true, "\(String(describing: e))")
        }
    }

    @Test func aClassNamedTwiceIsRefusedWhereItRepeats() throws {
        let yaml = "input: {format: voc, root: data, split: train}\nclasses: [sky, road,\n  sky]\nstages: [{decode: {}}, {letterbox: {size: [8, 8]}}]\noutput: {dir: out}\n"
        let e = #expect(throws: PipelineError.self) { try PipelineSpec.parse(yaml, file: "p.yaml") }
        #expect(e?.description.hasPrefix("p.yaml:3:") == true && e?.description.contains("class 'sky' is listed twice in 'classes' (indices 0 and 2)") == true,
                "\(String(describing: e))")
        // The same names once each parse.
        let fine = try PipelineSpec.parse(yaml.replacingOccurrences(of: "  sky]", with: "  water]"), file: "p.yaml")
        #expect(fine.classes == ["sky", "road", "water"])
    }

    @Test func aLimitedRunWithHugeShardsSizesItsBuffersByTheRun() throws {
        let s = try Scratch(count: 2)
        defer { s.remove() }
        // 100000 samples a shard of 64x96 would be 600 MB of label buffers; the run makes 2 samples.
        let summary = try s.run(Scratch.augmented.replacingOccurrences(of: "samples_per_shard: 5", with: "samples_per_shard: 100000"))
        #expect(summary.manifest.sampleCount == 4)
        #expect(try ShardVerifier.verify(s.out.path).isEmpty)
    }

    @Test func predictRefusesWindowAndSizeBeyondTheirBounds() throws {
        for args in [["--tile", "65536"], ["--size", "99999", "99999"], ["--tile", "512", "--stride", "600"]] {
            let (status, out) = try segPrep(["predict", "--checkpoint", "m.safetensors", "--input", "x", "--out", "y"] + args)
            #expect(status != 0 && status != 132 && status != 133, "\(args): \(out)")
            #expect(out.contains("--tile is 65536; give 1 to 4096") || out.contains("--size takes a height and width of 1 to 8192") || out.contains("--stride must be 1 to the tile size"), "\(out)")
        }
    }

    @Test func mergeRefusesClassCountsThatOverflowTogether() throws {
        let s = try Scratch(count: 4)
        defer { s.remove() }
        let parts = (0..<2).map { s.dir.appendingPathComponent("parts/part\($0)").path }
        for (k, p) in parts.enumerated() { _ = try s.run(output: p, partition: Partition(k: k, n: 2)) }
        // Each part's counts pass the gate alone; added up they leave the integer range.
        for p in parts {
            let index = URL(fileURLWithPath: p).appendingPathComponent("index.json")
            var m = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: index)) as? [String: Any])
            var pixels = try #require(m["class_pixels"] as? [Int])
            pixels[0] = Int.max / 2 + 1
            m["class_pixels"] = pixels
            try JSONSerialization.data(withJSONObject: m).write(to: index)
        }
        let merged = s.dir.appendingPathComponent("merged").path
        let e = #expect(throws: ManifestError.self) { _ = try ManifestMerger.merge(parts: parts, into: merged) }
        #expect(e?.description.contains("the parts' class_pixels add up past the integer range") == true, "\(String(describing: e))")
        #expect(!FileManager.default.fileExists(atPath: merged + "/index.json"))
        for p in parts { #expect(try ShardVerifier.verify(p).isEmpty) }
    }
}
