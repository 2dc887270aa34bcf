/// `flip`: mirror image and label together with probability `p`.
public struct FlipStage: Stage {
    public static let declaration = StageDeclaration(
        name: "flip",
        summary: "Mirror the sample with probability p.",
        details: "Draws u uniform in [0, 1) and flips when u < p (the reference's `rand() < .5`). `direction: horizontal` (left-right, the reference) or `vertical`.",
        label: "Flipped exactly like the image.",
        random: true,
        parameters: [Keys.p.info, Keys.direction.info])

    enum Direction: String, Sendable, CaseIterable { case horizontal, vertical }

    enum Keys {
        static let p = Param<Double>.probability("p", default: 0.5, "probability of flipping")
        static let direction = Param<Direction>.choice("direction", default: .horizontal, "mirror axis")
    }

    let p: Double
    let vertical: Bool

    public static var isGeometric: Bool { true }

    public init(_ args: StageArgs) throws {
        p = args[Keys.p]
        vertical = args[Keys.direction] == .vertical
    }

    public func plan(_ state: inout PlanState) throws { try state.requireDecoded() }

    public func apply(_ sample: inout Sample, random: inout SeededRandom, context: StageContext) throws {
        try flip(&sample, random.unit() < p)
    }

    /// Flips (or not) as given and records it; the mirror joins the geometry.
    public func flip(_ sample: inout Sample, _ flip: Bool) throws {
        if flip { sample.geometry.composeFlip(vertical: vertical, source: sample.sourceSize) }
        sample.params[vertical ? "vflip" : "flip"] = flip ? 1 : 0
    }
}
