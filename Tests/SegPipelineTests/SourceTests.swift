import SegImage
import Foundation
import SegFormat
import Testing
@testable import SegPipeline

/// The same images and labels laid out as VOC, as two folders, as colour-coded masks, as ADE20K give
/// the same samples; Cityscapes labelIds become the official trainIds.
@Suite struct SourceTests {
    /// A pipeline over `input` with the stages of `Scratch.augmented` (same stage indices, so the
    /// same random draws).
    static func pipeline(input: String, classes: String = "11") -> String {
        Scratch.augmented
            .replacingOccurrences(of: "input: {root: data, split: train}", with: "input: \(input)")
            .replacingOccurrences(of: "classes: 11", with: "classes: \(classes)")
    }

    /// Image and label tensor bytes and ids of every shard of a finished folder.
    static func samples(_ dir: String) throws -> (ids: [String], images: [Data], labels: [Data]) {
        let m = try Manifest.load(from: dir)
        var images: [Data] = [], labels: [Data] = []
        for s in m.shards {
            let f = try SafeTensorsFile(path: try m.path(of: s, in: dir))
            images.append(Data(try f.bytes("image")))
            labels.append(try f.withBytes("label") { Data($0) })   // U8 or U16 bytes
        }
        return (m.shards.flatMap(\.ids), images, labels)
    }

    /// The scratch dataset as `images/<sub><id>.png` + `labels/<sub><id>.png`.
    static func foldersLayout(_ s: Scratch, root: String, sub: String = "seq/") throws -> URL {
        let dir = s.dir.appendingPathComponent(root)
        let fm = FileManager.default
        for d in ["images/\(sub)", "labels/\(sub)"] { try fm.createDirectory(at: dir.appendingPathComponent(d), withIntermediateDirectories: true) }
        for id in s.ids {
            try fm.copyItem(at: s.data.appendingPathComponent("JPEGImages/\(id).png"), to: dir.appendingPathComponent("images/\(sub)\(id).png"))
            try fm.copyItem(at: s.data.appendingPathComponent("SegmentationClass/\(id).png"), to: dir.appendingPathComponent("labels/\(sub)\(id).png"))
        }
        return dir
    }

    @Test func foldersGiveTheSameSamplesAsVOC() throws {
        let s = try Scratch(count: 4)
        defer { s.remove() }
        _ = try s.run()
        let voc = try Self.samples(s.out.path)
        _ = try Self.foldersLayout(s, root: "folders", sub: "")
        let text = Self.pipeline(input: "{format: folders, root: folders, image_suffix: .png}")
        let out = s.dir.appendingPathComponent("out-folders").path
        _ = try s.run(text, output: out)
        let folders = try Self.samples(out)
        #expect(folders.ids == voc.ids)
        #expect(folders.images == voc.images && folders.labels == voc.labels)
        // In subfolders, the stem (the sample id) keeps the relative path.
        _ = try Self.foldersLayout(s, root: "nested")
        let nested = try DatasetInput(try PipelineSpec.parse(
            Self.pipeline(input: "{format: folders, root: nested, image_suffix: .png}"), file: s.dir.appendingPathComponent("p.yaml").path).input)
        #expect(nested.ids == s.ids.sorted().map { "seq/\($0)" })
    }

    @Test func foldersNameUnpairedFilesAndSkipThem() throws {
        let s = try Scratch(count: 4)
        defer { s.remove() }
        let root = try Self.foldersLayout(s, root: "folders")
        try FileManager.default.removeItem(at: root.appendingPathComponent("labels/seq/\(s.ids[1]).png"))
        try FileManager.default.removeItem(at: root.appendingPathComponent("images/seq/\(s.ids[2]).png"))
        let text = Self.pipeline(input: "{format: folders, root: folders, image_suffix: .png}")
        let failure = #expect(throws: RunFailure.self) { try s.run(text) }
        let message = failure?.description ?? ""
        #expect(message.contains("images/seq/\(s.ids[1]).png: has no label (") == true, "\(message)")
        #expect(message.contains("labels/seq/\(s.ids[2]).png: has no image (") == true, "\(message)")
        let out = s.dir.appendingPathComponent("skipped").path
        let summary = try s.run(text, output: out, onError: .skip)
        #expect(Set(summary.manifest.skipped.map(\.id)) == ["seq/\(s.ids[1])", "seq/\(s.ids[2])"])
        #expect(Set(summary.manifest.shards.flatMap(\.ids)) == ["seq/\(s.ids[0])", "seq/\(s.ids[3])"])
    }

