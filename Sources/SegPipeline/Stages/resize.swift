import SegImage
/// `resize`: mmcv's `RandomResize` → `Resize` (mmsegmentation's recipe), OpenCV-exact.
public struct ResizeStage: Stage {
    public static let declaration = StageDeclaration(
        name: "resize",
        summary: "Resize by a random ratio of a target scale, as mmcv's RandomResize + Resize.",
        details: "Draws `ratio` uniformly in `ratio_range` and scales `scale` by it (sides truncated). With `keep_ratio`, the image is fitted inside that scale keeping its aspect ratio, as `mmcv.imrescale` does (the long side against the long side of the scale, the short against the short, sides rounded half up); otherwise it is resized to the scale exactly. The image is resampled as OpenCV's 8-bit `cv2.resize`, bit for bit: `bilinear` (`INTER_LINEAR`, 11-bit fixed point), `bicubic` (`INTER_CUBIC`, OpenCV's own kernel: x86 wheels of OpenCV run Intel IPP's closed cubic by default, which differs by ±1 in a few percent of bytes, so mmcv's `bicubic` there is matched to ±1), `area` (`INTER_AREA`: block means, area sums, or the linear passes when upscaling) or `nearest`; the label always nearest (`INTER_NEAREST`). Output sizes vary: follow with `random_crop` and `pad`.",
        label: "Resized with nearest neighbour (no half-pixel offset, as cv2's INTER_NEAREST).",
        random: true,
        parameters: [Keys.scale.info, Keys.ratioRange.info, Keys.keepRatio.info, Keys.interpolation.info])

    enum Interpolation: String, Sendable, CaseIterable { case bilinear, bicubic, area, nearest }

    enum Keys {
        static let scale = Param<(width: Int, height: Int)>.scaleWH("scale", default: (2048, 512), "target scale before the ratio, [width, height] as in mmseg configs")
        static let ratioRange = Param<(Double, Double)>.interval("ratio_range", within: 0.01...10, default: (1.0, 1.0), "the scale is multiplied by a ratio drawn uniformly in this range")
        static let keepRatio = Param<Bool>.flag("keep_ratio", default: true, "fit inside the scale keeping the aspect ratio (mmcv.imrescale); false resizes to the scale exactly")
        static let interpolation = Param<Interpolation>.choice("interpolation", default: .bilinear, "image resampling (cv2 INTER_LINEAR, INTER_CUBIC, INTER_AREA or INTER_NEAREST)")
    }

    let scale: (width: Int, height: Int)
    let ratioRange: (Double, Double)
    let keepRatio: Bool
    let interpolation: Interpolation

    public init(_ args: StageArgs) throws {
        scale = args[Keys.scale]
        ratioRange = args[Keys.ratioRange]
        keepRatio = args[Keys.keepRatio]
        interpolation = args[Keys.interpolation]
    }

    public func plan(_ state: inout PlanState) throws {
        try state.requireDecoded()
        if state.size != nil || state.awaitingPlacement {
            throw state.fail("'resize' comes after a stage that already fixed the output size", fix: "put resize before random_crop and pad, and do not mix it with letterbox or random_resize")
        }
    }

    /// The output size for a source of `width` x `height` at `ratio`.
    func size(width: Int, height: Int, ratio: Double) -> (width: Int, height: Int) {
        let target = (Int(Double(scale.width) * ratio), Int(Double(scale.height) * ratio))
        return keepRatio ? CVResize.rescaledSize(width: width, height: height, scale: target) : target
    }

    public static var isGeometric: Bool { true }

    /// Composes the resize at `ratio` onto the sample's geometry (rendering what came before it
    /// unless it is the first transform) and records it.
    func resize(_ sample: inout Sample, ratio: Double, context: StageContext? = nil) throws {
        if !sample.geometry.isIdentity { try sample.render(context: context) }
        let src = sample.sourceSize
        let s = size(width: src.width, height: src.height, ratio: ratio)
        try StageContext.checkSize(width: s.width, height: s.height, in: context, by: "'resize'", what: "'resize.scale' or 'resize.ratio_range'", sample: sample)
        _ = sample.geometry.compose(resize: Geometry.Resize(width: s.width, height: s.height, method: interpolation.method))
        sample.params["ratio"] = ratio
        sample.params["resize_width"] = Double(s.width)
        sample.params["resize_height"] = Double(s.height)
    }

    /// Draws the ratio; the resize stays in the geometry, so `random_crop` resamples only its window.
    public func apply(_ sample: inout Sample, random: inout SeededRandom, context: StageContext) throws {
        try resize(&sample, ratio: random.uniform(ratioRange.0, ratioRange.1), context: context)
    }
}

extension ResizeStage.Interpolation {
    /// The resize method of the geometry that carries it out.
    var method: Geometry.Resize.Method {
        switch self {
        case .bilinear: return .cvBilinear
        case .bicubic: return .cvBicubic
        case .area: return .cvArea
        case .nearest: return .cvNearest
        }
    }
}
