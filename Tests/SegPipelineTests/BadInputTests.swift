import SegImage
import Foundation
import SegFormat
import Testing
@testable import SegPipeline

/// Each bad input gets one line naming the file, the problem and the fix; good samples are kept.
@Suite struct BadInputTests {
    /// Breaks sample `index` of a scratch dataset in some way; returns the file that should be named.
    typealias Breaker = @Sendable (Scratch, String) throws -> String

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var message: String
        var breaker: Breaker
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "truncated image", message: "cannot be decoded as an image") { s, id in
            let p = s.data.appendingPathComponent("JPEGImages/\(id).png")
            let d = try Data(contentsOf: p)
            try d.prefix(d.count / 2).write(to: p)
            return p.path
        },
        Case(name: "missing label", message: "label file is missing; add it, remove '") { s, id in
            let p = s.data.appendingPathComponent("SegmentationClass/\(id).png")
            try FileManager.default.removeItem(at: p)
            return p.path
        },
        Case(name: "missing image", message: "image file is missing (no ") { s, id in
            try FileManager.default.removeItem(at: s.data.appendingPathComponent("JPEGImages/\(id).png"))
            return s.data.appendingPathComponent("JPEGImages/\(id).*").path   // no suffix is guessed
        },
        Case(name: "size mismatch", message: "is 240x180 but its image is 480x360; export the label at the image's size") { s, id in
            let p = s.data.appendingPathComponent("SegmentationClass/\(id).png")
            try Vips.savePNG(Raster(width: 240, height: 180, fill: [1]), to: p.path)
            return p.path
        },
        Case(name: "RGB label", message: "is a colour-coded RGB label; class indices are expected; convert it to a palette or greyscale PNG") { s, id in
            let p = s.data.appendingPathComponent("SegmentationClass/\(id).png")
            try Vips.savePNG(Raster(width: 480, height: 360, fill: [128, 64, 128]), to: p.path)
            return p.path
        },
        Case(name: "image is a directory", message: "image file is a directory, not a file; put the file itself at this path") { s, id in
            let p = s.data.appendingPathComponent("JPEGImages/\(id).png")
            try FileManager.default.removeItem(at: p)
            try FileManager.default.createDirectory(at: p, withIntermediateDirectories: false)
            return p.path
        },
        Case(name: "image is a symbolic link loop", message: "image file is a symbolic link loop") { s, id in
            let p = s.data.appendingPathComponent("JPEGImages/\(id).png")
            try FileManager.default.removeItem(at: p)
            try FileManager.default.createSymbolicLink(atPath: p.path, withDestinationPath: p.path)
            return p.path
        },
        Case(name: "grey+alpha label", message: "is a greyscale PNG with an alpha channel; class indices are expected") { s, id in
            let p = s.data.appendingPathComponent("SegmentationClass/\(id).png")
            try Vips.savePNG(Raster(width: 480, height: 360, fill: [3, 255]), to: p.path)
            return p.path
        },
        Case(name: "JPEG header claiming 65000x65000", message: "claims 65000x65000 pixels in its header, above the limit of 178956970") { s, id in
            let p = s.data.appendingPathComponent("JPEGImages/\(id).jpg")   // .jpg is taken before .png
            try BombFiles.jpeg(width: 65000, height: 65000).write(to: p)
            return p.path
        },
        Case(name: "PNG header claiming 30000x30000", message: "claims 30000x30000 pixels in its header, above the limit") { s, id in
            let p = s.data.appendingPathComponent("JPEGImages/\(id).png")
            try BombFiles.png(width: 30000, height: 30000).write(to: p)
            return p.path
        },
        Case(name: "label PNG claiming more than its image", message: "is 12000x12000 but its image is 480x360") { s, id in
            let p = s.data.appendingPathComponent("SegmentationClass/\(id).png")
            try BombFiles.png(width: 12000, height: 12000, colourType: 3).write(to: p)
            return p.path
        },
        Case(name: "values out of range", message: "has label values 40 beyond the 11 classes (0..10, ignore = 11); add `- remap_labels") { s, id in
            let p = s.data.appendingPathComponent("SegmentationClass/\(id).png")
            try Vips.savePNG(Raster(width: 480, height: 360, fill: [40]), to: p.path)
            return p.path
        },
    ]

    /// Letterbox pipeline that maps only 255 (void) to ignore, so out-of-range values stay visible.
    static let pipeline = """
    input: {root: data, split: train}
    classes: 11
    stages:
      - decode: {}
      - remap_labels: {map: {255: ignore}}
      - letterbox: {size: [48, 64]}
    output: {dir: out, samples_per_shard: 2}
    """

    @Test(arguments: cases)
    func failsNamingTheFile(_ c: Case) throws {
        let s = try Scratch(count: 5)
        defer { s.remove() }
        let bad = s.ids[2]
        let file = try c.breaker(s, bad)
        let failure = #expect(throws: RunFailure.self) { try s.run(Self.pipeline) }
        let text = failure?.description ?? ""
        #expect(text.hasPrefix("\(file): "), "\(text)")
        #expect(text.contains(c.message), "\(text)")
        #expect(failure?.errors.count == 1)
        // Shards 0 (ids 0, 1) and 2 (id 4) are complete and kept; shard 1 holds the bad sample; no manifest.
        let names = try FileManager.default.contentsOfDirectory(atPath: s.out.path).sorted()
        #expect(names == ["shard-00000.entry.json", "shard-00000.safetensors", "shard-00002.entry.json", "shard-00002.safetensors"])
    }

    @Test(arguments: cases)
    func skipKeepsEveryGoodSample(_ c: Case) throws {
        let s = try Scratch(count: 5)
        defer { s.remove() }
        let bad = s.ids[2]
        _ = try c.breaker(s, bad)
        let summary = try s.run(Self.pipeline, onError: .skip)
        let m = try Manifest.load(from: s.out.path)
        #expect(m.shards.flatMap(\.ids) == s.ids.filter { $0 != bad })
        #expect(m.skipped.map(\.id) == [bad])
        #expect(m.skipped.first?.reason.contains(c.message) == true)
        #expect(summary.samples == 4)
    }

    @Test func skippedSampleLeavesItsShardMatesIntact() throws {
        let s = try Scratch(count: 5)
        defer { s.remove() }
        // ids[3] is the second sample of shard 1: the first was already streamed when it fails.
        _ = try Self.cases[0].breaker(s, s.ids[3])
        _ = try s.run(Self.pipeline, threads: 3, onError: .skip)
        let m = try Manifest.load(from: s.out.path)
        #expect(m.shards[1].ids == [s.ids[2]])
        #expect(try ShardVerifier.verify(s.out.path).isEmpty)
        // The same sample run alone (the letterbox draws nothing, so its pixels do not depend on its position).
        try s.writeSplit([s.ids[2]])
        let alone = s.dir.appendingPathComponent("alone").path
        _ = try s.run(Self.pipeline, output: alone)
        let kept = try SafeTensorsFile(path: "\(s.out.path)/shard-00001.safetensors")
        let reference = try SafeTensorsFile(path: "\(alone)/shard-00000.safetensors")
        for name in ["image", "label"] {
            #expect(try kept.info(name).shape == reference.info(name).shape)
            #expect(try kept.bytes(name) == reference.bytes(name))
        }
    }

    @Test func fourBadFilesAllNamed() throws {
        let s = try Scratch(count: 8)
        defer { s.remove() }
        var files: [String] = []
        for (i, c) in Self.cases.prefix(4).enumerated() { files.append(try c.breaker(s, s.ids[2 * i])) }
        let failure = #expect(throws: RunFailure.self) { try s.run(Self.pipeline) }
        for f in files { #expect(failure?.description.contains(f) == true) }
        _ = try s.run(Self.pipeline, onError: .skip)
        let m = try Manifest.load(from: s.out.path)
        #expect(m.sampleCount == 4)
        #expect(Set(m.skipped.map(\.id)) == Set([0, 2, 4, 6].map { s.ids[$0] }))
    }

    @Test func emptySplit() throws {
        let s = try Scratch(count: 2)
        defer { s.remove() }
        try s.writeSplit([])
        let error = #expect(throws: InputError.self) { try s.run(Self.pipeline) }
        #expect(error?.description.hasSuffix("ImageSets/Segmentation/train.txt is empty; list one sample id per line") == true)
    }

    @Test func duplicateId() throws {
        let s = try Scratch(count: 3)
        defer { s.remove() }
        try s.writeSplit([s.ids[0], s.ids[1], s.ids[0]])
        let error = #expect(throws: InputError.self) { try s.run(Self.pipeline) }
        #expect(error?.description.hasSuffix("train.txt:3: id '\(s.ids[0])' is listed twice (first on line 1); remove the duplicate line") == true)
    }

    @Test func missingSplit() throws {
        let s = try Scratch(count: 2)
        defer { s.remove() }
        let error = #expect(throws: InputError.self) { try s.run(Self.pipeline.replacingOccurrences(of: "split: train", with: "split: test")) }
        #expect(error?.description.contains("test.txt is missing; create it with one sample id per line") == true)
    }
}

