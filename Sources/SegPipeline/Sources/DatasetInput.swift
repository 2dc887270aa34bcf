import Foundation
import SegFormat

/// The samples of a VOC-layout dataset split: ids and their image and label paths.
///
/// Layout: `root/<images>/<id>.jpg|.jpeg|.png|.bmp|.tif|.webp`, `root/<labels>/<id>.png`,
/// `root/ImageSets/Segmentation/<split>.txt` (one id per line).
public struct DatasetInput: Sendable {
    public var root: String
    public var ids: [String]
    public var imagePaths: [String]
    public var labelPaths: [String]

    static let imageExtensions = ["jpg", "jpeg", "png", "JPG", "JPEG", "PNG", "bmp", "tif", "tiff", "webp"]

    /// Lists the split.
    ///
    /// Throws `InputError` when the root or split file is missing, the split is empty or lists an id twice.
    public init(_ spec: PipelineSpec.InputSpec, root overrideRoot: String? = nil) throws {
        let root = overrideRoot.map { URL(fileURLWithPath: $0).standardizedFileURL.path } ?? spec.root
        self.root = root
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isDir), isDir.boolValue else {
            throw InputError("input folder \(root) does not exist; pass --input-root DIR or fix `input.root` in the pipeline file")
        }
        let splitPath = "\(root)/ImageSets/Segmentation/\(spec.split).txt"
        let entries = try SplitFile.read(splitPath)
        let ids = entries.map(\.id)
        self.ids = ids
        let imageDir = "\(root)/\(spec.imageDir)", labelDir = "\(root)/\(spec.labelDir)"
        guard FileManager.default.fileExists(atPath: imageDir) else {
            throw InputError("image folder \(imageDir) does not exist; the dataset must have \(spec.imageDir)/ (or set `input.images`)")
        }
        guard FileManager.default.fileExists(atPath: labelDir) else {
            throw InputError("label folder \(labelDir) does not exist; the dataset must have \(spec.labelDir)/ (or set `input.labels`)")
        }
        imagePaths = ids.map { id in
            for ext in DatasetInput.imageExtensions {
                let p = "\(imageDir)/\(id).\(ext)"
                var st = stat()
                if lstat(p, &st) == 0 { return p }   // any entry, so a link loop is reported as one
            }
            return "\(imageDir)/\(id).jpg"
        }
        labelPaths = ids.map { "\(labelDir)/\($0).png" }
        // Ids are checked for '..' and absolute paths; links must not lead out of the dataset either.
        let realRoot = RealPath.resolve(root)
        for (i, e) in entries.enumerated() {
            for path in [imagePaths[i], labelPaths[i]] {
                guard let real = realpath(path, nil) else { continue }   // missing: reported per sample
                defer { free(real) }
                let resolved = String(cString: real)
                if !RealPath.isSameOrInside(resolved, realRoot) {
                    throw InputError("\(splitPath):\(e.line): id '\(e.id)' leads to \(path), which resolves to \(resolved) outside the dataset folder \(realRoot); seg-prep reads only files inside the dataset, so copy the file in or fix the link")
                }
            }
        }
    }
}

/// A dataset folder problem found before any sample is processed; the message says what to do.
public struct InputError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ d: String) { description = d }
}
