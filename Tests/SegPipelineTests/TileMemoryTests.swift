import SegImage
import Foundation
import SegFormat
import Testing
@testable import SegPipeline

/// Peak memory of `run` tiling a 100-megapixel JPEG with its label: both stream top to bottom and
/// only a band of rows is kept, so the process stays below the 300 MB the image alone takes decoded
/// (measured with getrusage of the child, not timed).
@Suite struct TileMemoryTests {
    @Test func aHugeImageIsTiledInBoundedMemory() throws {
        let s = try Scratch(count: 1)
        defer { s.remove() }
        try Vips.start()
        let root = s.dir.appendingPathComponent("huge")
        let fm = FileManager.default
        for d in ["images", "labels"] { try fm.createDirectory(at: root.appendingPathComponent(d), withIntermediateDirectories: true) }
        let jpg = TileTests.potsdam.appendingPathComponent("images/area1.jpg")
        let (tile, _) = try ImageCodec.decodeRGB(try Data(contentsOf: jpg), id: "a", path: jpg.path)
        let n = 10_000
        do {
            var big = Raster(width: n, height: n, fill: [0, 0, 0])
            var label = Raster(width: n, height: n, fill: [0])
            let classes = Raster(width: tile.width, height: tile.height, channels: 1,
                                 pixels: (0..<(tile.width * tile.height)).map { UInt8(($0 / 7919) % 6) })
            for y in stride(from: 0, to: n, by: tile.height) {
                for x in stride(from: 0, to: n, by: tile.width) {
                    big.paste(tile, dx: x, dy: y)
                    label.paste(classes, dx: x, dy: y)
                }
            }
            try Vips.encode(big, suffix: ".jpg[Q=85]").write(to: root.appendingPathComponent("images/huge.jpg"))
            try Vips.encode(label, suffix: ".png[compression=1]").write(to: root.appendingPathComponent("labels/huge.png"))
        }
        let pipeline = s.dir.appendingPathComponent("huge.yaml")
        try TileTests.pipeline(root: root.path, labels: "", extra: "")
            .replacingOccurrences(of: "stride: [256, 256]", with: "stride: [512, 512]")
            .write(to: pipeline, atomically: true, encoding: .utf8)
        let script = "import resource, subprocess, sys; r = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
            + "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, r.returncode, r.stderr[-300:].replace(chr(10), ' '))"
        let (status, out) = try runProcess(URL(fileURLWithPath: "/usr/bin/env"),
                                           ["python3", "-c", script, segPrepBinary.path, "run", pipeline.path, "--output", s.out.path, "--threads", "2"])
        #expect(status == 0, "\(out)")
        let fields = out.split(separator: " ")
        let rssKB = Int(fields.first ?? "") ?? .max
        #expect(fields.count > 1 && fields[1] == "0", "\(out)")
        #expect(rssKB < 300_000, "peak RSS \(rssKB) KB: \(out)")
        let m = try Manifest.load(from: s.out.path)
        #expect(m.sampleCount == 400)
    }
}
