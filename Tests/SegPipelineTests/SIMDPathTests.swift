import SegImage
import Foundation
import SegFormat
import Testing
@testable import SegPipeline

/// Every pixel kernel on one SIMD path against its oracle (the plain Swift or C version), on sizes
/// that reach every vector block and tail.
enum KernelOracles {
    static func random(_ count: Int, seed: UInt64) -> [UInt8] {
        var rng = SeededRandom(seed: seed)
        return (0..<count).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
    }

    static func raster(_ w: Int, _ h: Int, _ c: Int, seed: UInt64) -> Raster {
        Raster(width: w, height: h, channels: c, pixels: random(w * h * c, seed: seed))
    }

    static func check(_ path: SIMDPath) {
        let name = path.rawValue
        // Byte lookup against the one-byte-a-step loop and a Swift map.
        for count in [0, 1, 63, 64, 65, 1000, 512 * 512 + 7] {
            let table = random(256, seed: UInt64(count) + 3), pixels = random(count, seed: UInt64(count) + 4)
            var fast = pixels, naive = pixels
            PixelKernels.lookUp(&fast, table: table, path: path)
            PixelKernels.lookUp(&naive, table: table, naive: true)
            #expect(fast == naive && fast == pixels.map { table[Int($0)] }, "lookup \(count) on \(name)")
        }
        // Tables that keep the values below c and send the rest to k (label remapping), the identity
        // and a constant, and one that is not quite such a table.
        let pixels = random(100_003, seed: 9)
        var almost = (0..<256).map { UInt8(min($0, 21)) }
        almost[200] = 7
        let tables = [(0, 255), (21, 21), (21, 255), (1, 0), (255, 3), (256, 0)].map { c, k in (0..<256).map { UInt8($0 < c ? $0 : k) } } + [almost]
        for table in tables {
            var fast = pixels, naive = pixels
            PixelKernels.lookUp(&fast, table: table, path: path)
            PixelKernels.lookUp(&naive, table: table, naive: true)
            #expect(fast == naive && fast == pixels.map { table[Int($0)] }, "threshold lookup \(table.prefix(3))…\(table.suffix(2)) on \(name)")
        }
        // Tables that are a rising line cut to 0..255 (brightness and contrast: the AVX2 path computes
        // them in 16-bit lanes once it has checked the arithmetic on all 256 values), the same tables
        // with one entry off and gamma curves (the lookup again), on lengths from 4096 (where the
        // arithmetic starts) through every tail of the 32-byte steps; the
        // first 256 bytes hold every value.
        var lines = [(1.2, 51.0), (0.8, -51.0), (1.0, 0.5), (1.13, -12.7), (11.0, -255.0), (3.7, -300.0), (0.01, 3.0), (0.0, 100.0), (2.0, 0.0)]
            .map { BrightnessContrastStage.table(alpha: $0, beta: $1) }
        var broken = lines[0]
        broken[128] &+= 1
        lines.append(broken)
        // Gamma 0.8 and 1.25 and the noisy table (runs of 8 entries within 15 of their least) take
        // the AVX2 path's packed lookup, 2.2 and 0.45 the general one.
        var noise = SeededRandom(seed: 11)
        let noisy = (0..<256).map { UInt8(($0 & ~7) * 15 / 16 + Int(noise.next() % 16)) }
        let curves = [0.8, 1.25, 2.2, 0.45, 1.0001].map { GammaStage.table(gamma: $0) } + [noisy]
        for (t, table) in (lines + curves).enumerated() {
            for count in [4095, 4096, 4097, 4096 + 31, 4096 + 32, 4096 + 33, 4096 + 63, 100_003] {
                let pixels = (0..<256).map { UInt8($0) } + random(count - 256, seed: UInt64(count + t))
                var fast = pixels, naive = pixels
                PixelKernels.lookUp(&fast, table: table, path: path)
                PixelKernels.lookUp(&naive, table: table, naive: true)
                #expect(fast == naive && fast == pixels.map { table[Int($0)] }, "line or curve lookup \(t), \(count) bytes on \(name)")
            }
        }
        // RGB2Gray against the Swift float64 loop and the C one-pixel loop: weights whose sums tie
        // at halves often (quarters), mmseg's, ITU-R 601, thirds, and weights summing above 8 (the
        // float64 lanes instead of fixed point); 3 and 4 channels, sizes reaching every tail (the
        // vector loop needs 10 pixels, and 18 for a step that loads the next 8 before it stores; the
        // AVX-512 loop 22 for its 64-byte load of 16 pixels).
        let weightSets: [[Double]] = [[0.299, 0.587, 0.114], [0.114, 0.587, 0.299], [0.5, 0.25, 0.25], [1.0 / 3, 1.0 / 3, 1.0 / 3], [3, 2.5, 2.4], [0, 0, 1]]
        for w in weightSets {
            for (width, height, c) in [(1, 1, 3), (9, 1, 3), (10, 1, 3), (17, 1, 3), (18, 1, 3), (21, 1, 3), (22, 1, 3), (25, 1, 3), (26, 1, 3), (37, 1, 3), (38, 1, 3), (17, 3, 3), (513, 257, 3), (33, 7, 4)] {
                let source = raster(width, height, c, seed: UInt64(width * 7 + c))
                var fast = source, cLoop = source, swift = source
                GrayscaleStage.convert(&fast, weights: w, path: path)
                PixelKernels.grayscale(&cLoop, weights: w, naive: true)
                GrayscaleStage.convertNaive(&swift, weights: w)
                #expect(fast == swift && cLoop == swift, "grayscale \(w) \(width)x\(height)x\(c) on \(name)")
            }
        }
        // sepFilter on every radius the AVX2 path specialises (1...10) and past it (the general
        // copy), odd and even heights (the last output row alone), 1, 3 and 4 channels, rows whose
        // length leaves every tail of the 64-, 24- and 8-element blocks, rows wide enough to be
        // cut into several strips (each strip reflecting only at the image's own sides), and
        // images tall enough for the row-pass buffer to move its rows back to its start (more than
        // 34 rows) several times.
        for (w, h, c) in [(700, 5, 3), (67, 4, 1), (21, 3, 4), (2, 2, 3), (130, 83, 3), (9, 120, 1)] {
            let r = raster(w, h, c, seed: UInt64(w + h + c))
            for radius in [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12] {
                let sigma = Double(radius) / 3.5 + 0.05
                let kernel = BlurStage.kernel(sigma: sigma, size: 2 * radius + 1)
                var portable = r, fast = r
                BlurStage.filter(&portable, kernel: kernel, path: .portable)
                BlurStage.filter(&fast, kernel: kernel, path: path)
                #expect(portable == fast, "blur \(w)x\(h)x\(c) radius \(radius) on \(name)")
                // A sharpening kernel: sums below 0 and above 255, saturated alike on every path.
                let sharp = (0...(2 * radius)).map { $0 == radius ? Float(2) : -1 / Float(2 * radius) }
                var portableSharp = r, fastSharp = r
                PixelKernels.sepFilter(&portableSharp, kernel: sharp, path: .portable)
                PixelKernels.sepFilter(&fastSharp, kernel: sharp, path: path)
                #expect(portableSharp == fastSharp && portableSharp.pixels.contains(0) && portableSharp.pixels.contains(255),
                        "sharpening \(w)x\(h)x\(c) radius \(radius) on \(name)")
                // Weights whose sums pass 2^31 (the AVX2 copy that clamps before converting) and a
                // NaN weight (every sum NaN, saturated to 0).
                // Weights of 4 (sums from 2^15 up, which a signed 16-bit pack would turn to 0) too.
                for (label, weights) in [("huge", sharp.map { $0 * 65536 }), ("NaN", sharp.enumerated().map { $0.offset == 0 ? Float.nan : $0.element }),
                                         ("gain 4", [Float](repeating: 4, count: 2 * radius + 1))] {
                    var portableOdd = r, fastOdd = r
                    PixelKernels.sepFilter(&portableOdd, kernel: weights, path: .portable)
                    PixelKernels.sepFilter(&fastOdd, kernel: weights, path: path)
                    #expect(portableOdd == fastOdd, "\(label) weights \(w)x\(h)x\(c) radius \(radius) on \(name)")
                }
            }
        }
        // Pillow's two resample passes against their Swift versions.
        for (w, h, out) in [(37, 20, 57), (640, 3, 75), (5, 9, 9), (500, 4, 1024), (64, 301, 33)] {
            let src = raster(w, h, 3, seed: UInt64(w + out))
            let cols = (out / 3)..<(out - out / 4)
            #expect(Resample.horizontal(src, width: out, path: path) == Resample.horizontalNaive(src, width: out), "horizontal \(w)x\(h) on \(name)")
            #expect(Resample.horizontal(src, width: out, columns: cols, path: path) == Resample.horizontalNaive(src, width: out, columns: cols),
                    "horizontal columns \(w)x\(h) on \(name)")
            #expect(Resample.vertical(src, height: out, path: path) == Resample.verticalNaive(src, height: out), "vertical \(w)x\(h) on \(name)")
        }
        // OpenCV's HSV round trip against its Swift version.
        let luts = OpenCVHSV.luts((1.07, 1.55, 0.82))
        for (w, h) in [(64, 48), (37, 5), (512, 3), (1, 1)] {
            var fast = raster(w, h, 3, seed: UInt64(w * 31 + h)), naive = fast
            OpenCVHSV.jitterNaive(&naive, luts: luts)
            PixelKernels.hsvJitter(&fast, luts: luts, path: path)
            #expect(fast == naive, "hsv \(w)x\(h) on \(name)")
        }
        // CLAHE: the C kernel's tables and equalised pixels against the Swift steps (themselves
        // checked against OpenCV's by the golden tests): 1, 2, 3 and 4 channels, rows of a length
        // that leaves every tail of the 16-element blocks, tiles that do and do not divide the
        // image (the padded last tile), more tiles than pixels, clipping off, light and heavy.
        for (w, h, c, tx, ty) in [(1, 1, 3, 1, 1), (5, 3, 3, 2, 2), (37, 23, 3, 8, 8), (64, 48, 1, 8, 8), (65, 49, 4, 8, 3),
                                  (33, 17, 3, 5, 7), (17, 9, 2, 4, 4), (3, 2, 3, 8, 8), (130, 7, 3, 3, 7), (256, 16, 3, 8, 2)] {
            var source = raster(w, h, c, seed: UInt64(w * 13 + h * 7 + c))
            // Mostly a gradient with a little noise, so that the histograms clip and redistribute.
            for i in source.pixels.indices where i % 5 != 0 { source.pixels[i] = UInt8(truncatingIfNeeded: (i / c) % w + i / (c * w) * 3 + Int(source.pixels[i] % 8)) }
            for clip in [0.0, 2.0, 40.0] {
                let naive = CLAHEStage.tablesNaive(source, clipLimit: clip, tilesX: tx, tilesY: ty)
                #expect(PixelKernels.claheTables(source, clipLimit: clip, tilesX: tx, tilesY: ty) == naive, "clahe tables \(w)x\(h)x\(c) tiles \(tx)x\(ty) clip \(clip)")
                var fast = source, swift = source
                CLAHEStage.equalise(&fast, clipLimit: clip, tilesX: tx, tilesY: ty, path: path)
                CLAHEStage.equaliseNaive(&swift, clipLimit: clip, tilesX: tx, tilesY: ty)
                #expect(fast == swift, "clahe \(w)x\(h)x\(c) tiles \(tx)x\(ty) clip \(clip) on \(name)")
            }
        }
        checkResampleAndHSV(path)
        // Per-sample statistics against plain loops (255s first, to catch overflow).
        for (w, h) in [(1, 1), (7, 5), (32, 1), (513, 257)] {
            let n = w * h
            let image = Raster(width: w, height: h, channels: 3, pixels: (0..<(3 * n)).map { $0 < n ? 255 : UInt8(truncatingIfNeeded: $0 &* 37) })
            let label = Raster(width: w, height: h, channels: 1, pixels: random(n, seed: UInt64(n)).map { $0 % 23 })
            var counts = [Int](repeating: 0, count: 256), sums = [0, 0, 0], squares = [0, 0, 0]
            for v in label.pixels { counts[Int(v)] += 1 }
            for (i, v) in image.pixels.enumerated() { sums[i % 3] += Int(v); squares[i % 3] += Int(v) * Int(v) }
            let fast = PixelKernels.sampleStats(image: image, label: label, path: path)
            #expect(fast.counts == counts && fast.sums == sums && fast.squares == squares, "stats \(w)x\(h) on \(name)")
        }
        // The one-pass statistics with the sums of one label value, and the label histogram, against
        // plain loops: sizes around the 32-pixel steps and the 256-step flushes, labels in runs (whole
        // steps of one value), sparse, everywhere, random and in short runs, images of 255s and random bytes.
        for n in [0, 1, 31, 32, 33, 95, 96 * 32 + 5, 256 * 32, 256 * 32 + 31, 300_001] {
            var rng = SeededRandom(seed: UInt64(n) + 11)
            let images = [[UInt8](repeating: 255, count: 3 * n), (0..<(3 * n)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }]
            let runs: [UInt8] = (0..<n).map { (i: Int) -> UInt8 in i / 40 % 3 == 0 ? 21 : UInt8(i / 40 % 7) }
            let sparse: [UInt8] = (0..<n).map { (i: Int) -> UInt8 in i % 13 == 5 ? 21 : 3 }
            let mixed: [UInt8] = (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next() % 24) }
            // Runs of 1 to 12 pixels: steps of 3 to 32 runs, counted run by run up to eight.
            var shortRuns = [UInt8]()
            while shortRuns.count < n {
                shortRuns += [UInt8](repeating: UInt8(truncatingIfNeeded: rng.next() % 24), count: Int(rng.next() % 12) + 1)
            }
            let layouts: [[UInt8]] = [[UInt8](repeating: 21, count: n), runs, sparse, mixed, Array(shortRuns.prefix(n))]
            for rgb in images {
                for labels in layouts {
                    var counts = [Int](repeating: 0, count: 256), sums = [0, 0, 0], squares = [0, 0, 0], vsums = [0, 0, 0], vsquares = [0, 0, 0]
                    for v in labels { counts[Int(v)] += 1 }
                    for (i, v) in rgb.enumerated() {
                        let x = Int(v)
                        sums[i % 3] += x; squares[i % 3] += x * x
                        if labels[i / 3] == 21 { vsums[i % 3] += x; vsquares[i % 3] += x * x }
                    }
                    let got = PixelKernels.sampleStats(image: Raster(width: n, height: 1, channels: 3, pixels: rgb),
                                                       label: Raster(width: n, height: 1, channels: 1, pixels: labels), value: 21, path: path)
                    #expect(got.counts == counts && got.sums == sums && got.squares == squares && got.valueSums == vsums
                            && got.valueSquares == vsquares, "one-pass stats of \(n) pixels (labels \(labels.prefix(3))…) on \(name)")
                    #expect(PixelKernels.labelHistogram(labels, path: path) == counts, "label histogram of \(n) on \(name)")
                }
            }
        }
        // The float kernels against their portable C build, the oracle (the Swift models of OpenCV
        // are checked against the portable build by the golden tests).
        for (w, h, c) in [(37, 23, 3), (64, 48, 1), (5, 3, 2), (1, 9, 3)] {
            let r = raster(w, h, c, seed: UInt64(w * h * c))
            for sigma in [0.6, 2.03] {
                let kernel = BlurStage.kernel(sigma: sigma, size: BlurStage.size(sigma: sigma, drawn: 0))
                var portable = r, fast = r
                BlurStage.filter(&portable, kernel: kernel, path: .portable)
                BlurStage.filter(&fast, kernel: kernel, path: path)
                #expect(portable == fast, "blur \(w)x\(h)x\(c) sigma \(sigma) on \(name)")
            }
            let border = (0..<c).map { UInt8(truncatingIfNeeded: 7 * $0 + 1) }
            for angle in [-33.3, 12.5, 90] {
                let m = RotateStage.matrix(angle: angle, width: w, height: h, expand: true)
                let inv = Warp.invert(m.m)
                for nearest in [false, true] {
                    let warp = { (p: SIMDPath) in PixelKernels.warpAffine(r, inverse: inv, width: m.width, height: m.height, nearest: nearest, border: border, path: p) }
                    #expect(warp(.portable) == warp(path), "warp \(w)x\(h)x\(c) \(angle) on \(name)")
                }
            }
            var rng = SeededRandom(seed: UInt64(w))
            let mx = (0..<(w * h)).map { i in Float(i % w) + Float(rng.uniform(-3, 3)) }, my = (0..<(w * h)).map { i in Float(i / w) + Float(rng.uniform(-3, 3)) }
            for nearest in [false, true] {
                for reflect in [false, true] {
                    let remap = { (p: SIMDPath) in PixelKernels.remap(r, mapX: mx, mapY: my, nearest: nearest, reflect: reflect, border: border, path: p) }
                    #expect(remap(.portable) == remap(path), "remap \(w)x\(h)x\(c) nearest \(nearest) reflect \(reflect) on \(name)")
                }
            }
        }
        // The keyed normal and uniform fields against the portable C build (the oracle; NormalGeneratorTests
        // checks it against the definition): every start and length around the 16-value blocks, starts
        // whose counters cross 2^32, and the Box–Muller step on the extremes of its hash words.
        let firsts: [UInt64] = [0, 1, 5, 15, 16, 17, 1000, (1 << 31) - 21, (1 << 32) - 7, 0xFFFF_FFFF_FFF0]
        for (k, first) in firsts.enumerated() {
            let key = (UInt64(k) &* 0x9E37_79B9_7F4A_7C15) >> 11
            for count in [0, 1, 7, 8, 15, 16, 17, 31, 33, 100] {
                #expect(PixelKernels.normals(count: count, first: first, key: key, path: path) == PixelKernels.normals(count: count, first: first, key: key, path: .portable),
                        "normals \(first) +\(count) on \(name)")
                #expect(PixelKernels.uniforms(count: count, first: first, key: key, path: path) == PixelKernels.uniforms(count: count, first: first, key: key, path: .portable),
                        "uniforms \(first) +\(count) on \(name)")
            }
        }
        #expect(PixelKernels.normals(count: 100_003, key: 12345, path: path) == PixelKernels.normals(count: 100_003, key: 12345, path: .portable), "normals 100003 on \(name)")
        let words: [UInt32] = [0, 1, 2, 3, 0x3F, 0x40, 0x7F, 0x80, 0x3FFF_FFFF, 0x4000_0000, 0x7FFF_FFC0, 0x7FFF_FFFF, 0x8000_0000,
                               0xBFFF_FFFF, 0xC000_0000, 0xFFFF_FFC0, 0xFFFF_FFFE, 0xFFFF_FFFF]
        var rng = SeededRandom(seed: 77)
        let h1 = words.flatMap { _ in words } + (0..<997).map { _ in UInt32(truncatingIfNeeded: rng.next()) }
        let h2 = words.flatMap { w in words.map { _ in w } } + (0..<997).map { _ in UInt32(truncatingIfNeeded: rng.next()) }
        let bmFast = PixelKernels.boxMuller(h1, h2, path: path), bmPortable = PixelKernels.boxMuller(h1, h2, path: .portable)
        #expect(bmFast.cos == bmPortable.cos && bmFast.sin == bmPortable.sin, "box-muller on \(name)")
        // The fused noise (per channel and per pixel, 1, 3 and 4 channels, sizes reaching every block tail).
        for (w, h, c) in [(1, 1, 3), (5, 3, 1), (16, 1, 3), (17, 3, 3), (61, 19, 4), (256, 7, 3)] {
            let r = raster(w, h, c, seed: UInt64(w * 13 + c))
            for perChannel in [true, false] {
                var fast = r, portable = r
                PixelKernels.gaussNoise(&fast, mean: 0.05, sigma: 0.3, perChannel: perChannel, key: 99, path: path)
                PixelKernels.gaussNoise(&portable, mean: 0.05, sigma: 0.3, perChannel: perChannel, key: 99, path: .portable)
                #expect(fast == portable && fast != r, "noise \(w)x\(h)x\(c) per_channel \(perChannel) on \(name)")
            }
        }
        // Elastic's field steps: the blur (widths past the 64-, 8-float blocks and the 128-column strips,
        // fields shorter than the kernel), the upsampling, the maps, the largest magnitude and the division.
        for (w, h, sigma) in [(1, 1, 2.0), (7, 5, 4.0), (64, 9, 0.5), (71, 3, 3.0), (129, 40, 4.0), (300, 37, 8.0), (3, 50, 1.5)] {
            let field = PixelKernels.normals(count: w * h, key: UInt64(w), path: .portable)
            let taps = ElasticStage.kernel(sigma: sigma)
            #expect(PixelKernels.gaussBlur(field, width: w, height: h, kernel: taps, scale: 3.5, path: path)
                    == PixelKernels.gaussBlur(field, width: w, height: h, kernel: taps, scale: 3.5, path: .portable), "field blur \(w)x\(h) sigma \(sigma) on \(name)")
            var fast = field, portable = field
            PixelKernels.divide(&fast, by: 2.75, path: path)
            PixelKernels.divide(&portable, by: 2.75, path: .portable)
            #expect(fast == portable && PixelKernels.maxAbs(field, path: path) == PixelKernels.maxAbs(field, path: .portable), "divide, max \(w)x\(h) on \(name)")
            let dy = field.map { -2 * $0 }
            let fastMaps = ElasticStage.maps(dx: field, dy: dy, width: w, height: h, path: path)
            let portableMaps = ElasticStage.maps(dx: field, dy: dy, width: w, height: h, path: .portable)
            #expect(fastMaps.x == portableMaps.x && fastMaps.y == portableMaps.y, "maps \(w)x\(h) on \(name)")
            for step in [2, 5, 12] where w > 1 && h > 1 {
                let up = { (p: SIMDPath) in PixelKernels.upsample(field, width: w, height: h, step: step, toWidth: (w - 2) * step + 1, toHeight: (h - 2) * step + 1, path: p) }
                #expect(up(path) == up(.portable), "upsample \(w)x\(h) step \(step) on \(name)")
            }
        }
        resampling(path)
    }

    /// warpAffine (alone and as an image + label pair) and remap on `path` against the portable
    /// build, the oracle: 1 to 5 bytes a pixel (5 takes the oracle on every path), odd and tiny
    /// sizes, outputs larger and smaller than the source, seeded random matrices (rotations,
    /// scales, shears, whole and half pixel shifts, ones that move most pixels outside the source,
    /// NaN and huge entries) and maps (small and large displacements, NaN, huge values, -0, the
    /// edges -1, w - 1 and w, halves).
    static func resampling(_ path: SIMDPath) {
        let name = path.rawValue
        var rng = SeededRandom(seed: 77)
        let sizes = [(1, 1), (2, 2), (3, 1), (1, 7), (9, 2), (8, 8), (17, 13), (33, 5), (64, 48), (257, 129)]
        for (index, (w, h)) in sizes.enumerated() {
            for c in 1...5 {
                let r = raster(w, h, c, seed: UInt64(index * 8 + c))
                let border = (0..<c).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                let outputs = [(w, h), (w + 9, max(h - 1, 1)), (max(w / 2, 1), h + 3)]
                for kind in 0..<8 {
                    let inv = randomInverse(kind: kind, width: w, height: h, rng: &rng)
                    let (dw, dh) = outputs[kind % outputs.count]
                    for nearest in [false, true] {
                        let warp = { (p: SIMDPath) in PixelKernels.warpAffine(r, inverse: inv, width: dw, height: dh, nearest: nearest, border: border, path: p) }
                        #expect(warp(.portable) == warp(path), "warp \(w)x\(h)x\(c) -> \(dw)x\(dh) kind \(kind) nearest \(nearest) on \(name)")
                    }
                    for lc in [1, 2] {
                        let label = raster(w, h, lc, seed: UInt64(index * 8 + c + 100 * lc))
                        let labelBorder = (0..<lc).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                        let pair = PixelKernels.warpAffinePair(image: r, label: label, inverse: inv, width: dw, height: dh, border: border,
                                                               labelBorder: labelBorder, path: path)
                        #expect(pair.image == PixelKernels.warpAffine(r, inverse: inv, width: dw, height: dh, nearest: false, border: border, path: .portable)
                                && pair.label == PixelKernels.warpAffine(label, inverse: inv, width: dw, height: dh, nearest: true, border: labelBorder, path: .portable),
                                "warp pair \(w)x\(h)x\(c) label \(lc) -> \(dw)x\(dh) kind \(kind) on \(name)")
                    }
                }
                for amplitude in [0.5, 3, 40] {
                    let special: [Float] = [.nan, 3e9, -1e30, -0.0, -1, Float(w - 1), Float(w), Float(h - 1), Float(h), 0.5, Float(w) - 0.5]
                    var mx = (0..<(w * h)).map { Float(Double($0 % w) + rng.uniform(-amplitude, amplitude)) }
                    var my = (0..<(w * h)).map { Float(Double($0 / w) + rng.uniform(-amplitude, amplitude)) }
                    if amplitude == 3 {
                        for i in 0..<(w * h) where rng.below(4) == 0 { mx[i] = special[rng.below(special.count)] }
                        for i in 0..<(w * h) where rng.below(4) == 0 { my[i] = special[rng.below(special.count)] }
                    }
                    for nearest in [false, true] {
                        for reflect in [false, true] {
                            let remap = { (p: SIMDPath) in PixelKernels.remap(r, mapX: mx, mapY: my, nearest: nearest, reflect: reflect, border: border, path: p) }
                            #expect(remap(.portable) == remap(path), "remap \(w)x\(h)x\(c) amplitude \(amplitude) nearest \(nearest) reflect \(reflect) on \(name)")
                        }
                    }
                }
            }
        }
    }

    /// A seeded inverse matrix for a `width` x `height` source of one of eight kinds.
    static func randomInverse(kind: Int, width w: Int, height h: Int, rng: inout SeededRandom) -> [Double] {
        let a = rng.uniform(-Double.pi, Double.pi), s = rng.uniform(0.3, 3)
        var m = [cos(a) * s, -sin(a) * s, rng.uniform(-0.5, 1.5) * Double(w), sin(a) * s, cos(a) * s, rng.uniform(-0.5, 1.5) * Double(h)]
        switch kind {
        case 1: m = [1, 0, Double(rng.integer(in: (-3, 3))), 0, 1, Double(rng.integer(in: (-3, 3)))]   // whole pixel shifts
        case 2: m = [1, 0, Double(rng.integer(in: (-6, 6))) / 2, 0, 1, Double(rng.integer(in: (-6, 6))) / 2]   // halves
        case 3: m[1] = tan(rng.uniform(-1.2, 1.2)); m[3] = tan(rng.uniform(-0.5, 0.5))   // shears
        case 4: m[2] = Double(w) * rng.uniform(2, 4); m[5] = -Double(h) * rng.uniform(0.5, 2)   // mostly outside
        case 5: m = [rng.uniform(0.9, 1.1), 0, rng.uniform(-1, 1), 0, rng.uniform(0.9, 1.1), rng.uniform(-1, 1)]   // near the identity
        default: break
        }
        var inv = Warp.invert(m)
        if kind == 6 { inv[rng.below(6)] = .nan }
        if kind == 7 { inv[rng.below(6)] = rng.unit() < 0.5 ? 1e12 : -3e9 }
        return inv
    }
}

