import SegImage
import Foundation

/// The samples of a pipeline's input, listed by its source: one record per sample, in order.
public struct DatasetInput: Sendable {
    /// The dataset folder the records were listed from.
    public var root: String
    public var records: [SampleRecord]
    /// The source that listed them (it also reads their labels).
    public let source: any InputSource

    /// The sample ids in order.
    public var ids: [String] { records.map(\.id) }

    /// Lists the samples of `source`, with `root` (when given) in place of the file's root.
    ///
    /// Throws `InputError` naming the file at fault.
    public init(_ source: any InputSource, root overrideRoot: String? = nil) throws {
        let root = overrideRoot.map { URL(fileURLWithPath: $0).standardizedFileURL.path } ?? source.root
        self.root = root
        self.source = source
        records = try source.records(root: root)
    }

    /// Lists the samples of `spec`'s input; with a `tile` stage, every record becomes its image's
    /// windows in raster order (`<id>@<y>_<x>`), from the image header (a record whose header
    /// cannot be read, or claims more than the stage's `max_pixels`, stays one failing record).
    public init(_ spec: PipelineSpec, root overrideRoot: String? = nil) throws {
        try self.init(spec.input, root: overrideRoot)
        guard let tiling = spec.tiling else { return }
        if source is LabelmeSource {
            throw InputError.labelmeNotTileable
        }
        // Counted before any window is listed: a window is a record, so a stride of 1 over large
        // images would otherwise list billions of them.
        var windows = 0
        records = try records.flatMap { r -> [SampleRecord] in
            guard r.problem == nil else { return [r] }
            var failed = r
            // Sizes from the headers without libvips where the format allows (JPEG, PNG, TIFF), so
            // that a process that listed the windows can still fork workers.
            let image: (width: Int, height: Int)
            do {
                if let size = try ImageHeader.size(path: r.image) {
                    image = size
                } else {
                    let opened = try Vips.WindowedImage(path: r.image)
                    image = (opened.width, opened.height)
                }
            } catch {
                let missing = !FileManager.default.fileExists(atPath: r.image)
                let reason = (error as? ImageHeader.Failure)?.reason ?? "\(error)"
                failed.problem = SampleError(id: r.id, file: r.image, problem: missing ? "image file is missing" : "image header cannot be read (\(reason))",
                                             fix: "check the file, or run with --on-error skip")
                return [failed]
            }
            let (pixels, overflow) = image.width.multipliedReportingOverflow(by: image.height)
            if overflow || pixels > tiling.maxPixels {
                failed.problem = SampleError(id: r.id, file: r.image,
                                             problem: "claims \(image.width)x\(image.height) pixels in its header, above tile's limit of \(tiling.maxPixels)",
                                             fix: "raise `max_pixels` of tile if the image is genuine, or run with --on-error skip")
                return [failed]
            }
            windows += min(tiling.windowCount(imageHeight: image.height, imageWidth: image.width), TileStage.maxWindows + 1)
            guard windows <= TileStage.maxWindows else { throw InputError.tooManyWindows(limit: TileStage.maxWindows, image: r.image) }
            return tiling.windows(imageHeight: image.height, imageWidth: image.width).map { w in
                var t = r
                t.id = w.id(of: r.id)
                t.window = w
                return t
            }
        }
    }
}
