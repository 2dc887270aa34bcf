import SegImage
import Foundation
import SegFormat
import Testing
@testable import SegPipeline

/// Parity with the PyTorch reference on the golden data: inputs and expected outputs from fixtures/golden.
@Suite struct GoldenParityTests {
    @Test(arguments: goldenPairs)
    func decodersMatchPillow(pair: String) throws {
        let s = try decodedPair(pair)
        #expect(sha(s.image.pixels) == param("pairs", pair, "rgb_after_cvtColor_sha256") as? String)
        #expect(sha(s.label.pixels) == param("pairs", pair, "label_sha256") as? String)
    }

    @Test(arguments: goldenPairs)
    func letterbox256x384(pair: String) throws {
        let spec = try stages("- decode: {}\n- letterbox: {size: [256, 384]}")
        var s = try decodedPair(pair)
        var rng = SeededRandom(seed: 0)
        try spec.stages[1].apply(&s, random: &rng, context: StageContext(classes: 21, height: 256, width: 384))
        try s.render()
        let file = try SafeTensorsFile(path: golden.appendingPathComponent("letterbox.safetensors").path)
        let label = try file.bytes("\(pair).256x384.label")
        let image = try file.bytes("\(pair).256x384.image")
        #expect(s.label.pixels == label)
        let c = closeness(s.image.pixels, image)
        #expect(c.fraction >= 0.999, "image within 1 level on \(c.fraction) of values")
    }

    @Test(arguments: goldenPairs)
    func letterbox512(pair: String) throws {
        let spec = try stages("- decode: {}\n- letterbox: {size: [512, 512]}")
        var s = try decodedPair(pair)
        var rng = SeededRandom(seed: 0)
        try spec.stages[1].apply(&s, random: &rng, context: StageContext(classes: 21, height: 512, width: 512))
        try s.render()
        let key = "\(pair).512x512"
        #expect(sha(s.label.pixels) == param("letterbox", key, "label_sha256") as? String)
        #expect(sha(s.image.pixels) == param("letterbox", key, "image_sha256") as? String)
        #expect(Int(s.params["nw"]!) == param("letterbox", key, "nw") as? Int)
        #expect(Int(s.params["dx"]!) == param("letterbox", key, "paste_x") as? Int)
    }

    @Test(arguments: 0..<7)
    func randomBranch(caseIndex: Int) throws {
        let c = param("random_branch", "case\(caseIndex)") as! [String: Any]
        let pair = c["pair"] as! String
        let hw = c["input_shape_hw"] as! [Int]
        let spec = try stages("""
        - decode: {}
        - random_resize: {size: [\(hw[0]), \(hw[1])]}
        - flip: {}
        - place: {}
        - hsv: {}
        - remap_labels: {above: 20, to: ignore}
        """)
        let ctx = StageContext(classes: 21, height: hw[0], width: hw[1])
        var s = try decodedPair(pair)
        let resize = spec.stages[1] as! RandomResizeStage
        try resize.resize(&s, newAspect: c["new_ar"] as! Double, scale: c["scale"] as! Double)
        #expect(s.geometry.resize == Geometry.Resize(width: c["nw"] as! Int, height: c["nh"] as! Int))
        try (spec.stages[2] as! FlipStage).flip(&s, c["flip"] as! Bool)
        try (spec.stages[3] as! PlaceStage).place(&s, dx: c["dx"] as! Int, dy: c["dy"] as! Int, context: ctx)
        try s.render()
        let file = try SafeTensorsFile(path: golden.appendingPathComponent("random_branch.safetensors").path)
        #expect(s.label.pixels == (try file.bytes("case\(caseIndex).label")))
        let preHSV = sha(s.image.pixels)
        let r = c["r"] as! [Double]
        (spec.stages[4] as! HSVStage).jitter(&s, gains: (r[0], r[1], r[2]))
        let expected = try file.bytes("case\(caseIndex).image")
        let close = closeness(s.image.pixels, expected)
        #expect(close.fraction >= 0.999, "HSV image within 1 level on \(close.fraction) of values (pre-HSV sha \(preHSV == c["pre_hsv_sha256"] as? String ? "equal" : "differs"))")
        #expect(preHSV == c["pre_hsv_sha256"] as? String)
        var rng = SeededRandom(seed: 0)
        try spec.stages[5].apply(&s, random: &rng, context: ctx)
        #expect(s.label.pixels == (try file.bytes("case\(caseIndex).label_clipped")))
    }

