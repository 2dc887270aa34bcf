import Foundation

/// `noise`: albumentations' `GaussNoise`: additive Gaussian noise, truncated toward zero.
public struct NoiseStage: Stage {
    public static let declaration = StageDeclaration(
        name: "noise",
        summary: "Additive Gaussian noise with a random standard deviation, as albumentations' GaussNoise.",
        details: "With probability `p`, draws sigma uniformly in `std` and the mean uniformly in `mean` (both as fractions of 255), then one standard normal z per pixel and channel (per pixel with `per_channel: false`, the same value in every channel) by the Box–Muller transform from the sample's own generator (albumentations uses OpenCV's randn: the same distribution, other numbers). As albumentations: noise = float32(float32(mean) + float32(sigma)·z) · 255 in float32, and out = clip(in + trunc(noise), 0, 255) (albucore truncates the noise toward zero before adding). Records `noise_std` and `noise_mean` (0 when not applied).",
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

    /// `count` standard normal values by the Box–Muller transform (pairs from two uniforms).
    static func normals(_ count: Int, random: inout SeededRandom) -> [Double] {
        var out = [Double](repeating: 0, count: count)
        var i = 0
        while i < count {
            let u1 = 1 - random.unit(), u2 = random.unit()
            let radius = (-2 * log(u1)).squareRoot(), angle = 2 * Double.pi * u2
            out[i] = radius * cos(angle)
            if i + 1 < count { out[i + 1] = radius * sin(angle) }
            i += 2
        }
        return out
    }

    /// albumentations' noise map from standard normals: float32(float64(f32(mean)) + f32(sigma) · z) · 255.
    static func noiseMap(_ z: [Double], sigma: Double, mean: Double) -> [Float] {
        let m = Double(Float(mean)), s = Double(Float(sigma))
        return z.map { Float(m + s * $0) * 255 }
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
        let sigma = std.0 == std.1 ? std.0 : random.uniform(std.0, std.1)
        let mu = mean.0 == mean.1 ? mean.0 : random.uniform(mean.0, mean.1)
        let n = sample.image.width * sample.image.height * (perChannel ? sample.image.channels : 1)
        Self.add(&sample.image, noise: Self.noiseMap(Self.normals(n, random: &random), sigma: sigma, mean: mu))
        sample.params["noise_std"] = sigma
        sample.params["noise_mean"] = mu
    }
}
