import SegImage
import Foundation
import SegPipeline

/// Sliding-window prediction over an image of any size, as mmsegmentation's `slide_inference`:
/// windows of `tile` pixels at `stride` (the count max(L − tile + stride − 1, 0) / stride + 1 per
/// axis, the last one shifted back inside the image), each run through the model, the logits of
/// overlapping windows summed and divided by how many windows cover the pixel, then the argmax.
///
/// The image is read window by window through libvips, and logits are kept for one band of rows
/// (a row of windows) at a time, so memory for logits grows with the image width, not its area.
public struct SlideInference: Sendable {
    public let tile: Int
    public let stride: Int
    /// Number of classes (logit channels).
    public let classes: Int

    public init(tile: Int, stride: Int, classes: Int) {
        self.tile = tile; self.stride = stride; self.classes = classes
    }

    /// The class map of the image file at `path`, at its own size; `logits` maps a `tile`x`tile`
    /// RGB window to `classes` planes of `tile`x`tile` scores (`[C, H, W]` row-major).
    public func labelMap(path: String, logits: (Raster) throws -> [Float]) throws -> Raster {
        let image = try Vips.WindowedImage(path: path)
        let (H, W) = (image.height, image.width)
        let windows = TileWindow.grid(imageHeight: H, imageWidth: W, size: (tile, tile), stride: (stride, stride), border: .shift)
        let rows = Array(Set(windows.map(\.y))).sorted()
        var label = Raster(width: W, height: H, fill: [0])
        // Logit sums and window counts of the rows [anchor, anchor + tile), kept across bands:
        // windows of one row overlap the next row's.
        var sum = [Float](repeating: 0, count: classes * tile * W), count = [Float](repeating: 0, count: tile * W)
        var anchor = 0
        for (r, top) in rows.enumerated() {
            let shift = top - anchor
            if shift > 0 {
                for c in 0..<classes {
                    let base = c * tile * W
                    for i in 0..<tile {
                        let from = base + (i + shift) * W, to = base + i * W
                        for j in 0..<W { sum[to + j] = i + shift < tile ? sum[from + j] : 0 }
                    }
                }
                for i in 0..<tile { for j in 0..<W { count[i * W + j] = i + shift < tile ? count[(i + shift) * W + j] : 0 } }
                anchor = top
            }
            for w in windows where w.y == top {
                let inside = w.inside
                let rgb = try WindowReader.rgb(image, inside, id: (path as NSString).lastPathComponent)
                var canvas = Raster(width: tile, height: tile, fill: [128, 128, 128])
                canvas.paste(rgb, dx: 0, dy: 0)
                let scores = try logits(canvas)
                precondition(scores.count == classes * tile * tile, "logits must be [classes, tile, tile]")
                scores.withUnsafeBufferPointer { x in
                    for c in 0..<classes {
                        for i in 0..<inside.height {
                            let src = c * tile * tile + i * tile, dst = (c * tile + i) * W + inside.x
                            for j in 0..<inside.width { sum[dst + j] += x[src + j] }
                        }
                    }
                }
                for i in 0..<inside.height { for j in 0..<inside.width { count[i * W + inside.x + j] += 1 } }
            }
            // Rows no later window reaches are final: up to the next band's top, or all of the last.
            let final = r + 1 < rows.count ? rows[r + 1] - top : min(tile, H - top)
            // The mean over windows, then the first maximum wins.
            for i in 0..<(final * W) {
                var best = sum[i] / count[i], k = 0
                for c in 1..<max(classes, 1) {
                    let v = sum[c * tile * W + i] / count[i]
                    if v > best { best = v; k = c }
                }
                label.pixels[top * W + i] = UInt8(k)
            }
        }
        return label
    }
}
