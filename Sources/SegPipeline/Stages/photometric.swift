import SegImage
/// `photometric`: mmsegmentation's `PhotoMetricDistortion`, with its float32 arithmetic and
/// OpenCV's 8-bit HSV round trips.
public struct PhotometricStage: Stage {
    public static let declaration = StageDeclaration(
        name: "photometric",
        summary: "Random brightness, contrast, saturation and hue, as mmseg's PhotoMetricDistortion.",
        details: "Each step happens with probability 1/2, in mmseg's order: brightness (add a value in ±`brightness_delta`), contrast (multiply by a value in `contrast_range`) either first or last (a coin), saturation (multiply OpenCV's 8-bit S by a value in `saturation_range`), hue (add an integer in [−`hue_delta`, `hue_delta`) to OpenCV's 0–179 H, modulo 180). Products and sums are float32, clipped to 0..255 and truncated, as numpy does; saturation and hue each make their own uint8 RGB→HSV→RGB round trip with OpenCV's kernels. mmseg works in BGR; the same steps on RGB give the channel-reversed result, which is what seg-prep stores.",
        label: "Unchanged.",
        random: true,
        parameters: [Keys.brightnessDelta.info, Keys.contrastRange.info, Keys.saturationRange.info, Keys.hueDelta.info])

    enum Keys {
        static let brightnessDelta = Param<Int>.integer("brightness_delta", in: 0...255, default: 32, "brightness change in ± this many levels")
        static let contrastRange = Param<(Double, Double)>.interval("contrast_range", within: 0...10, default: (0.5, 1.5), "contrast factor range")
        static let saturationRange = Param<(Double, Double)>.interval("saturation_range", within: 0...10, default: (0.5, 1.5), "saturation factor range")
        static let hueDelta = Param<Int>.integer("hue_delta", in: 0...180, default: 18, "hue shift in [−hue_delta, hue_delta) on OpenCV's 0..179 scale")
    }

    let brightnessDelta: Int
    let contrastRange: (Double, Double), saturationRange: (Double, Double)
    let hueDelta: Int

    public init(_ args: StageArgs) throws {
        brightnessDelta = args[Keys.brightnessDelta]
        contrastRange = args[Keys.contrastRange]
        saturationRange = args[Keys.saturationRange]
        hueDelta = args[Keys.hueDelta]
    }

    public func plan(_ state: inout PlanState) throws { try state.requireDecoded() }

    /// The steps one sample gets (nil: the step is off).
    public struct Draw: Sendable, Equatable {
        public var beta: Double?
        public var contrastFirst: Bool
        public var contrastAlpha: Double?
        public var saturationAlpha: Double?
        public var hueDelta: Int?

        public init(beta: Double?, contrastFirst: Bool, contrastAlpha: Double?, saturationAlpha: Double?, hueDelta: Int?) {
            self.beta = beta; self.contrastFirst = contrastFirst; self.contrastAlpha = contrastAlpha
            self.saturationAlpha = saturationAlpha; self.hueDelta = hueDelta
        }
    }

    /// `np.clip(np.float32(v) op value, 0, 255).astype(np.uint8)` for every byte value.
    static func table(_ op: (Float) -> Float) -> [UInt8] {
        (0..<256).map { v -> UInt8 in
            let y = op(Float(v))
            return UInt8(min(max(y, 0), 255).rounded(.towardZero))
        }
    }

    /// Applies `d` to an RGB image in place.
    static func distort(_ image: inout Raster, _ d: Draw) {
        let identity = (0..<256).map { UInt8($0) }
        func contrast() {
            if let a = d.contrastAlpha {
                let alpha = Float(a)
                PixelKernels.lookUp(&image.pixels, table: table { $0 * alpha })
            }
        }
        if let b = d.beta {
            let beta = Float(b)
            PixelKernels.lookUp(&image.pixels, table: table { $0 + beta })
        }
        if d.contrastFirst { contrast() }
        if let a = d.saturationAlpha {
            let alpha = Float(a)
            PixelKernels.hsvJitter(&image, luts: [identity, table { $0 * alpha }, identity])
        }
        if let delta = d.hueDelta {
            let hue = (0..<256).map { h -> UInt8 in h < 180 ? UInt8(((h + delta) % 180 + 180) % 180) : UInt8(h) }
            PixelKernels.hsvJitter(&image, luts: [hue, identity, identity])
        }
        if !d.contrastFirst { contrast() }
    }

    public func apply(_ sample: inout Sample, random: inout SeededRandom, context: StageContext) throws {
        func coin() -> Bool { random.unit() < 0.5 }
        let beta = coin() ? random.uniform(-Double(brightnessDelta), Double(brightnessDelta)) : nil
        let contrastFirst = coin()
        var contrastAlpha: Double?
        if contrastFirst, coin() { contrastAlpha = random.uniform(contrastRange.0, contrastRange.1) }
        let saturation = coin() ? random.uniform(saturationRange.0, saturationRange.1) : nil
        let hue = coin() ? Int((random.unit() * Double(2 * hueDelta)).rounded(.down)) - hueDelta : nil
        if !contrastFirst, coin() { contrastAlpha = random.uniform(contrastRange.0, contrastRange.1) }
        let d = Draw(beta: beta, contrastFirst: contrastFirst, contrastAlpha: contrastAlpha, saturationAlpha: saturation, hueDelta: hue)
        Self.distort(&sample.image, d)
        sample.params["photometric_beta"] = beta ?? 0
        sample.params["photometric_contrast"] = contrastAlpha ?? 1
        sample.params["photometric_contrast_first"] = contrastFirst ? 1 : 0
        sample.params["photometric_saturation"] = saturation ?? 1
        sample.params["photometric_hue"] = Double(hue ?? 0)
    }
}
