import SegImage
import Foundation
import SegFormat

/// `blur`: albumentations' `GaussianBlur`, with OpenCV's float `sepFilter2D` reproduced bit for bit.
public struct BlurStage: Stage {
    public static let declaration = StageDeclaration(
        name: "blur",
        summary: "Gaussian blur with a random sigma, as albumentations' GaussianBlur (OpenCV's sepFilter2D, bit-exact).",
        details: "With probability `p`, draws sigma uniformly in `sigma` and the kernel size uniformly among the integers of `kernel_size` (0: from sigma, int(3.5·sigma)·2 + 1; an even size is made odd by adding 1). The kernel is exp(−x²/2σ²) over x = −size/2 … size/2, normalised in float64 (numpy's pairwise sum), then rounded to float32 for OpenCV's separable float filter: a row pass of fused multiply-adds left to right, a column pass adding symmetric rows first, borders reflected (BORDER_REFLECT_101), the result rounded to nearest even and clipped. Records `blur_sigma` and `blur_kernel` (0 and 1 when not applied).",
        label: "Unchanged.",
        random: true,
        parameters: [Keys.sigma.info, Keys.kernelSize.info, Keys.p.info])

    enum Keys {
        static let sigma = Param<(Double, Double)>.range("sigma", within: 0.01...50, default: (0.5, 3.0), "sigma in pixels, or the range it is drawn from")
        static let kernelSize = Param<(Double, Double)>.range("kernel_size", within: 0...255, integer: true, default: (0, 0), "kernel size in pixels, or the range it is drawn from (0: computed from sigma)")
        static let p = Param<Double>.probability("p", default: 0.5, "probability of blurring")
    }

    let sigma: (Double, Double)
    let kernelSize: (Int, Int)
    let p: Double

    public init(_ args: StageArgs) throws {
        sigma = args[Keys.sigma]
        let k = args[Keys.kernelSize]
        kernelSize = (Int(k.0), Int(k.1))
        p = args[Keys.p]
        if kernelSize.0 == 0 && kernelSize.1 > 0 {
            throw args.error(Keys.kernelSize, "'blur.kernel_size' is [0, \(kernelSize.1)], mixing 'from sigma' (0) with fixed sizes",
                             fix: "give 0 alone (size from sigma) or a range of sizes from 1, e.g. [3, 7]")
        }
    }

    public func plan(_ state: inout PlanState) throws { try state.requireDecoded() }

    /// albumentations' kernel size for `sigma` and a drawn `size` (0: from sigma), always odd.
    public static func size(sigma: Double, drawn: Int) -> Int {
        var size = drawn == 0 ? Int(sigma * 3.5) * 2 + 1 : drawn
        if size % 2 == 0 { size += 1 }
        return size
    }

    /// numpy's pairwise sum of float64 values (blocks of 8 accumulators, as `np.sum`).
    static func pairwiseSum(_ a: ArraySlice<Double>) -> Double {
        let n = a.count, s = a.startIndex
        if n < 8 {
            var r = 0.0
            for v in a { r += v }
            return r
        }
        if n <= 128 {
            var r = (0..<8).map { a[s + $0] }
            var i = 8
            while i < n - n % 8 {
                for k in 0..<8 { r[k] += a[s + i + k] }
                i += 8
            }
            var res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
            while i < n { res += a[s + i]; i += 1 }
            return res
        }
        var half = n / 2
        half -= half % 8
        return pairwiseSum(a[s..<(s + half)]) + pairwiseSum(a[(s + half)...])
    }

    /// albumentations' normalised Gaussian kernel of `size` taps, in float64.
    public static func kernel(sigma: Double, size: Int) -> [Double] {
        let r = size / 2
        let k = (-r...r).map { x -> Double in
            let t = Double(x) / sigma
            return exp(-0.5 * (t * t))
        }
        let sum = pairwiseSum(k[...])
        return k.map { $0 / sum }
    }

    /// OpenCV's `sepFilter2D(image, -1, k, k)` on uint8 with a symmetric float kernel (float path).
    public static func filter(_ image: inout Raster, kernel: [Double], path: SIMDPath = .current) {
        let k32 = kernel.map { Float($0) }
        if k32 == [1] { return }
        PixelKernels.sepFilter(&image, kernel: k32, path: path)
    }

    public func apply(_ sample: inout Sample, random: inout SeededRandom, context: StageContext) throws {
        guard random.unit() < p else {
            sample.params["blur_sigma"] = 0
            sample.params["blur_kernel"] = 1
            return
        }
        let s = random.value(in: sigma)
        let size = Self.size(sigma: s, drawn: random.integer(in: kernelSize))
        Self.filter(&sample.image, kernel: Self.kernel(sigma: s, size: size))
        sample.params["blur_sigma"] = s
        sample.params["blur_kernel"] = Double(size)
    }
}
