/// Why predictions cannot be scored; each message says what to do.
public enum EvaluationError: Error, CustomStringConvertible, Equatable, Sendable {
    case listUnreadable(path: String)
    case listEmpty(path: String)
    case listRepeats(path: String, id: String)
    case folderUnreadable(path: String)
    case noLabelMaps(folder: String)
    case nothingScored(skipped: Int)
    case notASample(id: String)

    public var description: String {
        switch self {
        case .listUnreadable(let path): return "cannot read --list \(path); give a text file with one image id per line."
        case .listEmpty(let path): return "--list \(path) names no image; give one image id per line."
        case .listRepeats(let path, let id): return "--list \(path) names \(id) twice, which would score it twice; give each image id once."
        case .folderUnreadable(let path): return "cannot read the folder \(path); pass --gt a folder of label PNGs."
        case .noLabelMaps(let folder): return "\(folder) holds no .png label maps; pass --gt the folder of ground-truth PNGs."
        case .nothingScored(let skipped):
            return "no image pair could be scored (\(skipped) skipped); give --pred a folder of PNGs named and sized like the ground truth."
        case .notASample(let id): return "\(id) is not a sample of the pipeline"
        }
    }
}
