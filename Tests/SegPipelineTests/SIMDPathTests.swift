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
        // RGB2Gray against the Swift float64 loop and the C one-pixel loop: weights whose sums tie
        // at halves often (quarters), mmseg's, ITU-R 601, thirds, and weights summing above 8 (the
        // float64 lanes instead of fixed point); 3 and 4 channels, sizes reaching every tail.
        let weightSets: [[Double]] = [[0.299, 0.587, 0.114], [0.114, 0.587, 0.299], [0.5, 0.25, 0.25], [1.0 / 3, 1.0 / 3, 1.0 / 3], [3, 2.5, 2.4], [0, 0, 1]]
        for w in weightSets {
            for (width, height, c) in [(1, 1, 3), (9, 1, 3), (10, 1, 3), (17, 3, 3), (513, 257, 3), (33, 7, 4)] {
                let source = raster(width, height, c, seed: UInt64(width * 7 + c))
                var fast = source, cLoop = source, swift = source
                GrayscaleStage.convert(&fast, weights: w, path: path)
                PixelKernels.grayscale(&cLoop, weights: w, naive: true)
                GrayscaleStage.convertNaive(&swift, weights: w)
                #expect(fast == swift && cLoop == swift, "grayscale \(w) \(width)x\(height)x\(c) on \(name)")
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
    }
}

/// The oracle comparisons once per SIMD path; a path this CPU lacks is skipped, and says so.
@Suite struct SIMDPathOracleTests {
    @Test func portablePath() { KernelOracles.check(.portable) }

    @Test(.enabled(if: SIMDPath.cpuBest >= .avx2, "this CPU lacks AVX2 and FMA: the AVX2 path is not tested here"))
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
