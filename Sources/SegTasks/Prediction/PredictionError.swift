/// Why a prediction cannot start or an image cannot be predicted; each message says what to do.
public enum PredictionError: Error, CustomStringConvertible, Sendable, Equatable {
    case tileDoesNotSuit(tile: Int, multiple: Int)
    case sizeDoesNotSuit(height: Int, width: Int, multiple: Int)
    case noTrainingSize(checkpoint: String)
    case trainingSizeOutOfRange(checkpoint: String, width: Int, height: Int)
    case sameOutputName(first: String, second: String, name: String)
    case embeddedImageWithTile(id: String)
    case overlayWithTile
    case noInput(path: String)
    case noImages(folder: String, extensions: [String])

    public var description: String {
        switch self {
        case .tileDoesNotSuit(let tile, let multiple):
            return "--tile \(tile) does not suit this model; use a multiple of \(multiple), e.g. 512."
        case .sizeDoesNotSuit(let h, let w, let multiple):
            return "--size \(h) \(w) does not suit this model; use multiples of \(multiple), e.g. 256 256."
        case .noTrainingSize(let checkpoint):
            return "\(checkpoint) does not record its training size; pass --size H W (the size of the training shards)."
        case .trainingSizeOutOfRange(let checkpoint, let w, let h):
            return "\(checkpoint) records a training size of \(w)x\(h), not 1 to 8192 pixels a side; pass --size H W (the size of the training shards)."
        case .sameOutputName(let first, let second, let name):
            return "\(first) and \(second) would both be written as \(name); predict them into separate folders."
        case .embeddedImageWithTile(let id):
            return "\(id) embeds its image in its annotation, which --tile cannot read window by window; predict it without --tile."
        case .noInput(let path):
            return "--input \(path) does not exist; give an image file or a folder of images."
        case .noImages(let folder, let extensions):
            return "--input \(folder) holds no images (\(extensions.joined(separator: ", "))); point it at the images."
        case .overlayWithTile:
            return "--overlay draws the whole image beside its prediction, which --tile does not hold in memory; drop one of them."
        }
    }
}
