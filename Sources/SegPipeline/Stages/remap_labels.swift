/// `remap_labels`: turn source label values into class indices.
public struct RemapLabelsStage: Stage {
    public static let declaration = StageDeclaration(
        name: "remap_labels",
        summary: "Map source label values to class indices.",
        details: "Applied in this order: `map` (explicit value → value or `ignore`), then `threshold` (values > threshold become 1, others 0; `invert: true` swaps, for 0/255 masks), then `above` (values > above become `to`, the reference's `png[png >= num_classes] = num_classes` when above = classes-1 and to = ignore).",
        label: "Values rewritten as described; the image is unchanged.",
        random: false,
        parameters: [Keys.map.info, Keys.threshold.info, Keys.invert.info, Keys.above.info, Keys.to.info])

    enum Keys {
        static let map = Param<[UInt8: LabelValue]>.labelMap("map", "explicit value map, e.g. {255: ignore, 3: 1}")
        static let threshold = Param<Int?>.integer("threshold", in: 0...254, "binarise: value > threshold → 1, else 0")
        static let invert = Param<Bool>.flag("invert", default: false, "with threshold: value > threshold → 0, else 1")
        static let above = Param<Int?>.integer("above", in: 0...255, "values greater than this become `to`")
        static let to = Param<LabelValue>.label("to", default: .ignore, "target of `above`")
    }

    let map: [UInt8: LabelValue]
    let threshold: Int?
    let invert: Bool
    let above: Int?
    let to: LabelValue

    public init(_ args: StageArgs) throws {
        map = args[Keys.map]
        threshold = args[Keys.threshold]
        invert = args[Keys.invert]
        above = args[Keys.above]
        to = args[Keys.to]
        if map.isEmpty && threshold == nil && above == nil {
            throw args.error(nil, "'remap_labels' has nothing to do", fix: "give at least one of `map`, `threshold` or `above`")
        }
    }

    public func plan(_ state: inout PlanState) throws { try state.requireDecoded() }

    /// The 256-entry table this stage applies, for `ignore` = `ignoreIndex`.
    public func table(ignoreIndex: Int) -> [UInt8] {
        var t = (0...255).map { UInt8($0) }
        for (k, v) in map { t[Int(k)] = v.resolve(ignore: ignoreIndex) }
        if let th = threshold {
            t = t.map { (Int($0) > th) != invert ? 1 : 0 }
        }
        if let a = above {
            let target = to.resolve(ignore: ignoreIndex)
            t = t.map { Int($0) > a ? target : $0 }
        }
        return t
    }

    public func apply(_ sample: inout Sample, random: inout SeededRandom, context: StageContext) throws {
        PixelKernels.lookUp(&sample.label.pixels, table: table(ignoreIndex: context.ignoreIndex))
    }
}
