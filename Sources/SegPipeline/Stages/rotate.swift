import SegImage
import Foundation

/// `rotate`: mmsegmentation's `RandomRotate` (mmcv.imrotate = cv2.warpAffine, pip OpenCV's IPP path, bit-exact).
public struct RotateStage: Stage {
    public static let declaration = StageDeclaration(
        name: "rotate",
        summary: "Rotate the sample by a random angle with probability p, as mmseg's RandomRotate (cv2.warpAffine, bit-exact).",
        details: "Draws u uniform in [0, 1) and an angle uniformly in `degree` (always both, mmseg's order); when u < `p` the image is turned by the angle about `center` (default the image centre ((w−1)/2, (h−1)/2)); a positive angle turns clockwise, as mmcv.imrotate. The matrix is OpenCV's getRotationMatrix2D(center, −angle, 1), inverted in double as warpAffine does; the image is resampled bilinearly as pip OpenCV's warpAffine computes it for 8-bit images (its IPP path: source coordinates in double, rounded to float32, the column pass first with fused multiply-adds, rounded to nearest even), the label by nearest neighbour (floor(s + 0.5)). Pixels that come from outside the image take `fill` on every channel (seg-prep's default; OpenCV fills a scalar into the first channel only) and `label_fill` in the label. `expand: true` (mmseg's auto_bound) grows the output to hold the whole rotated image, new width h·|sin| + w·|cos| rounded half to even; the size then differs per sample, so it is refused after a stage that fixes the output size — put rotate with `expand` before the stage that fixes it (letterbox, random_resize + place, or random_crop + pad). Defaults: `degree` 10 (mmseg has no default; albumentations' Rotate uses 90), `p` 0.5. Renders the pending geometry first and warps the rendered pixels. Records `rotate_angle` (the drawn angle) and `rotate_applied` (1 when rotated).",
        label: "Rotated like the image with nearest-neighbour sampling (no mixed classes); uncovered pixels get `label_fill` (the ignore class by default).",
        random: true,
        parameters: [Keys.degree.info, Keys.p.info, Keys.fill.info, Keys.labelFill.info, Keys.center.info, Keys.expand.info])

    enum Keys {
        static let degree = Param<(Double, Double)>.spread("degree", within: -360...360, default: (-10, 10), "angle in degrees (positive clockwise), or the range it is drawn from")
        static let p = Param<Double>.probability("p", default: 0.5, "probability of rotating (mmseg's prob)")
        static let fill = Param<[UInt8]>.colour("fill", default: [0, 0, 0], "colour of the pixels uncovered by the rotation (mmseg's pad_val)")
        static let labelFill = Param<LabelValue>.label("label_fill", default: .ignore, "label value of the uncovered pixels (mmseg's seg_pad_val)")
        static let center = Param<(Double, Double)?>.point("center", within: -65536...65536, "centre of rotation [x, y] in pixels (default the image centre)")
        static let expand = Param<Bool>.flag("expand", default: false, "grow the output to hold the whole rotated image (mmseg's auto_bound)")
    }

    let degree: (Double, Double)
    let p: Double
    let fill: [UInt8]
    let labelFill: LabelValue
    let center: (x: Double, y: Double)?
    let expand: Bool

    public init(_ args: StageArgs) throws {
        degree = args[Keys.degree]
        p = args[Keys.p]
        fill = args[Keys.fill]
        labelFill = args[Keys.labelFill]
        expand = args[Keys.expand]
        if let xy = args[Keys.center] {
            center = (xy.0, xy.1)
            if expand {
                throw args.error(Keys.expand, "'rotate' has both 'center' and 'expand: true' (mmseg's auto_bound needs the image centre)", fix: "remove `center` or `expand`")
            }
        } else {
            center = nil
        }
    }