    @Test(arguments: ["crop_voc_2011_000006", "crop_water_00813", "crop_bridge_tt_146", "synthetic_colours"])
    func hsvJitter(image: String) throws {
        let file = try SafeTensorsFile(path: golden.appendingPathComponent("hsv.safetensors").path)
        let info = try file.info("\(image).input")
        let input = Raster(width: info.shape[1], height: info.shape[0], channels: 3, pixels: try file.bytes("\(image).input"))
        #expect(OpenCVHSV.rgbToHSV(input).pixels == (try file.bytes("\(image).hsv")))
        for rk in ["r0", "r1", "r2"] {
            let r = try file.doubles("r.\(rk)")
            let luts = OpenCVHSV.luts((r[0], r[1], r[2]))
            #expect(luts.flatMap { $0 } == (try file.bytes("luts.\(rk)")))
            var out = input
            OpenCVHSV.jitter(&out, luts: luts)
            let close = closeness(out.pixels, try file.bytes("\(image).\(rk).output"), tolerance: 0)
            #expect(close.fraction >= 0.999, "\(image) \(rk): exact on \(close.fraction) of values")
        }
    }
}

@Suite struct KernelOracleTests {
    @Test("Sample statistics (label histogram, channel sums and squares) equal plain loops",
          arguments: [(1, 1), (7, 5), (32, 1), (513, 257), (1024, 700)])
    func sampleStatsEqualLoops(size: (Int, Int)) {
        var rng = SeededRandom(seed: UInt64(size.0 * 31 + size.1))
        let n = size.0 * size.1
        // Extreme values first (255s, to catch overflow), then random ones.
        let image = Raster(width: size.0, height: size.1, channels: 3,
                           pixels: (0..<(n * 3)).map { $0 < n ? 255 : UInt8(truncatingIfNeeded: rng.next()) })
        let label = Raster(width: size.0, height: size.1, channels: 1,
                           pixels: (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next() % 23) })
        var counts = [Int](repeating: 0, count: 256), sums = [0, 0, 0], squares = [0, 0, 0]
        for v in label.pixels { counts[Int(v)] += 1 }
        for (i, v) in image.pixels.enumerated() { sums[i % 3] += Int(v); squares[i % 3] += Int(v) * Int(v) }
        let fast = PixelKernels.sampleStats(image: image, label: label)
        #expect(fast.counts == counts)
        #expect(fast.sums == sums)
        #expect(fast.squares == squares)
    }

    // The lookup, resample and HSV kernels on every SIMD path: SIMDPathOracleTests.

    @Test(arguments: [(37, 20, 57), (64, 300, 75), (5, 9, 9)])
    func verticalKernelEqualsNaive(size: (Int, Int, Int)) {
        var rng = SeededRandom(seed: UInt64(size.1))
        let src = Raster(width: size.0, height: size.1, channels: 3, pixels: (0..<(size.0 * size.1 * 3)).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
        #expect(Resample.vertical(src, height: size.2) == Resample.verticalNaive(src, height: size.2))
    }

    @Test(arguments: [(64, 48), (37, 5), (512, 3)])
    func hsvKernelEqualsNaive(size: (Int, Int)) {
        var rng = SeededRandom(seed: UInt64(size.0 * 31 + size.1))
        let pixels = (0..<(size.0 * size.1 * 3)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        var fast = Raster(width: size.0, height: size.1, channels: 3, pixels: pixels)
        var naive = fast
        let luts = OpenCVHSV.luts((1.07, 1.55, 0.82))
        OpenCVHSV.jitterNaive(&naive, luts: luts)
        OpenCVHSV.jitter(&fast, luts: luts)
        #expect(fast == naive)
    }

    /// Uniform runs (the grey canvas) take a shortcut in the kernel; it must give the same pixels.
    @Test func hsvKernelOnCanvasEqualsNaive() {
        var rng = SeededRandom(seed: 5)
        var image = Raster(width: 600, height: 7, fill: [128, 128, 128])
        for i in 0..<(600 * 3 * 3) { image.pixels[600 * 3 * 2 + i] = UInt8(truncatingIfNeeded: rng.next()) }
        image.pixels[3 * 300] = 7   // one odd pixel inside an otherwise uniform row
        var naive = image
        let luts = OpenCVHSV.luts((0.93, 0.35, 1.22))
        OpenCVHSV.jitter(&image, luts: luts)
        OpenCVHSV.jitterNaive(&naive, luts: luts)
        #expect(image == naive)
    }
}

@Suite struct WindowedResizeTests {
    /// Windowed resizes equal the crop of the full resize (bicubic and nearest, up and down).
    @Test(arguments: [(500, 375, 731, 402), (474, 355, 300, 200), (120, 90, 120, 301), (64, 48, 17, 48)])
    func windowEqualsCropOfFull(sizes: (Int, Int, Int, Int)) {
        let (iw, ih, ow, oh) = sizes
        var rng = SeededRandom(seed: UInt64(iw * ow))
        let image = Raster(width: iw, height: ih, channels: 3, pixels: (0..<(iw * ih * 3)).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
        let label = Raster(width: iw, height: ih, channels: 1, pixels: (0..<(iw * ih)).map { _ in UInt8(truncatingIfNeeded: rng.next() % 7) })
        let full = Resample.bicubic(image, width: ow, height: oh)
        let fullLabel = Resample.nearest(label, width: ow, height: oh)
        let whole = Resample.Window(x0: 0, y0: 0, x1: ow, y1: oh)
        #expect(Resample.bicubic(image, width: ow, height: oh, window: whole, flipX: true, flipY: true)
                == full.flippedHorizontally().flippedVertically())
        for _ in 0..<4 {
            let x0 = Int(rng.next() % UInt64(ow)), y0 = Int(rng.next() % UInt64(oh))
            let x1 = x0 + 1 + Int(rng.next() % UInt64(ow - x0)), y1 = y0 + 1 + Int(rng.next() % UInt64(oh - y0))
            let w = Resample.Window(x0: x0, y0: y0, x1: x1, y1: y1)
            var crop = Raster(width: w.width, height: w.height, fill: [0, 0, 0])
            crop.paste(full, dx: -x0, dy: -y0)
            var cropLabel = Raster(width: w.width, height: w.height, fill: [0])
            cropLabel.paste(fullLabel, dx: -x0, dy: -y0)
            #expect(Resample.bicubic(image, width: ow, height: oh, window: w) == crop)
            #expect(Resample.nearest(label, width: ow, height: oh, window: w) == cropLabel)
            #expect(Resample.nearest(label, width: ow, height: oh, window: w, flipX: true) == cropLabel.flippedHorizontally())
            #expect(Resample.nearest(label, width: ow, height: oh, window: w, flipY: true) == cropLabel.flippedVertically())
            #expect(Resample.nearest(image, width: ow, height: oh, window: w, flipX: true, flipY: true)
                    == Resample.nearest(image, width: ow, height: oh, window: w).flippedHorizontally().flippedVertically())
            #expect(Resample.bicubic(image, width: ow, height: oh, window: w, flipX: true) == crop.flippedHorizontally())
            #expect(Resample.bicubic(image, width: ow, height: oh, window: w, flipY: true) == crop.flippedVertically())
            #expect(Resample.bicubic(image, width: ow, height: oh, window: w, flipX: true, flipY: true)
                    == crop.flippedHorizontally().flippedVertically())
        }
    }

    /// The deferred resize + flip + place path gives the same sample as rendering first.
    @Test(arguments: 0..<6)
    func deferredPlacementEqualsFull(seed: Int) throws {
        let spec = try stages("- decode: {}\n- random_resize: {size: [160, 224]}\n- flip: {}\n- place: {}")
        let ctx = StageContext(classes: 21, height: 160, width: 224)
        let base = try decodedPair(goldenPairs[seed % goldenPairs.count])
        var fast = base, slow = base
        for (i, st) in spec.stages.enumerated() where i > 0 {
            var r1 = SeededRandom(seed: UInt64(seed), id: "x", repeatIndex: 0, stage: i)
            var r2 = r1
            try st.apply(&fast, random: &r1, context: ctx)
            try st.apply(&slow, random: &r2, context: ctx)
            if i == 3 { try fast.render(); try slow.render() }
            if i == 2 { try slow.render() }   // force the full path before placement
        }
        #expect(fast.image == slow.image && fast.label == slow.label)
        #expect(fast.params == slow.params)
    }
}

