import Foundation

/// `affine`: albumentations' `Affine` — scale, translation, rotation and shear in one draw.
public struct AffineStage: Stage {
    public static let declaration = StageDeclaration(
        name: "affine",
        summary: "Scale, translate, rotate and shear the sample in one random affine warp with probability p, as albumentations' Affine.",
        details: "With probability `p` (the coin is drawn first), draws in this order: the angle in `rotate`, the scale in `scale` for x and, unless `keep_ratio`, separately for y, the translation in `translate_percent` for x and for y (fractions of the width and height), the shear in `shear` for x and for y (degrees). The forward matrix, about the centre c = (w/2 − 0.5, h/2 − 0.5) as albumentations uses, is T(c + t) · Shear · R · S · T(−c), with R = [[cos a, sin a], [−sin a, cos a]] (a positive angle turns the content counter-clockwise on screen, as cv2.getRotationMatrix2D), Shear = [[1, tan(shear_x)], [tan(shear_y), 1]] and S = diag(scale_x, scale_y); the output keeps the input size (albumentations' fit_output false). The image is resampled bilinearly and the label by nearest neighbour with the same warp as `rotate` (pip OpenCV's warpAffine, bit-exact model); uncovered pixels take `fill` (all channels) and `label_fill` (the ignore class; albumentations pads masks with 0). The defaults are albumentations' (scale 1, no translation, rotation or shear), so `{}` is the identity: give the ranges you want. Renders the pending geometry first. Records `affine_applied`, `affine_rotate`, `affine_scale_x`, `affine_scale_y`, `affine_translate_x`, `affine_translate_y` (fractions), `affine_shear_x`, `affine_shear_y`.",
        label: "Warped like the image with nearest-neighbour sampling; uncovered pixels get `label_fill`.",
        random: true,
        parameters: [Keys.scale.info, Keys.translate.info, Keys.rotate.info, Keys.shear.info, Keys.keepRatio.info,
                     Keys.fill.info, Keys.labelFill.info, Keys.p.info])

    enum Keys {
        static let scale = Param<(Double, Double)>.range("scale", within: 0.01...100, default: (1, 1), "zoom factor, or the range it is drawn from (per axis unless keep_ratio)")
        static let translate = Param<(Double, Double)>.spread("translate_percent", within: -1...1, default: (0, 0), "shift as a fraction of the width (x) and height (y), or the range each is drawn from")
        static let rotate = Param<(Double, Double)>.spread("rotate", within: -360...360, default: (0, 0), "angle in degrees (positive counter-clockwise), or the range it is drawn from")
        static let shear = Param<(Double, Double)>.spread("shear", within: -80...80, default: (0, 0), "shear angle in degrees for x and for y, or the range each is drawn from")
        static let keepRatio = Param<Bool>.flag("keep_ratio", default: false, "one scale for both axes")
        static let fill = Param<[UInt8]>.colour("fill", default: [0, 0, 0], "colour of the uncovered pixels")
        static let labelFill = Param<LabelValue>.label("label_fill", default: .ignore, "label value of the uncovered pixels")
        static let p = Param<Double>.probability("p", default: 0.5, "probability of warping")
    }

    let scale: (Double, Double), translate: (Double, Double), rotate: (Double, Double), shear: (Double, Double)
    let keepRatio: Bool
    let fill: [UInt8]
    let labelFill: LabelValue
    let p: Double

    public init(_ args: StageArgs) throws {
        scale = args[Keys.scale]; translate = args[Keys.translate]; rotate = args[Keys.rotate]; shear = args[Keys.shear]
        keepRatio = args[Keys.keepRatio]; fill = args[Keys.fill]; labelFill = args[Keys.labelFill]; p = args[Keys.p]
    }

    public func plan(_ state: inout PlanState) throws {
        try state.requireDecoded()
        try state.checkLabel(labelFill, parameter: "label_fill")
    }

