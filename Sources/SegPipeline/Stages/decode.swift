import Foundation
import SegImage

/// `decode`: reads the image (libjpeg for JPEGs, libvips otherwise) and the label PNG (palette indices kept).
public struct DecodeStage: Stage {
    public static let declaration = StageDeclaration(
        name: "decode",
        summary: "Read the image and its label map.",
        details: "Decodes the image to 8-bit RGB (grey replicated to R=G=B, alpha dropped, as the reference's cvtColor): JPEGs with libjpeg on the worker thread (the settings of libvips' jpegload; CMYK and YCCK files as Pillow's `convert(\"RGB\")` reads them), other formats with libvips. Both files' sizes are read from their headers and checked against each other and against `max_pixels` before anything is decoded. Label PNGs keep their palette indices: 8-bit non-interlaced files are inflated with libdeflate (CRCs and Adler-32 checked), others read with libpng. JPEGs are decoded when the geometry is rendered, and only in the box of the image the output window reads (columns cropped and rows skipped inside libjpeg, rows below never decoded; the same bytes as a whole decode; a file a whole decode could refuse past the window, one that does not end with its end-of-image marker or holds more than restart markers after its scan, is decoded whole, and so is an image no pixel of which is visible, so a damaged file is refused whatever the draw). `shrink_on_load` lets JPEGs decode at 1/2, 1/4 or 1/8 size when the first geometric stage shrinks at least that much (faster, pixels differ slightly from a full decode).",
        label: "Read as class indices; the label must have the image's size.",
        random: false,
        parameters: [Keys.shrinkOnLoad.info, Keys.maxPixels.info, Keys.cropReadsAbove.info])

    enum Keys {
        static let cropReadsAbove = Param<Int>.integer("crop_reads_above", in: 1...(1 << 40), default: 1 << 24,
            "when `random_crop` directly follows decode, images with more pixels are not decoded: libvips reads only the crop and the label windows it tests")
        static let shrinkOnLoad = Param<Bool>.flag("shrink_on_load", default: false,
            "decode large JPEGs at reduced size when the output is much smaller (off = exact reference parity)")
        static let maxPixels = Param<Int>.integer("max_pixels", in: 1...(1 << 40), default: FileGate.defaultMaxPixels,
            "refuse images and labels whose header claims more pixels (read before decoding; twice Pillow's decompression-bomb warning level, where Pillow stops; `run --max-pixels` overrides)")
    }

    let shrinkOnLoad: Bool
    let maxPixels: Int
    let cropReadsAbove: Int

    public init(_ args: StageArgs) throws {
        shrinkOnLoad = args[Keys.shrinkOnLoad]
        maxPixels = args[Keys.maxPixels]
        cropReadsAbove = args[Keys.cropReadsAbove]
    }

    public func plan(_ state: inout PlanState) throws {
        if state.decoded {
            throw state.fail("'decode' appears twice", fix: "keep a single `- decode: {}` at the start of `stages`")
        }
        state.decoded = true
    }

    public func apply(_ sample: inout Sample, random: inout SeededRandom, context: StageContext) throws {
        if let window = sample.window, let cache = context.windows {
            // A window of a tiled image: libvips reads its region only.
            try WindowReader.read(&sample, window: window, cache: cache, context: context)
            return
        }
        if context.cropWindows, let cache = context.windows, sample.window == nil, !(context.source is LabelmeSource) {
            // random_crop comes next: a large image is left unread, random_crop reads its windows.
            let image = try WindowReader.open(cache, sample.imagePath, id: sample.id, what: "image")
            let (w, h) = (image.image.width, image.image.height)
            // 8-bit grey or RGB only; CMYK and alpha images take the whole-image path, which converts them.
            if w * h > cropReadsAbove, image.image.bits == 8, [1, 3].contains(image.image.bands),
               let label = try? WindowReader.open(cache, sample.labelPath, id: sample.id, what: "label"),
               label.image.bits == 8 || (label.image.bits == 16 && label.image.bands == 1), !label.ambiguousPalette {
                // (A palette repeating a colour cannot be read back from libvips' RGB: whole path.)
                try FileGate.check(w, h, limit: context.maxPixels ?? maxPixels, id: sample.id, path: sample.imagePath)
                try FileGate.checkSameSize((label.image.width, label.image.height), (w, h), id: sample.id, path: sample.labelPath)
                sample.source = .windows(width: w, height: h)
                sample.params["source_width"] = Double(w)
                sample.params["source_height"] = Double(h)
                return
            }
        }
        let record = SampleRecord(id: sample.id, image: sample.imagePath, label: sample.labelPath)
        let (imageData, labelData, size) = try Self.readFiles(record, source: context.source, limit: context.maxPixels ?? maxPixels)
        let width = size.width, height = size.height
        try readLabel(labelData, into: &sample, context: context, imageSize: (width, height))
        if shrinkOnLoad || size.jpeg {
            // Decoded when the geometry is rendered: shrunk on load, and JPEGs only where the window reads.
            sample.source = .encoded(EncodedImage(data: imageData, width: width, height: height, jpeg: size.jpeg, shrinkOnLoad: shrinkOnLoad))
        } else {
            let (image, _) = try ImageCodec.decodeRGB(imageData, shrink: 1, id: sample.id, path: sample.imagePath)
            guard image.width == width, image.height == height else {
                throw SampleError(id: sample.id, file: sample.imagePath,
                                  problem: "decodes to \(image.width)x\(image.height) but its header says \(width)x\(height)",
                                  fix: "re-export this image, or run with --on-error skip")
            }
            sample.image = image
        }
        sample.params["source_width"] = Double(width)
        sample.params["source_height"] = Double(height)
    }

