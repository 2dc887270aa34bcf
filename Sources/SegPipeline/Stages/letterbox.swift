import SegImage
/// `letterbox`: fit the image inside the output size keeping its aspect, centred on a fill colour.
public struct LetterboxStage: Stage {
    public static let declaration = StageDeclaration(
        name: "letterbox",
        summary: "Fit inside [height, width] keeping the aspect ratio, centred on a fill.",
        details: "The reference's validation path: scale = min(w/iw, h/ih), nw = int(iw*scale), nh = int(ih*scale) (truncated), bicubic resize (Pillow-exact), pasted at ((w-nw)//2, (h-nh)//2) on a canvas of `fill`.",
        label: "Resized with nearest neighbour (Pillow-exact), pasted the same way on a canvas of `label_fill`.",
        random: false,
        parameters: [Keys.size.info, Keys.fill.info, Keys.labelFill.info])

    enum Keys {
        static let size = Param<(height: Int, width: Int)>.size("size", "output [height, width] in pixels")
        static let fill = PlaceStage.Keys.fill
        static let labelFill = PlaceStage.Keys.labelFill
    }

    let height: Int, width: Int
    let fill: [UInt8]
    let labelFill: LabelValue

    public init(_ args: StageArgs) throws {
        let s = args[Keys.size]
        height = s.height; width = s.width
        fill = args[Keys.fill]
        labelFill = args[Keys.labelFill]
    }

    public static var isGeometric: Bool { true }

    public func plan(_ state: inout PlanState) throws {
        try state.requireDecoded()
        try state.checkLabel(labelFill, parameter: "label_fill")
        if state.size != nil {
            throw state.fail("'letterbox' comes after another stage that already fixed the output size",
                             fix: "use either letterbox or random_resize + place, once")
        }
        state.size = (height, width)
    }

    public func apply(_ sample: inout Sample, random: inout SeededRandom, context: StageContext) throws {
        if !sample.geometry.isIdentity { try sample.render(context: context) }
        let box = Letterbox(source: sample.sourceSize, width: width, height: height)
        _ = sample.geometry.compose(resize: Geometry.Resize(width: box.nw, height: box.nh))
        _ = sample.geometry.compose(canvas: Geometry.Canvas(width: width, height: height, dx: box.dx, dy: box.dy,
                                                            fill: fill, labelFill: labelFill.resolve(ignore: context.ignoreIndex)))
        sample.params["scale"] = box.scale
        sample.params["nw"] = Double(box.nw)
        sample.params["nh"] = Double(box.nh)
        sample.params["dx"] = Double(box.dx)
        sample.params["dy"] = Double(box.dy)
    }
}