@Suite struct ShrinkOnLoadTests {
    /// Shrink-on-load decodes 1080p JPEGs at reduced size, keeps labels exact, stays close to the full path.
    @Test func shrinkOnLoadIsCloseToFullDecode() throws {
        let inputs = try SafeTensorsFile(path: golden.appendingPathComponent("inputs.safetensors").path)
        let data = Data(try inputs.bytes("water_00813.image_file"))
        let label = try ImageCodec.readLabel(Data(try inputs.bytes("water_00813.label_file")), id: "w", path: "w")
        try Vips.start()
        let size = try ImageCodec.imageSize(data, id: "w", path: "w")
        #expect(size.width == 1920 && size.height == 1080 && size.jpeg)
        let spec = try stages("- decode: {}\n- letterbox: {size: [256, 384]}")
        let ctx = StageContext(classes: 21, height: 256, width: 384)
        var full = Sample(id: "w", image: try ImageCodec.decodeRGB(data, id: "w", path: "w").0, label: label)
        var fast = Sample(id: "w", image: Raster(width: 0, height: 0, channels: 3, pixels: []), label: label)
        fast.source = .encoded(EncodedImage(data: data, width: size.width, height: size.height, jpeg: true))
        var rng = SeededRandom(seed: 0)
        try spec.stages[1].apply(&full, random: &rng, context: ctx)
        try spec.stages[1].apply(&fast, random: &rng, context: ctx)
        try full.render(); try fast.render()
        #expect(fast.params["shrink_on_load"] == 4)
        #expect(fast.label == full.label)
        let c = closeness(fast.image.pixels, full.image.pixels, tolerance: 8)
        #expect(c.mean < 2.5 && c.fraction > 0.97, "mean difference \(c.mean), within 8 levels on \(c.fraction)")
        #expect(EncodedImage(data: data, width: 1920, height: 1080, jpeg: true).shrink(forTarget: (1000, 500)) == 1)
        #expect(EncodedImage(data: data, width: 1920, height: 1080, jpeg: false).shrink(forTarget: (10, 10)) == 1)
    }
}
