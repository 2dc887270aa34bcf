import CPixelKernels
import Foundation
import SegFormat

/// Pixel kernels written in C (`CPixelKernels`), for loops Swift does not compile as tightly.
///
/// Each kernel with SIMD versions takes the path to run (`path`, default `SIMDPath.current`); every
/// path gives the same bytes, and the tests run each path this CPU has.
package enum PixelKernels {
    /// Asks the OS to back the 2 MiB-aligned part of `buffer` with huge pages (before its first
    /// write, so its pages are born huge: one fault per 2 MiB instead of per 4 KiB). Advice only.
    package static func adviseHugePages(_ buffer: UnsafeMutableRawBufferPointer) {
        #if os(Linux)
        let start = UInt(bitPattern: buffer.baseAddress)
        let huge: UInt = 2 << 20
        let first = (start + huge - 1) & ~(huge - 1)
        let end = (start + UInt(buffer.count)) & ~(huge - 1)
        if end > first {
            _ = madvise(UnsafeMutableRawPointer(bitPattern: first), Int(end - first), MADV_HUGEPAGE)
        }
        #endif
    }

    /// Pillow's horizontal fixed-point pass over 3-channel rows for output columns `first ..< first + width`.
    package static func resampleHorizontal3(_ src: Raster, rows: Range<Int>, into out: UnsafeMutablePointer<UInt8>, width: Int,
                                    first: Int, coefficients co: Resample.Coefficients, path: SIMDPath = .current) {
        src.pixels.withUnsafeBufferPointer { s in
            co.bounds.withUnsafeBufferPointer { b in
                co.weights.withUnsafeBufferPointer { w in
                    // (Sides fit Int32: `FileGate.check` refuses larger ones before any decode.)
                    guard let base = s.baseAddress, !rows.isEmpty else { return }
                    sp_resample_horizontal3(base + rows.lowerBound * src.width * 3, Int32(src.width),
                                            Int32(rows.count), out, Int32(width), Int32(first), b.baseAddress,
                                            w.baseAddress, Int32(co.taps), path.level)
                }
            }
        }
    }

    /// Label value histogram (256 entries) and per-channel sums and sums of squares of a sample.
    package static func sampleStats(image: Raster, label: Raster, path: SIMDPath = .current) -> (counts: [Int], sums: [Int], squares: [Int]) {
        if label.channels != 1 {
            // 16-bit labels: the kernel's channel sums over a blank 8-bit map, the values counted apart.
            let blank = Raster(width: label.width, height: label.height, channels: 1, pixels: [UInt8](repeating: 0, count: label.width * label.height))
            let (_, sums, squares) = sampleStats(image: image, label: blank, path: path)
            return (label.labelHistogram, sums, squares)
        }
        var counts = [Int64](repeating: 0, count: 256), sums = [Int64](repeating: 0, count: 3), squares = sums
        image.pixels.withUnsafeBufferPointer { i in
            label.pixels.withUnsafeBufferPointer { l in
                counts.withUnsafeMutableBufferPointer { c in
                    sums.withUnsafeMutableBufferPointer { s in
                        squares.withUnsafeMutableBufferPointer { q in
                            sp_sample_stats(i.baseAddress, l.baseAddress, l.count, c.baseAddress, s.baseAddress, q.baseAddress, path.level)
                        }
                    }
                }
            }
        }
        return (counts.map { Int($0) }, sums.map { Int($0) }, squares.map { Int($0) })
    }

    /// Per-channel sums and sums of squares over the pixels whose label is `value` (1- or 2-byte labels).
    package static func valueSums(image: Raster, label: Raster, value: Int) -> (sums: [Int], squares: [Int]) {
        var sums = [Int64](repeating: 0, count: 3), squares = sums
        let pixels = label.width * label.height
        if label.channels == 1, let v = UInt8(exactly: value) {
            image.pixels.withUnsafeBufferPointer { i in
                label.pixels.withUnsafeBufferPointer { l in
                    sums.withUnsafeMutableBufferPointer { s in
                        squares.withUnsafeMutableBufferPointer { q in sp_value_sums(i.baseAddress, l.baseAddress, pixels, v, s.baseAddress, q.baseAddress) }
                    }
                }
            }
        } else if label.channels == 2 {
            for p in 0..<pixels where Int(label.pixels[2 * p]) | Int(label.pixels[2 * p + 1]) << 8 == value {
                for c in 0..<3 {
                    let x = Int64(image.pixels[3 * p + c])
                    sums[c] += x
                    squares[c] += x * x
                }
            }
        }
        return (sums.map { Int($0) }, squares.map { Int($0) })
    }

    /// Pillow's vertical fixed-point pass (see `Resample`).
    package static func resampleVertical(_ src: Raster, into out: UnsafeMutablePointer<UInt8>, rows: Int, bounds: [Int32],
                                 weights: [Int32], taps: Int, path: SIMDPath = .current) {
        src.pixels.withUnsafeBufferPointer { s in
            bounds.withUnsafeBufferPointer { b in
                weights.withUnsafeBufferPointer { w in
                    sp_resample_vertical(s.baseAddress, Int32(src.width * src.channels), out, Int32(rows),
                                         b.baseAddress, w.baseAddress, Int32(taps), path.level)
                }
            }
        }
    }

    /// Maps every byte of `pixels` through `table` (256 entries) in place (`naive`: the one byte a
    /// step C loop the tests compare the paths with).
    package static func lookUp(_ pixels: inout [UInt8], table: [UInt8], path: SIMDPath = .current, naive: Bool = false) {
        precondition(table.count == 256)
        table.withUnsafeBufferPointer { t in
            pixels.withUnsafeMutableBufferPointer {
                if naive { sp_lut8_naive($0.baseAddress, $0.count, t.baseAddress) } else { sp_lut8($0.baseAddress, $0.count, t.baseAddress, path.level) }
            }
        }
    }

    /// mmseg's RGB2Gray of `image` (at least 3 channels) with `weights` [w_r, w_g, w_b], in place
    /// (`naive`: the C one-pixel-a-step loop).
    package static func grayscale(_ image: inout Raster, weights: [Double], path: SIMDPath = .current, naive: Bool = false) {
        guard image.channels >= 3, weights.count == 3 else { return }
        let n = image.width * image.height, c = Int32(image.channels)
        weights.withUnsafeBufferPointer { w in
            image.pixels.withUnsafeMutableBufferPointer {
                if naive { sp_grayscale_naive($0.baseAddress, n, c, w.baseAddress) } else { sp_grayscale($0.baseAddress, n, c, w.baseAddress, path.level) }
            }
        }
    }

    /// OpenCV's float `sepFilter2D` of `image` with the symmetric float32 `kernel` (odd length, at
    /// most 2049 taps), into a new pixel buffer (the kernel reads the old one).
    package static func sepFilter(_ image: inout Raster, kernel: [Float], path: SIMDPath = .current) {
        let r = kernel.count / 2, w = image.width, h = image.height, c = image.channels, count = w * h * c
        guard w > 0, h > 0, c > 0, kernel.count % 2 == 1, r <= 1024 else { return }
        let (w32, h32, c32, r32) = (Int32(truncatingIfNeeded: w), Int32(truncatingIfNeeded: h), Int32(truncatingIfNeeded: c), Int32(truncatingIfNeeded: r))
        var scratch = [Float](repeating: 0, count: sp_sep_filter_scratch(w32, h32, c32, r32))
        var indices = [Int32](repeating: 0, count: w + 2 * r)
        let filtered = [UInt8](unsafeUninitializedCapacity: count) { d, n in
            n = 0
            kernel.withUnsafeBufferPointer { k in
                scratch.withUnsafeMutableBufferPointer { sc in
                    indices.withUnsafeMutableBufferPointer { ix in
                        image.pixels.withUnsafeBufferPointer { src in
                            guard let sp = src.baseAddress, let dp = d.baseAddress, let kp = k.baseAddress, let scp = sc.baseAddress,
                                  let ixp = ix.baseAddress, src.count == count, !sc.isEmpty else { return }
                            sp_sep_filter_f32(sp, w32, h32, c32, kp, r32, dp, scp, ixp, path.level)
                            n = count
                        }
                    }
                }
            }
            if n != count { d.initialize(repeating: 0); n = count }
        }
        image.pixels = filtered
    }

    /// The CLAHE tile tables of every channel of `image` in turn (`tilesY * tilesX * 256` entries
    /// each, tile rows first), as OpenCV computes them; nil for sizes the C kernel refuses (more than
    /// 4 channels or 256 tiles a side).
    package static func claheTables(_ image: Raster, clipLimit: Double, tilesX: Int, tilesY: Int) -> [UInt8]? {
        var scratch = claheScratch(image, tilesX: tilesX, tilesY: tilesY)
        return claheTables(image, clipLimit: clipLimit, tilesX: tilesX, tilesY: tilesY, scratch: &scratch)
    }

    private static func claheScratch(_ image: Raster, tilesX: Int, tilesY: Int) -> [UInt8] {
        [UInt8](repeating: 0, count: sp_clahe_scratch(Int32(truncatingIfNeeded: image.width), Int32(truncatingIfNeeded: image.height),
                                                      Int32(truncatingIfNeeded: image.channels), Int32(truncatingIfNeeded: tilesX),
                                                      Int32(truncatingIfNeeded: tilesY)))
    }

    private static func claheTables(_ image: Raster, clipLimit: Double, tilesX: Int, tilesY: Int, scratch: inout [UInt8]) -> [UInt8]? {
        guard (1...256).contains(tilesX), (1...256).contains(tilesY), !scratch.isEmpty, image.pixels.count == image.width * image.height * image.channels else { return nil }
        var luts = [UInt8](repeating: 0, count: tilesX * tilesY * 256 * image.channels)
        let status = image.pixels.withUnsafeBufferPointer { p in
            luts.withUnsafeMutableBufferPointer { l in
                scratch.withUnsafeMutableBytes { sc in
                    sp_clahe_tables(p.baseAddress, Int32(truncatingIfNeeded: image.width), Int32(truncatingIfNeeded: image.height),
                                    Int32(truncatingIfNeeded: image.channels), Int32(truncatingIfNeeded: tilesX), Int32(truncatingIfNeeded: tilesY),
                                    clipLimit, l.baseAddress, sc.baseAddress)
                }
            }
        }
        return status == 0 ? luts : nil
    }

    /// OpenCV's CLAHE (`createCLAHE(clipLimit, (tilesX, tilesY)).apply`) on every channel of `image`
    /// in place; false (and `image` untouched) for sizes the C kernel refuses.
    package static func clahe(_ image: inout Raster, clipLimit: Double, tilesX: Int, tilesY: Int, path: SIMDPath = .current) -> Bool {
        var scratch = claheScratch(image, tilesX: tilesX, tilesY: tilesY)
        guard let luts = claheTables(image, clipLimit: clipLimit, tilesX: tilesX, tilesY: tilesY, scratch: &scratch) else { return false }
        let (w, h, c) = (image.width, image.height, image.channels)
        let status = luts.withUnsafeBufferPointer { l in
            scratch.withUnsafeMutableBytes { sc in
                image.pixels.withUnsafeMutableBufferPointer { p in
                    sp_clahe_interpolate(p.baseAddress, Int32(truncatingIfNeeded: w), Int32(truncatingIfNeeded: h), Int32(truncatingIfNeeded: c),
                                         Int32(truncatingIfNeeded: tilesX), Int32(truncatingIfNeeded: tilesY), l.baseAddress, sc.baseAddress, path.level)
                }
            }
        }
        return status == 0
    }

    /// OpenCV-exact HSV LUT jitter of an RGB raster in place.
    package static func hsvJitter(_ image: inout Raster, luts: [[UInt8]], path: SIMDPath = .current) {
        let w = Int32(image.width), h = Int32(image.height)
        luts[0].withUnsafeBufferPointer { lh in
            luts[1].withUnsafeBufferPointer { ls in
                luts[2].withUnsafeBufferPointer { lv in
                    image.pixels.withUnsafeMutableBufferPointer { p in
                        sp_hsv_jitter(p.baseAddress, w, h, lh.baseAddress, ls.baseAddress, lv.baseAddress, path.level)
                    }
                }
            }
        }
    }

    /// cv2.warpAffine's inverse of a forward 2x3 matrix (6 doubles), in double.
    package static func invertAffine(_ m: [Double]) -> [Double] {
        var inv = [Double](repeating: 0, count: 6)
        m.withUnsafeBufferPointer { mp in
            inv.withUnsafeMutableBufferPointer { ip in
                guard let a = mp.baseAddress, let b = ip.baseAddress, mp.count == 6 else { return }
                sp_invert_affine(a, b)
            }
        }
        return inv
    }

    /// The pixels of `r` warped onto `width` x `height` by the inverse matrix (pip OpenCV's warpAffine
    /// model: bilinear as IPP rounds, or nearest), `border` (one byte per channel) outside.
    package static func warpAffine(_ r: Raster, inverse: [Double], width: Int, height: Int, nearest: Bool, border: [UInt8], path: SIMDPath = .current) -> [UInt8] {
        let c = r.channels, count = width * height * c
        return [UInt8](unsafeUninitializedCapacity: count) { d, n in
            n = 0
            r.pixels.withUnsafeBufferPointer { s in
                inverse.withUnsafeBufferPointer { inv in
                    border.withUnsafeBufferPointer { b in
                        guard let sp = s.baseAddress ?? UnsafePointer(bitPattern: 1), let dp = d.baseAddress,
                              let ip = inv.baseAddress, let bp = b.baseAddress, inv.count == 6, b.count == c else { return }
                        sp_warp_affine_u8(sp, Int32(truncatingIfNeeded: r.width), Int32(truncatingIfNeeded: r.height), Int32(truncatingIfNeeded: c),
                                              dp, Int32(truncatingIfNeeded: width), Int32(truncatingIfNeeded: height), ip, nearest ? 1 : 0, bp,
                                              path.level)
                        n = count
                    }
                }
            }
            if n != count { d.initialize(repeating: 0); n = count }
        }
    }

    /// `warpAffine` of `image` (bilinear, `border`) and of `label` (nearest, `labelBorder`), both
    /// the same size, in one pass that computes each pixel's source coordinates once: the same
    /// bytes as two `warpAffine` calls.
    package static func warpAffinePair(image: Raster, label: Raster, inverse: [Double], width: Int, height: Int, border: [UInt8],
                                       labelBorder: [UInt8], path: SIMDPath = .current) -> (image: [UInt8], label: [UInt8]) {
        let c = image.channels, lc = label.channels, count = width * height * c, labelCount = width * height * lc
        var labelPixels: [UInt8] = []
        let imagePixels = [UInt8](unsafeUninitializedCapacity: count) { d, n in
            labelPixels = [UInt8](unsafeUninitializedCapacity: labelCount) { ld, ln in
                n = 0
                ln = 0
                image.pixels.withUnsafeBufferPointer { s in
                    label.pixels.withUnsafeBufferPointer { ls in
                        inverse.withUnsafeBufferPointer { inv in
                            border.withUnsafeBufferPointer { b in
                                labelBorder.withUnsafeBufferPointer { lb in
                                    guard let sp = s.baseAddress, let lsp = ls.baseAddress, let dp = d.baseAddress, let ldp = ld.baseAddress,
                                          let ip = inv.baseAddress, let bp = b.baseAddress, let lbp = lb.baseAddress, inv.count == 6,
                                          b.count == c, lb.count == lc, label.width == image.width, label.height == image.height else { return }
                                    sp_warp_affine_pair_u8(sp, lsp, Int32(truncatingIfNeeded: image.width), Int32(truncatingIfNeeded: image.height),
                                                           Int32(truncatingIfNeeded: c), Int32(truncatingIfNeeded: lc), dp, ldp,
                                                           Int32(truncatingIfNeeded: width), Int32(truncatingIfNeeded: height), ip, bp, lbp, path.level)
                                    n = count
                                    ln = labelCount
                                }
                            }
                        }
                    }
                }
                if ln != labelCount { ld.initialize(repeating: 0); ln = labelCount }
            }
            if n != count { d.initialize(repeating: 0); n = count }
        }
        return (imagePixels, labelPixels)
    }

    /// The pixels of `r` resampled at (`mapX`, `mapY`) (cv2.remap: bilinear or nearest; border
    /// constant with `border`, or BORDER_REFLECT_101).
    package static func remap(_ r: Raster, mapX: [Float], mapY: [Float], nearest: Bool, reflect: Bool, border: [UInt8], path: SIMDPath = .current) -> [UInt8] {
        let c = r.channels, count = r.width * r.height * c
        return [UInt8](unsafeUninitializedCapacity: count) { d, n in
            n = 0
            r.pixels.withUnsafeBufferPointer { s in
                mapX.withUnsafeBufferPointer { mx in
                    mapY.withUnsafeBufferPointer { my in
                        border.withUnsafeBufferPointer { b in
                            guard let sp = s.baseAddress, let dp = d.baseAddress, let xp = mx.baseAddress, let yp = my.baseAddress,
                                  let bp = b.baseAddress, mx.count == r.width * r.height, my.count == mx.count, b.count == c else { return }
                            let w = Int32(truncatingIfNeeded: r.width), h = Int32(truncatingIfNeeded: r.height)
                            sp_remap_u8(sp, w, h, Int32(truncatingIfNeeded: c), dp, w, h, xp, yp, nearest ? 1 : 0, reflect ? 1 : 0, bp,
                                        path.level)
                            n = count
                        }
                    }
                }
            }
            if n != count { d.initialize(repeating: 0); n = count }
        }
    }

    /// `count` floats filled by `fill(pointer, count)` (zeros if the buffer has no address).
    private static func floats(_ count: Int, _ fill: (UnsafeMutablePointer<Float>, Int) -> Void) -> [Float] {
        [Float](unsafeUninitializedCapacity: max(count, 0)) { d, n in
            n = max(count, 0)
            guard let p = d.baseAddress else { return }
            p.initialize(repeating: 0, count: n)
            fill(p, n)
        }
    }

    /// Standard normals of the keyed counter-based generator (CPixelKernels' Normals.h): element j
    /// is normal number `first + j` of `key`, the same on every path and machine.
    package static func normals(count: Int, first: UInt64 = 0, key: UInt64, path: SIMDPath = .current) -> [Float] {
        floats(count) { p, n in sp_normals_f32(p, n, first, key, path.level) }
    }

    /// Uniform values in [-1, 1) of the same generator: element j is uniform number `first + j` of `key`.
    package static func uniforms(count: Int, first: UInt64 = 0, key: UInt64, path: SIMDPath = .current) -> [Float] {
        floats(count) { p, n in sp_uniforms_f32(p, n, first, key, path.level) }
    }

    /// The generator's Box–Muller step on given hash words (the cosine and the sine halves).
    package static func boxMuller(_ h1: [UInt32], _ h2: [UInt32], path: SIMDPath = .current) -> (cos: [Float], sin: [Float]) {
        let n = min(h1.count, h2.count)
        var cosines = [Float](repeating: 0, count: n), sines = cosines
        h1.withUnsafeBufferPointer { a in
            h2.withUnsafeBufferPointer { b in
                cosines.withUnsafeMutableBufferPointer { c in
                    sines.withUnsafeMutableBufferPointer { s in
                        guard let ap = a.baseAddress, let bp = b.baseAddress, let cp = c.baseAddress, let sp = s.baseAddress else { return }
                        sp_box_muller_f32(ap, bp, n, cp, sp, path.level)
                    }
                }
            }
        }
        return (cosines, sines)
    }

    /// albumentations' GaussNoise in place, drawn from `key` (`sp_gauss_noise_u8`): element i (byte,
    /// or pixel when not `perChannel`) adds trunc(float32(fma(sigma, z, mean)) · 255) of normal i, clipped.
    package static func gaussNoise(_ image: inout Raster, mean: Float, sigma: Float, perChannel: Bool, key: UInt64, path: SIMDPath = .current) {
        let pixels = image.width * image.height, channels = image.channels
        guard pixels > 0, channels > 0, image.pixels.count == pixels * channels else { return }
        image.pixels.withUnsafeMutableBufferPointer { px in
            guard let p = px.baseAddress else { return }
            sp_gauss_noise_u8(p, pixels, Int32(truncatingIfNeeded: channels), perChannel ? 1 : 0, mean, sigma, key, path.level)
        }
    }

    /// `field[offset ..< offset + width · height]` blurred by the taps `kernel` (odd count),
    /// replicated borders, times `scale`.
    package static func gaussBlur(_ field: [Float], offset: Int = 0, width: Int, height: Int, kernel: [Float], scale: Float = 1,
                                  path: SIMDPath = .current) -> [Float] {
        var out = [Float](repeating: 0, count: max(width * height, 0))
        field.withUnsafeBufferPointer { s in
            out.withUnsafeMutableBufferPointer { d in
                guard offset >= 0, s.count - offset >= d.count, let sp = s.baseAddress, let dp = d.baseAddress else { return }
                gaussBlur(sp + offset, into: dp, width: width, height: height, kernel: kernel, scale: scale, path: path)
            }
        }
        return out
    }

    /// Blurs `field[from ..< from + width · height]` into `field[to ..< to + width · height]`
    /// (ranges that do not overlap; nothing happens otherwise), as `gaussBlur(_:offset:…)`.
    package static func gaussBlur(_ field: inout [Float], from: Int, to: Int, width: Int, height: Int, kernel: [Float], scale: Float = 1,
                                  path: SIMDPath = .current) {
        let n = width * height
        guard n > 0, from >= 0, to >= 0, abs(from - to) >= n, field.count - max(from, to) >= n else { return }
        field.withUnsafeMutableBufferPointer { f in
            guard let p = f.baseAddress else { return }
            gaussBlur(p + from, into: p + to, width: width, height: height, kernel: kernel, scale: scale, path: path)
        }
    }

    private static func gaussBlur(_ src: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>, width: Int, height: Int, kernel: [Float],
                                  scale: Float, path: SIMDPath) {
        guard width > 0, height > 0, kernel.count % 2 == 1 else { return }
        let w = Int32(truncatingIfNeeded: width), h = Int32(truncatingIfNeeded: height), r = Int32(truncatingIfNeeded: kernel.count / 2)
        var scratch = [Float](repeating: 0, count: sp_gauss_blur_scratch(w, h, r, path.level))   // a few KiB on the AVX2 path
        kernel.withUnsafeBufferPointer { k in
            scratch.withUnsafeMutableBufferPointer { t in
                guard let kp = k.baseAddress, let tp = t.baseAddress else { return }
                sp_gauss_blur_f32(src, dst, w, h, kp, r, scale, tp, path.level)
            }
        }
    }

    /// The largest magnitude of the (finite) values.
    package static func maxAbs(_ values: [Float], path: SIMDPath = .current) -> Float {
        values.withUnsafeBufferPointer { v in v.baseAddress.map { sp_max_abs_f32($0, v.count, path.level) } ?? 0 }
    }

    /// Every value divided by `divisor`.
    package static func divide(_ values: inout [Float], by divisor: Float, path: SIMDPath = .current) {
        values.withUnsafeMutableBufferPointer { v in
            guard let p = v.baseAddress else { return }
            sp_divide_f32(p, v.count, divisor, path.level)
        }
    }

    /// A coarse `width` x `height` field (grid points every `step` pixels) interpolated bilinearly to
    /// `toWidth` x `toHeight` (zeros when the grid does not cover it).
    package static func upsample(_ coarse: [Float], width cw: Int, height ch: Int, step: Int, toWidth w: Int, toHeight h: Int,
                                 path: SIMDPath = .current) -> [Float] {
        guard w > 0, h > 0, step > 0, coarse.count == cw * ch, (w - 1) / step + 1 < cw, (h - 1) / step + 1 < ch else {
            return [Float](repeating: 0, count: max(w, 0) * max(h, 0))
        }
        var scratch = [Float](repeating: 0, count: 2 * w)
        return floats(w * h) { d, _ in
            coarse.withUnsafeBufferPointer { c in
                scratch.withUnsafeMutableBufferPointer { t in
                    guard let cp = c.baseAddress, let tp = t.baseAddress else { return }
                    sp_upsample_f32(cp, Int32(truncatingIfNeeded: cw), Int32(truncatingIfNeeded: ch), Int32(truncatingIfNeeded: step), d,
                                    Int32(truncatingIfNeeded: w), Int32(truncatingIfNeeded: h), tp, path.level)
                }
            }
        }
    }

    /// The displacement fields `dx`, `dy` (`width` x `height` each) turned into the remap maps in
    /// place: float32(double(x) + dx), float32(double(y) + dy).
    package static func elasticMaps(_ dx: inout [Float], _ dy: inout [Float], width: Int, height: Int, path: SIMDPath = .current) {
        let n = width * height
        guard n > 0, dx.count == n, dy.count == n else { return }
        dx.withUnsafeMutableBufferPointer { x in
            dy.withUnsafeMutableBufferPointer { y in
                guard let xp = x.baseAddress, let yp = y.baseAddress else { return }
                sp_elastic_maps(xp, yp, Int32(truncatingIfNeeded: width), Int32(truncatingIfNeeded: height), path.level)
            }
        }
    }
}
