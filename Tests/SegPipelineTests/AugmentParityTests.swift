import SegImage
import Foundation
import SegFormat
import Testing
@testable import SegPipeline

/// The augmentation stages against mmsegmentation 1.2.2 and albumentations 2.0.8 outputs with
/// explicit draws (fixtures/golden-mmseg-aug: parameters and draws in params.json, arrays in
/// aug.safetensors, SHA-256s of the RGB arrays). Every input, parameter and expectation is read
/// from those files, so the tests hold for any golden set of the same layout.
@Suite struct AugmentParityTests {
    static let dir = fixtures.appendingPathComponent("golden-mmseg-aug")
    /// params.json, read with JSONDecoder: Foundation's JSONSerialization rounds long decimals.
    static let params: JSON = {
        do { return try JSONDecoder().decode(JSON.self, from: Data(contentsOf: dir.appendingPathComponent("params.json"))) } catch { return .null }
    }()
    static func file() throws -> SafeTensorsFile { try SafeTensorsFile(path: dir.appendingPathComponent("aug.safetensors").path) }

    /// The cases of `section` (entries that are mappings with a `pair` or `window`), by name.
    static func cases(_ section: JSON?) -> [(String, JSON)] {
        (section?.object ?? [:]).filter { !$0.key.contains("verification") && ($0.value["pair"] != nil || $0.value["window"] != nil) }
            .sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }
    static func cases(_ section: String) -> [(String, JSON)] { cases(params[section]) }
    static func albu(_ section: String) -> [(String, JSON)] { cases(params["albumentations"]?[section]) }

    static func expected(_ entry: JSON?) -> String? { entry?["sha256"]?.string }

    /// The golden pair `pair`, checked against the SHA-256s the reference decoded.
    static func pair(_ name: String) throws -> Sample {
        let s = try decodedPair(name)
        let reference = params["pairs"]?[name]
        #expect(sha(s.image.pixels) == Self.expected(reference?["image"]), "\(name): decoded image")
        #expect(sha(s.label.pixels) == Self.expected(reference?["label"]), "\(name): decoded label")
        return s
    }

    /// An albumentations input window (3 channels, or 1 for the grey 2-D ones).
    static func window(_ name: String, _ f: SafeTensorsFile) throws -> Raster {
        let t = "albu.window.\(name).image"
        let shape = try f.info(t).shape
        return Raster(width: shape[1], height: shape[0], channels: shape.count == 3 ? shape[2] : 1, pixels: try f.bytes(t))
    }

    /// The stage `yaml` (one `- name: {…}` line) built by the parser.
    static func stage<S: Stage>(_ yaml: String, as: S.Type) throws -> S {
        let spec = try stages("- decode: {}\n" + yaml + "\n- letterbox: {size: [64, 64]}")
        return try #require(spec.stages[1] as? S)
    }

