import SegImage
import Foundation

/// `noise`: albumentations' `GaussNoise`: additive Gaussian noise, truncated toward zero.
public struct NoiseStage: Stage {
    public static let declaration = StageDeclaration(
        name: "noise",
        summary: "Additive Gaussian noise with a random standard deviation, as albumentations' GaussNoise.",
        details: "With probability `p`, draws sigma uniformly in `std` and the mean uniformly in `mean` (both as fractions of 255), then one standard normal z per pixel and channel (per pixel with `per_channel: false`, the same value in every channel) by the polar form of the Box–Muller transform (Marsaglia) from the sample's own generator (albumentations uses OpenCV's randn: the same distribution, other numbers). As albumentations: noise = float32(float32(mean) + float32(sigma)·z) · 255 in float32, and out = clip(in + trunc(noise), 0, 255) (albucore truncates the noise toward zero before adding). Records `noise_std` and `noise_mean` (0 when not applied).",
        label: "Unchanged.",
        random: true,
        parameters: [Keys.std.info, Keys.mean.info, Keys.perChannel.info, Keys.p.info])

    enum Keys {
        static let std = Param<(Double, Double)>.range("std", within: 0...1, default: (0.2, 0.44), "standard deviation as a fraction of 255, or the range it is drawn from")
        static let mean = Param<(Double, Double)>.range("mean", within: -1...1, default: (0, 0), "mean as a fraction of 255, or the range it is drawn from")
        static let perChannel = Param<Bool>.flag("per_channel", default: true, "draw the noise of each channel separately")
        static let p = Param<Double>.probability("p", default: 0.5, "probability of adding noise")
    }

    let std: (Double, Double), mean: (Double, Double)
    let perChannel: Bool
    let p: Double

    public init(_ args: StageArgs) throws {
        std = args[Keys.std]
        mean = args[Keys.mean]
        perChannel = args[Keys.perChannel]
        p = args[Keys.p]
    }

    public func plan(_ state: inout PlanState) throws { try state.requireDecoded() }

    /// Two independent standard normal values: the polar form of the Box–Muller transform
    /// (Marsaglia), from one 64-bit draw per attempt (two 32-bit uniforms in (−1, 1)).
    @inline(__always)
    static func pair(_ random: inout SeededRandom) -> (Double, Double) {
        while true {
            let bits = random.next()
            let u = Double(UInt32(truncatingIfNeeded: bits)) * 0x1p-31 - 1
            let v = Double(UInt32(truncatingIfNeeded: bits >> 32)) * 0x1p-31 - 1
            let s = u * u + v * v
            if s > 0 && s < 1 {
                let f = (-2 * log(s) / s).squareRoot()
                return (u * f, v * f)
            }
        }
    }

    /// `count` standard normal values, in the order `apply` uses them.
    static func normals(_ count: Int, random: inout SeededRandom) -> [Double] {
        var out = [Double](repeating: 0, count: count)
        var i = 0
        while i < count {
            let (a, b) = pair(&random)
            out[i] = a
            if i + 1 < count { out[i + 1] = b }
            i += 2
        }
        return out
    }

    /// albumentations' noise map from standard normals: float32(float64(f32(mean)) + f32(sigma) · z) · 255.
    static func noiseMap(_ z: [Double], sigma: Double, mean: Double) -> [Float] {
        let m = Double(Float(mean)), s = Double(Float(sigma))
        return z.map { Float(m + s * $0) * 255 }
    }

    /// Adds fresh noise to `image` as `add(image, noise: noiseMap(normals(…)))` would, without the arrays.
    static func addDrawn(_ image: inout Raster, sigma: Double, mean: Double, perChannel: Bool, random: inout SeededRandom) {
        let c = image.channels, n = image.width * image.height
        let m = Double(Float(mean)), sd = Double(Float(sigma))
        /// clip(byte + trunc(noise of z), 0, 255).
        @inline(__always) func noisy(_ byte: UInt8, _ z: Double) -> UInt8 {
            let t = min(max(Float(m + sd * z) * 255, -256), 256)
            return UInt8(clamping: Int32(byte) &+ Int32(t))          // Int32(t) truncates toward zero
        }
        image.pixels.withUnsafeMutableBufferPointer { buffer in
            guard let px = buffer.baseAddress else { return }
            let count = perChannel ? n &* c : n
            var i = 0
            while i < count {
                let (a, b) = pair(&random)
                if perChannel {
                    px[i] = noisy(px[i], a)
                    if i &+ 1 < count { px[i &+ 1] = noisy(px[i &+ 1], b) }
                } else {
                    for k in 0..<c { px[i &* c &+ k] = noisy(px[i &* c &+ k], a) }
                    if i &+ 1 < count { for k in 0..<c { px[(i &+ 1) &* c &+ k] = noisy(px[(i &+ 1) &* c &+ k], b) } }
                }
                i &+= 2
            }
        }
    }

    /// Adds `noise` (one value per element, or per pixel when it has one value per pixel) to `image`:
    /// clip(in + trunc(noise), 0, 255).
    public static func add(_ image: inout Raster, noise: [Float]) {
        let c = image.channels, n = image.width * image.height
        let perChannel = noise.count == n * c
        guard perChannel || noise.count == n else { return }
        image.pixels.withUnsafeMutableBufferPointer { px in
            noise.withUnsafeBufferPointer { z in
                for i in 0..<n {
                    for k in 0..<c {
                        let v = z[perChannel ? i * c + k : i]
                        let t = v.rounded(.towardZero)
                        let sum = Float(px[i * c + k]) + min(max(t, -256), 256)
                        px[i * c + k] = UInt8(min(max(sum, 0), 255))
                    }
                }
            }
        }
    }

    public func apply(_ sample: inout Sample, random: inout SeededRandom, context: StageContext) throws {
        guard random.unit() < p else {
            sample.params["noise_std"] = 0
            sample.params["noise_mean"] = 0
            return
        }
        let sigma = random.value(in: std), mu = random.value(in: mean)
        Self.addDrawn(&sample.image, sigma: sigma, mean: mu, perChannel: perChannel, random: &random)
        sample.params["noise_std"] = sigma
        sample.params["noise_mean"] = mu
    }
}
