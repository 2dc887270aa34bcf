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
    /// The kernel reads only the pixels both rasters hold (an image shorter than three bytes per
    /// label value is never read past its end; every caller passes one sample of checked size).
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
                            sp_sample_stats(i.baseAddress, l.baseAddress, min(l.count, i.count / 3), c.baseAddress, s.baseAddress, q.baseAddress, path.level)
                        }
                    }
                }
            }
        }
        return (counts.map { Int($0) }, sums.map { Int($0) }, squares.map { Int($0) })
    }

    /// `sampleStats` and `valueSums(value:)` in one pass over the pixels: the label histogram, the
    /// per-channel sums and sums of squares, and the same sums over the pixels labelled `value`.
    package static func sampleStats(image: Raster, label: Raster, value: Int, path: SIMDPath = .current)
        -> (counts: [Int], sums: [Int], squares: [Int], valueSums: [Int], valueSquares: [Int]) {
        guard label.channels == 1, let v = UInt8(exactly: value) else {
            let (counts, sums, squares) = sampleStats(image: image, label: label, path: path)
            guard value >= 0 && value < counts.count && counts[value] > 0 else { return (counts, sums, squares, [0, 0, 0], [0, 0, 0]) }
            let (vsums, vsquares) = valueSums(image: image, label: label, value: value)
            return (counts, sums, squares, vsums, vsquares)
        }
        var counts = [Int64](repeating: 0, count: 256), sums = [Int64](repeating: 0, count: 3), squares = sums, vsums = sums, vsquares = sums
        image.pixels.withUnsafeBufferPointer { i in
            label.pixels.withUnsafeBufferPointer { l in
                counts.withUnsafeMutableBufferPointer { c in
                    sums.withUnsafeMutableBufferPointer { s in
                        squares.withUnsafeMutableBufferPointer { q in
                            vsums.withUnsafeMutableBufferPointer { vs in
                                vsquares.withUnsafeMutableBufferPointer { vq in
                                    sp_sample_stats_split(i.baseAddress, l.baseAddress, min(l.count, i.count / 3), v, c.baseAddress, s.baseAddress,
                                                          q.baseAddress, vs.baseAddress, vq.baseAddress, path.level)
                                }
                            }
                        }
                    }
                }
            }
        }
        let ints = { (a: [Int64]) in a.map { Int($0) } }
        return (ints(counts), ints(sums), ints(squares), ints(vsums), ints(vsquares))
    }

    /// Pixels per value of 8-bit labels (256 counts).
    package static func labelHistogram(_ labels: [UInt8], path: SIMDPath = .current) -> [Int] {
        var counts = [Int64](repeating: 0, count: 256)
        labels.withUnsafeBufferPointer { l in
            counts.withUnsafeMutableBufferPointer { sp_label_histogram(l.baseAddress, l.count, $0.baseAddress, path.level) }
        }
        return counts.map { Int($0) }
    }

    /// Per-channel sums and sums of squares over the pixels whose label is `value` (1- or 2-byte labels).
    package static func valueSums(image: Raster, label: Raster, value: Int) -> (sums: [Int], squares: [Int]) {
        var sums = [Int64](repeating: 0, count: 3), squares = sums
        // Only the pixels both rasters hold (as sampleStats).
        let pixels = min(label.pixels.count / max(1, label.channels), image.pixels.count / 3)
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
        // Left unset: the kernel writes each scratch float before it reads it (up to ~200 KB a call).
        let scratchCount = sp_sep_filter_scratch(w32, h32, c32, r32)
        var scratch = [Float](unsafeUninitializedCapacity: scratchCount) { _, n in n = scratchCount }
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
}
