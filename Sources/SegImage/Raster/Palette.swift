/// Colours for label maps: PASCAL VOC's colour map for classes, a distinct colour for ignore.
public struct Palette: Sendable {
    /// The value painted `ignoreColour`.
    public var ignoreIndex: Int
    /// RGB of values 0...255, precomputed.
    private var table: [[UInt8]]

    /// Colour of ignored pixels: white, which the VOC map never uses for values below 2^21.
    public static let ignoreColour: [UInt8] = [255, 255, 255]

    /// The VOC colour map (bit-interleaved class index), with `ignoreIndex` painted `ignoreColour`.
    public static func voc(ignoreIndex: Int) -> Palette {
        Palette(ignoreIndex: ignoreIndex, table: (0..<256).map { vocColour($0, ignore: ignoreIndex) })
    }

    /// VOC's map: bit j of the index's red, green and blue thirds at bit 7 − j of each channel;
    /// it extends to 16-bit values (their higher bits give the lower channel bits).
    package static func vocColour(_ i: Int, ignore: Int) -> [UInt8] {
        if i == ignore { return ignoreColour }
        var r = 0, g = 0, b = 0, c = i
        for j in 0..<8 {
            r |= ((c >> 0) & 1) << (7 - j)
            g |= ((c >> 1) & 1) << (7 - j)
            b |= ((c >> 2) & 1) << (7 - j)
            c >>= 3
        }
        return [UInt8(r), UInt8(g), UInt8(b)]
    }

    /// The RGB colour of label value `v`.
    public func colour(_ v: Int) -> [UInt8] { v < 256 ? table[v] : Self.vocColour(v, ignore: ignoreIndex) }

    /// The label map (8- or 16-bit) painted in colour (3 channels).
    public func colourise(_ label: Raster) -> Raster {
        var out = [UInt8](repeating: 0, count: label.width * label.height * 3)
        for (i, v) in Self.values(label).enumerated() {
            let c = colour(v)
            out[3 * i] = c[0]; out[3 * i + 1] = c[1]; out[3 * i + 2] = c[2]
        }
        return Raster(width: label.width, height: label.height, channels: 3, pixels: out)
    }

    /// The image with non-background pixels blended half-and-half with their class colour.
    public func overlay(_ image: Raster, _ label: Raster, background: Int = 0) -> Raster {
        var out = image
        for (i, v) in Self.values(label).enumerated() where v != background {
            let c = colour(v)
            for k in 0..<3 { out.pixels[3 * i + k] = UInt8((Int(image.pixels[3 * i + k]) + Int(c[k]) + 1) / 2) }
        }
        return out
    }

    private static func values(_ label: Raster) -> [Int] {
        label.channels == 1 ? label.pixels.map(Int.init) : label.labelValues.map(Int.init)
    }
}
