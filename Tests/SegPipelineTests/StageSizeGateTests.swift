import Foundation
import Testing
@testable import SegPipeline

/// Sizes a stage computes from its draws pass one gate before anything is allocated or divided by
/// them: an empty or over-budget raster fails its sample with a message, never a trap.
@Suite struct StageSizeGateTests {
    func pipeline(_ stages: String, extra: String = "") -> String {
        """
        input: {root: data, split: train}
        classes: 11
        seed: 7
        \(extra)stages:
          - decode: {}
        \(stages)
        output: {dir: out, samples_per_shard: 5}
        """
    }

    @Test func aResizeToNothingFailsItsSampleWithAMessage() throws {
        let s = try Scratch(count: 2)
        defer { s.remove() }
        for (k, later) in ["  - letterbox: {size: [32, 32]}", "  - random_resize: {size: [32, 32]}\n  - place: {}",
                      "  - resize: {scale: [32, 32]}\n  - random_crop: {size: [16, 16]}\n  - pad: {size: [16, 16]}"].enumerated() {
            let out = s.dir.appendingPathComponent("out\(k)").path
            let text = pipeline("  - resize: {scale: [1, 1], ratio_range: [0.01, 0.01]}\n" + later)
            do {
                _ = try s.run(text, output: out)
                Issue.record("a run resized samples to nothing")
            } catch {
                #expect("\(error)".contains("would be resized to 0x0 by 'resize', an empty image; raise 'resize.scale' or 'resize.ratio_range'"), "\(error)")
            }
            // Skipped, every sample names the reason; none is left, which the run says.
            do {
                _ = try s.run(text, output: out, force: true, onError: .skip)
                Issue.record("a run kept samples resized to nothing")
            } catch {
                #expect("\(error)".contains("an empty image"), "\(error)")
            }
        }
    }

    @Test func aCanvasBeyondThePixelBudgetIsRefusedBeforeItIsAllocated() throws {
        let s = try Scratch(count: 2)
        defer { s.remove() }
        let text = pipeline("  - mosaic: {img_scale: [16384, 16384], p: 1}\n  - letterbox: {size: [32, 32]}")
        do {
            _ = try s.run(text)
            Issue.record("a 32768x32768 mosaic canvas was made")
        } catch {
            #expect("\(error)".contains("would become 32768x32768 in 'mosaic', more than the"), "\(error)")
            #expect("\(error)".contains("lower 'mosaic.img_scale', or raise --max-pixels"), "\(error)")
        }
    }

    @Test func theCommandLineSaysSoToo() throws {
        let s = try Scratch(count: 2)
        defer { s.remove() }
        let path = s.dir.appendingPathComponent("p.yaml").path
        try pipeline("  - resize: {scale: [1, 1], ratio_range: [0.01, 0.01]}\n  - letterbox: {size: [32, 32]}")
            .write(toFile: path, atomically: true, encoding: .utf8)
        for args in [["run", path, "--output", s.dir.appendingPathComponent("cli").path], ["inspect", path, "--json"], ["bench", "stages", path, "--limit", "1"]] {
            let (status, text) = try segPrep(args)
            #expect(status == 1 && text.contains("an empty image"), "\(args): \(text)")
        }
    }
}