    @Test func gammaIsAdjustGamma() throws {
        let f = try Self.file()
        var checked = 0
        for (name, c) in Self.cases("adjust_gamma") {
            let gamma = try #require(c["gamma"]?.double)
            let table = try #require(c["table"]?.ints)
            #expect(GammaStage.table(gamma: gamma).map(Int.init) == table, "\(name): table")
            var s = try Self.pair(try #require(c["pair"]?.string))
            let label = s.label
            let stage = try Self.stage("- gamma: {gamma: \(gamma), p: 1}", as: GammaStage.self)
            var rng = SeededRandom(seed: 1)
            try stage.apply(&s, random: &rng, context: StageContext(classes: 21, height: 64, width: 64))
            #expect(s.params["gamma"] == gamma, "\(name): recorded")
            #expect(sha(s.image.pixels) == Self.expected(c["image"]), "\(name): image")
            #expect(s.label == label, "\(name): label")
            if c["stored"]?.bool == true { #expect(s.image.pixels == (try f.bytes("gamma.\(name).image")), "\(name): stored") }
            checked += 1
        }
        #expect(checked >= 6)
    }

    /// RGB2Gray's float64 (or int64) output, whole images by SHA-256 and the stored windows by
    /// value; the stage's 8-bit result is that value rounded.
    @Test func grayscaleIsRGB2Gray() throws {
        let f = try Self.file()
        var checked = 0
        for (name, c) in Self.cases("rgb2gray") {
            let bgr = try #require(c["weights"]?.doubles)
            let integer = c["output_dtype"]?.string == "int64"
            let weights = Array(bgr.reversed())            // mmseg weighs B, G, R
            let outChannels = c["out_channels"]?.int ?? 3
            let s = try Self.pair(try #require(c["pair"]?.string))
            let grey = GrayscaleStage.grey(s.image, weights: weights)
            var bytes = [UInt8]()
            bytes.reserveCapacity(grey.count * outChannels * 8)
            for v in grey {
                let bits = integer ? UInt64(bitPattern: Int64(v)) : v.bitPattern
                for _ in 0..<outChannels { for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: bits >> (8 * UInt64(i)))) } }
            }
            #expect(sha(bytes) == Self.expected(c["output"]), "\(name): output")
            // The stored window: input rows of the decoded image, output by value.
            let rows = try #require(c["window_rows"]?.ints)
            let w = s.image.width
            if c["tensors"]?.array?.contains(where: { $0.string == "rgb2gray.\(name).input" }) == true {
            let input = try f.bytes("rgb2gray.\(name).input")
            #expect(input == Array(s.image.pixels[(rows[0] * w * 3)..<(rows[1] * w * 3)]), "\(name): window input")
            let stored: [Double] = integer ? try f.int64s("rgb2gray.\(name).output").map(Double.init) : try f.doubles("rgb2gray.\(name).output")
            let window = Array(grey[(rows[0] * w)..<(rows[1] * w)])
            #expect(stride(from: 0, to: stored.count, by: outChannels).map { stored[$0] } == window, "\(name): window output")
            }
            // The stage writes the value rounded and clipped in all three channels.
            var image = s.image
            GrayscaleStage.convert(&image, weights: weights)
            let expected = grey.map { UInt8(min(max($0.rounded(.toNearestOrEven), 0), 255)) }
            #expect(image.pixels == expected.flatMap { [$0, $0, $0] }, "\(name): 8-bit")
            checked += 1
        }
        #expect(checked >= 4)
    }

