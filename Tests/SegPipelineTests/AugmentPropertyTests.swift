import SegImage
import Foundation
import SegFormat
import Testing
@testable import SegPipeline

/// Properties of the augmentation stages that need no reference: identities, clipping,
/// monotonicity, lossless permutations, label values, whole runs with `{}`, and plan-time errors.
@Suite struct AugmentPropertyTests {
    static let newStages = ["rot90", "transpose", "gamma", "grayscale", "brightness_contrast", "clahe", "blur", "noise", "cutout"]

    /// A random RGB image and a label of values 0..<classes, `width` x `height`.
    static func sample(width: Int = 37, height: Int = 23, classes: Int = 5, seed: UInt64 = 1) -> Sample {
        var rng = SeededRandom(seed: seed)
        let image = (0..<(width * height * 3)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        let label = (0..<(width * height)).map { _ in UInt8(rng.next() % UInt64(classes)) }
        return Sample(id: "s\(seed)", image: Raster(width: width, height: height, channels: 3, pixels: image),
                      label: Raster(width: width, height: height, channels: 1, pixels: label))
    }

    /// The stage of one `- name: {…}` line, as the parser builds it (after decode, before a 64x64 letterbox).
    static func stage(_ yaml: String, classes: Int = 21) throws -> any Stage {
        try stages("- decode: {}\n" + yaml + "\n- letterbox: {size: [64, 64]}", classes: classes).stages[1]
    }

    static func applied(_ yaml: String, to s: Sample, seed: UInt64 = 3, classes: Int = 21) throws -> Sample {
        let stage = try stage(yaml, classes: classes)
        var out = s, rng = SeededRandom(seed: seed)
        var context = StageContext(classes: classes, height: 64, width: 64)
        context.labelBytes = PipelineSpec.labelBytes(classes: classes, ignore: classes)
        try stage.apply(&out, random: &rng, context: context)
        return out
    }

    @Test(arguments: newStages)
    func probabilityZeroIsTheIdentity(_ name: String) throws {
        let s = Self.sample()
        let out = try Self.applied("- \(name): {p: 0}", to: s)
        #expect(out.image == s.image && out.label == s.label, "\(name)")
        #expect(!out.params.isEmpty, "\(name) records its draws even when it does nothing")
    }

    @Test func identityParameterSetsAreTheIdentity() throws {
        let s = Self.sample()
        for yaml in ["- gamma: {gamma: 1, p: 1}", "- brightness_contrast: {brightness: 0, contrast: 0, p: 1}",
                     "- noise: {std: 0, mean: 0, p: 1}", "- blur: {sigma: 0.1, p: 1}", "- rot90: {k: 0, p: 1}",
                     "- cutout: {n_holes: 1, cutout_shape: [1, 1], fill: 0, keep_label: true, p: 0}"] {
            let out = try Self.applied(yaml, to: s)
            #expect(out.image == s.image && out.label == s.label, "\(yaml)")
        }
    }

    @Test func sameSeedSameDraws() throws {
        let s = Self.sample()
        for name in Self.newStages {
            let a = try Self.applied("- \(name): {p: 1}", to: s, seed: 9), b = try Self.applied("- \(name): {p: 1}", to: s, seed: 9)
            #expect(a.image == b.image && a.label == b.label && a.params == b.params, "\(name)")
        }
    }

    @Test func brightnessContrastClipsAndIsMonotonic() throws {
        for alpha in stride(from: 0.0, through: 3.0, by: 0.25) {
            for beta in stride(from: -255.0, through: 255.0, by: 31.875) {
                let t = BrightnessContrastStage.table(alpha: alpha, beta: beta)
                #expect(zip(t, t.dropFirst()).allSatisfy { $0 <= $1 }, "monotonic at \(alpha), \(beta)")
                for v in 0..<256 {
                    let exact = Double(v) * alpha + beta
                    #expect(abs(Double(t[v]) - min(max(exact, 0), 255)) < 1.0001, "\(v) at \(alpha), \(beta)")
                }
            }
        }
        let s = Self.sample()
        #expect(try Self.applied("- brightness_contrast: {brightness: 1, contrast: 0, p: 1}", to: s).image.pixels.allSatisfy { $0 == 255 })
        #expect(try Self.applied("- brightness_contrast: {brightness: -1, contrast: 0, p: 1}", to: s).image.pixels.allSatisfy { $0 == 0 })
        #expect(try Self.applied("- brightness_contrast: {brightness: 0, contrast: -1, p: 1}", to: s).image.pixels.allSatisfy { $0 == 0 })
        // Brightness by the mean: a grey image of mean m moves by b * m.
        var grey = Raster(width: 4, height: 4, fill: [100, 100, 100])
        BrightnessContrastStage.adjust(&grey, brightness: 0.5, contrast: 0, byMax: false)
        #expect(grey.pixels.allSatisfy { $0 == 150 })
    }

    @Test func gammaTablesAreMonotonicAndBrightenAboveOne() {
        for g in [0.3, 0.8, 1.0, 1.25, 2.2, 5.0] {
            let t = GammaStage.table(gamma: g)
            #expect(zip(t, t.dropFirst()).allSatisfy { $0 <= $1 }, "\(g)")
            #expect(t[0] == 0 && t[255] == 255, "\(g)")
            #expect((0..<256).allSatisfy { g >= 1 ? Int(t[$0]) >= $0 : Int(t[$0]) <= $0 }, "\(g)")
        }
        #expect(GammaStage.table(gamma: 1) == (0..<256).map { UInt8($0) })
    }

    @Test func grayscaleWritesThreeEqualChannels() throws {
        let out = try Self.applied("- grayscale: {p: 1}", to: Self.sample())
        for i in stride(from: 0, to: out.image.pixels.count, by: 3) {
            #expect(out.image.pixels[i] == out.image.pixels[i + 1] && out.image.pixels[i] == out.image.pixels[i + 2])
        }
        #expect(out.params["grayscale"] == 1)
    }

    @Test func rot90AndTransposeArePermutations() throws {
        let s = Self.sample()
        for k in 0..<4 {
            let r = Dihedral.rotate(s.image, k: k)
            #expect(k % 2 == 0 ? (r.width, r.height) == (s.image.width, s.image.height) : (r.width, r.height) == (s.image.height, s.image.width))
            #expect(Dihedral.rotate(r, k: 4 - k) == s.image, "k \(k) undone by \(4 - k)")
            #expect(r.pixels.sorted() == s.image.pixels.sorted())
        }
        #expect(Dihedral.rotate(Dihedral.rotate(s.label, k: 1), k: 1) == Dihedral.rotate(s.label, k: 2))
        #expect(Dihedral.transpose(Dihedral.transpose(s.image)) == s.image)
        // Transpose is rot90 once, then upside down.
        #expect(Dihedral.transpose(s.image) == Dihedral.rotate(s.image, k: 1).flippedVertically())
        // Image and label move together: the (pixel, label) pairs are the same set.
        for yaml in ["- rot90: {k: 1, p: 1}", "- rot90: {k: 3, p: 1}", "- transpose: {p: 1}"] {
            let out = try Self.applied(yaml, to: s)
            func pairs(_ x: Sample) -> [String] {
                (0..<(x.label.width * x.label.height)).map { "\(x.image.pixels[3 * $0]),\(x.image.pixels[3 * $0 + 1]),\(x.image.pixels[3 * $0 + 2]):\(x.label.pixels[$0])" }.sorted()
            }
            #expect(pairs(out) == pairs(s), "\(yaml)")
            #expect((out.image.width, out.image.height) == (s.image.height, s.image.width))
        }
        // 16-bit labels are moved as whole values.
        let wide = Raster(width: 3, height: 2, labelValues: [1, 300, 2, 400, 3, 500], bytes: 2)
        #expect(Dihedral.rotate(wide, k: 1).labelValues == [2, 500, 300, 3, 1, 400])
        #expect(Dihedral.transpose(wide).labelValues == [1, 400, 300, 3, 2, 500])
    }

    @Test func cutoutLabelsTakeOnlySourceValuesOrTheFill() throws {
        let s = Self.sample(classes: 5)
        let out = try Self.applied("- cutout: {n_holes: [3, 6], cutout_ratio: [[0.3, 0.2], [0.1, 0.5]], fill: [1, 2, 3], p: 1}", to: s, classes: 5)
        let holes = Int(try #require(out.params["cutout_holes"]))
        #expect((3...6).contains(holes))
        #expect(Set(out.label.pixels).isSubset(of: Set(s.label.pixels).union([5])))
        var filled = 0
        for i in 0..<(s.label.width * s.label.height) where out.label.pixels[i] == 5 {
            #expect(Array(out.image.pixels[(3 * i)..<(3 * i + 3)]) == [1, 2, 3])
            filled += 1
        }
        var covered = Set<Int>()
        for h in 0..<holes {
            let x = Int(out.params["cutout_\(h)_x"] ?? -1), y = Int(out.params["cutout_\(h)_y"] ?? -1)
            let w = Int(out.params["cutout_\(h)_width"] ?? -1), hh = Int(out.params["cutout_\(h)_height"] ?? -1)
            for yy in y..<(y + hh) { for xx in x..<(x + w) { covered.insert(yy * s.label.width + xx) } }
        }
        #expect(filled == covered.count)
        // Pixels outside the holes are untouched.
        for i in 0..<(s.label.width * s.label.height) where !covered.contains(i) {
            #expect(out.label.pixels[i] == s.label.pixels[i] && out.image.pixels[3 * i] == s.image.pixels[3 * i])
        }
        // keep_label leaves the label; a 16-bit fill widens an 8-bit label of a U16 pipeline.
        #expect(try Self.applied("- cutout: {keep_label: true, p: 1}", to: s).label == s.label)
        let wide = try Self.applied("- cutout: {label_fill: 300, n_holes: 2, p: 1}", to: s, classes: 400)
        #expect(wide.label.channels == 2)
        #expect(Set(wide.label.labelValues).isSubset(of: Set(s.label.pixels.map(UInt16.init)).union([300])))
        #expect(wide.label.labelValues.contains(300))
    }

    @Test func noiseIsStandardNormalAndSharedAcrossChannelsWhenAsked() throws {
        let z = NoiseStage.normals(200_001, key: 5).map(Double.init)      // the distribution itself: NormalGeneratorTests
        let mean = z.reduce(0, +) / Double(z.count)
        let variance = z.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(z.count)
        #expect(abs(mean) < 0.01 && abs(variance - 1) < 0.02)
        #expect(Double(z.filter { abs($0) < 1 }.count) / Double(z.count) > 0.676 && Double(z.filter { abs($0) < 1 }.count) / Double(z.count) < 0.69)
        var grey = Self.sample()
        GrayscaleStage.convert(&grey.image, weights: [0.299, 0.587, 0.114])
        let out = try Self.applied("- noise: {per_channel: false, std: 0.1, p: 1}", to: grey)
        #expect(out.image != grey.image)
        for i in stride(from: 0, to: out.image.pixels.count, by: 3) {
            #expect(out.image.pixels[i] == out.image.pixels[i + 1] && out.image.pixels[i] == out.image.pixels[i + 2])
        }
        // Truncation toward zero: noise in (-1, 1) changes nothing.
        var image = grey.image
        NoiseStage.add(&image, noise: [Float](repeating: 0.99, count: image.width * image.height))
        NoiseStage.add(&image, noise: [Float](repeating: -0.99, count: image.width * image.height))
        #expect(image == grey.image)
    }

    @Test func blurKeepsAConstantImageAndSmoothsNoise() throws {
        var flat = Raster(width: 20, height: 9, fill: [7, 130, 250])
        BlurStage.filter(&flat, kernel: BlurStage.kernel(sigma: 2, size: BlurStage.size(sigma: 2, drawn: 0)))
        #expect(flat == Raster(width: 20, height: 9, fill: [7, 130, 250]))
        let s = Self.sample(width: 64, height: 48)
        let out = try Self.applied("- blur: {sigma: 2, p: 1}", to: s)
        func roughness(_ r: Raster) -> Int { (3..<r.pixels.count).reduce(0) { $0 + abs(Int(r.pixels[$1]) - Int(r.pixels[$1 - 3])) } }
        #expect(roughness(out.image) * 4 < roughness(s.image))
        #expect(out.params["blur_kernel"] == 15 && out.params["blur_sigma"] == 2)
        #expect(BlurStage.size(sigma: 1.9, drawn: 4) == 5 && BlurStage.size(sigma: 0.2, drawn: 0) == 1)
    }

    @Test func claheSpreadsALowContrastImage() throws {
        var rng = SeededRandom(seed: 2)
        let pixels = (0..<(64 * 64 * 3)).map { _ in UInt8(100 + rng.next() % 20) }
        let s = Sample(id: "flat", image: Raster(width: 64, height: 64, channels: 3, pixels: pixels),
                       label: Raster(width: 64, height: 64, channels: 1, pixels: [UInt8](repeating: 0, count: 64 * 64)))
        let out = try Self.applied("- clahe: {clip_limit: 0, tile_grid_size: [1, 1], p: 1}", to: s)
        #expect((out.image.pixels.max() ?? 0) - (out.image.pixels.min() ?? 0) > 200)
        // One tile, no clipping: a monotonic map of each channel (histogram equalisation).
        for c in 0..<3 {
            var map = [Int: UInt8]()
            for i in stride(from: c, to: pixels.count, by: 3) { map[Int(pixels[i])] = out.image.pixels[i] }
            let keys = map.keys.sorted()
            #expect(zip(keys, keys.dropFirst()).allSatisfy { (map[$0] ?? 0) <= (map[$1] ?? 0) })
        }
        // Images smaller than the tile grid are equalised, not refused.
        _ = try Self.applied("- clahe: {tile_grid_size: [16, 16], p: 1}", to: Self.sample(width: 5, height: 3))
    }

    /// Every new stage with `{}` in a run, before and after the size is fixed; the manifest records the draws.
    @Test func everyStageRunsWithDefaults() throws {
        let s = try Scratch(count: 3)
        defer { s.remove() }
        let lines = Self.newStages.map { "  - \($0): {}\n" }.joined()
        let text = Scratch.augmented.replacingOccurrences(of: "  - random_resize: {size: [64, 96]}\n  - flip: {}\n  - place: {}\n  - hsv: {}\n",
                                                           with: lines + "  - random_resize: {size: [64, 64]}\n  - place: {}\n" + lines)
        #expect(text.contains("- rot90: {}"))
        let summary = try s.run(text)
        #expect(summary.samples == 6)
        let m = try Manifest.load(from: s.out.path)
        #expect(m.image.shape == [64, 64, 3])
        let params = m.shards.flatMap(\.params)
        for key in ["rot90_k", "transpose", "gamma", "grayscale", "brightness_contrast_b", "brightness_contrast_c", "clahe", "blur_sigma", "noise_std", "cutout_holes"] {
            #expect(params.allSatisfy { $0[key] != nil }, "\(key)")
        }
        #expect(try ShardVerifier.verify(s.out.path).isEmpty)
    }

    @Test func rot90AfterRandomCropMakesTheBoundSquare() throws {
        let spec = try stages("- decode: {}\n- random_crop: {size: [32, 48]}\n- rot90: {}\n- pad: {size_divisor: 16}")
        #expect(spec.height == 48 && spec.width == 48)
        let even = try stages("- decode: {}\n- letterbox: {size: [32, 48]}\n- rot90: {k: 2}")
        #expect(even.height == 32 && even.width == 48)
    }

    /// A bad pipeline: `stages` replace the letterbox line of `PipelineErrorTests.valid` (`before`
    /// goes before decode), and the error points at the first occurrence of `at` among the stages.
    static func bad(_ name: String, _ stages: String, at: String, before: String? = nil, message: String, fix: String) -> PipelineErrorTests.Case {
        var yaml = PipelineErrorTests.valid.replacingOccurrences(of: "- letterbox: {size: [64, 64]}", with: stages)
        if let before { yaml = yaml.replacingOccurrences(of: "  - decode: {}\n", with: "  - \(before)\n  - decode: {}\n") }
        let lines = yaml.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let first = (lines.firstIndex { $0.hasPrefix("stages:") } ?? 0) + 1
        let row = lines.indices.first { $0 >= first && lines[$0].contains(at) } ?? 0
        let column = lines[row].range(of: at).map { lines[row].utf16.distance(from: lines[row].startIndex, to: $0.lowerBound) + 1 } ?? 0
        return PipelineErrorTests.Case(name: name, yaml: yaml, position: ":\(row + 1):\(column)", message: message, fix: fix)
    }

    static let badCases: [PipelineErrorTests.Case] = [
        bad("gamma out of range", "- letterbox: {size: [64, 64]}\n  - gamma: {gamma: 0}", at: "0}",
             message: "'gamma.gamma' is 0, outside [0.01, 100]", fix: "use a number or [low, high]"),
        bad("blur sigma reversed", "- letterbox: {size: [64, 64]}\n  - blur: {sigma: [3, 1]}", at: "[3, 1]",
             message: "'blur.sigma' is [3, 1]; need low <= high", fix: "sigma in pixels"),
        bad("blur kernel mixes 0", "- letterbox: {size: [64, 64]}\n  - blur: {kernel_size: [0, 7]}", at: "[0, 7]",
             message: "'blur.kernel_size' is [0, 7]", fix: "give 0 alone"),
        bad("noise probability", "- letterbox: {size: [64, 64]}\n  - noise: {p: 2}", at: "2}",
             message: "'noise.p' is 2, outside [0, 1]", fix: "use a probability"),
        bad("rot90 on a non-square size", "- letterbox: {size: [64, 32]}\n  - rot90: {}", at: "rot90",
             message: "'rot90' can swap height and width, but the output size is already fixed at 64x32", fix: "put rot90 before"),
        bad("transpose on a non-square size", "- letterbox: {size: [64, 32]}\n  - transpose: {p: 0.2}", at: "transpose",
             message: "'transpose' can swap height and width", fix: "make that size square"),
        bad("cutout shape and ratio", "- letterbox: {size: [64, 64]}\n  - cutout: {cutout_shape: [4, 4], cutout_ratio: [0.1, 0.1]}", at: "[0.1, 0.1]",
             message: "'cutout' takes either 'cutout_shape' or 'cutout_ratio'", fix: "keep one"),
        bad("cutout label fill above 8 bits", "- letterbox: {size: [64, 64]}\n  - cutout: {label_fill: 300}", at: "300",
             message: "'label_fill' is 300, above 255", fix: "use a class index or `ignore`"),
        bad("clahe more tiles than pixels", "- letterbox: {size: [64, 64]}\n  - clahe: {tile_grid_size: [100, 8]}", at: "[100, 8]",
             message: "'clahe' has 100x8 tiles, more than the 64x64 pixels", fix: "use fewer tiles"),
        bad("grayscale weights count", "- letterbox: {size: [64, 64]}\n  - grayscale: {weights: [1, 2]}", at: "[1, 2]",
             message: "'grayscale.weights' must be a list of 3 numbers", fix: "[w_r, w_g, w_b]"),
        bad("cutout before decode", "- letterbox: {size: [64, 64]}", at: "cutout", before: "cutout: {}",
             message: "stage 'cutout' comes before 'decode'", fix: "put `- decode: {}` first"),
    ]

    @Test(arguments: badCases)
    func badAugmentation(_ c: PipelineErrorTests.Case) throws {
        #expect(!c.position.hasSuffix(":0"), "the case's text is in its lines")
        try PipelineErrorTests().badPipeline(c)
    }
}

/// The recipes shipped in `pipelines/` that use the augmentation stages run on their fixtures.
@Suite struct DihedralRecipeTests {
    @Test func potsdamDihedralRuns() throws {
        let path = packageRoot.appendingPathComponent("pipelines/potsdam-dihedral.yaml").path
        let spec = try PipelineSpec.load(path: path)
        #expect(spec.stageNames.prefix(4) == ["decode", "tile", "rot90", "transpose"])
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("segprep-dihedral-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        let summary = try PipelineRunner(spec: spec, options: RunOptions(output: out.path, threads: 2)).run()
        #expect(summary.samples > 4)
        let m = try Manifest.load(from: out.path)
        #expect(m.image.shape == [512, 512, 3])
        let params = m.shards.flatMap(\.params)
        #expect(Set(params.compactMap { $0["rot90_k"] }).count > 1)
        #expect(params.allSatisfy { $0["transpose"] != nil && $0["gamma"] != nil && $0["blur_sigma"] != nil })
        #expect(try ShardVerifier.verify(out.path).isEmpty)
    }

    /// The EM recipe: grey sections stay grey (noise per pixel, not per channel) and labels keep their values.
    @Test func emMembraneAugRuns() throws {
        let spec = try PipelineSpec.load(path: packageRoot.appendingPathComponent("pipelines/em-membrane-aug.yaml").path)
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("segprep-em-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        let summary = try PipelineRunner(spec: spec, options: RunOptions(output: out.path, threads: 2)).run()
        #expect(summary.samples == 96)
        #expect(try ShardVerifier.verify(out.path).isEmpty)
        var s = Sample(record: try DatasetInput(spec.input).records[0], repeatIndex: 1)
        try spec.process(&s)
        for i in stride(from: 0, to: s.image.pixels.count, by: 3) {
            #expect(s.image.pixels[i] == s.image.pixels[i + 1] && s.image.pixels[i] == s.image.pixels[i + 2])
        }
    }
}

/// The C and Swift fast paths of the augmentation kernels against their plain versions.
@Suite struct AugmentKernelTests {
    @Test(arguments: [(0.6, 0, 3), (2.03, 0, 3), (1.2, 9, 1), (5.6, 0, 3), (3.0, 7, 2)])
    func sepFilterSIMDEqualsPortable(_ args: (Double, Int, Int)) {
        let (sigma, drawn, channels) = args
        var rng = SeededRandom(seed: UInt64(channels) &+ UInt64(drawn))
        for (w, h) in [(37, 23), (5, 3), (64, 48), (1, 9)] {
            let pixels = (0..<(w * h * channels)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let kernel = BlurStage.kernel(sigma: sigma, size: BlurStage.size(sigma: sigma, drawn: drawn))
            var portable = Raster(width: w, height: h, channels: channels, pixels: pixels)
            BlurStage.filter(&portable, kernel: kernel, path: .portable)
            for path in SIMDPath.available.dropFirst() {   // each SIMD path this CPU has
                var simd = portable
                simd.pixels = pixels
                BlurStage.filter(&simd, kernel: kernel, path: path)
                #expect(portable == simd, "\(w)x\(h)x\(channels) sigma \(sigma) on \(path.rawValue)")
            }
        }
    }

    /// The fused C noise (every path) against the Swift composition: the generator's normals, the
    /// noise map, and the truncating add the golden GaussNoise test checks.
    @Test func drawnNoiseEqualsTheNoiseMapPath() {
        for path in SIMDPath.available {
            for (w, h, perChannel) in [(31, 17, true), (31, 17, false), (1, 1, true), (16, 2, false), (64, 5, true)] {
                let s = AugmentPropertyTests.sample(width: w, height: h)
                for (sigma, mean) in [(0.3, 0.05), (0.44, -0.2), (1.0, 1.0)] {
                    var a = s.image, b = s.image
                    NoiseStage.addDrawn(&a, sigma: sigma, mean: mean, perChannel: perChannel, key: 4, path: path)
                    let n = w * h * (perChannel ? 3 : 1)
                    NoiseStage.add(&b, noise: NoiseStage.noiseMap(NoiseStage.normals(n, key: 4, path: .portable), sigma: sigma, mean: mean))
                    #expect(a == b && a != s.image, "\(w)x\(h) per_channel \(perChannel) sigma \(sigma) mean \(mean) on \(path.rawValue)")
                }
            }
        }
    }

    /// The noise stage records its key, and the key alone fixes the noise.
    @Test func noiseRecordsItsKey() throws {
        let s = AugmentPropertyTests.sample()
        let out = try AugmentPropertyTests.applied("- noise: {std: 0.2, p: 1}", to: s)
        let key = try #require(out.params["noise_key"])
        #expect(key > 0 && key == key.rounded() && out.params["noise_std"] == 0.2)
        var again = s.image
        NoiseStage.addDrawn(&again, sigma: 0.2, mean: 0, perChannel: true, key: UInt64(key))
        #expect(again == out.image)
        #expect(try AugmentPropertyTests.applied("- noise: {p: 0}", to: s).params["noise_key"] == 0)
    }

    @Test func grayscaleConvertEqualsTheFloatValues() {
        let s = AugmentPropertyTests.sample()
        let w = [0.2, 0.5, 0.3]
        var image = s.image
        GrayscaleStage.convert(&image, weights: w)
        #expect(image.pixels == GrayscaleStage.grey(s.image, weights: w).flatMap { v -> [UInt8] in
            let b = UInt8(min(max(v.rounded(.toNearestOrEven), 0), 255)); return [b, b, b]
        })
    }
}

@Suite struct AugmentCaptionTests {
    @Test func captionsShowTheDrawsThatChangedTheSample() {
        let text = ContactSheet.caption(id: "a", repeatIndex: 1, params: ["flip": 1, "rot90_k": 3, "transpose": 0, "gamma": 1.2345, "blur_sigma": 0, "cutout_holes": 2])
        #expect(text == "a #1\nflip 1  rot90_k 3  gamma 1.23  cutout_holes 2")
    }
}
