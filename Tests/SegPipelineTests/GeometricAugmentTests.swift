import SegImage
import Foundation
import SegFormat
import Testing
@testable import SegPipeline

/// `rotate`, `affine` and `elastic` against mmsegmentation 1.2.2's RandomRotate and albumentations
/// 2.0.8's ElasticTransform (fixtures/golden-mmseg-aug: inputs, parameters, draws and expectations
/// all read from params.json and aug.safetensors), and their properties where no reference exists.
@Suite struct GeometricParityTests {
    typealias G = AugmentParityTests

    /// Every RandomRotate case: the stage's matrix and output size against mmcv.imrotate's, then
    /// image (bilinear, IPP-on warpAffine model) and label (nearest) byte for byte by SHA-256 and,
    /// where stored, by value. The fill is the reference's per-channel border (`r5`'s scalar 128
    /// fills only the first BGR channel, i.e. RGB (0, 0, 128)), which `fill: [r, g, b]` expresses.
    @Test func rotateIsRandomRotate() throws {
        let f = try G.file()
        var checked = 0, images = 0, labels = 0
        let cases = G.cases("random_rotate")
        for (name, c) in cases {
            let degree = try #require(c["degree"]?.doubles)
            let prob = try #require(c["prob"]?.double)
            // The border OpenCV writes (per channel, RGB); a case that does not rotate has none.
            let padVal = c["pad_val"]?.double ?? 0
            let border = (c["image_border_value_rgb"]?.doubles ?? [padVal, padVal, padVal]).map { Int($0) }
            let segPad = try #require(c["seg_pad_val"]?.int)
            let expand = c["auto_bound"]?.bool == true
            var yaml = "- rotate: {degree: [\(degree.min() ?? 0), \(degree.max() ?? 0)], p: \(prob), fill: \(border), label_fill: \(segPad), expand: \(expand)"
            if let centre = c["center"]?.doubles { yaml += ", center: \(centre)" }
            let stage = try G.stage(yaml + "}", as: RotateStage.self)
            var s = try G.pair(try #require(c["pair"]?.string))
            let rand = try #require(c["rand"]?.double), angle = try #require(c["angle"]?.double)
            let draw = RotateStage.Draw(applied: rand < prob, angle: angle)
            #expect(draw.applied == c["rotate"]?.bool, "\(name): branch")
            if draw.applied {
                let g = RotateStage.matrix(angle: angle, width: s.image.width, height: s.image.height, center: stage.center, expand: expand)
                let forward = try #require(c["matrix_forward"]?.array).compactMap(\.doubles).flatMap { $0 }
                #expect(g.m == forward, "\(name): forward matrix")
                #expect(Warp.invert(g.m) == c["matrix_inverse_used_by_warpAffine"]?.doubles, "\(name): inverse matrix")
                #expect([g.width, g.height] == c["dsize_wh"]?.ints, "\(name): output size")
            }
            stage.rotate(&s, draw, ignore: 255)
            #expect([s.image.height, s.image.width] == c["output_hw"]?.ints, "\(name): shape")
            let imageOK = sha(s.image.pixels) == G.expected(c["image"]), labelOK = sha(s.label.pixels) == G.expected(c["label"])
            #expect(imageOK, "\(name): image")
            #expect(labelOK, "\(name): label")
            if c["stored"]?.bool == true {
                #expect(s.image.pixels == (try f.bytes("rotate.\(name).image")), "\(name): stored image")
                #expect(s.label.pixels == (try f.bytes("rotate.\(name).label")), "\(name): stored label")
            }
            images += imageOK ? 1 : 0; labels += labelOK ? 1 : 0; checked += 1
        }
        #expect(checked == cases.count && checked >= 9)
        #expect(images == checked && labels == checked, "exact: \(images) images, \(labels) labels of \(checked)")
    }

    /// The angle's sign and the coin as the stage draws them, recorded in the sample.
    @Test func rotateRecordsItsDraws() throws {
        let stage = try G.stage("- rotate: {degree: [5, 5], p: 1}", as: RotateStage.self)
        var s = AugmentPropertyTests.sample(), rng = SeededRandom(seed: 4)
        try stage.apply(&s, random: &rng, context: StageContext(classes: 5, height: 64, width: 64))
        #expect(s.params["rotate_angle"] == 5 && s.params["rotate_applied"] == 1)
        var t = AugmentPropertyTests.sample(), rng2 = SeededRandom(seed: 4)
        let off = try G.stage("- rotate: {degree: 30, p: 0}", as: RotateStage.self)
        try off.apply(&t, random: &rng2, context: StageContext(classes: 5, height: 64, width: 64))
        #expect(t.params["rotate_applied"] == 0 && abs(t.params["rotate_angle"] ?? 99) <= 30)
        #expect(t.image == AugmentPropertyTests.sample().image)
    }

    /// Every ElasticTransform case with its stored fields: the maps built from dx/dy equal the
    /// stored map_x/map_y, and the remap of the input window by them equals the stored image
    /// (bilinear) and label (nearest) exactly, with the reference's border (a scalar `fill` is
    /// OpenCV's first-channel-only Scalar; `fill_mask` the label's) and border mode.
    @Test func elasticIsElasticTransform() throws {
        let f = try G.file()
        var checked = 0, images = 0, labels = 0
        let cases = G.albu("elastic")
        for (name, c) in cases {
            let window = try #require(c["window"]?.string)
            let image = try G.window(window, f)
            let labelShape = try f.info("albu.window.\(window).label").shape
            let label = Raster(width: labelShape[1], height: labelShape[0], channels: 1, pixels: try f.bytes("albu.window.\(window).label"))
            let w = image.width, h = image.height
            let dx = try f.floats("albu.elastic.\(name).dx"), dy = try f.floats("albu.elastic.\(name).dy")
            let storedX = try f.floats("albu.elastic.\(name).map_x"), storedY = try f.floats("albu.elastic.\(name).map_y")
            let maps = ElasticStage.maps(dx: dx, dy: dy, width: w, height: h)
            #expect(maps.x == storedX && maps.y == storedY, "\(name): maps from dx, dy")
            let border: [UInt8]
            if let v = c["fill"]?.int { border = [UInt8(clamping: v)] + [UInt8](repeating: 0, count: image.channels - 1) }
            else { border = try #require(c["fill"]?.ints).map { UInt8(clamping: $0) } }
            let mode = try #require(c["border_mode"]?.string)
            let yaml = "- elastic: {alpha: \(try #require(c["alpha"]?.double)), sigma: \(try #require(c["sigma"]?.double)), border: \(mode == "constant" ? "constant" : "reflect"), p: 1}"
            let stage = try G.stage(yaml, as: ElasticStage.self)
            var s = Sample(id: name, image: image, label: label)
            stage.deform(&s, mapX: storedX, mapY: storedY, ignore: 255, imageBorder: Array(border.prefix(image.channels)),
                         labelBorder: try #require(c["fill_mask"]?.int))
            let imageOK = s.image.pixels == (try f.bytes("albu.elastic.\(name).image"))
            let labelOK = s.label.pixels == (try f.bytes("albu.elastic.\(name).label"))
            #expect(imageOK, "\(name): image")
            #expect(labelOK, "\(name): label")
            #expect(sha(s.image.pixels) == G.expected(c["image"]), "\(name): image sha")
            #expect(sha(s.label.pixels) == G.expected(c["label"]), "\(name): label sha")
            images += imageOK ? 1 : 0; labels += labelOK ? 1 : 0; checked += 1
        }
        #expect(checked == cases.count && checked >= 5)
        #expect(images == checked && labels == checked, "exact: \(images) images, \(labels) labels of \(checked)")
    }
}

/// Properties of `rotate`, `affine` and `elastic` that need no reference.
@Suite struct GeometricPropertyTests {
    typealias P = AugmentPropertyTests
    static let stages = ["rotate", "affine", "elastic"]

    /// A label whose values are all in `values`.
    static func only(_ r: Raster, _ values: Set<UInt16>) -> Bool { Set(r.labelValues).isSubset(of: values) }

    @Test(arguments: stages)
    func runsWithDefaultsAndRecordsItsDraws(_ name: String) throws {
        let s = P.sample(width: 40, height: 30)
        for p in [0.0, 1.0] {
            let out = try P.applied("- \(name): {p: \(p)}", to: s, classes: 5)
            #expect(!out.params.isEmpty, "\(name) records its draws")
            #expect(out.params["\(name)_applied"] == p, "\(name)")
            #expect((out.image.width, out.image.height) == (40, 30) && (out.label.width, out.label.height) == (40, 30))
            #expect(Self.only(out.label, Set(s.label.labelValues).union([5])), "\(name): labels from the source or the fill")
            if p == 0 { #expect(out.image == s.image && out.label == s.label, "\(name) with p 0") }
            let again = try P.applied("- \(name): {p: \(p)}", to: s, classes: 5)
            #expect(again.image == out.image && again.label == out.label && again.params == out.params, "\(name): same seed, same draws")
        }
        // `{}` parses and plans.
        _ = try P.stage("- \(name): {}")
    }

    @Test func identityParameterSetsAreTheIdentity() throws {
        let s = P.sample()
        for yaml in ["- rotate: {degree: 0, p: 1}", "- affine: {p: 1}", "- affine: {scale: 1, rotate: 0, shear: 0, translate_percent: 0, p: 1}",
                     "- elastic: {alpha: 0, p: 1}", "- elastic: {alpha: 0, border: reflect, p: 1}", "- rotate: {degree: 0, expand: true, p: 1}"] {
            let out = try P.applied(yaml, to: s)
            #expect(out.image == s.image && out.label == s.label, "\(yaml)")
        }
    }

    /// Quarter turns of a square image are exact: rotate and affine equal rot90, both ways.
    @Test func quarterTurnsAreRot90() throws {
        for side in [31, 32] {
            let s = P.sample(width: side, height: side, seed: UInt64(side))
            for (angle, k) in [(90.0, 1), (-90.0, 3), (180.0, 2), (270.0, 3)] {
                var a = s
                let affine = try #require(try P.stage("- affine: {p: 1}") as? AffineStage)
                affine.warp(&a, AffineStage.Draw(rotate: angle), ignore: 5)
                #expect(a.image == Dihedral.rotate(s.image, k: k) && a.label == Dihedral.rotate(s.label, k: k), "affine \(angle) on \(side)")
                var r = s
                let stage = try #require(try P.stage("- rotate: {degree: 1, p: 1}") as? RotateStage)
                stage.rotate(&r, RotateStage.Draw(applied: true, angle: -angle), ignore: 5)     // rotate turns clockwise
                #expect(r.image == Dihedral.rotate(s.image, k: k) && r.label == Dihedral.rotate(s.label, k: k), "rotate \(-angle) on \(side)")
            }
        }
        // Expand on a non-square image: a quarter turn swaps the sides exactly (mmseg r1's rule).
        let s = P.sample(width: 37, height: 23)
        let stage = try #require(try P.stage("- rotate: {degree: 1, expand: true, p: 1}") as? RotateStage)
        var r = s
        stage.rotate(&r, RotateStage.Draw(applied: true, angle: -90), ignore: 5)
        #expect(r.image == Dihedral.rotate(s.image, k: 1) && r.label == Dihedral.rotate(s.label, k: 1))
    }

    /// Labels only ever hold source values or the fill, whatever the draw; 16-bit labels stay whole.
    @Test func labelsHoldSourceValuesOrTheFill() throws {
        let s = P.sample(width: 45, height: 33, classes: 7)
        let allowed = Set(s.label.labelValues).union([7])
        for seed in 1...6 {
            for yaml in ["- rotate: {degree: 45, p: 1}", "- rotate: {degree: 30, expand: true, p: 1}",
                         "- affine: {scale: [0.5, 1.5], rotate: 30, shear: 20, translate_percent: 0.2, p: 1}",
                         "- elastic: {alpha: 40, sigma: 4, p: 1}", "- elastic: {alpha: 40, sigma: 4, border: reflect, noise: uniform, p: 1}"] {
                let out = try P.applied(yaml, to: s, seed: UInt64(seed), classes: 7)
                #expect(Self.only(out.label, allowed), "\(yaml) seed \(seed)")
                #expect(out.label.width == out.image.width && out.label.height == out.image.height)
            }
        }
        let wide = Sample(id: "w", image: Raster(width: 9, height: 9, fill: [9, 9, 9]),
                          label: Raster(width: 9, height: 9, labelValues: (0..<81).map { 300 + UInt16($0 % 9) }, bytes: 2))
        let out = try P.applied("- rotate: {degree: 45, label_fill: 400, p: 1}", to: wide, classes: 500)
        #expect(Self.only(out.label, Set(300...308).union([400])) && out.label.labelValues.contains(400))
    }

    /// The field is smooth and scaled by alpha; the draws come from the key alone.
    @Test func elasticFieldsFollowAlphaAndSigma() throws {
        let stage = try #require(try P.stage("- elastic: {alpha: 10, sigma: 3, p: 1}") as? ElasticStage)
        let a = stage.fields(key: 7, width: 40, height: 30), b = stage.fields(key: 7, width: 40, height: 30)
        #expect(a.dx == b.dx && a.dy == b.dy && a.dx != a.dy)
        let m = a.dx.map { abs($0) }.max() ?? 0
        #expect(m > 0 && m <= 10)
        let same = try #require(try P.stage("- elastic: {alpha: 10, sigma: 3, same_dxdy: true, p: 1}") as? ElasticStage)
        let c = same.fields(key: 7, width: 40, height: 30)
        #expect(c.dx == c.dy)
        // Wide blurs are made on a coarse grid: still bounded by alpha, smooth, and not constant.
        let wide = try #require(try P.stage("- elastic: {alpha: 20, sigma: 30, p: 1}") as? ElasticStage)
        let d = wide.fields(key: 3, width: 203, height: 101)
        #expect(d.dx.count == 203 * 101 && d.dy.count == 203 * 101)
        #expect((d.dx + d.dy).allSatisfy { abs($0) <= 20 } && Set(d.dx).count > 100)
        var jump: Float = 0
        for y in 0..<101 {
            for x in 0..<202 { jump = max(jump, abs(d.dx[y * 203 + x + 1] - d.dx[y * 203 + x])) }
        }
        #expect(jump < 0.5, "neighbouring displacements differ by \(jump) px")
    }

    struct Bad: CustomTestStringConvertible, Sendable {
        var yaml: String, position: String, message: String
        var testDescription: String { yaml }
    }

    static let bad: [Bad] = [
        Bad(yaml: "- rotate: {degree: 400}", position: ":6:22", message: "'rotate.degree' is 400"),
        Bad(yaml: "- rotate: {degree: [30, -30]}", position: ":6:22", message: "'rotate.degree' is [30, -30]"),
        Bad(yaml: "- rotate: {p: 1.5}", position: ":6:17", message: "'rotate.p' is 1.5, outside [0, 1]"),
        Bad(yaml: "- rotate: {center: [1, 2], expand: true}", position: ":6:", message: "'rotate' has both 'center' and 'expand: true'"),
        Bad(yaml: "- affine: {shear: 89}", position: ":6:21", message: "'affine.shear' is 89"),
        Bad(yaml: "- affine: {scale: 0}", position: ":6:21", message: "'affine.scale' is 0, outside [0.01, 100]"),
        Bad(yaml: "- elastic: {sigma: 0}", position: ":6:22", message: "'elastic.sigma' is 0, outside [0.1, 200]"),
        Bad(yaml: "- elastic: {alpha: -1}", position: ":6:22", message: "'elastic.alpha' is -1, outside [0, 10000]"),
        Bad(yaml: "- elastic: {p: -0.5}", position: ":6:18", message: "'elastic.p' is -0.5, outside [0, 1]"),
    ]

    /// Out-of-range angles, shears, scales, sigmas and probabilities are `file:line` errors before any pixel.
    @Test(arguments: bad)
    func badParametersAreErrorsAtTheirLine(_ c: Bad) throws {
        let yaml = PipelineErrorTests.valid.replacingOccurrences(of: "  - letterbox: {size: [64, 64]}", with: "  " + c.yaml + "\n  - letterbox: {size: [64, 64]}")
        let error = #expect(throws: PipelineError.self) { try PipelineSpec.parse(yaml, file: "p.yaml") }
        let text = error?.description ?? ""
        #expect(text.hasPrefix("p.yaml" + c.position), "\(text)")
        #expect(text.contains(c.message), "\(text)")
    }

    /// `expand` changes the size per sample: refused after a stage that fixed the size, allowed before one.
    @Test func expandAfterAFixedSizeIsAPlanError() throws {
        let after = PipelineErrorTests.valid.replacingOccurrences(of: "  - letterbox: {size: [64, 64]}", with: "  - letterbox: {size: [64, 64]}\n  - rotate: {degree: 20, expand: true}")
        let error = #expect(throws: PipelineError.self) { try PipelineSpec.parse(after, file: "p.yaml") }
        let text = error?.description ?? ""
        #expect(text.hasPrefix("p.yaml:7:"), "\(text)")
        #expect(text.contains("already fixed at 64x64") && text.contains("put rotate before"), "\(text)")
        for ok in ["  - rotate: {degree: 20, expand: true}\n  - letterbox: {size: [64, 64]}",
                   "  - random_crop: {size: [48, 48]}\n  - rotate: {degree: 20, expand: true}\n  - pad: {size: [80, 80]}"] {
            _ = try PipelineSpec.parse(PipelineErrorTests.valid.replacingOccurrences(of: "  - letterbox: {size: [64, 64]}", with: ok), file: "p.yaml")
        }
        // Without expand, rotate keeps the size and may follow any stage.
        _ = try PipelineSpec.parse(after.replacingOccurrences(of: ", expand: true", with: ""), file: "p.yaml")
    }

    /// `inspect` captions show the geometric draws that changed the sample, and not an angle drawn
    /// by a rotate that did not rotate.
    @Test func captionsShowTheGeometricDraws() {
        let on = ContactSheet.caption(id: "a", repeatIndex: 0, params: ["rotate_angle": -12.345, "rotate_applied": 1, "affine_scale_x": 1.25, "affine_rotate": 0, "elastic_max_dx": 2.5])
        #expect(on == "a #0\nrotate_angle -12.35  affine_scale_x 1.25  elastic_max_dx 2.50", "\(on)")
        let off = ContactSheet.caption(id: "a", repeatIndex: 0, params: ["rotate_angle": 7.5, "rotate_applied": 0, "elastic_max_dx": 0])
        #expect(off == "a #0\n", "\(off)")
    }

    /// The runner's path: `rotate` with `expand` after a crop grows each sample within the bound the
    /// plan gave, and the pad after it brings every sample to the fixed size.
    @Test func expandBetweenCropAndPadRuns() throws {
        let root = packageRoot.appendingPathComponent("fixtures/em-membrane").path
        let yaml = """
        version: 1
        input: {format: voc, root: \(root), split: train}
        classes: 2
        stages:
          - decode: {}
          - random_crop: {size: [48, 48]}
          - rotate: {degree: [20, 40], expand: true, p: 1}
          - pad: {size: [80, 80]}
        output: {dir: out}
        """
        let spec = try PipelineSpec.parse(yaml, file: "p.yaml")
        let records = try DatasetInput(spec.input).records
        for r in records.prefix(3) {
            var s = Sample(record: r, repeatIndex: 0)
            try spec.process(&s)
            #expect((s.image.width, s.image.height) == (80, 80) && (s.label.width, s.label.height) == (80, 80))
            let angle = try #require(s.params["rotate_angle"])
            #expect(s.params["rotate_applied"] == 1 && (20...40).contains(angle))
            #expect(Set(s.label.labelValues).isSubset(of: [0, 1, 2]))
        }
    }

    // The FMA build of the warp and remap kernels on every SIMD path: SIMDPathOracleTests.

    /// The C blur of the elastic fields equals its plain Swift version bit for bit on every path
    /// (widths past the AVX2 blocks of 64 and 8 outputs and its 128-column strips, fields shorter than
    /// the kernel), and so does its scaled result.
    @Test func fieldBlurEqualsReference() {
        var rng = SeededRandom(seed: 5)
        for (w, h, sigma) in [(40, 30, 3.0), (7, 5, 4.0), (1, 1, 2.0), (64, 9, 0.5), (3, 50, 8.0), (137, 21, 4.0), (300, 4, 1.2)] {
            let field = (0..<(w * h)).map { _ in Float(rng.uniform(-1, 1)) }
            let reference = ElasticStage.gaussianBlurReference(field, width: w, height: h, sigma: sigma)
            for path in SIMDPath.available {
                #expect(ElasticStage.gaussianBlur(field, width: w, height: h, sigma: sigma, path: path) == reference,
                        "\(w)x\(h) sigma \(sigma) on \(path.rawValue)")
                let scaled = PixelKernels.gaussBlur(field, width: w, height: h, kernel: ElasticStage.kernel(sigma: sigma), scale: 17.5, path: path)
                #expect(scaled == reference.map { $0 * 17.5 }, "\(w)x\(h) sigma \(sigma) scaled on \(path.rawValue)")
            }
        }
    }

    /// The C upsampling and maps equal their plain Swift versions bit for bit on every path.
    @Test func fieldUpsamplingAndMapsEqualReference() {
        var rng = SeededRandom(seed: 6)
        for (cw, ch, step, w, h) in [(44, 44, 12, 512, 512), (3, 3, 2, 3, 3), (10, 4, 7, 61, 15), (20, 9, 3, 55, 22)] {
            let coarse = (0..<(cw * ch)).map { _ in Float(rng.uniform(-5, 5)) }
            let reference = ElasticStage.upsampleReference(coarse, width: cw, height: ch, step: step, toWidth: w, toHeight: h)
            for path in SIMDPath.available {
                #expect(PixelKernels.upsample(coarse, width: cw, height: ch, step: step, toWidth: w, toHeight: h, path: path) == reference,
                        "\(cw)x\(ch) step \(step) to \(w)x\(h) on \(path.rawValue)")
            }
        }
        for (w, h) in [(1, 1), (13, 7), (512, 3)] {
            // Large and tiny displacements, where float64 then float32 rounds differently from float32 alone.
            let dx = (0..<(w * h)).map { i in Float(rng.uniform(-40, 40)) * (i % 3 == 0 ? 1e-7 : 1) }, dy = dx.reversed().map { $0 }
            let reference = ElasticStage.mapsReference(dx: dx, dy: dy, width: w, height: h)
            for path in SIMDPath.available {
                let maps = ElasticStage.maps(dx: dx, dy: dy, width: w, height: h, path: path)
                #expect(maps.x == reference.x && maps.y == reference.y, "maps \(w)x\(h) on \(path.rawValue)")
            }
        }
    }
}