/// A rerun retries the samples a `--on-error skip` run left out: a file fixed since comes in (the
/// folder then equals a fresh run's), one still bad leaves the folder as it was.
@Suite struct SkippedRetryTests {
    @Test func aFixedFileComesInOnTheNextRun() throws {
        let s = try Scratch(count: 5)
        defer { s.remove() }
        let bad = s.ids[2]
        let image = s.data.appendingPathComponent("JPEGImages/\(bad).png")
        let good = try Data(contentsOf: image)
        try good.prefix(good.count / 3).write(to: image)
        _ = try s.run(BadInputTests.pipeline, onError: .skip)
        let first = try s.files()
        #expect(try Manifest.load(from: s.out.path).skipped.map(\.id) == [bad])
        // Still bad: nothing changes, byte for byte.
        _ = try s.run(BadInputTests.pipeline, onError: .skip)
        #expect(try s.files() == first)
        // Fixed: the sample is in, the skip is gone, and the folder equals a fresh run's.
        try good.write(to: image)
        _ = try s.run(BadInputTests.pipeline, onError: .skip)
        let m = try Manifest.load(from: s.out.path)
        #expect(m.skipped.isEmpty)
        #expect(m.shards.flatMap(\.ids) == s.ids)
        let fresh = s.dir.appendingPathComponent("fresh").path
        _ = try s.run(BadInputTests.pipeline, output: fresh, onError: .skip)
        #expect(try s.files() == s.files(fresh))
        #expect(try ShardVerifier.verify(s.out.path).isEmpty)
    }
}
