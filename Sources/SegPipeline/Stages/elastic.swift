import SegImage
import Foundation
import SegFormat

/// `elastic`: albumentations' `ElasticTransform` (Simard et al.): a smooth random displacement field.
public struct ElasticStage: Stage {
    public static let declaration = StageDeclaration(
        name: "elastic",
        summary: "Deform the sample by a smooth random displacement field with probability p, as albumentations' ElasticTransform.",
        details: "With probability `p` (the coin is drawn first), draws a 53-bit key that seeds the field's own generator (recorded, so a sample's field can be regenerated). From it: one noise field of the output's size per axis (one shared by both with `same_dxdy`), standard normal values divided by the largest magnitude over the fields as albumentations does, or uniform in [−1, 1) with `noise: uniform`, both from seg-prep's counter-based generator (values 0 … n−1 of the key for dx, n … 2n−1 for dy; two rounds of a keyed 32-bit integer hash, Box–Muller with float32 logarithm, square root, sine and cosine written as IEEE operations, so every SIMD path and machine draws the same field; seg-prep 0.3.0 and earlier seeded a SplitMix64 generator with the key and drew Box–Muller normals in double precision, so the shards of pipelines with `elastic` differ from theirs); each field is blurred with a Gaussian of `sigma` pixels over round(8·sigma + 1) (made odd) taps with replicated borders, then multiplied by `alpha` (pixels): dx and dy. Above sigma 8 the fields are made on a grid floor(sigma/4) times coarser (noise, blur by sigma/step, scaled by 1/step so the displacement keeps its statistics) and interpolated bilinearly — a blur that wide leaves nothing finer, and it keeps large sigmas fast. Unlike albumentations, which stacks dx above dy and blurs them as one image (so their rows bleed into each other), each field is blurred on its own, and the noise comes from seg-prep's generator, not numpy's (the blur is float32 sums in tap order, as the plain reference). Output pixel (x, y) reads the input at (x + dx, y + dy) (float32, as numpy builds the maps) with OpenCV's remap, bit-exact: bilinear for the image (floor, row pass first, fused multiply-adds, rounded to nearest even), nearest (ties to even) for the label; outside the image `border: constant` gives `fill` (all channels) and `label_fill`, `border: reflect` mirrors (BORDER_REFLECT_101). Defaults are albumentations' (alpha 1, sigma 50: a gentle deformation of a few hundredths of a pixel; EM recipes use e.g. alpha 30–40, sigma 4–6). The field is computed on the rendered output window only (the stage renders the pending geometry first). Records `elastic_applied`, `elastic_key` and `elastic_max_dx`, `elastic_max_dy` (largest displacement magnitudes in pixels).",
        label: "Deformed like the image with nearest-neighbour sampling (no mixed classes); pixels from outside get `label_fill` (the ignore class by default; albumentations pads masks with 0).",
        random: true,
        parameters: [Keys.alpha.info, Keys.sigma.info, Keys.noise.info, Keys.sameDxDy.info, Keys.border.info, Keys.fill.info,
                     Keys.labelFill.info, Keys.p.info])

    enum Keys {
        static let alpha = Param<Double>.number("alpha", in: 0...10000, default: 1, "scale of the displacement in pixels")
        static let sigma = Param<Double>.number("sigma", in: 0.1...200, default: 50, "smoothness: sigma of the Gaussian blurring the noise, in pixels")
        static let noise = Param<String>.word("noise", choices: ["gaussian", "uniform"], default: "gaussian", "distribution of the noise before blurring")
        static let sameDxDy = Param<Bool>.flag("same_dxdy", default: false, "one field for both x and y")
        static let border = Param<String>.word("border", choices: ["constant", "reflect"], default: "constant", "what pixels from outside the image take: `fill`/`label_fill`, or the mirrored image (BORDER_REFLECT_101)")
        static let fill = Param<[UInt8]>.colour("fill", default: [0, 0, 0], "colour of pixels from outside the image (border constant)")
        static let labelFill = Param<LabelValue>.label("label_fill", default: .ignore, "label value of pixels from outside the image (border constant)")
        static let p = Param<Double>.probability("p", default: 0.5, "probability of deforming")
    }

    let alpha: Double, sigma: Double
    let uniform: Bool, sameDxDy: Bool, reflect: Bool
    let fill: [UInt8]
    let labelFill: LabelValue
    let p: Double