/// The oracle comparisons once per SIMD path; a path this CPU lacks is skipped, and says so.
@Suite struct SIMDPathOracleTests {
    @Test func portablePath() { KernelOracles.check(.portable) }

    @Test(.enabled(if: SIMDPath.cpuBest >= .avx2, "this CPU lacks AVX2, FMA or POPCNT: the AVX2 path is not tested here"))
    func avx2Path() { KernelOracles.check(.avx2) }

    @Test(.enabled(if: SIMDPath.cpuBest >= .avx512, "this CPU lacks AVX-512 F, BW and VBMI: the AVX-512 path is not tested here"))
    func avx512Path() { KernelOracles.check(.avx512) }
}

/// `SEGPREP_SIMD`: what it accepts, what it refuses and how, and what a run records.
@Suite(.serialized) struct SIMDSelectionTests {
    @Test func unsetOrEmptyTakesTheBestPath() throws {
        #expect(try SIMDPath.resolve(environment: [:], cpu: .avx2) == .avx2)
        #expect(try SIMDPath.resolve(environment: ["SEGPREP_SIMD": ""], cpu: .avx512) == .avx512)
        #expect(SIMDPath.available.first == .portable && SIMDPath.available.last == SIMDPath.cpuBest)
    }

    @Test func lowerPathsCanBeForced() throws {
        #expect(try SIMDPath.resolve(environment: ["SEGPREP_SIMD": "portable"], cpu: .avx512) == .portable)
        #expect(try SIMDPath.resolve(environment: ["SEGPREP_SIMD": "AVX2"], cpu: .avx512) == .avx2)
        #expect(try SIMDPath.resolve(environment: ["SEGPREP_SIMD": "avx2"], cpu: .avx2) == .avx2)
    }

