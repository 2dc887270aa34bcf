import SegImage
/// `hsv`: the reference's colour jitter through OpenCV-exact 8-bit HSV lookup tables.
public struct HSVStage: Stage {
    public static let declaration = StageDeclaration(
        name: "hsv",
        summary: "Random hue, saturation and value gains applied through lookup tables.",
        details: "Draws r = uniform(-1, 1, 3) * [hue, sat, val] + 1, then on OpenCV's 8-bit HSV (hue 0..179): hue LUT (x*r0) mod 180, sat and val LUTs clip(x*r, 0, 255), truncated; RGB↔HSV conversions reproduce OpenCV 4.6 exactly.",
        label: "Unchanged (photometric stage).",
        random: true,
        parameters: [Keys.hue.info, Keys.sat.info, Keys.val.info])

    enum Keys {
        static let hue = Param<Double>.number("hue", in: 0...1, default: 0.1, "hue gain spread: r0 in [1-hue, 1+hue]")
        static let sat = Param<Double>.number("sat", in: 0...1, default: 0.7, "saturation gain spread: r1 in [1-sat, 1+sat]")
        static let val = Param<Double>.number("val", in: 0...1, default: 0.3, "value gain spread: r2 in [1-val, 1+val]")
    }

    let spread: (Double, Double, Double)

    public init(_ args: StageArgs) throws {
        spread = (args[Keys.hue], args[Keys.sat], args[Keys.val])
    }

    public func plan(_ state: inout PlanState) throws { try state.requireDecoded() }

    public func apply(_ sample: inout Sample, random: inout SeededRandom, context: StageContext) throws {
        let r = (random.uniform(-1, 1) * spread.0 + 1, random.uniform(-1, 1) * spread.1 + 1, random.uniform(-1, 1) * spread.2 + 1)
        jitter(&sample, gains: r)
    }

    /// Applies given gains (hue, sat, val) and records them.
    public func jitter(_ sample: inout Sample, gains r: (Double, Double, Double)) {
        OpenCVHSV.jitter(&sample.image, luts: OpenCVHSV.luts(r))
        sample.params["hue"] = r.0
        sample.params["sat"] = r.1
        sample.params["val"] = r.2
    }
}
