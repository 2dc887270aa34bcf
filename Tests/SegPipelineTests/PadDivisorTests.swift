import Foundation
import SegFormat
import Testing
@testable import SegPipeline

/// `pad: {size_divisor}` pads to the multiple of the crop's size: the same samples as the fixed
/// size it implies; without a bounded size before it the pipeline is refused.
@Suite struct PadDivisorTests {
    static func pipeline(_ pad: String) -> String {
        Scratch.augmented.replacingOccurrences(of: """
              - random_resize: {size: [64, 96]}
              - flip: {}
              - place: {}
            """, with: """
              - resize: {scale: [120, 80], ratio_range: [0.5, 2.0]}
              - random_crop: {size: [50, 70]}
              - flip: {}
              - pad: \(pad)
            """)
    }

    @Test func aDivisorPadsLikeTheSizeItImplies() throws {
        let s = try Scratch(count: 3)
        defer { s.remove() }
        let spec = try s.spec(Self.pipeline("{size_divisor: 32, label_fill: ignore}"))
        #expect(spec.height == 64 && spec.width == 96)
        _ = try s.run(Self.pipeline("{size_divisor: 32, label_fill: ignore}"))
        let other = s.dir.appendingPathComponent("fixed").path
        _ = try s.run(Self.pipeline("{size: [64, 96], label_fill: ignore}"), output: other)
        let a = try SourceTests.samples(s.out.path), b = try SourceTests.samples(other)
        #expect(a.ids == b.ids && a.images == b.images && a.labels == b.labels)
    }

    @Test func aDivisorNeedsABoundedSizeAndOneOfTheTwoKeys() throws {
        let s = try Scratch(count: 1)
        defer { s.remove() }
        let unbounded = Self.pipeline("{size_divisor: 32}").replacingOccurrences(of: "  - random_crop: {size: [50, 70]}\n", with: "")
        let e = #expect(throws: PipelineError.self) { try s.spec(unbounded) }
        #expect(e?.message == "'pad' with 'size_divisor' needs a bounded sample size before it, since a shard holds one size")
        let both = #expect(throws: PipelineError.self) { try s.spec(Self.pipeline("{size: [64, 96], size_divisor: 32}")) }
        #expect(both?.message == "'pad' takes either 'size' or 'size_divisor'")
        let neither = #expect(throws: PipelineError.self) { try s.spec(Self.pipeline("{}")) }
        #expect(neither?.message == "'pad' takes either 'size' or 'size_divisor'")
    }
}