    @Test func aPathAboveTheCPUIsRefused() {
        #expect(throws: SIMDError.unsupported(.avx512, cpu: .avx2)) { try SIMDPath.resolve(environment: ["SEGPREP_SIMD": "avx512"], cpu: .avx2) }
        let message = SIMDError.unsupported(.avx512, cpu: .avx2).description
        #expect(message.contains("SEGPREP_SIMD=avx512") && message.contains("AVX-512") && message.contains("portable or avx2"))
        #expect(throws: SIMDError.unsupported(.avx2, cpu: .portable)) { try SIMDPath.resolve(environment: ["SEGPREP_SIMD": "avx2"], cpu: .portable) }
    }

    @Test func anInvalidValueIsRefused() {
        for bad in ["sse", "avx-512", " avx2", "0"] {
            #expect(throws: SIMDError.invalidValue(bad)) { try SIMDPath.resolve(environment: ["SEGPREP_SIMD": bad], cpu: .avx512) }
        }
        let message = SIMDError.invalidValue("sse").description
        #expect(message.contains("SEGPREP_SIMD=sse") && message.contains("portable, avx2, avx512"))
    }

    /// Two input samples, a pipeline file for them and an output path (not yet made).
    func scratchRun() throws -> (Scratch, pipeline: String, output: String) {
        let s = try Scratch(count: 2)
        let pipeline = s.dir.appendingPathComponent("p.yaml").path
        try Scratch.augmented.write(toFile: pipeline, atomically: true, encoding: .utf8)
        return (s, pipeline, s.dir.appendingPathComponent("out").path)
    }

