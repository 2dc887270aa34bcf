import SegImage
/// `pad`: mmcv's `Pad` to a fixed size, at the bottom and right.
public struct PadStage: Stage {
    public static let declaration = StageDeclaration(
        name: "pad",
        summary: "Pad the image and label at the bottom and right to a fixed size or a multiple of `size_divisor`, as mmcv's Pad.",
        details: "Adds rows at the bottom and columns at the right (`cv2.copyMakeBorder` with a constant); never crops, so every sample must already be at most `size` (after `random_crop` it is). Give `size` or `size_divisor`. mmcv pads each image to its own multiple of `size_divisor`; shards hold one size, so seg-prep pads to the multiple of the largest size the stages before allow (`random_crop`'s size), which is mmcv's result whenever the crop has its full size.",
        label: "Padded with `label_fill` (the ignore class by default, as mmseg's 255).",
        random: false,
        parameters: [Keys.size.info, Keys.sizeDivisor.info, Keys.fill.info, Keys.labelFill.info])

    enum Keys {
        static let size = Param<(height: Int, width: Int)?>.optionalSize("size", "output [height, width]")
        static let sizeDivisor = Param<Int?>.integer("size_divisor", in: 1...4096, "pad height and width up to a multiple of this (mmcv's size_divisor) instead of a fixed size")
        static let fill = Param<[UInt8]>.colour("fill", default: [0, 0, 0], "image padding colour (mmcv's pad_val)")
        static let labelFill = Param<LabelValue>.label("label_fill", default: .ignore, "label padding value (mmseg pads with its ignore value, 255)")
    }

    /// The fixed output size (0 with `size_divisor`: the planned pipeline size, in the context).
    let height: Int, width: Int
    let sizeDivisor: Int?
    let fill: [UInt8]
    let labelFill: LabelValue

    public init(_ args: StageArgs) throws {
        sizeDivisor = args[Keys.sizeDivisor]
        switch (args[Keys.size], sizeDivisor) {
        case (let size?, nil): (height, width) = size
        case (nil, _?): (height, width) = (0, 0)
        default:
            throw args.error(Keys.size, "'pad' takes either 'size' or 'size_divisor'", fix: "give `size: [H, W]` or `size_divisor: 32`")
        }
        fill = args[Keys.fill]
        labelFill = args[Keys.labelFill]
    }

    public func plan(_ state: inout PlanState) throws {
        try state.requireDecoded()
        try state.checkLabel(labelFill, parameter: "label_fill")
        if state.size != nil || state.awaitingPlacement {
            throw state.fail("'pad' comes after a stage that already fixed the output size", fix: "use pad once, after resize and random_crop")
        }
        if let d = sizeDivisor {
            guard let bound = state.bound else {
                throw state.fail("'pad' with 'size_divisor' needs a bounded sample size before it, since a shard holds one size",
                                 fix: "put `- random_crop: {size: [H, W]}` before pad, or give pad a fixed `size`", parameter: "size_divisor")
            }
            state.size = ((bound.height + d - 1) / d * d, (bound.width + d - 1) / d * d)
        } else {
            if let bound = state.bound, bound.height > height || bound.width > width {
                throw state.fail("'pad' to \(height)x\(width) comes after random_crop's \(bound.height)x\(bound.width) windows, so samples would reach it larger than it pads to",
                                 fix: "make pad's `size` at least the crop's (`size: [\(max(bound.height, height)), \(max(bound.width, width))]`), or crop to \(height)x\(width)", parameter: "size")
            }
            state.size = (height, width)
        }
    }

    public func apply(_ sample: inout Sample, random: inout SeededRandom, context: StageContext) throws {
        let (height, width) = sizeDivisor == nil ? (self.height, self.width) : (context.height, context.width)
        if sample.geometry.canvas != nil { try sample.render(context: context) }
        let size = sample.outputSize
        guard size.width <= width, size.height <= height else {
            throw SampleError(id: sample.id, file: sample.imagePath,
                              problem: "is \(size.width)x\(size.height) when it reaches pad, larger than \(width)x\(height)",
                              fix: "add `- random_crop: {size: [\(height), \(width)]}` before pad")
        }
        _ = sample.geometry.compose(canvas: Geometry.Canvas(width: width, height: height, dx: 0, dy: 0,
                                                            fill: fill, labelFill: labelFill.resolve(ignore: context.ignoreIndex)))
    }

    public static var isGeometric: Bool { true }
}