    /// Colours for CamVid's 11 classes (SegNet's table) and void.
    static let camvidColours: [[UInt8]] = [[128, 128, 128], [128, 0, 0], [192, 192, 128], [128, 64, 128], [60, 40, 222],
                                           [128, 128, 0], [192, 128, 128], [64, 64, 128], [64, 0, 128], [64, 64, 0],
                                           [0, 128, 192], [0, 0, 0]]

    @Test func colourCodedMasksGiveTheSameSamplesAsIndices() throws {
        let s = try Scratch(count: 3)
        defer { s.remove() }
        _ = try s.run()
        let voc = try Self.samples(s.out.path)
        for id in s.ids {
            let path = s.data.appendingPathComponent("SegmentationClass/\(id).png")
            let label = try ImageCodec.readLabel(try Data(contentsOf: path), id: id, path: path.path)
            let rgb = Raster(width: label.width, height: label.height, channels: 3,
                             pixels: label.pixels.flatMap { Self.camvidColours[Int(min($0, 11))] })
            try Vips.savePNG(rgb, to: path.path)
        }
        let entries = (0..<11).map { "{color: \(Self.camvidColours[$0]), class: \($0)}" } + ["{color: [0, 0, 0], class: ignore}"]
        let text = Self.pipeline(input: "{root: data, split: train, label_colors: [\(entries.joined(separator: ", "))]}")
        let out = s.dir.appendingPathComponent("out-colours").path
        _ = try s.run(text, output: out)
        let colours = try Self.samples(out)
        #expect(colours.ids == voc.ids && colours.images == voc.images && colours.labels == voc.labels)

        // Without label_colors the message names the fix; an unlisted colour is named with its place.
        let failure = #expect(throws: RunFailure.self) { try s.run(output: s.dir.appendingPathComponent("plain").path) }
        #expect(failure?.description.contains("or add `label_colors` to `input`") == true)
        let partial = Self.pipeline(input: "{root: data, split: train, label_colors: [\(entries.dropLast().joined(separator: ", "))]}")
        let unlisted = #expect(throws: RunFailure.self) { try s.run(partial, output: s.dir.appendingPathComponent("partial").path) }
        #expect(unlisted?.description.contains("has the colour [0, 0, 0] at x=") == true, "\(String(describing: unlisted))")
    }

    @Test func labelColourErrorsAreLocated() throws {
        let bad = Self.pipeline(input: "{root: data, label_colors: [{color: [1, 2, 3], class: skyy}]}",
                                classes: "[sky, road]")
        let e1 = #expect(throws: PipelineError.self) { try PipelineSpec.parse(bad, file: "p.yaml") }
        #expect(e1?.description.contains("'input.label_colors' names class 'skyy', which is not in `classes`; did you mean 'sky'?") == true, "\(String(describing: e1))")
        let preset = Self.pipeline(input: "{root: data, label_colors: camvd}")
        let e2 = #expect(throws: PipelineError.self) { try PipelineSpec.parse(preset, file: "p.yaml") }
        #expect(e2?.description.contains("'input.label_colors' is 'camvd', not a known palette; did you mean 'camvid'?") == true, "\(String(describing: e2))")
        let isprs = Self.pipeline(input: "{root: data, label_colors: isprs}",
                                  classes: "[impervious_surfaces, building, low_vegetation, tree, car, clutter]")
        let spec = try PipelineSpec.parse(isprs, file: "p.yaml")
        #expect(spec.labelColours?.table[LabelColours.pack([0, 0, 255])] == .value(1))
    }