    /// The command refuses a bad value before doing anything: one message, no output folder.
    @Test func theCommandLineRefusesABadValue() throws {
        let (s, pipeline, out) = try scratchRun()
        defer { s.remove() }
        let (status, text) = try segPrep(["run", pipeline, "--output", out], environment: ["SEGPREP_SIMD": "sse9"])
        #expect(status != 0)
        #expect(text.contains("SEGPREP_SIMD=sse9 is not a SIMD path"), "\(text)")
        #expect(!text.contains("Fatal error"))
        #expect(!FileManager.default.fileExists(atPath: out))
        if SIMDPath.cpuBest < .avx512 {
            let (status, text) = try segPrep(["run", pipeline, "--output", out], environment: ["SEGPREP_SIMD": "avx512"])
            #expect(status != 0 && text.contains("which this CPU lacks"), "\(text)")
            #expect(!FileManager.default.fileExists(atPath: out))
        }
    }

    /// Shipped pipelines (resize, HSV, statistics; rotate, elastic, blur, lookups) write the same
    /// shards on the portable path as on the default one, and each manifest names its path.
    @Test(arguments: [("camvid-train.yaml", 8), ("em-membrane-aug.yaml", 6)])
    func portableRunWritesTheDefaultBytes(pipeline: String, limit: Int) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("segprep-simd-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = packageRoot.appendingPathComponent("pipelines/\(pipeline)").path
        var digests: [[String]] = []
        for forced in [nil, SIMDPath.portable] {
            let out = dir.appendingPathComponent(forced?.rawValue ?? "default").path
            let (status, text) = try segPrep(["run", path, "--output", out, "--limit", "\(limit)", "--threads", "2"],
                                             environment: forced.map { ["SEGPREP_SIMD": $0.rawValue] } ?? [:])
            #expect(status == 0, "\(text)")
            let m = try Manifest.load(from: out)
            #expect(m.simd == (forced ?? SIMDPath.cpuBest).rawValue)
            #expect(!m.shards.isEmpty)
            digests.append(try m.shards.map { try Checksum.sha256(file: "\(out)/\($0.file)") })
        }
        #expect(digests[0] == digests[1])
    }

