import SegImage
import Foundation
import SegFormat
@testable import SegPipeline
import SegTasks
import Testing

/// The HTML report of a shard folder: every name escaped, and the page rendered by a real browser
/// (headless Chromium) with its charts, no console error and a screenshot that is not blank.
@Suite struct ReportTests {
    static let chromium: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// A run over three camvid-mini frames whose classes include names HTML would take as markup.
    static func folder() throws -> (root: String, out: String) {
        try Vips.start()
        let camvid = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("fixtures/camvid-mini")
        let root = NSTemporaryDirectory() + "report-\(UUID().uuidString)"
        let fm = FileManager.default
        for sub in ["data/JPEGImages", "data/SegmentationClass", "data/ImageSets/Segmentation"] {
            try fm.createDirectory(atPath: "\(root)/\(sub)", withIntermediateDirectories: true)
        }
        let ids = try String(contentsOf: camvid.appendingPathComponent("ImageSets/Segmentation/train.txt"), encoding: .utf8)
            .split(whereSeparator: \.isNewline).prefix(3).map(String.init)
        for id in ids {
            try fm.copyItem(atPath: camvid.appendingPathComponent("JPEGImages/\(id).png").path, toPath: "\(root)/data/JPEGImages/\(id).png")
            try fm.copyItem(atPath: camvid.appendingPathComponent("SegmentationClass/\(id).png").path, toPath: "\(root)/data/SegmentationClass/\(id).png")
        }
        try (ids.joined(separator: "\n") + "\n").write(toFile: "\(root)/data/ImageSets/Segmentation/train.txt", atomically: true, encoding: .utf8)
        let text = """
        input: {root: data, split: train}
        classes: [sky, "<script>alert(1)</script>", pole, road, "a & b", tree, "\\"quoted\\"", fence, car, "<img src=x onerror=alert(2)>", bicyclist]
        repeats: 2
        stages:
          - decode: {}
          - remap_labels: {above: 10, to: ignore}
          - random_crop: {size: [96, 128]}
          - pad: {size: [96, 128]}
        output: {dir: out}
        """
        let spec = try PipelineSpec.parse(text, file: "\(root)/p.yaml")
        _ = try PipelineRunner(spec: spec, options: RunOptions(output: "\(root)/out", threads: 1)).run()
        return (root, "\(root)/out")
    }

    @Test func everyNameIsEscaped() throws {
        let (root, out) = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let html = try DatasetReport(folder: out).html
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(html.contains("&lt;img src=x onerror=alert(2)&gt;"))
        #expect(html.contains("a &amp; b"))
        #expect(!html.contains("<script") && !html.contains("<img src=x"))
        #expect(!html.contains("http://") || html.components(separatedBy: "http://").count == html.components(separatedBy: "http://www.w3.org/2000/svg").count)
    }

    /// A damaged shard: the page names it and still shows what the manifest holds.
    @Test func aDamagedFolderNamesTheShardAndRendersTheRest() throws {
        let (root, out) = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let shard = "\(out)/shard-00000.safetensors"
        let handle = try #require(FileHandle(forWritingAtPath: shard))
        try handle.truncate(atOffset: 1000)
        try handle.close()
        let html = try DatasetReport(folder: out).html
        #expect(html.contains("The samples could not be read: \(shard) has 1000 bytes"))
        #expect(html.contains("<h2>Classes</h2>") && html.contains("<h2>Label survival</h2>") && html.contains("<h2>Pipeline</h2>"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
    }

