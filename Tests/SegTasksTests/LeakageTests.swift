import SegImage
import Foundation
import SegFormat
import SegPipeline
import SegTasks
import Testing

/// Near-duplicates planted in a second split from fixture frames (re-encoded, resized, cropped)
/// are all found; the fixture's distinct frames give no pair.
@Suite struct LeakageTests {
    static let camvid = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("fixtures/camvid-mini")

    /// Ids of a camvid-mini split.
    static func ids(_ split: String) throws -> [String] {
        try String(contentsOf: camvid.appendingPathComponent("ImageSets/Segmentation/\(split).txt"), encoding: .utf8)
            .split(whereSeparator: \.isNewline).map(String.init)
    }

    /// `r` averaged over 2x2 blocks (half the size).
    static func half(_ r: Raster) -> Raster {
        let (w, h, c) = (r.width / 2, r.height / 2, r.channels)
        var out = [UInt8](repeating: 0, count: w * h * c)
        for y in 0..<h {
            for x in 0..<w {
                for k in 0..<c {
                    let s = [(0, 0), (0, 1), (1, 0), (1, 1)].reduce(0) { $0 + Int(r.pixels[((2 * y + $1.0) * r.width + 2 * x + $1.1) * c + k]) }
                    out[(y * w + x) * c + k] = UInt8((s + 2) / 4)
                }
            }
        }
        return Raster(width: w, height: h, channels: c, pixels: out)
    }

    /// Nearest-neighbour label at half size.
    static func halfLabel(_ r: Raster) -> Raster {
        let (w, h) = (r.width / 2, r.height / 2)
        return Raster(width: w, height: h, channels: 1, pixels: (0..<(w * h)).map { r.pixels[(2 * ($0 / w)) * r.width + 2 * ($0 % w)] })
    }

    struct Dataset {
        let root: String
        let train: String, val: String
        /// Planted copies: val id → the train id it was made from.
        let planted: [String: String]
        let distinct: [String]
    }

    static func dataset(classesOfVal: String = "11") throws -> Dataset {
        try Vips.start()
        let root = NSTemporaryDirectory() + "leak-\(UUID().uuidString)"
        let fm = FileManager.default
        for sub in ["data/JPEGImages", "data/SegmentationClass", "data/ImageSets/Segmentation"] {
            try fm.createDirectory(atPath: "\(root)/\(sub)", withIntermediateDirectories: true)
        }
        let train = Array(try ids("train").prefix(12))
        let distinct = Array(try ids("val").prefix(4))
        for id in train + distinct {
            try fm.copyItem(atPath: camvid.appendingPathComponent("JPEGImages/\(id).png").path, toPath: "\(root)/data/JPEGImages/\(id).png")
            try fm.copyItem(atPath: camvid.appendingPathComponent("SegmentationClass/\(id).png").path, toPath: "\(root)/data/SegmentationClass/\(id).png")
        }
        func read(_ id: String) throws -> (Raster, Raster) {
            let image = try ImageFile.read("\(root)/data/JPEGImages/\(id).png")
            let label = try ImageCodec.readLabel(Data(contentsOf: URL(fileURLWithPath: "\(root)/data/SegmentationClass/\(id).png")), id: id, path: id)
            return (image, label)
        }
        func save(_ id: String, _ image: Raster, _ label: Raster, jpeg quality: Int? = nil) throws {
            if let quality {
                try Vips.encode(image, suffix: ".jpg[Q=\(quality)]").write(to: URL(fileURLWithPath: "\(root)/data/JPEGImages/\(id).jpg"))
            } else {
                try Vips.savePNG(image, to: "\(root)/data/JPEGImages/\(id).png")
            }
            try Vips.savePNG(label, to: "\(root)/data/SegmentationClass/\(id).png")
        }
        var planted: [String: String] = [:]
        // Re-encoded as JPEG at quality 60.
        var (image, label) = try read(train[0])
        try save("copy_jpeg", image, label, jpeg: 60)
        planted["copy_jpeg"] = train[0]
        // Resized to half.
        (image, label) = try read(train[1])
        try save("copy_half", half(image), halfLabel(label))
        planted["copy_half"] = train[1]
        // Crops keeping 90% and more of the width and height, off centre.
        for (k, (fx, fy, ox, oy)) in [(0.9, 0.9, 0.0, 1.0), (0.92, 0.9, 0.3, 0.7), (0.9, 1.0, 0.6, 0.0), (0.95, 0.93, 1.0, 0.2)].enumerated() {
            (image, label) = try read(train[2 + k])
            let (w, h) = (Int((Double(image.width) * fx).rounded()), Int((Double(image.height) * fy).rounded()))
            let (x, y) = (Int((Double(image.width - w) * ox).rounded()), Int((Double(image.height - h) * oy).rounded()))
            let window = Resample.Window(x0: x, y0: y, x1: x + w, y1: y + h)
            try save("copy_crop\(k)", image.window(window), label.window(window))
            planted["copy_crop\(k)"] = train[2 + k]
        }
        // Cropped to 95%, halved and re-encoded.
        (image, label) = try read(train[6])
        let w = Resample.Window(x0: 12, y0: 9, x1: 12 + 456, y1: 9 + 342)
        try save("copy_all", half(image.window(w)), halfLabel(label.window(w)), jpeg: 75)
        planted["copy_all"] = train[6]
        let valIds = planted.keys.sorted() + distinct
        try (train.joined(separator: "\n") + "\n").write(toFile: "\(root)/data/ImageSets/Segmentation/train.txt", atomically: true, encoding: .utf8)
        try (valIds.joined(separator: "\n") + "\n").write(toFile: "\(root)/data/ImageSets/Segmentation/val.txt", atomically: true, encoding: .utf8)
        func pipeline(_ split: String, classes: String) -> String {
            """
            input: {root: data, split: \(split)}
            classes: \(classes)
            stages:
              - decode: {}
              - remap_labels: {above: 10, to: ignore}
              - letterbox: {size: [64, 64]}
            output: {dir: out/\(split)}
            """
        }
        try pipeline("train", classes: "11").write(toFile: "\(root)/train.yaml", atomically: true, encoding: .utf8)
        try pipeline("val", classes: classesOfVal).write(toFile: "\(root)/val.yaml", atomically: true, encoding: .utf8)
        return Dataset(root: root, train: "\(root)/train.yaml", val: "\(root)/val.yaml", planted: planted, distinct: distinct)
    }