    /// The image and label files of `record` as every reader takes them (a run, `check`, `bench
    /// decode`): through the source (labelme may embed the image) and the file gate, and the
    /// image's size from its header checked against `limit` before anything is decoded.
    ///
    /// Throws `SampleError` naming the file at fault.
    static func readFiles(_ record: SampleRecord, source: (any InputSource)?, limit: Int) throws
        -> (image: Data, label: Data, size: (width: Int, height: Int, jpeg: Bool)) {
        let imageData = try source?.imageData(record, maxPixels: limit) ?? FileGate.read(record.image, id: record.id, what: "image", maxPixels: limit)
        let labelData = try FileGate.read(record.label, id: record.id, what: "label", maxPixels: limit)
        let size = try ImageCodec.imageSize(imageData, id: record.id, path: record.image)
        try FileGate.check(size.width, size.height, limit: limit, id: record.id, path: record.image)
        return (imageData, labelData, size)
    }

    /// The files of `record` read as `readFiles` reads them, with `spec`'s source and pixel limit.
    public static func readFiles(_ record: SampleRecord, spec: PipelineSpec, input: DatasetInput) throws
        -> (image: Data, label: Data, size: (width: Int, height: Int, jpeg: Bool)) {
        try readFiles(record, source: input.source, limit: spec.pixelLimit)
    }

    /// A decode stage with the pipeline's pixel limit, for reading labels outside a run (`check`).
    init(labelOnlyFor spec: PipelineSpec) {
        shrinkOnLoad = false
        cropReadsAbove = 1 << 24
        maxPixels = spec.maxPixels ?? (spec.stages.first as? DecodeStage)?.maxPixels ?? FileGate.defaultMaxPixels
    }

    /// The label file `data` of `record` read as `spec`'s decode stage reads it (colour-coded,
    /// palette or grey, the source's value map, reduce-zero-label), for uses outside a run
    /// (`bench decode`). Throws `SampleError` like the stage.
    public static func label(_ data: Data, record: SampleRecord, spec: PipelineSpec, imageSize: (Int, Int)) throws -> Raster {
        var sample = Sample(record: record, repeatIndex: 0)
        try DecodeStage(labelOnlyFor: spec).readLabel(data, into: &sample, context: spec.context, imageSize: imageSize)
        return sample.label
    }

    /// Reads the label (header checked against the limit and the image's size first) into
    /// `sample.label` as class indices: colour-coded, palette or grey, then the source's value map.
    func readLabel(_ labelData: Data, into sample: inout Sample, context: StageContext, imageSize: (Int, Int)) throws {
        let limit = context.maxPixels ?? maxPixels
        let record = SampleRecord(id: sample.id, image: sample.imagePath, label: sample.labelPath)
        // Every label's header is checked before it is decoded: colour-coded labels may be any
        // format libvips reads (JPEG, TIFF, …), whose size its header gives.
        let header = try context.source?.labelSize(labelData, record: record) ?? ImageCodec.pngSize(labelData)
            ?? (context.labelColours == nil ? nil : {
                let s = try ImageCodec.imageSize(labelData, id: sample.id, path: sample.labelPath)
                return (width: s.width, height: s.height)
            }())
        if let declared = header {
            try FileGate.check(declared.width, declared.height, limit: limit, id: sample.id, path: sample.labelPath)
            try FileGate.checkSameSize(declared, imageSize, id: sample.id, path: sample.labelPath)
        }
        var label: Raster
        if let colours = context.labelColours {
            let (rgb, _) = try ImageCodec.decodeRGB(labelData, id: sample.id, path: sample.labelPath)
            label = try colours.indices(of: rgb, ignore: context.ignoreIndex, id: sample.id, path: sample.labelPath)
        } else {
            label = try context.source?.readLabel(labelData, record: record)
                ?? ImageCodec.readLabel(labelData, id: sample.id, path: sample.labelPath)
        }
        context.classIndices(&label)
        try FileGate.checkSameSize((label.width, label.height), imageSize, id: sample.id, path: sample.labelPath)
        sample.label = label
    }
}
