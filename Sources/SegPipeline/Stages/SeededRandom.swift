import SegFormat

/// A SplitMix64 generator keyed by (seed, sample id, repeat, stage), so draws never depend on
/// thread count, partitioning or the order samples are processed in.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var base: SplitMix64

    /// A generator seeded directly.
    public init(seed: UInt64) { base = SplitMix64(seed: seed) }

    /// A generator for one stage of one sample: FNV-1a over the key, mixed with the seed.
    public init(seed: UInt64, id: String, repeatIndex: Int, stage: Int) {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ b: UInt8) { h ^= UInt64(b); h &*= 0x100_0000_01b3 }
        for b in id.utf8 { mix(b) }
        mix(0)
        for v in [UInt64(truncatingIfNeeded: repeatIndex), UInt64(truncatingIfNeeded: stage)] {
            for i in 0..<8 { mix(UInt8(truncatingIfNeeded: v >> (8 * UInt64(i)))) }
        }
        base = SplitMix64(seed: seed ^ h)
        _ = next()
    }

    public mutating func next() -> UInt64 { base.next() }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// The reference's `rand(a, b) = random() * (b - a) + a`.
    public mutating func uniform(_ a: Double, _ b: Double) -> Double { unit() * (b - a) + a }
}
