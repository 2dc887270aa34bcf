import SegFormat
import Testing
@testable import SegImage

/// The per-sample statistics read only the pixels both rasters hold: an image shorter than three
/// bytes per label value is never read past its end (the counts and sums are those of the common
/// pixels), on every SIMD path this CPU runs.
@Suite struct SampleStatsBoundsTests {
    @Test("An image shorter than its label is read only as far as it goes")
    func shortImages() {
        for path in SIMDPath.available {
            for n in [1, 33, 1000] {
                let label = Raster(width: n, height: 1, channels: 1, pixels: (0..<n).map { UInt8($0 % 5) })
                let m = n / 2
                let image = Raster(width: m, height: 1, channels: 3, pixels: (0..<(3 * m)).map { UInt8(truncatingIfNeeded: $0 * 7) })
                var counts = [Int](repeating: 0, count: 256), sums = [0, 0, 0]
                for v in label.pixels.prefix(m) { counts[Int(v)] += 1 }
                for (i, v) in image.pixels.enumerated() { sums[i % 3] += Int(v) }
                let got = PixelKernels.sampleStats(image: image, label: label, path: path)
                #expect(got.counts == counts && got.sums == sums, "\(n) labels, \(m) pixels on \(path)")
                let split = PixelKernels.sampleStats(image: image, label: label, value: 2, path: path)
                #expect(split.counts == counts && split.sums == sums, "\(n) labels, \(m) pixels on \(path), one value apart")
                // 16-bit labels take the other branches: histogram apart, value sums in Swift.
                let wide = Raster(width: n, height: 1, channels: 2, pixels: label.pixels.flatMap { [$0, 0] })
                let w = PixelKernels.sampleStats(image: image, label: wide, value: 2, path: path)
                #expect(w.sums == sums, "\(n) 16-bit labels, \(m) pixels on \(path)")
                var vsums = [0, 0, 0]
                for p in 0..<m where label.pixels[p] == 2 { for c in 0..<3 { vsums[c] += Int(image.pixels[3 * p + c]) } }
                #expect(w.valueSums == vsums, "\(n) 16-bit labels, \(m) pixels on \(path), value 2")
            }
        }
    }
}
