import Foundation
import SegFormat
import SegImage
import Testing

/// The keyed normal generator of the `noise` and `elastic` stages (CPixelKernels' Normals.h) on every
/// SIMD path: against its definition, computed here independently in double precision, and its
/// distribution against the standard normal.
@Suite struct NormalGeneratorTests {
    /// lowbias32.
    static func mix(_ v: UInt32) -> UInt32 {
        var x = v
        x ^= x >> 16; x &*= 0x7feb_352d; x ^= x >> 15; x &*= 0x846c_a68b; x ^= x >> 16
        return x
    }

    static func hash(_ key: UInt64, _ c: UInt64) -> UInt32 {
        let k1 = UInt32(truncatingIfNeeded: key >> 32) ^ (UInt32(truncatingIfNeeded: c >> 32) &* 0x9E37_79B9) ^ 0x6A09_E667
        return mix(mix(UInt32(truncatingIfNeeded: c) ^ UInt32(truncatingIfNeeded: key)) ^ k1)
    }

    /// The Box–Muller pair of two hash words: u1 as the definition rounds it to float32, the rest in double.
    static func pair(_ h1: UInt32, _ h2: UInt32) -> (cos: Double, sin: Double) {
        let u = (Float(Int32(bitPattern: h1 >> 1)) + 0.5) * 0x1p-31
        let r = (-2 * log(Double(u))).squareRoot()
        let angle = Double.pi / 2 * Double(h2 >> 30) + (Double((h2 >> 6) & 0xFF_FFFF) - 8_388_607.5) * (Double.pi / 2) * 0x1p-24
        return (r * cos(angle), r * sin(angle))
    }

    /// Normal `i` of `key` by the definition: pair 8 (i / 16) + i % 8, its cosine half when (i / 8) is even.
    static func normal(_ key: UInt64, _ i: UInt64) -> Double {
        let p = (i >> 4) << 3 | (i & 7)
        let z = pair(hash(key, 2 * p), hash(key, 2 * p + 1))
        return i & 8 == 0 ? z.cos : z.sin
    }

    static func close(_ a: Float, _ b: Double) -> Bool { abs(Double(a) - b) <= 1e-5 * (1 + abs(b)) }