    @Test func cutoutIsRandomCutOut() throws {
        let f = try Self.file()
        var checked = 0
        for (name, c) in Self.cases("random_cutout") {
            let n = try #require(c["n_holes"]?.ints)
            let candidates = c["candidates_wh"]?.array ?? []
            let wh = candidates.compactMap(\.doubles)
            #expect(!wh.isEmpty && wh.count == candidates.count, "\(name): candidates")
            let kind = try #require(c["candidates_kind"]?.string)
            let sizes = wh.map { "[\(fmt($0[1])), \(fmt($0[0]))]" }.joined(separator: ", ")  // mmseg (w, h) -> [h, w]
            let fill = try #require(c["fill_in_bgr"]?.doubles).reversed().map { String(Int($0.rounded(.towardZero))) }
            let label = c["seg_fill_in"]?.int.map { "label_fill: \($0)" } ?? "keep_label: true"
            let yaml = "- cutout: {n_holes: [\(n[0]), \(n[1])], \(kind): [\(sizes)], fill: [\(fill.joined(separator: ", "))], \(label), p: \(c["prob"]?.double ?? 1)}"
            let stage = try Self.stage(yaml, as: CutoutStage.self)
            var s = try Self.pair(try #require(c["pair"]?.string))
            let drawn = c["cutout"]?.bool == true ? (c["holes"]?.array ?? []) : []
            let holes = drawn.map { CutoutStage.Hole(x: $0["x1"]?.int ?? -1, y: $0["y1"]?.int ?? -1, candidate: $0["candidate_index"]?.int ?? -1) }
            let boxes = stage.boxes(holes, width: s.image.width, height: s.image.height)
            let expected = drawn.map { [$0["x1"]?.int, $0["y1"]?.int, $0["x2"]?.int, $0["y2"]?.int] }
            #expect(boxes.map { [$0.x0, $0.y0, $0.x1, $0.y1] } == expected, "\(name): boxes")
            stage.cut(&s, holes: holes, ignore: 255)
            #expect(sha(s.image.pixels) == Self.expected(c["image"]), "\(name): image")
            #expect(sha(s.label.pixels) == Self.expected(c["label"]), "\(name): label")
            if c["stored"]?.bool == true {
                #expect(s.image.pixels == (try f.bytes("cutout.\(name).image")), "\(name): stored image")
                #expect(s.label.pixels == (try f.bytes("cutout.\(name).label")), "\(name): stored label")
            }
            checked += 1
        }
        #expect(checked >= 6)
    }

    @Test func claheIsOpenCVsCLAHE() throws {
        let f = try Self.file()
        var checked = 0
        for (name, c) in Self.cases("clahe") {
            let clip = try #require(c["clip_limit"]?.double)
            let grid = try #require(c["tile_grid_size"]?.ints)            // (tilesX, tilesY)
            let (tx, ty) = (grid[0], grid[1])
            var s = try Self.pair(try #require(c["pair"]?.string))
            let luts = try f.bytes("clahe.\(name).luts")                    // [3, ty, tx, 256], RGB
            let naiveTables = CLAHEStage.tablesNaive(s.image, clipLimit: clip, tilesX: tx, tilesY: ty)
            for ch in 0..<3 {
                let mine = CLAHEStage.tables(s.image, channel: ch, clipLimit: clip, tilesX: tx, tilesY: ty)
                let n = tx * ty * 256
                #expect(mine == Array(luts[(ch * n)..<((ch + 1) * n)]), "\(name): tables of channel \(ch)")
                #expect(naiveTables[(ch * n)..<((ch + 1) * n)] == luts[(ch * n)..<((ch + 1) * n)], "\(name): Swift tables of channel \(ch)")
            }
            // The Swift steps, the oracle of the C kernel's paths, give OpenCV's image too.
            var naive = s.image
            CLAHEStage.equaliseNaive(&naive, clipLimit: clip, tilesX: tx, tilesY: ty)
            #expect(sha(naive.pixels) == Self.expected(c["image"]), "\(name): Swift image")
            let stage = try Self.stage("- clahe: {clip_limit: \(clip), tile_grid_size: [\(ty), \(tx)], p: 1}", as: CLAHEStage.self)
            var rng = SeededRandom(seed: 1)
            let label = s.label
            try stage.apply(&s, random: &rng, context: StageContext(classes: 21, height: 64, width: 64))
            #expect(sha(s.image.pixels) == Self.expected(c["image"]), "\(name): image")
            #expect(s.label == label, "\(name): label")
            if c["stored"]?.bool == true { #expect(s.image.pixels == (try f.bytes("clahe.\(name).image")), "\(name): stored") }
            checked += 1
        }
        #expect(checked >= 6)
    }

    @Test func blurIsGaussianBlur() throws {
        let f = try Self.file()
        var checked = 0
        for (name, c) in Self.albu("gaussian_blur") {
            let sigma = try #require(c["sigma"]?.double)
            let drawn = try #require(c["ksize_drawn"]?.int)
            let size = BlurStage.size(sigma: sigma, drawn: drawn)
            #expect(size == c["kernel_size"]?.int, "\(name): kernel size")
            let kernel = BlurStage.kernel(sigma: sigma, size: size)
            let k32 = try #require(c["kernel_float32"]?.doubles).map { Float($0) }
            #expect(kernel.map { Float($0) } == k32, "\(name): float32 kernel")
            var image = try Self.window(try #require(c["window"]?.string), f)
            BlurStage.filter(&image, kernel: kernel)
            #expect(image.pixels == (try f.bytes("albu.gaussian_blur.\(name).output")), "\(name): output")
            #expect(sha(image.pixels) == Self.expected(c["output"]), "\(name): sha")
            checked += 1
        }
        #expect(checked >= 5)
    }

    /// GaussNoise with the stored noise map (the reference draws it with OpenCV's randn).
    @Test func noiseIsGaussNoise() throws {
        let f = try Self.file()
        var checked = 0
        for (name, c) in Self.albu("gauss_noise") {
            var image = try Self.window(try #require(c["window"]?.string), f)
            let noise = try f.floats("albu.gauss_noise.\(name).noise_map")
            let perChannel = try #require(c["per_channel"]?.bool as Bool?)
            #expect(noise.count == image.width * image.height * (perChannel ? image.channels : 1), "\(name): noise map")
            NoiseStage.add(&image, noise: noise)      // one value per pixel is broadcast to every channel
            #expect(image.pixels == (try f.bytes("albu.gauss_noise.\(name).output")), "\(name): output")
            #expect(sha(image.pixels) == Self.expected(c["output"]), "\(name): sha")
            checked += 1
        }
        #expect(checked >= 4)
    }

    /// RandomRotFlip's rot-flip branch (np.rot90 by k, then np.flip on an axis) by `rot90` and by
    /// `transpose` with mirrors, image and label.
    @Test func rot90AndTransposeAreRotFlip() throws {
        let f = try Self.file()
        var checked = 0
        for (name, c) in Self.cases("random_rot_flip") where c["branch"]?.string == "rot_flip" {
            let k = try #require(c["k"]?.int), axis = try #require(c["axis"]?.int)
            let s = try Self.pair(try #require(c["pair"]?.string))
            func flip(_ r: Raster) -> Raster { axis == 0 ? r.flippedVertically() : r.flippedHorizontally() }
            // rot90 as the stage applies it.
            var rotated = s
            let stage = try Self.stage("- rot90: {k: \(k), p: 1}", as: Rot90Stage.self)
            var rng = SeededRandom(seed: 1)
            try stage.apply(&rotated, random: &rng, context: StageContext(classes: 21, height: 64, width: 64))
            #expect(rotated.params["rot90_k"] == Double(k), "\(name): recorded k")
            let image = flip(rotated.image), label = flip(rotated.label)
            #expect([image.height, image.width] == c["output_hw"]?.ints, "\(name): size")
            #expect(sha(image.pixels) == Self.expected(c["image"]), "\(name): image")
            #expect(sha(label.pixels) == Self.expected(c["label"]), "\(name): label")
            if c["stored"]?.bool == true {
                #expect(image.pixels == (try f.bytes("rotflip.\(name).image")), "\(name): stored image")
                #expect(label.pixels == (try f.bytes("rotflip.\(name).label")), "\(name): stored label")
            }
            // The same orientation from transpose and mirrors: rot90 k=1 is a vertical mirror of
            // the transpose, k=3 a horizontal one, k=2 both mirrors.
            func viaTranspose(_ r: Raster) -> Raster {
                switch k % 4 {
                case 1: return flip(Dihedral.transpose(r).flippedVertically())
                case 2: return flip(r.flippedHorizontally().flippedVertically())
                case 3: return flip(Dihedral.transpose(r).flippedHorizontally())
                default: return flip(r)
                }
            }
            #expect(sha(viaTranspose(s.image).pixels) == Self.expected(c["image"]), "\(name): image via transpose")
            #expect(sha(viaTranspose(s.label).pixels) == Self.expected(c["label"]), "\(name): label via transpose")
            checked += 1
        }
        #expect(checked >= 4)
    }
}

/// A JSON value decoded exactly (numbers through JSONDecoder, which parses doubles exactly).
indirect enum JSON: Decodable, Sendable {
    case null, bool(Bool), int(Int), double(Double), string(String), array([JSON]), object([String: JSON])

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let i = try? c.decode(Int.self) { self = .int(i) }
        else if let d = try? c.decode(Double.self) { self = .double(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSON].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSON].self)) }
    }

    subscript(_ key: String) -> JSON? { if case .object(let o) = self { return o[key] }; return nil }
    var object: [String: JSON]? { if case .object(let o) = self { return o }; return nil }
    var array: [JSON]? { if case .array(let a) = self { return a }; return nil }
    var string: String? { if case .string(let s) = self { return s }; return nil }
    var bool: Bool? { if case .bool(let b) = self { return b }; return nil }
    var int: Int? {
        switch self {
        case .int(let i): return i
        case .double(let d) where d == d.rounded() && abs(d) < 1e15: return Int(d)
        default: return nil
        }
    }
    var double: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }
    var ints: [Int]? { array.flatMap { a in a.allSatisfy { $0.int != nil } ? a.compactMap(\.int) : nil } }
    var doubles: [Double]? { array.flatMap { a in a.allSatisfy { $0.double != nil } ? a.compactMap(\.double) : nil } }
}
