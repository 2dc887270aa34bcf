import SegImage
import SegFormat
import Testing
@testable import SegPipeline

/// Pillow's two resample passes and OpenCV's HSV jitter on one SIMD path against their oracles (the
/// Swift versions, and the portable C build for the exhaustive colour sweep), on shapes that reach
/// every block, tail and border case of the vector kernels.
extension KernelOracles {
    /// Alternating 0 and 255 columns and rows: the sums furthest from the weights' total (the
    /// negative lobes against full values), where an intermediate overflow would show.
    static func stripes(_ w: Int, _ h: Int) -> Raster {
        Raster(width: w, height: h, channels: 3, pixels: (0..<(w * h * 3)).map { i in
            let x = i / 3 % w, y = i / 3 / w
            return (x + y) % 2 == 0 ? 255 : 0
        })
    }

    static func checkResampleAndHSV(_ path: SIMDPath) {
        let name = path.rawValue
        // Horizontal pass: 1 to 7 rows (row pairs and an odd last row), source widths below, at and
        // past the 4-entry steps, outputs from 1 column (hundreds of taps) to 4x upscaling (5 taps),
        // output widths around the 4-column steps and their 16-byte stores, column windows.
        for (w, h) in [(1, 1), (2, 3), (5, 2), (7, 4), (9, 7), (16, 5), (33, 3), (100, 2)] {
            for out in [1, 2, 3, 5, 6, 7, 9, 10, 31, 64, 97, 250] {
                for (k, src) in [raster(w, h, 3, seed: UInt64(w * 1000 + h * 10 + out)), stripes(w, h)].enumerated() {
                    let cols = (out / 3)..<(out - out / 4)
                    #expect(Resample.horizontal(src, width: out, path: path) == Resample.horizontalNaive(src, width: out),
                            "horizontal \(w)x\(h) -> \(out) source \(k) on \(name)")
                    #expect(Resample.horizontal(src, width: out, columns: cols, path: path) == Resample.horizontalNaive(src, width: out, columns: cols),
                            "horizontal \(w)x\(h) -> \(out) columns \(cols) source \(k) on \(name)")
                }
            }
        }
        // VOC-sized rows, up- and downscaled, each with a window as the renderer cuts it.
        for (w, out) in [(480, 804), (480, 495), (480, 268), (480, 156), (500, 97)] {
            let src = raster(w, 6, 3, seed: UInt64(out))
            let cols = (out / 5)..<(out - out / 7)
            #expect(Resample.horizontal(src, width: out, columns: cols, path: path) == Resample.horizontalNaive(src, width: out, columns: cols),
                    "horizontal \(w) -> \(out) columns \(cols) on \(name)")
        }
        // Vertical pass: rows of 3 to 1536 bytes (around the 32-byte steps and their scalar tail),
        // 1 to 40 source rows, up- and downscaling (odd and even tap counts).
        for (w, h) in [(1, 1), (10, 2), (11, 3), (32, 5), (37, 9), (512, 7), (64, 40)] {
            for out in [1, 2, 3, 8, 13, 50] {
                for (k, src) in [raster(w, h, 3, seed: UInt64(w * 100 + h + out)), stripes(w, h)].enumerated() {
                    #expect(Resample.vertical(src, height: out, path: path) == Resample.verticalNaive(src, height: out),
                            "vertical \(w)x\(h) -> \(out) source \(k) on \(name)")
                }
            }
        }
        // HSV: widths around the 32-pixel blocks, the 256-pixel runs and the rounded row tail; a grey
        // band (uniform runs); the reference's tables and random ones (hues past 179 take the default
        // sector).
        var rng = SeededRandom(seed: 77)
        let randomTables = (0..<3).map { _ in (0..<256).map { _ in UInt8(truncatingIfNeeded: rng.next()) } }
        for luts in [OpenCVHSV.luts((1.07, 1.55, 0.82)), OpenCVHSV.luts((0.93, 0.3, 1.4)), randomTables] {
            for w in [1, 31, 32, 33, 63, 64, 65, 96, 255, 256, 257, 300, 513] {
                var image = raster(w, 3, 3, seed: UInt64(w * 7 + Int(luts[0][100])))
                for i in (w * 3)..<(w * 6) { image.pixels[i] = 128 }
                var naive = image, fast = image
                OpenCVHSV.jitterNaive(&naive, luts: luts)
                PixelKernels.hsvJitter(&fast, luts: luts, path: path)
                #expect(fast == naive, "hsv \(w)x3 tables \(luts[0][100]) on \(name)")
            }
        }
        // Every RGB colour, once, against the portable build (the vector path recomputes the
        // division tables in float; this checks that for all of them).
        if path != .portable {
            let side = 4096
            let pixels = [UInt8](unsafeUninitializedCapacity: side * side * 3) { b, count in
                for c in 0..<(side * side) {
                    b[3 * c] = UInt8(truncatingIfNeeded: c); b[3 * c + 1] = UInt8(truncatingIfNeeded: c >> 8)
                    b[3 * c + 2] = UInt8(truncatingIfNeeded: c >> 16)
                }
                count = side * side * 3
            }
            let luts = OpenCVHSV.luts((1.07, 1.55, 0.82))
            var portable = Raster(width: side, height: side, channels: 3, pixels: pixels), fast = portable
            PixelKernels.hsvJitter(&portable, luts: luts, path: .portable)
            PixelKernels.hsvJitter(&fast, luts: luts, path: path)
            #expect(fast == portable, "hsv of all 2^24 colours on \(name)")
        }
    }
}