    @Test func normalsAndUniformsFollowTheDefinition() {
        for key: UInt64 in [0, 1, 123_456_789, 0x1F_FFFF_FFFF_FFFF] {
            for first: UInt64 in [0, 3, (1 << 31) - 40, 1 << 40] {          // (1 << 31) - 40: counters cross 2^32
                for path in SIMDPath.available {
                    let z = PixelKernels.normals(count: 200, first: first, key: key, path: path)
                    let bad = (0..<200).filter { !Self.close(z[$0], Self.normal(key, first + UInt64($0))) }
                    #expect(bad.isEmpty, "key \(key) first \(first) on \(path.rawValue): \(bad.prefix(3).map { (z[$0], Self.normal(key, first + UInt64($0))) })")
                    let u = PixelKernels.uniforms(count: 200, first: first, key: key, path: path)
                    #expect(u == (0..<200).map { Float(Int32(bitPattern: Self.hash(key, first + UInt64($0)) >> 8)) * 0x1p-23 - 1 },
                            "uniforms key \(key) first \(first) on \(path.rawValue)")
                }
            }
        }
    }

    /// The extremes of the hash words: the largest radius, a radius of exactly 0, every quadrant edge.
    @Test func boxMullerAtTheExtremesOfItsWords() {
        let words: [UInt32] = [0, 1, 0x3F, 0x40, 0x3FFF_FFFF, 0x4000_0000, 0x7FFF_FFFF, 0x8000_0000, 0xBFFF_FFFF, 0xC000_0000,
                               0xFFFF_FFC0, 0xFFFF_FFFE, 0xFFFF_FFFF]
        let h1 = words.flatMap { _ in words }, h2 = words.flatMap { w in words.map { _ in w } }
        for path in SIMDPath.available {
            let z = PixelKernels.boxMuller(h1, h2, path: path)
            for i in h1.indices {
                let ref = Self.pair(h1[i], h2[i])
                #expect(Self.close(z.cos[i], ref.cos) && Self.close(z.sin[i], ref.sin), "words \(h1[i]), \(h2[i]) on \(path.rawValue): \(z.cos[i]), \(z.sin[i]) vs \(ref)")
            }
            // h1 = 0: u = 2^-32, the largest radius; h1 >> 1 = 2^31 - 1 rounds to u = 1: radius 0.
            #expect(abs(Double(hypotf(z.cos[0], z.sin[0])) - (64 * log(2.0)).squareRoot()) < 1e-5)
            #expect(z.cos[words.count - 1] == 0 && z.sin[words.count - 1] == 0)
            #expect((z.cos + z.sin).allSatisfy { $0.isFinite && abs($0) <= 6.661 })
        }
    }

    /// Kolmogorov–Smirnov distance of `z` to the standard normal distribution.
    static func ks(_ z: [Double]) -> Double {
        let s = z.sorted(), n = Double(s.count)
        var d = 0.0
        for (i, x) in s.enumerated() {
            let f = 0.5 * erfc(-x / 2.0.squareRoot())
            d = max(d, abs(f - Double(i) / n), abs(f - Double(i + 1) / n))
        }
        return d
    }

    static func correlation(_ a: ArraySlice<Double>, _ b: ArraySlice<Double>) -> Double {
        let n = Double(a.count), ma = a.reduce(0, +) / n, mb = b.reduce(0, +) / n
        var sab = 0.0, saa = 0.0, sbb = 0.0
        for (x, y) in zip(a, b) { sab += (x - ma) * (y - mb); saa += (x - ma) * (x - ma); sbb += (y - mb) * (y - mb) }
        return sab / (saa * sbb).squareRoot()
    }

    /// 2^19 normals: mean, variance, the KS distance (bound 1.95 / sqrt(n), the 0.1 % level, which a
    /// normal 2 % too wide or shifted by 0.01 exceeds: checked below), the tails beyond 3 and 4, and
    /// no correlation between neighbours, the two halves of a pair, two keys, or the dx and dy ranges.
    @Test func normalsAreStandardNormal() {
        let n = 1 << 19, key: UInt64 = 0x5EED_0F_F1E1D
        let z = PixelKernels.normals(count: 2 * n, key: key).map(Double.init)
        let sample = Array(z[0..<n])
        let mean = sample.reduce(0, +) / Double(n)
        let variance = sample.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(n)
        let bound = 1.95 / Double(n).squareRoot()
        #expect(abs(mean) < 5 / Double(n).squareRoot(), "mean \(mean)")
        #expect(abs(variance - 1) < 5 * (2 / Double(n)).squareRoot(), "variance \(variance)")
        let d = Self.ks(sample)
        #expect(d < bound, "KS distance \(d), bound \(bound)")
        // The same check fails a generator slightly off.
        #expect(Self.ks(sample.map { $0 * 1.02 }) > bound && Self.ks(sample.map { $0 + 0.01 }) > bound)
        // Tails: P(|z| > 3) = 0.0026998, P(|z| > 4) = 6.334e-5, within 5 binomial standard deviations.
        for (t, p) in [(3.0, 0.0026998), (4.0, 6.334e-5)] {
            let count = Double(sample.filter { abs($0) > t }.count), expected = p * Double(n)
            #expect(abs(count - expected) < 5 * expected.squareRoot(), "beyond \(t): \(count), expected \(expected)")
        }
        let limit = 5 / Double(n / 2).squareRoot()
        let pairs = (0..<(n / 16)).flatMap { b in (0..<8).map { 16 * b + $0 } }
        let cosines = pairs.map { z[$0] }, sines = pairs.map { z[$0 + 8] }
        let other = PixelKernels.normals(count: n, key: key + 1).map(Double.init)
        let correlations = [
            ("neighbours", Self.correlation(z[0..<(n - 1)], z[1..<n])),
            ("pair halves", Self.correlation(cosines[...], sines[...])),
            ("keys k and k + 1", Self.correlation(z[0..<n], other[0..<n])),
            ("dx and dy ranges", Self.correlation(z[0..<n], z[n..<(2 * n)])),
        ]
        for (what, r) in correlations { #expect(abs(r) < limit, "correlation of \(what): \(r)") }
        let u = PixelKernels.uniforms(count: n, key: key).map(Double.init)
        #expect(u.allSatisfy { $0 >= -1 && $0 < 1 })
        #expect(abs(u.reduce(0, +) / Double(n)) < 5 * (1 / 3 / Double(n)).squareRoot())
        #expect(abs(u.map { $0 * $0 }.reduce(0, +) / Double(n) - 1.0 / 3) < 0.003)
    }
}
