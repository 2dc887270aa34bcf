import SegImage
import Foundation
import SegPipeline

/// DCT perceptual hashes of a decoded image: of the whole frame and of windows keeping 90% and 95%
/// of its width and of its height (at both edges and the centre), so a crop of another image
/// matches one of them. A hash is the sign, against their median, of the 8x8 lowest frequencies
/// (DC left out of the median) of the 32x32 DCT-II of the window's grey levels averaged to 32x32
/// (pHash as Zauner describes it, on an area average instead of a mean filter). A small grey copy
/// of the image is kept for the finer check of candidate pairs (`similarity`).
public struct PerceptualHash: Sendable, Equatable {
    /// The whole frame's hash, then the windows'.
    public var hashes: [UInt64]
    /// The windows hashed, as fractions of the frame (x0, y0, x1, y1); the first is the frame.
    static let windows: [Rect] = {
        var spans: [(Float, Float)] = [(0, 1)]
        for f: Float in [0.9, 0.95] { for p: Float in [0, 0.5, 1] { spans.append(((1 - f) * p, (1 - f) * p + f)) } }
        return spans.flatMap { y in spans.map { x in Rect(x0: x.0, y0: y.0, x1: x.1, y1: y.1) } }
    }()
    /// The grey levels averaged to `smallSide` pixels on the short side (smaller images as they are).
    var small: [Float]
    var smallWidth: Int, smallHeight: Int

    static let side = 32
    static let smallSide = 64
    /// The thumbnails the finer check correlates are this many pixels a side.
    static let thumbnailSide = 48

    public var full: UInt64 { hashes[0] }

    /// A rectangle in fractions of the frame.
    struct Rect: Sendable, Equatable {
        var x0: Float, y0: Float, x1: Float, y1: Float
    }

    /// Hashes of `image` (RGB).
    public init(_ image: Raster) {
        let grey = Self.grey(image)
        let scale = min(1, Float(Self.smallSide) / Float(max(1, min(image.width, image.height))))
        smallWidth = max(1, Int((Float(image.width) * scale).rounded()))
        smallHeight = max(1, Int((Float(image.height) * scale).rounded()))
        small = Self.average(grey, width: image.width, height: image.height, Rect(x0: 0, y0: 0, x1: 1, y1: 1), nx: smallWidth, ny: smallHeight)
        let (s, w, h) = (small, smallWidth, smallHeight)
        hashes = Self.windows.map { Self.hash(Self.average(s, width: w, height: h, $0, nx: Self.side, ny: Self.side)) }
    }

    /// Bits that differ between `a` and `b`.
    public static func distance(_ a: UInt64, _ b: UInt64) -> Int { (a ^ b).nonzeroBitCount }

    /// The closest match between the whole frame of one and the whole frame or a window of the
    /// other (a crop of an image matches one of the image's windows): the bits that differ, which
    /// of the two holds the window (true: this one) and the window.
    func match(_ other: PerceptualHash) -> (distance: Int, windowInSelf: Bool, window: Int) {
        var best = (Self.distance(full, other.full), false, 0)
        for (k, h) in other.hashes.enumerated().dropFirst() where Self.distance(full, h) < best.0 { best = (Self.distance(full, h), false, k) }
        for (k, h) in hashes.enumerated().dropFirst() where Self.distance(h, other.full) < best.0 { best = (Self.distance(h, other.full), true, k) }
        return best
    }

    /// The bits that differ at the closest match (see `match`).
    public func distance(to other: PerceptualHash) -> Int { match(other).distance }

    /// The finer check: the correlation (−1...1) of the edges (a 3x3 high-pass) of one image's
    /// whole frame and of the crop of the other that matches it best, found by a coordinate search
    /// from the window the hashes matched (steps of 2%, 1% and 0.5% of the sides, crops keeping at
    /// least 80% of each side).
    public func similarity(to other: PerceptualHash) -> Float {
        let m = match(other)
        let (cropped, whole) = m.windowInSelf ? (self, other) : (other, self)
        let n = Self.thumbnailSide
        let target = Self.highPass(whole.thumbnail(Rect(x0: 0, y0: 0, x1: 1, y1: 1)), side: n)
        func score(_ r: Rect) -> Float { Self.correlation(Self.highPass(cropped.thumbnail(r), side: n), target) }
        var rect = Self.windows[m.window]
        var best = score(rect)
        for step: Float in [0.02, 0.01, 0.005] {
            var improved = true, rounds = 0
            while improved && rounds < 8 {
                improved = false
                rounds += 1
                for k in 0..<4 {
                    for sign: Float in [-1, 1] {
                        var r = rect
                        switch k {
                        case 0: r.x0 += sign * step
                        case 1: r.y0 += sign * step
                        case 2: r.x1 += sign * step
                        default: r.y1 += sign * step
                        }
                        guard r.x0 >= 0, r.y0 >= 0, r.x1 <= 1, r.y1 <= 1, r.x1 - r.x0 >= 0.8, r.y1 - r.y0 >= 0.8 else { continue }
                        let s = score(r)
                        if s > best { (best, rect, improved) = (s, r, true) }
                    }
                }
            }
        }
        return best
    }

