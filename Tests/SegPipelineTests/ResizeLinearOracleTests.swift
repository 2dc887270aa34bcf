import SegImage
import SegFormat
import Testing

/// The C INTER_LINEAR kernel (`sp_resize_linear_u8`) on every SIMD path this CPU runs against the
/// Swift passes it replaced (`CVResize.linearOracle`), byte for byte: up- and downscales, sizes whose
/// rows end inside the AVX2 steps, windows, 1, 3 and 4 channels, bilinear and area positions.
@Suite struct ResizeLinearOracleTests {
    /// A raster of seeded noise with some flat runs (equal neighbours hit the weights' edge cases).
    static func noise(_ w: Int, _ h: Int, _ c: Int, seed: UInt64) -> Raster {
        var rng = SplitMix(seed)
        let pixels = (0..<(w * h * c)).map { i in i % 7 == 0 ? 255 : i % 11 == 0 ? 0 : UInt8(truncatingIfNeeded: rng.next() >> 56) }
        return Raster(width: w, height: h, channels: c, pixels: pixels)
    }

    struct SplitMix {
        var state: UInt64
        init(_ s: UInt64) { state = s }
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let sizes: [(sw: Int, sh: Int, dw: Int, dh: Int)] = [
        (1, 1, 5, 3), (2, 3, 7, 9), (3, 2, 1, 1), (4, 4, 3, 5), (5, 7, 17, 2), (17, 13, 33, 31), (33, 9, 16, 18),
        (64, 48, 37, 101), (300, 200, 512, 341), (640, 480, 455, 256), (257, 129, 1000, 500), (100, 60, 99, 61),
    ]

    @Test func everyPathEqualsTheSwiftPasses() {
        for (k, s) in Self.sizes.enumerated() {
            for c in [1, 3, 4] {
                let src = Self.noise(s.sw, s.sh, c, seed: UInt64(k * 10 + c))
                let windows: [Resample.Window?] = [nil, Resample.Window(x0: s.dw / 3, y0: s.dh / 4, x1: s.dw, y1: max(s.dh / 4 + 1, s.dh - s.dh / 5))]
                for window in windows {
                    let axes: [(String, CVResize.Axis, CVResize.Axis)] = [
                        ("bilinear", CVResize.Axis(source: s.sw, destination: s.dw, clampWeight: true),
                         CVResize.Axis(source: s.sh, destination: s.dh, clampWeight: false)),
                        ("area", CVResize.areaAxis(source: s.sw, destination: s.dw, isX: true),
                         CVResize.areaAxis(source: s.sh, destination: s.dh, isX: false)),
                    ]
                    for (name, xs, ys) in axes {
                        let straight = CVResize.linearOracle(src, width: s.dw, height: s.dh, window: window, xs: xs, ys: ys)
                        for flipX in [false, true] {
                            let want = flipX ? straight.flippedHorizontally() : straight
                            for path in SIMDPath.available {
                                let got = CVResize.linear(src, width: s.dw, height: s.dh, window: window, xs: xs, ys: ys, flipX: flipX, path: path)
                                let diff = zip(got.pixels, want.pixels).filter { $0 != $1 }.count
                                #expect(got.width == want.width && got.height == want.height && diff == 0,
                                        "\(name) \(s) c=\(c) window \(String(describing: window)) flipX \(flipX) on \(path.rawValue): \(diff) bytes differ")
                            }
                        }
                    }
                }
            }
        }
    }

    @Test func bilinearOfTheShippedStageIsTheKernel() {
        // The resize stage's entry point goes through the kernel and still equals the oracle.
        let src = Self.noise(480, 360, 3, seed: 9)
        let got = CVResize.bilinear(src, width: 700, height: 525, window: Resample.Window(x0: 100, y0: 13, x1: 612, y1: 525))
        let want = CVResize.linearOracle(src, width: 700, height: 525, window: Resample.Window(x0: 100, y0: 13, x1: 612, y1: 525),
                                         xs: CVResize.Axis(source: 480, destination: 700, clampWeight: true),
                                         ys: CVResize.Axis(source: 360, destination: 525, clampWeight: false))
        #expect(got == want)
    }

    @Test func mirroredColumnsAreTheMirroredResize() {
        for (k, s) in Self.sizes.enumerated() {
            let src = Self.noise(s.sw, s.sh, 3, seed: UInt64(100 + k)), label = Self.noise(s.sw, s.sh, 1, seed: UInt64(200 + k))
            let w = Resample.Window(x0: s.dw / 5, y0: 0, x1: s.dw, y1: s.dh)
            #expect(CVResize.bilinear(src, width: s.dw, height: s.dh, window: w, flipX: true)
                    == CVResize.bilinear(src, width: s.dw, height: s.dh, window: w).flippedHorizontally(), "\(s)")
            #expect(CVResize.nearest(label, width: s.dw, height: s.dh, window: w, flipX: true)
                    == CVResize.nearest(label, width: s.dw, height: s.dh, window: w).flippedHorizontally(), "\(s)")
        }
    }
}