    public init(_ args: StageArgs) throws {
        alpha = args[Keys.alpha]; sigma = args[Keys.sigma]
        uniform = args[Keys.noise] == "uniform"; sameDxDy = args[Keys.sameDxDy]; reflect = args[Keys.border] == "reflect"
        fill = args[Keys.fill]; labelFill = args[Keys.labelFill]; p = args[Keys.p]
    }

    public func plan(_ state: inout PlanState) throws {
        try state.requireDecoded()
        try state.checkLabel(labelFill, parameter: "label_fill")
    }

    /// The coin and the key of the field's generator (nil: not applied).
    public func draw(random: inout SeededRandom) -> UInt64? {
        guard random.unit() < p else { return nil }
        return random.next() >> 11
    }

    /// The displacement fields (dx, dy) of one sample, `width` x `height`, from its key. Above
    /// sigma 8 the fields are made on a grid `step` = floor(sigma / 4) times coarser (blurred with
    /// sigma / step, scaled by 1 / step so the displacement keeps its statistics) and interpolated
    /// bilinearly: a blur that wide leaves nothing the coarse grid cannot carry. The noise of dx is
    /// values 0 ..< n of the key's counter-based generator (CPixelKernels' Normals.h), that of dy
    /// values n ..< 2n; every step is C whose paths give the same bits.
    public func fields(key: UInt64, width: Int, height: Int, path: SIMDPath = .current) -> (dx: [Float], dy: [Float]) {
        guard width > 0, height > 0 else { return ([], []) }
        let step = sigma > 8 ? max(Int(sigma / 4), 1) : 1
        let cw = step == 1 ? width : (width - 1) / step + 2, ch = step == 1 ? height : (height - 1) / step + 2
        let n = cw * ch, count = sameDxDy ? 1 : 2
        var noise = uniform ? PixelKernels.uniforms(count: count * n, key: key, path: path)
                            : PixelKernels.normals(count: count * n, key: key, path: path)
        if !uniform {
            let m = PixelKernels.maxAbs(noise, path: path)
            if m > 1e-6 { PixelKernels.divide(&noise, by: m, path: path) }
        }
        let taps = Self.kernel(sigma: sigma / Double(step)), a = Float(alpha / Double(step))
        let dx = PixelKernels.gaussBlur(noise, offset: 0, width: cw, height: ch, kernel: taps, scale: a, path: path)
        var dy = dx
        if count == 2 {
            // dy over the first half of the noise (whose values dx holds now): no third field-sized array.
            PixelKernels.gaussBlur(&noise, from: n, to: 0, width: cw, height: ch, kernel: taps, scale: a, path: path)
            noise.removeLast(n)
            dy = noise
        }
        guard step > 1 else { return (dx, dy) }
        let up = { (f: [Float]) in PixelKernels.upsample(f, width: cw, height: ch, step: step, toWidth: width, toHeight: height, path: path) }
        let upX = up(dx)
        return (upX, count == 2 ? up(dy) : upX)
    }