    /// The window `r` of the small grey copy averaged to `thumbnailSide` squared.
    func thumbnail(_ r: Rect) -> [Float] {
        Self.average(small, width: smallWidth, height: smallHeight, r, nx: Self.thumbnailSide, ny: Self.thumbnailSide)
    }

    /// Grey levels (ITU-R 601 weights) of an RGB raster.
    static func grey(_ image: Raster) -> [Float] {
        let n = image.width * image.height, c = image.channels
        var out = [Float](repeating: 0, count: n)
        image.pixels.withUnsafeBufferPointer { p in
            for i in 0..<n {
                let r = Float(p[i * c]), g = Float(p[i * c + min(1, c - 1)]), b = Float(p[i * c + min(2, c - 1)])
                out[i] = 0.299 * r + 0.587 * g + 0.114 * b
            }
        }
        return out
    }

    /// Means of `grey` over an `nx` x `ny` grid of the rectangle `r` (fractions of the frame),
    /// each pixel weighted by the part of it a cell covers. (Written here: the project's resizers
    /// take whole-pixel windows of 8-bit rasters, and these windows start at fractions of a pixel.)
    static func average(_ grey: [Float], width: Int, height: Int, _ r: Rect, nx: Int, ny: Int) -> [Float] {
        func spans(_ a: Float, _ b: Float, _ limit: Int, _ n: Int) -> [(first: Int, weights: [Float])] {
            let step = (b - a) / Float(n)
            return (0..<n).map { k in
                let lo = a + Float(k) * step, hi = lo + step
                let first = min(max(0, Int(lo.rounded(.down))), limit - 1)
                var weights: [Float] = []
                var p = first
                while p < limit, Float(p) < hi {
                    weights.append(max(0, min(hi, Float(p + 1)) - max(lo, Float(p))))
                    p += 1
                }
                let total = weights.reduce(0, +)
                return (first, total > 0 ? weights.map { $0 / total } : [1])
            }
        }
        let xs = spans(r.x0 * Float(width), r.x1 * Float(width), width, nx)
        let ys = spans(r.y0 * Float(height), r.y1 * Float(height), height, ny)
        var out = [Float](repeating: 0, count: nx * ny)
        grey.withUnsafeBufferPointer { g in
            for (j, ry) in ys.enumerated() {
                for (i, rx) in xs.enumerated() {
                    var s: Float = 0
                    for (dy, wy) in ry.weights.enumerated() {
                        let row = (ry.first + dy) * width + rx.first
                        var t: Float = 0
                        for (dx, wx) in rx.weights.enumerated() { t += g[row + dx] * wx }
                        s += t * wy
                    }
                    out[j * nx + i] = s
                }
            }
        }
        return out
    }

    /// The 64-bit hash of a 32x32 grid.
    static func hash(_ grid: [Float]) -> UInt64 {
        let k = 8
        // Separable DCT-II, only the k lowest frequencies of each axis: rows, then columns.
        let coeffs = lowFrequencies(lowFrequencies(grid, rows: side), rows: k)   // [v][u]
        let median = coeffs.dropFirst().sorted()[(k * k - 1) / 2]
        var bits: UInt64 = 0
        for i in 0..<(k * k) where coeffs[i] > median { bits |= 1 << UInt64(i) }
        return bits
    }

    /// The 8 lowest DCT-II frequencies of each row of `m` (`rows` rows of 32), transposed: entry
    /// [u][row], so applying it twice gives the 2-D coefficients [v][u].
    static func lowFrequencies(_ m: [Float], rows: Int) -> [Float] {
        var out = [Float](repeating: 0, count: 8 * rows)
        for r in 0..<rows {
            for u in 0..<8 {
                var s: Float = 0
                for x in 0..<side { s += m[r * side + x] * basis[u * side + x] }
                out[u * rows + r] = s
            }
        }
        return out
    }

    /// cos(π u (2x + 1) / 2n) for the 8 lowest frequencies u and x < 32.
    static let basis: [Float] = (0..<8).flatMap { u in (0..<side).map { x in cos(Float.pi * Float(u) * (2 * Float(x) + 1) / Float(2 * side)) } }

    /// `t` (side x side) minus its 3x3 mean (edges replicated).
    static func highPass(_ t: [Float], side n: Int) -> [Float] {
        var out = [Float](repeating: 0, count: n * n)
        for y in 0..<n {
            for x in 0..<n {
                var s: Float = 0
                for dy in -1...1 { for dx in -1...1 { s += t[min(max(y + dy, 0), n - 1) * n + min(max(x + dx, 0), n - 1)] } }
                out[y * n + x] = t[y * n + x] - s / 9
            }
        }
        return out
    }

    /// Pearson correlation of two equally long vectors (0 when either is flat).
    static func correlation(_ a: [Float], _ b: [Float]) -> Float {
        let n = Float(a.count)
        let ma = a.reduce(0, +) / n, mb = b.reduce(0, +) / n
        var sab: Float = 0, saa: Float = 0, sbb: Float = 0
        for i in a.indices {
            let (x, y) = (a[i] - ma, b[i] - mb)
            sab += x * y; saa += x * x; sbb += y * y
        }
        return saa > 1e-6 && sbb > 1e-6 ? sab / (saa * sbb).squareRoot() : 0
    }
}
