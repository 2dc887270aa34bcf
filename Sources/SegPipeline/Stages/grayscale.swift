import SegImage
import SegFormat
/// `grayscale`: mmsegmentation's `RGB2Gray`, stored as three equal 8-bit channels.
public struct GrayscaleStage: Stage {
    public static let declaration = StageDeclaration(
        name: "grayscale",
        summary: "Turn the image grey (a weighted sum of its channels), as mmseg's RGB2Gray, with probability p.",
        details: "With probability `p`, every pixel becomes y = (B·w_b + G·w_g) + R·w_r in float64 (mmseg's sum over its BGR array, in that order), rounded to the nearest integer (ties to even) and clipped to 0..255, written to all three channels. `weights` are [w_r, w_g, w_b] for seg-prep's RGB images; the default is ITU-R 601 luma. mmseg's default (0.299, 0.587, 0.114) meets its channels in BGR order, i.e. weights B by 0.299: write `weights: [0.114, 0.587, 0.299]` to reproduce it. mmseg keeps float values and `out_channels` channels; seg-prep stores 8-bit RGB. Records `grayscale` (1 when applied).",
        label: "Unchanged.",
        random: true,
        parameters: [Keys.weights.info, Keys.p.info])

    enum Keys {
        static let weights = Param<[Double]>.numbers("weights", within: 0...255, default: [0.299, 0.587, 0.114], "[w_r, w_g, w_b]: weights of the red, green and blue channels")
        static let p = Param<Double>.probability("p", default: 0.5, "probability of turning the image grey")
    }

    let weights: [Double]
    let p: Double

    public init(_ args: StageArgs) throws {
        weights = args[Keys.weights]
        p = args[Keys.p]
        if weights.allSatisfy({ $0 == 0 }) {
            throw args.error(Keys.weights, "'grayscale.weights' are all 0, which turns every image black", fix: "give at least one positive weight, e.g. [0.299, 0.587, 0.114]")
        }
    }

    public func plan(_ state: inout PlanState) throws { try state.requireDecoded() }

    /// The grey value of every pixel of an RGB image, in float64, summed as mmseg sums its BGR
    /// array: `(b * wb + g * wg) + r * wr`.
    public static func grey(_ image: Raster, weights w: [Double]) -> [Double] {
        let n = image.width * image.height, c = image.channels
        let (wr, wg, wb) = (w[0], w[1], w[2])
        return image.pixels.withUnsafeBufferPointer { px in
            (0..<n).map { i in
                let r = Double(px[i * c]), g = Double(px[i * c + 1]), b = Double(px[i * c + 2])
                return (b * wb + g * wg) + r * wr
            }
        }
    }

    /// Replaces `image` by its grey value, rounded and clipped, in every channel (the C kernel:
    /// fixed point with a float64 check near halves, or float64 lanes, on the vector paths).
    public static func convert(_ image: inout Raster, weights w: [Double], path: SIMDPath = .current) {
        guard image.channels >= 3, w.count == 3 else { return }
        PixelKernels.grayscale(&image, weights: w, path: path)
    }

    /// The oracle of `convert`: the grey value of every pixel, rounded and clipped, in every channel.
    /// The products come from 256-entry tables of exactly the doubles `Double(v) * w`, so the sums
    /// are `grey`'s.
    public static func convertNaive(_ image: inout Raster, weights w: [Double]) {
        let n = image.width * image.height, c = image.channels
        guard c >= 3, w.count == 3 else { return }
        let tr = (0..<256).map { Double($0) * w[0] }, tg = (0..<256).map { Double($0) * w[1] }, tb = (0..<256).map { Double($0) * w[2] }
        tr.withUnsafeBufferPointer { r in
        tg.withUnsafeBufferPointer { g in
        tb.withUnsafeBufferPointer { b in
            image.pixels.withUnsafeMutableBufferPointer { buffer in
                guard let px = buffer.baseAddress, let r = r.baseAddress, let g = g.baseAddress, let b = b.baseAddress else { return }
                for i in 0..<n {
                    let p = px + i &* c
                    let v = (b[Int(p[2])] + g[Int(p[1])]) + r[Int(p[0])]
                    // Round to nearest even by adding and removing 2^52 (0 <= v <= 3 * 255 * 255), then clip.
                    let byte = UInt8(truncatingIfNeeded: Int(min((v + 0x1p52) - 0x1p52, 255)))
                    p[0] = byte; p[1] = byte; p[2] = byte
                    if c > 3 { for k in 3..<c { p[k] = byte } }
                }
            }
        }
        }
        }
    }

    public func apply(_ sample: inout Sample, random: inout SeededRandom, context: StageContext) throws {
        let on = random.unit() < p
        if on { Self.convert(&sample.image, weights: weights) }
        sample.params["grayscale"] = on ? 1 : 0
    }
}
