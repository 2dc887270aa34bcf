import Foundation

/// A dataset folder problem found before any sample is processed; each case carries what its
/// one-sentence message (what is wrong, what to do) needs.
public enum InputError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What a folders dataset's other folder holds when no image has its label.
    public enum PairingHint: Sendable, Equatable {
        /// The labels folder holds `count` files named `<image stem><suffix>`.
        case labelSuffix(String, count: Int)
        /// The images folder holds `count` files named `<label stem><suffix>`.
        case imageSuffix(String, count: Int)
        case none
    }

    case rootMissing(root: String)
    /// `kind` is "image" or "label"; `expected` the folder name the layout has; `key` its input key.
    case layoutFolderMissing(kind: String, folder: String, expected: String, key: String)
    case folderMissing(key: String, folder: String)
    case idOutsideDataset(split: String, line: Int, id: String, path: String, resolved: String, root: String)
    case fileOutsideDataset(path: String, resolved: String, root: String)
    case splitMissing(path: String)
    case splitUnreadable(path: String, problem: String, fix: String)
    case splitNotUTF8(path: String)
    case badId(path: String, line: Int, id: String, why: String)
    case duplicateId(path: String, line: Int, id: String, first: Int)
    case splitEmpty(path: String)
    case nothingFound(imageSuffix: String, labelSuffix: String, imageFolder: String, labelFolder: String)
    case noPairs(images: Int, imageSuffix: String, imageFolder: String, labels: Int, labelSuffix: String, labelFolder: String, hint: PairingHint)
    case labelmeNotTileable
    case tooManyWindows(limit: Int, image: String)
    case noLabelmeFiles(root: String)

    public var description: String {
        switch self {
        case .rootMissing(let root):
            let what = FileManager.default.fileExists(atPath: root) ? "is not a folder" : "does not exist"
            return "input folder \(root) \(what); pass --input-root DIR or fix `input.root` in the pipeline file"
        case .layoutFolderMissing(let kind, let folder, let expected, let key):
            return "\(kind) folder \(folder) does not exist; the dataset must have \(expected)/ (or set `input.\(key)`)"
        case .folderMissing(let key, let folder):
            return "\(key) folder \(folder) does not exist; fix `input.root` or `input.\(key)` in the pipeline file, or pass --input-root DIR"
        case .idOutsideDataset(let split, let line, let id, let path, let resolved, let root):
            return "\(split):\(line): id '\(id)' leads to \(path), which resolves to \(resolved) outside the dataset folder \(root); seg-prep reads only files inside the dataset, so copy the file in or fix the link"
        case .fileOutsideDataset(let path, let resolved, let root):
            return "\(path) resolves to \(resolved) outside the dataset folder \(root); seg-prep reads only files inside the dataset, so copy the file in or fix the link"
        case .splitMissing(let path):
            return "split file \(path) is missing; create it with one sample id per line, or set `input.split` to an existing split"
        case .splitUnreadable(let path, let problem, let fix):
            return "split file \(path) \(problem); \(fix), with one sample id per line"
        case .splitNotUTF8(let path):
            return "split file \(path) is not UTF-8 text; save it as UTF-8 with one sample id per line"
        case .badId(let path, let line, let id, let why):
            return "\(path):\(line): id \(id) \(why); list ids relative to the image folder, one per line"
        case .duplicateId(let path, let line, let id, let first):
            return "\(path):\(line): id '\(id)' is listed twice (first on line \(first)); remove the duplicate line"
        case .splitEmpty(let path):
            return "split file \(path) is empty; list one sample id per line"
        case .nothingFound(let imageSuffix, let labelSuffix, let imageFolder, let labelFolder):
            return "no \(imageSuffix) images or \(labelSuffix) labels were found under \(imageFolder) and \(labelFolder); check `input.images`, `input.labels` and the suffixes"
        case .noPairs(let images, let imageSuffix, let imageFolder, let labels, let labelSuffix, let labelFolder, let hint):
            let head = "none of the \(images) \(imageSuffix) images under \(imageFolder) has its label under \(labelFolder) (\(labels) files end with \(labelSuffix) there)"
            switch hint {
            case .labelSuffix(let suffix, let n):
                return "\(head); the labels folder holds \(n) files named <image stem>\(suffix): set `label_suffix: \(suffix)` in the pipeline's input"
            case .imageSuffix(let suffix, let n):
                return "\(head); the images folder holds \(n) files named <label stem>\(suffix): set `image_suffix: \(suffix)` in the pipeline's input"
            case .none:
                return "\(head), and no file of one folder is named after a file of the other; check `input.images`, `input.labels` and the suffixes"
            }
        case .tooManyWindows(let limit, let image):
            return "'tile' cuts more than \(limit) windows from the input (the count passed it at \(image)); raise its stride or size, or tile a part of the input at a time"
        case .labelmeNotTileable:
            return "'tile' reads label image files; labelme JSON labels cannot be tiled (rasterise them first)"
        case .noLabelmeFiles(let root):
            return "no labelme .json files were found under \(root); check `input.root`"
        }
    }
}