    @Test func cityscapesLabelIdsBecomeTheOfficialTrainIds() throws {
        // labels.csv is the table of cityscapesScripts' helpers/labels.py (name, id, trainId).
        let csv = try String(contentsOf: fixtures.appendingPathComponent("cityscapes-mini/labels.csv"), encoding: .utf8)
        var official = [UInt8](repeating: 19, count: 256)
        for row in csv.split(separator: "\n").dropFirst() {
            let f = row.split(separator: ",").map(String.init)
            guard let id = Int(f[f.count - 2]), let train = Int(f[f.count - 1]), id >= 0 else { continue }
            official[id] = (0..<19).contains(train) ? UInt8(train) : 19
        }
        let spec = try PipelineSpec.load(path: packageRoot.appendingPathComponent("pipelines/cityscapes-train.yaml").path)
        #expect(spec.input.labelTable(ignore: 19) == official.map(UInt16.init))
        let input = try DatasetInput(spec.input)
        #expect(input.ids == ["camvid/0001TP_006690", "camvid/0001TP_007020", "camvid/0001TP_007350"])
        #expect(input.records.allSatisfy { $0.problem == nil && $0.label.hasSuffix("_gtFine_labelIds.png") })
    }

    @Test func ade20kReducesZeroLabelAndMatchesVOC() throws {
        let s = try Scratch(count: 3)
        defer { s.remove() }
        // The ADE20K fixture's JPEGs laid out as VOC with CamVid's labels.
        let ade = fixtures.appendingPathComponent("ade20k-mini")
        let ids = try FileManager.default.contentsOfDirectory(atPath: ade.appendingPathComponent("images/training").path)
            .map { String($0.dropLast(4)) }.sorted()
        let voc = s.dir.appendingPathComponent("voc")
        let fm = FileManager.default
        for sub in ["JPEGImages", "SegmentationClass", "ImageSets/Segmentation"] {
            try fm.createDirectory(at: voc.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        for id in ids {
            try fm.copyItem(at: ade.appendingPathComponent("images/training/\(id).jpg"), to: voc.appendingPathComponent("JPEGImages/\(id).jpg"))
            try fm.copyItem(at: fixtures.appendingPathComponent("camvid-mini/SegmentationClass/\(id).png"),
                            to: voc.appendingPathComponent("SegmentationClass/\(id).png"))
        }
        try (ids.joined(separator: "\n") + "\n").write(to: voc.appendingPathComponent("ImageSets/Segmentation/train.txt"), atomically: true, encoding: .utf8)
        let a = s.dir.appendingPathComponent("a").path, b = s.dir.appendingPathComponent("b").path
        _ = try s.run(Self.pipeline(input: "{root: voc, split: train}"), output: a)
        _ = try s.run(Self.pipeline(input: "{format: ade20k, root: \(ade.path)}"), output: b)
        let x = try Self.samples(a), y = try Self.samples(b)
        #expect(x.ids == y.ids && x.images == y.images && x.labels == y.labels)
        // The same as two folders with reduce_zero_label.
        let c = s.dir.appendingPathComponent("c").path
        _ = try s.run(Self.pipeline(input: "{format: folders, root: \(ade.path), images: images/training, labels: annotations/training, reduce_zero_label: true}"), output: c)
        let z = try Self.samples(c)
        #expect(z.ids == y.ids && z.images == y.images && z.labels == y.labels)
    }

    @Test func reduceZeroLabelIsMmsegs() {
        // mmseg: gt[gt == 0] = 255; gt = gt - 1; gt[gt == 254] = 255 (255 is its ignore value).
        let t = ADE20KSource.reduceZeroLabel(ignore: 11)
        #expect(t[0] == 11 && t[255] == 11 && t[1] == 0 && t[150] == 149 && t[254] == 253)
    }
}