    public func plan(_ state: inout PlanState) throws {
        try state.requireDecoded()
        try state.checkLabel(labelFill, parameter: "label_fill")
        guard expand else { return }
        if let s = state.size {
            throw state.fail("'rotate' with 'expand: true' changes each sample's size with its angle, but the output size is already fixed at \(s.height)x\(s.width)",
                             fix: "put rotate before the stage that fixes the output size (letterbox, random_resize + place, random_crop + pad), or remove `expand`", parameter: "expand")
        }
        if let b = state.bound {
            // Any rotation of an h x w window fits in a square of its diagonal.
            let d = Int((Double(b.height * b.height + b.width * b.width)).squareRoot().rounded(.up)) + 1
            state.bound = (d, d)
        }
    }

    /// What one sample draws: the coin and the angle (mmseg draws the angle even when not rotating).
    public struct Draw: Sendable, Equatable {
        public var applied: Bool
        public var angle: Double
        public init(applied: Bool, angle: Double) { self.applied = applied; self.angle = angle }
    }

    public func draw(random: inout SeededRandom) -> Draw {
        let u = random.unit()
        let angle = random.uniform(degree.0, degree.1)
        return Draw(applied: u < p, angle: angle)
    }

    /// mmcv.imrotate's forward matrix and output size for an image `width` x `height`: the matrix of
    /// cv2.getRotationMatrix2D(center, -angle, 1) (centre as float32, cv::Point2f), moved and the
    /// size grown when `expand` (auto_bound).
    public static func matrix(angle: Double, width: Int, height: Int, center: (x: Double, y: Double)? = nil,
                              expand: Bool = false) -> (m: [Double], width: Int, height: Int) {
        let cx = Double(Float(center?.x ?? Double(width - 1) * 0.5)), cy = Double(Float(center?.y ?? Double(height - 1) * 0.5))
        let a = -angle * (Double.pi / 180)
        let alpha = cos(a), beta = sin(a)
        var m = [alpha, beta, (1 - alpha) * cx - beta * cy, -beta, alpha, beta * cx + (1 - alpha) * cy]
        var w = width, h = height
        if expand {
            let c = abs(m[0]), s = abs(m[1])
            let nw = Double(height) * s + Double(width) * c, nh = Double(height) * c + Double(width) * s
            m[2] += (nw - Double(width)) * 0.5
            m[5] += (nh - Double(height)) * 0.5
            w = Int(exactly: nw.rounded(.toNearestOrEven)) ?? width
            h = Int(exactly: nh.rounded(.toNearestOrEven)) ?? height
        }
        return (m, w, h)
    }

    /// Turns image and label of `sample` as drawn; `imageBorder` replaces `fill` (one byte per
    /// image channel; the parity tests pass OpenCV's first-channel-only scalar this way).
    public func rotate(_ sample: inout Sample, _ d: Draw, ignore: Int, labelBytes: Int = 1, imageBorder: [UInt8]? = nil) {
        guard d.applied else { return }
        let g = Self.matrix(angle: d.angle, width: sample.image.width, height: sample.image.height, center: center, expand: expand)
        let inverse = Warp.invert(g.m)
        let border = imageBorder ?? Warp.fill(fill, channels: sample.image.channels)
        let v = labelFill.resolve(ignore: ignore)
        Warp.widenLabel(&sample.label, for: v, labelBytes: labelBytes)
        (sample.image, sample.label) = Warp.affinePair(image: sample.image, label: sample.label, inverse: inverse, width: g.width, height: g.height,
                                                       border: border, labelBorder: Warp.labelBytes(v, channels: sample.label.channels))
    }

    public func apply(_ sample: inout Sample, random: inout SeededRandom, context: StageContext) throws {
        let d = draw(random: &random)
        rotate(&sample, d, ignore: context.ignoreIndex, labelBytes: context.labelBytes)
        sample.params["rotate_angle"] = d.angle
        sample.params["rotate_applied"] = d.applied ? 1 : 0
    }
}

