import SegImage
import Foundation
import SegTasks
import SegFormat
import Testing
@testable import SegPipeline

/// Sliding-window prediction against a whole-image transcription of mmsegmentation's
/// `slide_inference` (full-size sums and counts, no bands), with window logits that depend on the
/// position inside the window so overlapping windows disagree and the averaging matters.
@Suite struct SlideInferenceTests {
    /// Scores of a window: class 0 from red and the row, class 1 from green and the column, class 2 flat.
    static func scores(_ w: Raster) -> [Float] {
        let t = w.width
        var out = [Float](repeating: 0, count: 3 * t * t)
        for y in 0..<t {
            for x in 0..<t {
                let p = (y * t + x) * 3
                out[y * t + x] = Float(w.pixels[p]) * (1 + Float(y) * 0.02)
                out[t * t + y * t + x] = Float(w.pixels[p + 1]) + Float(x) * 3.5
                out[2 * t * t + y * t + x] = 140
            }
        }
        return out
    }

    /// mmseg's loop: h_grids = max(H − t + s − 1, 0) // s + 1; y1 = i·s; y2 = min(y1 + t, H);
    /// y1 = max(y2 − t, 0) (likewise x); preds += logits of the crop; count += 1; argmax(preds / count).
    static func oracle(_ image: Raster, tile t: Int, stride s: Int) -> [UInt8] {
        let (H, W) = (image.height, image.width)
        var preds = [Float](repeating: 0, count: 3 * H * W), count = [Float](repeating: 0, count: H * W)
        for i in 0..<(max(H - t + s - 1, 0) / s + 1) {
            for j in 0..<(max(W - t + s - 1, 0) / s + 1) {
                let y2 = min(i * s + t, H), x2 = min(j * s + t, W)
                let y1 = max(y2 - t, 0), x1 = max(x2 - t, 0)
                var crop = Raster(width: t, height: t, fill: [128, 128, 128])
                crop.paste(image, dx: -x1, dy: -y1)
                let l = scores(crop)
                for y in y1..<y2 {
                    for x in x1..<x2 {
                        for c in 0..<3 { preds[c * H * W + y * W + x] += l[c * t * t + (y - y1) * t + (x - x1)] }
                        count[y * W + x] += 1
                    }
                }
            }
        }
        return (0..<(H * W)).map { p in
            var best = preds[p] / count[p], k: UInt8 = 0
            for c in 1..<3 where preds[c * H * W + p] / count[p] > best { best = preds[c * H * W + p] / count[p]; k = UInt8(c) }
            return k
        }
    }

    @Test(arguments: [(97, 64, 40, 24), (50, 130, 32, 32), (20, 30, 48, 16), (83, 61, 25, 7)])
    func bandsEqualTheWholeImageAverage(height: Int, width: Int, tile: Int, stride: Int) throws {
        let s = try Scratch(count: 1)
        defer { s.remove() }
        try Vips.start()
        var rng = SplitMix64(seed: UInt64(height * width))
        let image = Raster(width: width, height: height, channels: 3,
                           pixels: (0..<(width * height * 3)).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
        let path = s.dir.appendingPathComponent("scene.png").path
        try Vips.savePNG(image, to: path)
        let label = try SlideInference(tile: tile, stride: stride, classes: 3).labelMap(path: path) { Self.scores($0) }
        let want = Self.oracle(image, tile: tile, stride: stride)
        #expect(label.width == width && label.height == height)
        #expect(label.pixels == want)
        #expect(Set(want).count == 3, "every class should win somewhere for the test to mean something")
    }
}
