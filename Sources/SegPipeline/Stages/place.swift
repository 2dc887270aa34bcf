/// `place`: paste the resized sample at a random offset on the output canvas.
public struct PlaceStage: Stage {
    public static let declaration = StageDeclaration(
        name: "place",
        summary: "Paste at a random (dx, dy) on the output canvas; negative offsets crop.",
        details: "dx = int(rand(0, w-nw)), dy = int(rand(0, h-nh)) with rand(a, b) = u*(b-a)+a and int() truncating toward zero, exactly as the reference; the canvas is the size set by `random_resize`. `center: true` centres instead of drawing.",
        label: "Pasted at the same offset on a canvas of `label_fill`.",
        random: true,
        parameters: [Keys.fill.info, Keys.labelFill.info, Keys.center.info])

    enum Keys {
        static let fill = Param<[UInt8]>.colour("fill", default: [128, 128, 128], "image canvas colour")
        static let labelFill = Param<LabelValue>.label("label_fill", default: .value(0), "label canvas value (the reference uses 0; `ignore` keeps padding out of the loss)")
        static let center = Param<Bool>.flag("center", default: false, "centre instead of a random offset")
    }

    let fill: [UInt8]
    let labelFill: LabelValue
    let center: Bool
    public static var isGeometric: Bool { true }

    public init(_ args: StageArgs) throws {
        fill = args[Keys.fill]
        labelFill = args[Keys.labelFill]
        center = args[Keys.center]
    }

    public func plan(_ state: inout PlanState) throws {
        try state.requireDecoded()
        try state.checkLabel(labelFill, parameter: "label_fill")
        guard state.awaitingPlacement, state.size != nil else {
            throw state.fail("'place' needs a 'random_resize' before it to know the canvas size",
                             fix: "add `- random_resize: {size: [H, W]}` before `place`, or use letterbox instead")
        }
        state.awaitingPlacement = false
    }

    public func apply(_ sample: inout Sample, random: inout SeededRandom, context: StageContext) throws {
        if sample.geometry.canvas != nil { try sample.render(context: context) }
        let (nw, nh) = sample.outputSize
        let width = context.width, height = context.height
        let dx: Int, dy: Int
        if center {
            dx = (width - nw) / 2; dy = (height - nh) / 2
        } else {
            dx = Int(random.uniform(0, Double(width - nw)))
            dy = Int(random.uniform(0, Double(height - nh)))
        }
        try place(&sample, dx: dx, dy: dy, context: context)
    }

    /// Puts the sample at a given offset on the output canvas (in its geometry) and records it.
    public func place(_ sample: inout Sample, dx: Int, dy: Int, context: StageContext) throws {
        if sample.geometry.canvas != nil { try sample.render(context: context) }
        let canvas = Geometry.Canvas(width: context.width, height: context.height, dx: dx, dy: dy,
                                     fill: fill, labelFill: labelFill.resolve(ignore: context.ignoreIndex))
        _ = sample.geometry.compose(canvas: canvas)
        sample.params["dx"] = Double(dx)
        sample.params["dy"] = Double(dy)
    }
}
