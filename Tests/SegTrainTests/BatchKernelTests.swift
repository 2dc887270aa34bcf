import SegFormat
import Testing
@testable import SegLoader
@testable import SegTrain

/// The loader's C conversion kernels against the Swift loops they replace, on every tail length and
/// destination alignment (the kernels peel scalar pixels up to a 64-byte boundary), on every SIMD
/// path this CPU has (a path without a kernel leaves the work to the Swift loop).
@Suite struct BatchKernelTests {
    @Test(arguments: [1, 15, 16, 17, 333, 4096, 4099])
    func planesKernelEqualsSwiftLoop(pixels n: Int) {
        var random = TestRandom(seed: UInt64(n))
        let src = (0..<(3 * n)).map { _ in UInt8(truncatingIfNeeded: random.rng.next()) }
        let table = (0..<768).map { _ in Float(random.rng.uniform(-3, 3)) }
        for path in SIMDPath.available {
        for offset in 0..<17 {   // floats before the first plane: every alignment mod 64 bytes
            var expected = [Float](repeating: .nan, count: offset + 3 * n)
            var kernel = expected
            src.withUnsafeBufferPointer { s in
                table.withUnsafeBufferPointer { t in
                    expected.withUnsafeMutableBufferPointer {
                        BatchConverter.convertImage(s.baseAddress!, $0.baseAddress! + offset, plane: n, table: t.baseAddress!)
                    }
                    kernel.withUnsafeMutableBufferPointer {
                        if !LoaderKernels.rgbToPlanes(s.baseAddress!, plane: n, table: t.baseAddress!, into: $0.baseAddress! + offset, path: path) {
                            BatchConverter.convertImage(s.baseAddress!, $0.baseAddress! + offset, plane: n, table: t.baseAddress!)
                        }
                    }
                }
            }
            #expect(kernel.elementsEqual(expected) { $0 == $1 || ($0.isNaN && $1.isNaN) }, "offset \(offset) on \(path.rawValue)")
        }
        }
    }

    @Test(arguments: [1, 15, 16, 17, 333, 4096, 4099])
    func labelKernelEqualsSwiftLoop(pixels n: Int) {
        var random = TestRandom(seed: UInt64(n) + 7)
        let src = (0..<n).map { _ in UInt8(truncatingIfNeeded: random.rng.next()) }
        for path in SIMDPath.available {
        for limit: Int32 in [11, 255] {
            for offset in 0..<17 {
                var kernel = [Int32](repeating: -1, count: offset + n)
                let handled = src.withUnsafeBufferPointer { s in
                    kernel.withUnsafeMutableBufferPointer {
                        LoaderKernels.labels(s.baseAddress!, count: n, limit: limit, into: $0.baseAddress! + offset, path: path)
                    }
                }
                #expect(handled == (path >= .avx512), "the label kernel runs on the AVX-512 path only")
                guard handled else { continue }   // below AVX-512 the Swift loop is used
                let expected = [Int32](repeating: -1, count: offset) + src.map { min(Int32($0), limit) }
                #expect(kernel == expected, "limit \(limit), offset \(offset) on \(path.rawValue)")
            }
        }
        }
    }
}
