/// Label maps are rasters of one class index per pixel held in `channels` bytes: 1 (8-bit values)
/// or 2 (16-bit values, little-endian, the layout of a U16 label tensor). Geometric kernels copy
/// whole pixels, so they work on both widths; these read, convert and map the values.
extension Raster {
    /// A label map of `value` everywhere, `bytes` (1 or 2) bytes per value.
    public init(width: Int, height: Int, label value: Int, bytes: Int) {
        self.init(width: width, height: height, fill: Self.labelPixel(value, bytes: bytes))
    }

    /// The bytes of one label pixel of `value`, `bytes` (1 or 2) bytes wide.
    public static func labelPixel(_ value: Int, bytes: Int) -> [UInt8] {
        bytes == 1 ? [UInt8(truncatingIfNeeded: value)] : littleEndian(value)
    }

    package static func littleEndian(_ v: Int) -> [UInt8] { [UInt8(truncatingIfNeeded: v), UInt8(truncatingIfNeeded: v >> 8)] }

    /// The label values, widened to 16 bits.
    public var labelValues: [UInt16] {
        if channels == 1 { return pixels.map { UInt16($0) } }
        return pixels.withUnsafeBytes { raw in (0..<(width * height)).map { UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self)) } }
    }

    /// A label map of `values` (`width * height`), `bytes` bytes per value (values must fit).
    public init(width: Int, height: Int, labelValues values: [UInt16], bytes: Int) {
        if bytes == 1 {
            self.init(width: width, height: height, channels: 1, pixels: values.map { UInt8(truncatingIfNeeded: $0) })
        } else {
            var px = [UInt8](repeating: 0, count: values.count * 2)
            px.withUnsafeMutableBytes { raw in
                for (i, v) in values.enumerated() { raw.storeBytes(of: v.littleEndian, toByteOffset: 2 * i, as: UInt16.self) }
            }
            self.init(width: width, height: height, channels: 2, pixels: px)
        }
    }

    /// The label map with `bytes` bytes per value, or nil when a value does not fit (narrowing).
    public func label(bytes: Int) -> Raster? {
        if bytes == channels { return self }
        let values = labelValues
        if bytes == 1, let m = values.max(), m > 255 { return nil }
        return Raster(width: width, height: height, labelValues: values, bytes: bytes)
    }

    /// Replaces every value v of the label map below `table.count` by `table[v]` (an 8-bit map
    /// becomes 16-bit when a target is above 255).
    public mutating func mapLabels(_ table: [UInt16]) {
        if channels == 1 && table.prefix(256).allSatisfy({ $0 <= 255 }) {
            PixelKernels.lookUp(&pixels, table: (0..<256).map { $0 < table.count ? UInt8(table[$0]) : UInt8($0) })
            return
        }
        if channels == 1 { self = label(bytes: 2)! }
        let n = width * height
        pixels.withUnsafeMutableBytes { raw in
            table.withUnsafeBufferPointer { t in
                for i in 0..<n {
                    let v = Int(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
                    if v < t.count { raw.storeBytes(of: t[v].littleEndian, toByteOffset: 2 * i, as: UInt16.self) }
                }
            }
        }
    }

    /// Pixels per label value: `max + 1` counts, where `max` is the largest value present
    /// (256 counts at least for 8-bit maps).
    public var labelHistogram: [Int] {
        if channels == 1 { return PixelKernels.labelHistogram(pixels) }
        let values = labelValues
        var counts = [Int](repeating: 0, count: Int(values.max() ?? 0) + 1)
        for v in values { counts[Int(v)] += 1 }
        return counts
    }
}
