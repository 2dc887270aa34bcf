/// `random_resize`: rescale with a random aspect jitter and scale, as the reference draws them.
public struct RandomResizeStage: Stage {
    public static let declaration = StageDeclaration(
        name: "random_resize",
        summary: "Rescale by a random scale and aspect jitter relative to the output size.",
        details: "Draws j1, j2 uniform in [1-jitter, 1+jitter] and s uniform in `scale`; new_ar = iw/ih*j1/j2; if new_ar < 1 then nh = int(s*h), nw = int(nh*new_ar), else nw = int(s*w), nh = int(nw/new_ar) (the reference's formulas, sides at least 1). Bicubic resize (Pillow-exact). A `place` stage must follow to put the result on the [height, width] canvas.",
        label: "Resized with nearest neighbour (Pillow-exact) to the same nw x nh.",
        random: true,
        parameters: [Keys.size.info, Keys.jitter.info, Keys.scale.info])

    enum Keys {
        static let size = Param<(height: Int, width: Int)>.size("size", "output [height, width] the scale is relative to (the reference's input_shape)")
        static let jitter = Param<Double>.number("jitter", in: 0...0.99, default: 0.3, "aspect jitter: each of j1, j2 is drawn in [1-jitter, 1+jitter]")
        static let scale = Param<(Double, Double)>.interval("scale", within: 0.01...10, default: (0.25, 2.0), "range of the scale factor s")
    }

    let height: Int, width: Int
    let jitter: Double
    let scale: (Double, Double)

    public init(_ args: StageArgs) throws {
        let s = args[Keys.size]
        height = s.height; width = s.width
        jitter = args[Keys.jitter]
        scale = args[Keys.scale]
    }

    public static var isGeometric: Bool { true }

    public func plan(_ state: inout PlanState) throws {
        try state.requireDecoded()
        if state.size != nil {
            throw state.fail("'random_resize' comes after another stage that already fixed the output size",
                             fix: "use either letterbox or random_resize + place, once")
        }
        state.size = (height, width)
        state.awaitingPlacement = true
    }

    /// The reference's draw: (new_ar, scale) → (nw, nh).
    public static func targetSize(newAspect: Double, scale: Double, height: Int, width: Int) -> (Int, Int) {
        var nw: Int, nh: Int
        if newAspect < 1 {
            nh = Int(scale * Double(height)); nw = Int(Double(nh) * newAspect)
        } else {
            nw = Int(scale * Double(width)); nh = Int(Double(nw) / newAspect)
        }
        return (max(1, nw), max(1, nh))
    }

    public func apply(_ sample: inout Sample, random: inout SeededRandom, context: StageContext) throws {
        if !sample.geometry.isIdentity { try sample.render(context: context) }
        let (iw, ih) = sample.sourceSize
        let j1 = random.uniform(1 - jitter, 1 + jitter)
        let j2 = random.uniform(1 - jitter, 1 + jitter)
        let newAspect = Double(iw) / Double(ih) * j1 / j2
        let s = random.uniform(scale.0, scale.1)
        try resize(&sample, newAspect: newAspect, scale: s, context: context)
    }

    /// Composes the resize for given draws (bicubic image, nearest label) onto the geometry; the
    /// renderer computes only what `place` puts on the canvas.
    public func resize(_ sample: inout Sample, newAspect: Double, scale s: Double, context: StageContext? = nil) throws {
        let (nw, nh) = Self.targetSize(newAspect: newAspect, scale: s, height: height, width: width)
        try StageContext.checkSize(width: nw, height: nh, in: context, by: "'random_resize'", what: "'random_resize.scale'", sample: sample)
        if !sample.geometry.isIdentity { try sample.render(context: context) }
        _ = sample.geometry.compose(resize: Geometry.Resize(width: nw, height: nh))
        sample.params["aspect"] = newAspect
        sample.params["scale"] = s
        sample.params["nw"] = Double(nw)
        sample.params["nh"] = Double(nh)
    }
}