    /// One sample's draw.
    public struct Draw: Sendable, Equatable {
        public var applied: Bool
        public var rotate: Double, scaleX: Double, scaleY: Double, translateX: Double, translateY: Double, shearX: Double, shearY: Double
        public init(applied: Bool = true, rotate: Double = 0, scaleX: Double = 1, scaleY: Double = 1, translateX: Double = 0,
                    translateY: Double = 0, shearX: Double = 0, shearY: Double = 0) {
            self.applied = applied; self.rotate = rotate; self.scaleX = scaleX; self.scaleY = scaleY
            self.translateX = translateX; self.translateY = translateY; self.shearX = shearX; self.shearY = shearY
        }
    }

    public func draw(random: inout SeededRandom) -> Draw {
        guard random.unit() < p else { return Draw(applied: false) }
        var d = Draw()
        d.rotate = random.value(in: rotate)
        d.scaleX = random.value(in: scale)
        d.scaleY = keepRatio ? d.scaleX : random.value(in: scale)
        d.translateX = random.value(in: translate)
        d.translateY = random.value(in: translate)
        d.shearX = random.value(in: shear)
        d.shearY = random.value(in: shear)
        return d
    }

    /// The forward 2x3 matrix of `d` for an image `width` x `height`.
    public static func matrix(_ d: Draw, width: Int, height: Int) -> [Double] {
        let cx = Double(width) / 2 - 0.5, cy = Double(height) / 2 - 0.5
        let a = d.rotate * Double.pi / 180
        let r = [cos(a), sin(a), -sin(a), cos(a)]
        let sh = [1, tan(d.shearX * Double.pi / 180), tan(d.shearY * Double.pi / 180), 1]
        // L = Shear · R · S (2x2, row-major).
        let rs = [r[0] * d.scaleX, r[1] * d.scaleY, r[2] * d.scaleX, r[3] * d.scaleY]
        let l = [sh[0] * rs[0] + sh[1] * rs[2], sh[0] * rs[1] + sh[1] * rs[3], sh[2] * rs[0] + sh[3] * rs[2], sh[2] * rs[1] + sh[3] * rs[3]]
        let tx = cx + d.translateX * Double(width), ty = cy + d.translateY * Double(height)
        return [l[0], l[1], tx - (l[0] * cx + l[1] * cy), l[2], l[3], ty - (l[2] * cx + l[3] * cy)]
    }

    /// Warps image and label of `sample` by `d` (nothing when not applied).
    public func warp(_ sample: inout Sample, _ d: Draw, ignore: Int, labelBytes: Int = 1) {
        guard d.applied else { return }
        let w = sample.image.width, h = sample.image.height
        let inverse = Warp.invert(Self.matrix(d, width: w, height: h))
        let v = labelFill.resolve(ignore: ignore)
        Warp.widenLabel(&sample.label, for: v, labelBytes: labelBytes)
        let border = Warp.fill(fill, channels: sample.image.channels), labelBorder = Warp.labelBytes(v, channels: sample.label.channels)
        if sample.label.width == w, sample.label.height == h {
            (sample.image, sample.label) = Warp.affinePair(image: sample.image, label: sample.label, inverse: inverse, width: w, height: h,
                                                           border: border, labelBorder: labelBorder)
        } else {
            sample.image = Warp.affine(sample.image, inverse: inverse, width: w, height: h, nearest: false, border: border)
            sample.label = Warp.affine(sample.label, inverse: inverse, width: sample.label.width, height: sample.label.height, nearest: true,
                                       border: labelBorder)
        }
    }

    public func apply(_ sample: inout Sample, random: inout SeededRandom, context: StageContext) throws {
        let d = draw(random: &random)
        warp(&sample, d, ignore: context.ignoreIndex, labelBytes: context.labelBytes)
        sample.params["affine_applied"] = d.applied ? 1 : 0
        sample.params["affine_rotate"] = d.rotate
        sample.params["affine_scale_x"] = d.scaleX
        sample.params["affine_scale_y"] = d.scaleY
        sample.params["affine_translate_x"] = d.translateX
        sample.params["affine_translate_y"] = d.translateY
        sample.params["affine_shear_x"] = d.shearX
        sample.params["affine_shear_y"] = d.shearY
    }
}
