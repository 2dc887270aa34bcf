import SegImage
import Foundation

/// `gamma`: mmsegmentation's `AdjustGamma` through a 256-entry table, with a random gamma.
public struct GammaStage: Stage {
    public static let declaration = StageDeclaration(
        name: "gamma",
        summary: "Gamma correction through a lookup table, as mmseg's AdjustGamma, with gamma drawn from a range.",
        details: "With probability `p`, draws gamma uniformly in `gamma` (one number: that gamma) and maps every channel through mmseg's table `uint8((i / 255) ** (1 / gamma) * 255)` (float64, truncated): gamma above 1 brightens, below 1 darkens, 1 is the identity. mmseg applies its one gamma always: `{gamma: 2.2, p: 1}`. Records `gamma` (1 when not applied).",
        label: "Unchanged.",
        random: true,
        parameters: [Keys.gamma.info, Keys.p.info])

    enum Keys {
        static let gamma = Param<(Double, Double)>.range("gamma", within: 0.01...100, default: (0.8, 1.25), "gamma, or the range it is drawn from uniformly")
        static let p = Param<Double>.probability("p", default: 0.5, "probability of applying the correction")
    }

    let gamma: (Double, Double)
    let p: Double

    public init(_ args: StageArgs) throws {
        gamma = args[Keys.gamma]
        p = args[Keys.p]
    }

    public func plan(_ state: inout PlanState) throws { try state.requireDecoded() }

    /// mmseg's table: `((i / 255.0) ** (1 / gamma) * 255).astype(uint8)` in float64.
    public static func table(gamma: Double) -> [UInt8] {
        let inv = 1.0 / gamma
        return (0..<256).map { i -> UInt8 in
            let v = pow(Double(i) / 255.0, inv) * 255
            return UInt8(min(max(v, 0), 255).rounded(.towardZero))
        }
    }

    /// Maps every channel of `image` through the table of `gamma`.
    public static func adjust(_ image: inout Raster, gamma: Double) {
        if gamma == 1 { return }
        PixelKernels.lookUp(&image.pixels, table: table(gamma: gamma))
    }

    public func apply(_ sample: inout Sample, random: inout SeededRandom, context: StageContext) throws {
        var g = 1.0
        if random.unit() < p {
            g = random.value(in: gamma)
            Self.adjust(&sample.image, gamma: g)
        }
        sample.params["gamma"] = g
    }
}