/// The 8-bit label histogram (four interleaved tables) against a count by dictionary, on sizes around
/// its 4-pixel steps, random values and long runs of one value.
@Suite struct LabelHistogramTests {
    @Test func countsEqualADictionaryCount() {
        for n in [0, 1, 3, 4, 5, 7, 8, 1001, 4096 + 3] {
            var rng = SeededRandom(seed: UInt64(n))
            let random = (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let runs = (0..<n).map { UInt8(truncatingIfNeeded: $0 / 97 % 3 == 0 ? 255 : $0 / 13) }
            for pixels in [random, runs] {
                var expected = [UInt8: Int]()
                for v in pixels { expected[v, default: 0] += 1 }
                let counts = Raster(width: n, height: 1, channels: 1, pixels: pixels).labelHistogram
                #expect(counts.count == 256 && (0..<256).allSatisfy { counts[$0] == expected[UInt8(truncatingIfNeeded: $0), default: 0] }, "histogram of \(n) values")
            }
        }
    }
}

/// The channel sums of the pixels with one label value (eight labels tested a step) against plain
/// loops: sizes around the steps, the value nowhere, everywhere, sparse and random.
@Suite struct ValueSumsTests {
    @Test func sumsEqualPlainLoops() {
        for n in [0, 1, 7, 8, 9, 15, 16, 17, 1001] {
            var rng = SeededRandom(seed: UInt64(n) + 5)
            let rgb = (0..<(3 * n)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let layouts: [[UInt8]] = [[UInt8](repeating: 3, count: n), [UInt8](repeating: 21, count: n),
                                      (0..<n).map { $0 % 13 == 5 ? 21 : 3 }, (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next() % 24) }]
            for labels in layouts {
                var sums = [0, 0, 0], squares = [0, 0, 0]
                for i in 0..<n where labels[i] == 21 {
                    for c in 0..<3 { let v = Int(rgb[3 * i + c]); sums[c] += v; squares[c] += v * v }
                }
                let got = PixelKernels.valueSums(image: Raster(width: n, height: 1, channels: 3, pixels: rgb),
                                                 label: Raster(width: n, height: 1, channels: 1, pixels: labels), value: 21)
                #expect(got.sums == sums && got.squares == squares, "value sums of \(n) pixels")
            }
        }
    }
}