    /// A coarse field (grid points every `step` pixels) interpolated bilinearly to `toWidth` x
    /// `toHeight`, in plain Swift: the oracle of `PixelKernels.upsample`.
    static func upsampleReference(_ c: [Float], width cw: Int, height ch: Int, step: Int, toWidth w: Int, toHeight h: Int) -> [Float] {
        var out = [Float](repeating: 0, count: w * h)
        guard c.count == cw * ch, (w - 1) / step + 1 < cw, (h - 1) / step + 1 < ch else { return out }
        let inv = 1 / Float(step)
        c.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<h {
                    let iy = y / step, ty = Float(y % step) * inv
                    let r0 = iy * cw, r1 = r0 + cw
                    for x in 0..<w {
                        let ix = x / step, tx = Float(x % step) * inv
                        let top = src[r0 + ix] + (src[r0 + ix + 1] - src[r0 + ix]) * tx
                        let bottom = src[r1 + ix] + (src[r1 + ix + 1] - src[r1 + ix]) * tx
                        dst[y * w + x] = top + (bottom - top) * ty
                    }
                }
            }
        }
        return out
    }

    /// The float taps of a Gaussian of `sigma`: round(8·sigma + 1) of them, made odd, normalised.
    static func kernel(sigma: Double) -> [Float] {
        var size = Int((8 * sigma + 1).rounded())
        if size % 2 == 0 { size += 1 }
        let r = size / 2
        let k = (-r...r).map { exp(-0.5 * Double($0 * $0) / (sigma * sigma)) }
        let total = k.reduce(0, +)
        return k.map { Float($0 / total) }
    }

    /// A separable Gaussian blur of a float field (replicated borders), in C.
    static func gaussianBlur(_ field: [Float], width w: Int, height h: Int, sigma: Double, path: SIMDPath = .current) -> [Float] {
        PixelKernels.gaussBlur(field, width: w, height: h, kernel: kernel(sigma: sigma), path: path)
    }

    /// The same blur in plain Swift: the oracle the C kernel is tested against.
    static func gaussianBlurReference(_ field: [Float], width w: Int, height h: Int, sigma: Double) -> [Float] {
        let kf = kernel(sigma: sigma), size = kf.count, r = size / 2
        var rows = [Float](repeating: 0, count: w * h), out = rows
        let xs = (-r..<(w + r)).map { min(max($0, 0), w - 1) }, ys = (-r..<(h + r)).map { min(max($0, 0), h - 1) }
        field.withUnsafeBufferPointer { src in
            rows.withUnsafeMutableBufferPointer { dst in
                for y in 0..<h {
                    let row = y * w
                    for x in 0..<w {
                        var s: Float = 0
                        for t in 0..<size { s += src[row + xs[x + t]] * kf[t] }
                        dst[row + x] = s
                    }
                }
            }
        }
        rows.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                var acc = [Float](repeating: 0, count: w)
                for y in 0..<h {
                    for x in 0..<w { acc[x] = 0 }
                    for t in 0..<size {
                        let row = ys[y + t] * w, kt = kf[t]
                        for x in 0..<w { acc[x] += src[row + x] * kt }
                    }
                    for x in 0..<w { dst[y * w + x] = acc[x] }
                }
            }
        }
        return out
    }

    /// The remap maps of displacement fields as numpy builds them: f32(float64(x) + dx), likewise y (C).
    public static func maps(dx: [Float], dy: [Float], width: Int, height: Int, path: SIMDPath = .current) -> (x: [Float], y: [Float]) {
        guard dx.count == width * height, dy.count == dx.count else { return ([], []) }
        var x = dx, y = dy
        PixelKernels.elasticMaps(&x, &y, width: width, height: height, path: path)
        return (x, y)
    }

    /// The same maps in plain Swift: the oracle of `maps`.
    static func mapsReference(dx: [Float], dy: [Float], width: Int, height: Int) -> (x: [Float], y: [Float]) {
        guard dx.count == width * height, dy.count == dx.count else { return ([], []) }
        var mx = [Float](repeating: 0, count: dx.count), my = mx
        for y in 0..<height {
            for x in 0..<width {
                let i = y * width + x
                mx[i] = Float(Double(x) + Double(dx[i]))
                my[i] = Float(Double(y) + Double(dy[i]))
            }
        }
        return (mx, my)
    }

    /// Image and label of `sample` resampled at the maps; `imageBorder` replaces `fill` (one byte
    /// per image channel) and `labelBorder` the label fill (parity tests pass the reference's).
    public func deform(_ sample: inout Sample, mapX: [Float], mapY: [Float], ignore: Int, labelBytes: Int = 1,
                       imageBorder: [UInt8]? = nil, labelBorder: Int? = nil) {
        sample.image = Warp.remap(sample.image, mapX: mapX, mapY: mapY, nearest: false, reflect: reflect,
                                  border: imageBorder ?? Warp.fill(fill, channels: sample.image.channels))
        let v = labelBorder ?? labelFill.resolve(ignore: ignore)
        Warp.widenLabel(&sample.label, for: v, labelBytes: labelBytes)
        sample.label = Warp.remap(sample.label, mapX: mapX, mapY: mapY, nearest: true, reflect: reflect,
                                  border: Warp.labelBytes(v, channels: sample.label.channels))
    }

    public func apply(_ sample: inout Sample, random: inout SeededRandom, context: StageContext) throws {
        let key = draw(random: &random)
        sample.params["elastic_applied"] = key == nil ? 0 : 1
        sample.params["elastic_key"] = key.map(Double.init) ?? 0
        guard let key else { sample.params["elastic_max_dx"] = 0; sample.params["elastic_max_dy"] = 0; return }
        let w = sample.image.width, h = sample.image.height
        var (mx, my) = fields(key: key, width: w, height: h)
        sample.params["elastic_max_dx"] = Double(PixelKernels.maxAbs(mx))
        sample.params["elastic_max_dy"] = Double(PixelKernels.maxAbs(my))
        PixelKernels.elasticMaps(&mx, &my, width: w, height: h)         // the fields become the maps in place
        deform(&sample, mapX: mx, mapY: my, ignore: context.ignoreIndex, labelBytes: context.labelBytes)
    }
}
