import CPixelKernels

/// An open-addressing table from packed colours (`r << 16 | g << 8 | b`) to label values, for
/// per-pixel lookups among a few hundred colours: one multiply and usually one probe, where Swift's
/// `Dictionary` hashes every key with SipHash. `map` runs the C kernel (which also skips runs of
/// one colour 16 pixels at a time); `mapNaive` is its oracle.
package struct ColourLookup: Sendable {
    private let keys: [UInt32]
    private let values: [UInt16]
    private let bits: UInt32
    /// Never a packed colour (those are below 2^24).
    private static var empty: UInt32 { .max }

    package init(_ pairs: [(key: UInt32, value: UInt16)]) {
        var bits: UInt32 = 4
        while (1 << bits) < 2 * max(pairs.count, 1) { bits += 1 }
        var k = [UInt32](repeating: Self.empty, count: 1 << bits), v = [UInt16](repeating: 0, count: 1 << bits)
        let mask = (1 << Int(bits)) - 1
        for (key, value) in pairs {
            var h = Self.slot(key, bits: bits)
            while k[h] != Self.empty && k[h] != key { h = (h + 1) & mask }
            k[h] = key; v[h] = value
        }
        keys = k; values = v; self.bits = bits
    }

    @inline(__always) private static func slot(_ key: UInt32, bits: UInt32) -> Int { Int((key &* 0x9E37_79B1) >> (32 - bits)) }

    /// The value of `key`, or nil when the table does not hold it.
    package func find(_ key: UInt32) -> UInt16? {
        let mask = keys.count - 1
        var h = Self.slot(key, bits: bits)
        while true {
            if keys[h] == key { return values[h] }
            if keys[h] == Self.empty { return nil }
            h = (h + 1) & mask
        }
    }

    /// The label map (`bytes` 1 or 2 per value) of an RGB raster, or the index of its first pixel
    /// whose colour the table does not hold.
    package func map(_ rgb: Raster, bytes: Int) -> Result<Raster, Unlisted> {
        let n = rgb.width * rgb.height
        var stop = 0
        let out = [UInt8](unsafeUninitializedCapacity: n * bytes) { o, count in
            stop = rgb.pixels.withUnsafeBufferPointer { p in
                keys.withUnsafeBufferPointer { k in
                    values.withUnsafeBufferPointer { v in
                        sp_colour_map(p.baseAddress, n, k.baseAddress, v.baseAddress, bits, o.baseAddress, Int32(bytes))
                    }
                }
            }
            if stop < n { (o.baseAddress! + stop * bytes).initialize(repeating: 0, count: (n - stop) * bytes) }
            count = n * bytes
        }
        if stop < n { return .failure(Unlisted(index: stop)) }
        return .success(Raster(width: rgb.width, height: rgb.height, channels: bytes, pixels: out))
    }

    /// `map`, one pixel at a time in Swift (the oracle of the kernel).
    package func mapNaive(_ rgb: Raster, bytes: Int) -> Result<Raster, Unlisted> {
        var values = [UInt16](repeating: 0, count: rgb.width * rgb.height)
        for i in values.indices {
            let key = UInt32(rgb.pixels[3 * i]) << 16 | UInt32(rgb.pixels[3 * i + 1]) << 8 | UInt32(rgb.pixels[3 * i + 2])
            guard let v = find(key) else { return .failure(Unlisted(index: i)) }
            values[i] = v
        }
        return .success(Raster(width: rgb.width, height: rgb.height, labelValues: values, bytes: bytes))
    }

    /// The first pixel of a colour the table does not hold.
    package struct Unlisted: Error, Equatable {
        package let index: Int
        package init(index: Int) { self.index = index }
    }
}
