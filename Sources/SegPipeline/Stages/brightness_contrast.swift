import SegImage
/// `brightness_contrast`: albumentations' `RandomBrightnessContrast` on 8-bit images.
public struct BrightnessContrastStage: Stage {
    public static let declaration = StageDeclaration(
        name: "brightness_contrast",
        summary: "Random brightness and contrast, as albumentations' RandomBrightnessContrast.",
        details: "With probability `p`, draws a brightness b uniformly in `brightness` and a contrast c uniformly in `contrast` (albumentations' limits; b = c = 0 is the identity), then maps every channel through albucore's uint8 table: float32(v)·float32(1 + c) + float32(β), clipped to 0..255 and truncated, where β = b·255 (`brightness_by_max: true`, the default) or b times the image's mean. Records `brightness_contrast_b` and `brightness_contrast_c` (0 when not applied).",
        label: "Unchanged.",
        random: true,
        parameters: [Keys.brightness.info, Keys.contrast.info, Keys.byMax.info, Keys.p.info])

    enum Keys {
        static let brightness = Param<(Double, Double)>.range("brightness", within: -1...1, default: (-0.2, 0.2), "brightness change as a fraction of 255 (or of the mean), or the range it is drawn from")
        static let contrast = Param<(Double, Double)>.range("contrast", within: -1...10, default: (-0.2, 0.2), "contrast change: the pixels are multiplied by 1 + this, or the range it is drawn from")
        static let byMax = Param<Bool>.flag("brightness_by_max", default: true, "brightness relative to 255 (true) or to the image's mean (false)")
        static let p = Param<Double>.probability("p", default: 0.5, "probability of changing brightness and contrast")
    }

    let brightness: (Double, Double), contrast: (Double, Double)
    let byMax: Bool
    let p: Double

    public init(_ args: StageArgs) throws {
        brightness = args[Keys.brightness]
        contrast = args[Keys.contrast]
        byMax = args[Keys.byMax]
        p = args[Keys.p]
    }

    public func plan(_ state: inout PlanState) throws { try state.requireDecoded() }

    /// The table of contrast factor `alpha` and offset `beta` (in levels): float32, clipped, truncated.
    public static func table(alpha: Double, beta: Double) -> [UInt8] {
        let a = Float(alpha), b = Float(beta)
        return (0..<256).map { v -> UInt8 in
            var x = Float(v)
            if a != 1 { x *= a }
            if b != 0 { x += b }
            return UInt8(min(max(x, 0), 255).rounded(.towardZero))
        }
    }

    /// Applies brightness `b` and contrast `c` (albumentations' values) to `image`.
    public static func adjust(_ image: inout Raster, brightness b: Double, contrast c: Double, byMax: Bool) {
        if b == 0 && c == 0 { return }
        var beta = b * 255
        if !byMax {
            var sum = 0
            for v in image.pixels { sum += Int(v) }
            beta = b * (image.pixels.isEmpty ? 0 : Double(sum) / Double(image.pixels.count))
        }
        PixelKernels.lookUp(&image.pixels, table: table(alpha: 1 + c, beta: beta))
    }

    public func apply(_ sample: inout Sample, random: inout SeededRandom, context: StageContext) throws {
        var b = 0.0, c = 0.0
        if random.unit() < p {
            b = random.value(in: brightness)
            c = random.value(in: contrast)
            Self.adjust(&sample.image, brightness: b, contrast: c, byMax: byMax)
        }
        sample.params["brightness_contrast_b"] = b
        sample.params["brightness_contrast_c"] = c
    }
}
