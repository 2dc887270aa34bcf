import SegImage
import Foundation
import SegFormat
import Testing
@testable import SegPipeline

/// The colour-to-class kernel (run skipping, C) against its one-pixel-at-a-time oracle.
@Suite struct ColourLookupTests {
    static func lookup(_ spec: LabelColours, ignore: Int) -> ColourLookup {
        ColourLookup(spec.table.map { (key: $0.key, value: UInt16($0.value.resolve(ignore: ignore))) })
    }

    @Test func theKernelEqualsTheOracle() throws {
        try Vips.start()
        let spec = try PipelineSpec.load(path: packageRoot.appendingPathComponent("pipelines/potsdam-tiles.yaml").path)
        let colours = spec.labelColours!
        let file = TileTests.potsdam.appendingPathComponent("labels/area1.png")
        let (real, _) = try ImageCodec.decodeRGB(try Data(contentsOf: file), id: "a", path: file.path)
        // Noise: runs of random lengths (1..40) of the listed colours, and a lone pixel.
        var rng = SplitMix64(seed: 9)
        let listed = colours.table.keys.sorted()
        var noise = [UInt8]()
        while noise.count < 3 * 4099 {
            let key = listed[Int(rng.next() % UInt64(listed.count))]
            for _ in 0..<(1 + Int(rng.next() % 40)) { noise += [UInt8(key >> 16), UInt8((key >> 8) & 255), UInt8(key & 255)] }
        }
        noise = Array(noise.prefix(3 * 4099))
        for rgb in [real, Raster(width: 4099, height: 1, channels: 3, pixels: noise)] {
            for (ignore, bytes) in [(255, 1), (65535, 2)] {
                let l = Self.lookup(colours, ignore: ignore)
                let fast = l.map(rgb, bytes: bytes), slow = l.mapNaive(rgb, bytes: bytes)
                #expect(fast == slow)
                #expect((try? fast.get().channels) == bytes)
            }
        }
        // An unlisted colour after a long run and inside one: both stop at the same pixel.
        for at in [17, 2000, 4098] {
            var bad = noise
            bad[3 * at] ^= 1
            let rgb = Raster(width: 4099, height: 1, channels: 3, pixels: bad), l = Self.lookup(colours, ignore: 255)
            #expect(l.map(rgb, bytes: 1) == .failure(.init(index: at)) && l.mapNaive(rgb, bytes: 1) == .failure(.init(index: at)))
        }
    }
}
