/// Colours for label maps: PASCAL VOC's colour map for classes, a distinct colour for ignore.
public struct Palette: Sendable {
    /// RGB per label value 0...255.
    public var colours: [[UInt8]]

    /// Colour of ignored pixels: white, which the VOC map never uses (its channels stay below 225).
    public static let ignoreColour: [UInt8] = [255, 255, 255]

    /// The VOC colour map (bit-interleaved class index), with `ignoreIndex` painted `ignoreColour`.
    public static func voc(ignoreIndex: Int) -> Palette {
        var colours: [[UInt8]] = []
        for i in 0..<256 {
            var r = 0, g = 0, b = 0, c = i
            for j in 0..<8 {
                r |= ((c >> 0) & 1) << (7 - j)
                g |= ((c >> 1) & 1) << (7 - j)
                b |= ((c >> 2) & 1) << (7 - j)
                c >>= 3
            }
            colours.append([UInt8(r), UInt8(g), UInt8(b)])
        }
        if (0..<256).contains(ignoreIndex) { colours[ignoreIndex] = ignoreColour }
        return Palette(colours: colours)
    }

    /// The label map painted in colour (3 channels).
    public func colourise(_ label: Raster) -> Raster {
        var out = [UInt8](repeating: 0, count: label.width * label.height * 3)
        for (i, v) in label.pixels.enumerated() {
            let c = colours[Int(v)]
            out[3 * i] = c[0]; out[3 * i + 1] = c[1]; out[3 * i + 2] = c[2]
        }
        return Raster(width: label.width, height: label.height, channels: 3, pixels: out)
    }

    /// The image with non-background pixels blended half-and-half with their class colour.
    public func overlay(_ image: Raster, _ label: Raster, background: UInt8 = 0) -> Raster {
        var out = image
        for (i, v) in label.pixels.enumerated() where v != background {
            let c = colours[Int(v)]
            for k in 0..<3 { out.pixels[3 * i + k] = UInt8((Int(image.pixels[3 * i + k]) + Int(c[k]) + 1) / 2) }
        }
        return out
    }
}