    @Test func plantedCopiesAreFoundAndDistinctFramesAreNot() throws {
        let d = try Self.dataset()
        defer { try? FileManager.default.removeItem(atPath: d.root) }
        let check = try LeakageCheck(first: try PipelineSpec.load(path: d.train), second: try PipelineSpec.load(path: d.val))
        #expect(check.problems.isEmpty)
        let near = check.findings.filter { $0.kind == .nearDuplicate }
        let found = Dictionary(near.map { ($0.b, $0.a) }, uniquingKeysWith: { a, _ in a })
        #expect(found == d.planted, "\(near)")
        #expect(near.allSatisfy { (0...LeakageCheck.defaultThreshold).contains($0.distance) })
        // The planted copy at full size keeps its label map: found as such too.
        #expect(check.findings.contains { $0.kind == .sameLabel && $0.a == d.planted["copy_jpeg"] && $0.b == "copy_jpeg" })
        #expect(!check.findings.contains { d.distinct.contains($0.b) }, "\(check.findings)")
        // Within the training split: its frames are distinct.
        let within = try LeakageCheck(first: try PipelineSpec.load(path: d.train))
        #expect(within.findings.isEmpty, "\(within.findings)")
        #expect(within.hashed == 12)
    }

    @Test func theSameImageInBothSplitsIsOneSource() throws {
        let d = try Self.dataset()
        defer { try? FileManager.default.removeItem(atPath: d.root) }
        let train = try String(contentsOfFile: "\(d.root)/data/ImageSets/Segmentation/train.txt", encoding: .utf8)
        let shared = String(train.split(separator: "\n")[7])
        try (d.distinct + [shared]).joined(separator: "\n").write(toFile: "\(d.root)/data/ImageSets/Segmentation/val.txt", atomically: true, encoding: .utf8)
        let check = try LeakageCheck(first: try PipelineSpec.load(path: d.train), second: try PipelineSpec.load(path: d.val))
        #expect(check.findings.map(\.kind) == [.sameSource] && check.findings.first?.a == shared && check.findings.first?.b == shared)
    }

    @Test func otherClassesAreRefused() throws {
        let d = try Self.dataset(classesOfVal: "12")
        defer { try? FileManager.default.removeItem(atPath: d.root) }
        #expect {
            _ = try LeakageCheck(first: try PipelineSpec.load(path: d.train), second: try PipelineSpec.load(path: d.val))
        } throws: { error in
            let text = "\(error)"
            return text.contains("\(d.train) has classes [class0") && text.contains("but \(d.val) has [class0") && text.contains("class11]")
        }
    }

    @Test func theCommandPrintsJSONAndFailsWhenStrict() throws {
        let d = try Self.dataset()
        defer { try? FileManager.default.removeItem(atPath: d.root) }
        let binary = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".build/debug/seg-prep")
        let p = Process()
        p.executableURL = binary
        p.arguments = ["check", d.train, "--against", d.val, "--json", "--strict", "--survival-draws", "0"]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let out = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        #expect(p.terminationStatus == 1)
        let obj = try #require(try JSONSerialization.jsonObject(with: out) as? [String: Any])
        let dups = try #require(obj["duplicates"] as? [[String: Any]])
        let pairs = Set(dups.filter { $0["kind"] as? String == "near_duplicate" }.compactMap { d in (d["b"] as? String).map { "\(d["a"] ?? "")>\($0)" } })
        #expect(pairs == Set(d.planted.map { "\($0.value)>\($0.key)" }))
        #expect(dups.allSatisfy { $0["distance"] is Int })
    }
}
