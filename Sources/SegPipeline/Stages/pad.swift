/// `pad`: mmcv's `Pad` to a fixed size, at the bottom and right.
public struct PadStage: Stage {
    public static let declaration = StageDeclaration(
        name: "pad",
        summary: "Pad the image and label at the bottom and right to a fixed size, as mmcv's Pad.",
        details: "Adds rows at the bottom and columns at the right (`cv2.copyMakeBorder` with a constant); never crops, so every sample must already be at most `size` (after `random_crop` it is).",
        label: "Padded with `label_fill` (the ignore class by default, as mmseg's 255).",
        random: false,
        parameters: [Keys.size.info, Keys.fill.info, Keys.labelFill.info])

    enum Keys {
        static let size = Param<(height: Int, width: Int)>.size("size", "output [height, width]")
        static let fill = Param<[UInt8]>.colour("fill", default: [0, 0, 0], "image padding colour (mmcv's pad_val)")
        static let labelFill = Param<LabelValue>.label("label_fill", default: .ignore, "label padding value (mmseg pads with its ignore value, 255)")
    }

    let height: Int, width: Int
    let fill: [UInt8]
    let labelFill: LabelValue

    public init(_ args: StageArgs) throws {
        (height, width) = args[Keys.size]
        fill = args[Keys.fill]
        labelFill = args[Keys.labelFill]
    }

    public func plan(_ state: inout PlanState) throws {
        try state.requireDecoded()
        if state.size != nil || state.awaitingPlacement {
            throw state.fail("'pad' comes after a stage that already fixed the output size", fix: "use pad once, after resize and random_crop")
        }
        state.size = (height, width)
    }

    public func apply(_ sample: inout Sample, random: inout SeededRandom, context: StageContext) throws {
        guard sample.image.width <= width, sample.image.height <= height else {
            throw SampleError(id: sample.id, file: sample.imagePath,
                              problem: "is \(sample.image.width)x\(sample.image.height) when it reaches pad, larger than \(width)x\(height)",
                              fix: "add `- random_crop: {size: [\(height), \(width)]}` before pad")
        }
        var image = Raster(width: width, height: height, fill: fill)
        image.paste(sample.image, dx: 0, dy: 0)
        var label = Raster(width: width, height: height, fill: [labelFill.resolve(ignore: context.ignoreIndex)])
        label.paste(sample.label, dx: 0, dy: 0)
        sample.image = image
        sample.label = label
    }
}