    /// The report of a training pipeline against its validation split shows every planted copy
    /// beside the frame it was made from: the row names the pair, and its picture holds the two
    /// images, whose colours are those of the two files.
    @Test func theLeakageSectionShowsEachPairWithItsImages() throws {
        let d = try LeakageTests.dataset()
        defer { try? FileManager.default.removeItem(atPath: d.root) }
        let report = try DatasetReport(pipeline: try PipelineSpec.load(path: d.train), against: try PipelineSpec.load(path: d.val))
        let html = report.html
        #expect(html.contains("pair(s) between \(d.train) and \(d.val)"))
        /// Mean of each channel of an RGB raster.
        func mean(_ r: Raster) -> [Double] {
            (0..<3).map { k in stride(from: k, to: r.pixels.count, by: 3).reduce(0.0) { $0 + Double(r.pixels[$1]) } / Double(r.width * r.height) }
        }
        for (copy, original) in d.planted {
            let alt = "alt=\"\(original) | \(copy)\" src=\"data:image/png;base64,"
            let start = try #require(html.range(of: alt), "no picture for \(original) | \(copy)")
            let encoded = html[start.upperBound...].prefix { $0 != "\"" }
            let picture = try ImageFile.decode(try #require(Data(base64Encoded: String(encoded))), id: copy, path: copy)
            #expect(picture.height <= 112 && picture.height > 40 && picture.width > 2 * picture.height)
            // Left: the training frame, at most 112 pixels wide (its top-left 100x80 compared with
            // the same part of the file); right of it, the copy.
            let a = try ImageFile.read("\(d.root)/data/JPEGImages/\(original).png")
            let scale = Double(a.width) / 112
            let left = picture.window(Resample.Window(x0: 0, y0: 0, x1: 100, y1: 80))
            let same = a.window(Resample.Window(x0: 0, y0: 0, x1: Int(100 * scale), y1: Int(80 * scale)))
            for (x, y) in zip(mean(left), mean(same)) { #expect(abs(x - y) < 6, "\(original): \(mean(left)) vs \(mean(same))") }
        }
        #expect(html.components(separatedBy: "data:image/png;base64,").count - 1 >= d.planted.count + 1)
    }

    @Test(.enabled(if: ReportTests.chromium != nil, "chromium is not installed (scripts/test installs it): the report's browser test is skipped"))
    func theReportRendersInChromium() throws {
        let (root, out) = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let page = "\(root)/report.html", shot = "\(root)/shot.png"
        try DatasetReport(folder: out).write(to: page)
        let chromium = try #require(Self.chromium)
        func browse(_ extra: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: chromium)
            p.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0", "--window-size=1200,3000",
                           "--user-data-dir=\(root)/profile"] + extra + ["file://\(page)"]
            let (o, e) = (Pipe(), Pipe())
            p.standardOutput = o; p.standardError = e
            try p.run()
            let outData = o.fileHandleForReading.readDataToEndOfFile(), errData = e.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            return (p.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
        }
        let dom = try browse(["--dump-dom"])
        guard dom.status == 0, dom.stdout.contains("<html") else {
            Issue.record("chromium could not render the page (exit \(dom.status)): \(dom.stderr.suffix(400))")
            return
        }
        // The charts' elements: three bar charts (pixels, log pixels, survival), a bar per class each, and the contact sheet.
        #expect(dom.stdout.components(separatedBy: "<svg").count - 1 == 3)
        #expect(dom.stdout.components(separatedBy: "<rect").count - 1 >= 3 * 11)
        #expect(dom.stdout.contains("<img class=\"sheet\""))
        #expect(dom.stdout.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        let console = dom.stderr.split(separator: "\n").filter { $0.contains("CONSOLE") || $0.contains("Uncaught") || $0.contains("Refused") }
        #expect(console.isEmpty, "\(console)")
        let screenshot = try browse(["--screenshot=\(shot)"])
        #expect(screenshot.status == 0)
        let image = try ImageFile.read(shot)
        // Not blank: a good share of the page is not the white background, in many colours.
        var nonWhite = 0, colours = Set<Int>()
        for i in stride(from: 0, to: image.pixels.count, by: 3) {
            let (r, g, b) = (Int(image.pixels[i]), Int(image.pixels[i + 1]), Int(image.pixels[i + 2]))
            if r + g + b < 720 { nonWhite += 1 }
            colours.insert(r << 16 | g << 8 | b)
        }
        #expect(Double(nonWhite) / Double(image.width * image.height) > 0.05)
        #expect(colours.count > 100)
    }
}