    /// `simd` passes the manifest gate only as a path name; manifests without it still read.
    @Test func theManifestGateChecksTheKey() throws {
        let (s, pipeline, out) = try scratchRun()
        defer { s.remove() }
        #expect(try segPrep(["run", pipeline, "--output", out]).0 == 0)
        let index = URL(fileURLWithPath: out).appendingPathComponent("index.json")
        let original = try String(contentsOf: index, encoding: .utf8)
        let key = "\"simd\" : \"\(SIMDPath.current.rawValue)\""
        #expect(original.contains(key))
        try original.replacingOccurrences(of: key, with: "\"simd\" : \"sse9\"").write(to: index, atomically: true, encoding: .utf8)
        #expect(throws: ManifestError.self) { try Manifest.load(from: out) }
        do { _ = try Manifest.load(from: out) } catch {
            #expect("\(error)".contains("`simd` is 'sse9', not one of portable, avx2, avx512"), "\(error)")
        }
        let without = original.replacingOccurrences(of: "  \(key),\n", with: "")
        #expect(without != original)
        try without.write(to: index, atomically: true, encoding: .utf8)
        let m = try Manifest.load(from: out)
        #expect(m.simd == nil && !m.shards.isEmpty)
    }
}

/// Runs `seg-prep args…` with `environment` added to this process's, to completion.
func segPrep(_ args: [String], environment: [String: String]) throws -> (Int32, String) {
    try runToCompletion(segPrepBinary, args, environment: environment)
}

/// Runs `executable args…` to completion, with `environment` added to this process's (less
/// SEGPREP_SIMD unless given): exit status and combined output.
func runToCompletion(_ executable: URL, _ args: [String] = [], environment: [String: String] = [:]) throws -> (Int32, String) {
    let p = Process()
    p.executableURL = executable
    p.arguments = args
    p.environment = ProcessInfo.processInfo.environment.filter { $0.key != SIMDPath.environmentVariable }.merging(environment) { $1 }
    let pipe = Pipe()
    p.standardOutput = pipe
    p.standardError = pipe
    try p.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: data, as: UTF8.self))
}