/// The resampling shared by `rotate`, `affine` and `elastic`: OpenCV's warpAffine (IPP path) and
/// remap on 8-bit rasters of any pixel width (the C kernels of `PixelKernels`).
public enum Warp {
    /// The inverse of a forward 2x3 matrix as cv2.warpAffine computes it (double).
    public static func invert(_ m: [Double]) -> [Double] {
        guard m.count == 6 else { return [1, 0, 0, 0, 1, 0] }
        return PixelKernels.invertAffine(m)
    }

    /// `r` warped onto a `width` x `height` raster: output (x, y) reads `r` at `inverse` · (x, y, 1);
    /// bilinear (IPP's rounding) or nearest; `border` (one byte per channel) outside.
    public static func affine(_ r: Raster, inverse: [Double], width: Int, height: Int, nearest: Bool, border: [UInt8]) -> Raster {
        let c = r.channels, count = max(width, 0) * max(height, 0) * c
        guard inverse.count == 6, border.count == c, count > 0 else {
            return Raster(width: max(width, 0), height: max(height, 0), fill: border.count == c ? border : [UInt8](repeating: 0, count: c))
        }
        return Raster(width: width, height: height, channels: c,
                      pixels: PixelKernels.warpAffine(r, inverse: inverse, width: width, height: height, nearest: nearest, border: border))
    }

    /// `image` warped bilinearly with `border` and `label` by nearest neighbour with `labelBorder`,
    /// as two `affine` calls give them, in one pass when both have the same size (the source
    /// coordinates computed once per pixel).
    public static func affinePair(image: Raster, label: Raster, inverse: [Double], width: Int, height: Int, border: [UInt8],
                                  labelBorder: [UInt8]) -> (image: Raster, label: Raster) {
        guard image.width == label.width, image.height == label.height, !image.pixels.isEmpty, !label.pixels.isEmpty,
              inverse.count == 6, border.count == image.channels, labelBorder.count == label.channels, width > 0, height > 0 else {
            return (affine(image, inverse: inverse, width: width, height: height, nearest: false, border: border),
                    affine(label, inverse: inverse, width: width, height: height, nearest: true, border: labelBorder))
        }
        let p = PixelKernels.warpAffinePair(image: image, label: label, inverse: inverse, width: width, height: height, border: border,
                                            labelBorder: labelBorder)
        return (Raster(width: width, height: height, channels: image.channels, pixels: p.image),
                Raster(width: width, height: height, channels: label.channels, pixels: p.label))
    }

    /// `r` resampled at (`mapX`, `mapY`) per output pixel (same size as `r`), as cv2.remap:
    /// bilinear or nearest, border constant (`border`) or reflected (BORDER_REFLECT_101).
    public static func remap(_ r: Raster, mapX: [Float], mapY: [Float], nearest: Bool, reflect: Bool, border: [UInt8]) -> Raster {
        guard mapX.count == r.width * r.height, mapY.count == mapX.count, border.count == r.channels, !r.pixels.isEmpty else { return r }
        return Raster(width: r.width, height: r.height, channels: r.channels,
                      pixels: PixelKernels.remap(r, mapX: mapX, mapY: mapY, nearest: nearest, reflect: reflect, border: border))
    }

    /// `fill` for an image of `channels` channels (a grey image takes the first value).
    static func fill(_ fill: [UInt8], channels: Int) -> [UInt8] {
        channels == fill.count ? fill : [UInt8](repeating: fill.first ?? 0, count: channels)
    }

    /// Label value `v` as the bytes of one pixel of a `channels`-byte label.
    static func labelBytes(_ v: Int, channels: Int) -> [UInt8] {
        channels == 1 ? [UInt8(truncatingIfNeeded: v)] : Raster.littleEndian(v) + [UInt8](repeating: 0, count: max(channels - 2, 0))
    }

    /// Widens `label` to 16 bits when the pipeline stores them or `v` needs them.
    static func widenLabel(_ label: inout Raster, for v: Int, labelBytes: Int) {
        let bytes = max(label.channels, labelBytes, v > 255 ? 2 : 1)
        if bytes != label.channels, let wide = label.label(bytes: bytes) { label = wide }
    }
}
