import Foundation

/// `decode`: reads the image (libjpeg for JPEGs, libvips otherwise) and the label PNG (palette indices kept).
public struct DecodeStage: Stage {
    public static let declaration = StageDeclaration(
        name: "decode",
        summary: "Read the image and its label map.",
        details: "Decodes the image to 8-bit RGB (grey replicated to R=G=B, alpha dropped, as the reference's cvtColor): JPEGs with libjpeg on the worker thread (the settings of libvips' jpegload), other formats with libvips. Label PNGs keep their palette indices: 8-bit non-interlaced files are inflated with libdeflate (CRCs and Adler-32 checked), others read with libpng. `shrink_on_load` lets JPEGs decode at 1/2, 1/4 or 1/8 size when the first geometric stage shrinks at least that much (faster, pixels differ slightly from a full decode).",
        label: "Read as class indices; the label must have the image's size.",
        random: false,
        parameters: [
            Parameter("shrink_on_load", .flag, default: "false",
                      "decode large JPEGs at reduced size when the output is much smaller (off = exact reference parity)"),
        ])

    let shrinkOnLoad: Bool

    public init(_ args: StageArgs) throws { shrinkOnLoad = args.flag("shrink_on_load") }

    public func plan(_ state: inout PlanState) throws {
        if state.decoded {
            throw state.fail("'decode' appears twice", fix: "keep a single `- decode: {}` at the start of `stages`")
        }
        state.decoded = true
    }

    public func apply(_ sample: inout Sample, random: inout SeededRandom, context: StageContext) throws {
        let imageData = try Self.read(sample.imagePath, id: sample.id, what: "image")
        let labelData = try Self.read(sample.labelPath, id: sample.id, what: "label")
        let label = try Vips.readLabel(labelData, id: sample.id, path: sample.labelPath)
        let width: Int, height: Int
        if shrinkOnLoad {
            let size = try Vips.imageSize(imageData, id: sample.id, path: sample.imagePath)
            sample.encoded = EncodedImage(data: imageData, width: size.width, height: size.height, jpeg: size.jpeg)
            (width, height) = (size.width, size.height)
        } else {
            let (image, _) = try Vips.decodeRGB(imageData, shrink: 1, id: sample.id, path: sample.imagePath)
            sample.image = image
            (width, height) = (image.width, image.height)
        }
        guard width == label.width, height == label.height else {
            throw SampleError(id: sample.id, file: sample.labelPath,
                              problem: "is \(label.width)x\(label.height) but its image is \(width)x\(height)",
                              fix: "export the label at the image's size, or run with --on-error skip")
        }
        sample.label = label
        sample.params["source_width"] = Double(width)
        sample.params["source_height"] = Double(height)
    }

    static func read(_ path: String, id: String, what: String) throws -> Data {
        guard FileManager.default.fileExists(atPath: path) else {
            throw SampleError(id: id, file: path, problem: "\(what) file is missing",
                              fix: "add it, remove '\(id)' from the split file, or run with --on-error skip")
        }
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw SampleError(id: id, file: path, problem: "\(what) file cannot be read (\(error.localizedDescription))",
                              fix: "check its permissions, or run with --on-error skip")
        }
    }
}
