import SegImage
import Foundation
import SegFormat

/// `format: voc`: the PASCAL VOC layout.
///
/// Layout: `root/<images>/<id>.jpg|.jpeg|.png|.bmp|.tif|.webp`, `root/<labels>/<id>.png`,
/// `root/ImageSets/Segmentation/<split>.txt` (one id per line).
public struct VOCSource: InputSource {
    public static let declaration = SourceDeclaration(
        name: "voc",
        summary: "PASCAL VOC layout: a split file of ids, images and palette label PNGs named by id.",
        details: "Ids come from `ImageSets/Segmentation/<split>.txt` (any line ending, UTF-8 with or without a byte-order mark); each id names `<images>/<id>.jpg` (or .jpeg, .png, .bmp, .tif, .tiff, .webp, in that order) and `<labels>/<id>.png`, whose palette indices or grey values are the classes.",
        keys: [Keys.root.info, Keys.split.info, Keys.images.info, Keys.labels.info])

    enum Keys {
        static let root = Param<String>.text("root", "dataset folder (relative to the pipeline file, or absolute)")
        static let split = Param<String>.text("split", default: "train", "split file `ImageSets/Segmentation/<split>.txt`")
        static let images = Param<String>.text("images", default: "JPEGImages", "image folder inside root")
        static let labels = Param<String>.text("labels", default: "SegmentationClass", "label folder inside root")
    }

    public let root: String
    public let split: String
    public let imageDir: String
    public let labelDir: String

    static let imageExtensions = ["jpg", "jpeg", "png", "JPG", "JPEG", "PNG", "bmp", "tif", "tiff", "webp"]

    public init(_ keys: ParameterValues, base: URL, classes: [String]) throws {
        root = PipelineSpec.resolve(keys[Keys.root], against: base)
        split = keys[Keys.split]
        imageDir = keys[Keys.images]
        labelDir = keys[Keys.labels]
    }

    public func records(root: String) throws -> [SampleRecord] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isDir), isDir.boolValue else {
            throw InputError.rootMissing(root: root)
        }
        let splitPath = "\(root)/ImageSets/Segmentation/\(split).txt"
        let entries = try SplitFile.read(splitPath)
        let imageFolder = "\(root)/\(imageDir)", labelFolder = "\(root)/\(labelDir)"
        guard FileManager.default.fileExists(atPath: imageFolder) else {
            throw InputError.layoutFolderMissing(kind: "image", folder: imageFolder, expected: imageDir, key: "images")
        }
        guard FileManager.default.fileExists(atPath: labelFolder) else {
            throw InputError.layoutFolderMissing(kind: "label", folder: labelFolder, expected: labelDir, key: "labels")
        }
        let records = entries.map { e in
            let found = Self.imageExtensions.lazy.map { "\(imageFolder)/\(e.id).\($0)" }.first { p in
                var st = stat()
                return lstat(p, &st) == 0   // any entry, so a link loop is reported as one
            }
            var record = SampleRecord(id: e.id, image: found ?? "\(imageFolder)/\(e.id).jpg", label: "\(labelFolder)/\(e.id).png")
            if found == nil {   // named by what was looked for, not by one guessed suffix
                record.problem = SampleError(id: e.id, file: "\(imageFolder)/\(e.id).*",
                                             problem: "image file is missing (no \(e.id) with any of \(Self.imageExtensions.map { "." + $0 }.joined(separator: ", ")))",
                                             fix: "add the image, or remove '\(e.id)' from \(splitPath)")
            }
            return record
        }
        // Ids are checked for '..' and absolute paths; links must not lead out of the dataset either.
        let realRoot = RealPath.resolve(root)
        for (e, r) in zip(entries, records) {
            for path in [r.image, r.label] {
                guard let real = realpath(path, nil) else { continue }   // missing: reported per sample
                defer { free(real) }
                let resolved = String(cString: real)
                if !RealPath.isSameOrInside(resolved, realRoot) {
                    throw InputError.idOutsideDataset(split: splitPath, line: e.line, id: e.id, path: path, resolved: resolved, root: realRoot)
                }
            }
        }
        return records
    }
}
