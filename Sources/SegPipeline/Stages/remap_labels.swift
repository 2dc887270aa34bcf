/// `remap_labels`: turn source label values into class indices.
public struct RemapLabelsStage: Stage {
    public static let declaration = StageDeclaration(
        name: "remap_labels",
        summary: "Map source label values to class indices.",
        details: "Applied in this order: `map` (explicit value → value or `ignore`), then `threshold` (values > threshold become 1, others 0; `invert: true` swaps, for 0/255 masks), then `above` (values > above become `to`, the reference's `png[png >= num_classes] = num_classes` when above = classes-1 and to = ignore). 16-bit labels (16-bit greyscale PNGs, or pipelines with more than 255 classes) take keys and values up to 65535, e.g. raw category ids mapped to a smaller class set.",
        label: "Values rewritten as described; the image is unchanged.",
        random: false,
        parameters: [Keys.map.info, Keys.threshold.info, Keys.invert.info, Keys.above.info, Keys.to.info])

    enum Keys {
        static let map = Param<[UInt16: LabelValue]>.labelMap("map", "explicit value map, e.g. {255: ignore, 3: 1}")
        static let threshold = Param<Int?>.integer("threshold", in: 0...65_534, "binarise: value > threshold → 1, else 0")
        static let invert = Param<Bool>.flag("invert", default: false, "with threshold: value > threshold → 0, else 1")
        static let above = Param<Int?>.integer("above", in: 0...65_535, "values greater than this become `to`")
        static let to = Param<LabelValue>.label("to", default: .ignore, "target of `above`")
    }

    let map: [UInt16: LabelValue]
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

    public func plan(_ state: inout PlanState) throws {
        try state.requireDecoded()
        for v in map.values { try state.checkLabel(v, parameter: "map") }
        try state.checkLabel(to, parameter: "to")
    }

    /// The table this stage applies, for `ignore` = `ignoreIndex`: 256 entries for 8-bit labels,
    /// 65536 for 16-bit ones (`wide`).
    public func table(ignoreIndex: Int, wide: Bool = false) -> [UInt16] {
        var t = (0..<(wide ? 65_536 : 256)).map { UInt16($0) }
        for (k, v) in map where Int(k) < t.count { t[Int(k)] = UInt16(v.resolve(ignore: ignoreIndex)) }
        if let th = threshold {
            t = t.map { (Int($0) > th) != invert ? 1 : 0 }
        }
        if let a = above {
            let target = UInt16(to.resolve(ignore: ignoreIndex))
            t = t.map { Int($0) > a ? target : $0 }
        }
        return t
    }

    public static var mapsLabelsOnly: Bool { true }

    public func apply(_ sample: inout Sample, random: inout SeededRandom, context: StageContext) throws {
        sample.label.mapLabels(table(ignoreIndex: context.ignoreIndex, wide: sample.label.channels == 2))
    }
}
