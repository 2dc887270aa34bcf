import SegImage
import Foundation
import SegFormat

/// `noise`: albumentations' `GaussNoise`: additive Gaussian noise, truncated toward zero.
public struct NoiseStage: Stage {
    public static let declaration = StageDeclaration(
        name: "noise",
        summary: "Additive Gaussian noise with a random standard deviation, as albumentations' GaussNoise.",
        details: "With probability `p`, draws sigma uniformly in `std` and the mean uniformly in `mean` (both as fractions of 255) and a 53-bit key, then one standard normal z per pixel and channel (per pixel with `per_channel: false`, the same value in every channel): normal number i of the key from seg-prep's counter-based generator (two rounds of a keyed 32-bit integer hash, Box–Muller with float32 logarithm, square root, sine and cosine written as IEEE operations, so every SIMD path and machine draws the same values; albumentations uses OpenCV's randn: the same distribution, other numbers; seg-prep 0.3.0 and earlier drew them by the polar Box–Muller method from the sample's generator, so the shards of pipelines with `noise` differ from theirs). As albumentations: noise = float32(float32(mean) + float32(sigma)·z) · 255 in float32 (the sum rounded once: a fused multiply-add), and out = clip(in + trunc(noise), 0, 255) (albucore truncates the noise toward zero before adding). Records `noise_std`, `noise_mean` and `noise_key` (0 when not applied).",
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

    /// `count` standard normal values of `key`, in the order `apply` uses them (the keyed
    /// counter-based generator of CPixelKernels' Normals.h: the same on every path and machine).
    static func normals(_ count: Int, key: UInt64, path: SIMDPath = .current) -> [Float] {
        PixelKernels.normals(count: count, key: key, path: path)
    }

    /// albumentations' noise map from standard normals: float32(fma(f32(sigma), z, f32(mean))) · 255.
    static func noiseMap(_ z: [Float], sigma: Double, mean: Double) -> [Float] {
        let m = Float(mean), s = Float(sigma)
        return z.map { m.addingProduct(s, $0) * 255 }
    }

    /// Adds the noise of `key` to `image` as `add(image, noise: noiseMap(normals(…)))` would, in one
    /// pass without the arrays (C: draw, scale, truncate and add per element).
    static func addDrawn(_ image: inout Raster, sigma: Double, mean: Double, perChannel: Bool, key: UInt64, path: SIMDPath = .current) {
        PixelKernels.gaussNoise(&image, mean: Float(mean), sigma: Float(sigma), perChannel: perChannel, key: key, path: path)
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
            sample.params["noise_key"] = 0
            return
        }
        let sigma = random.value(in: std), mu = random.value(in: mean)
        let key = random.next() >> 11                 // 53 bits: recorded exactly as a double
        Self.addDrawn(&sample.image, sigma: sigma, mean: mu, perChannel: perChannel, key: key)
        sample.params["noise_std"] = sigma
        sample.params["noise_mean"] = mu
        sample.params["noise_key"] = Double(key)
    }
}
