import SegFormat

/// Why training cannot start or continue; each case carries what its one-sentence message (what is
/// wrong, what to do) needs.
public enum TrainError: Error, CustomStringConvertible, Equatable, Sendable {
    /// An option's value is outside what it takes: `expected` says what to give.
    case option(name: String, value: String, expected: String)
    case classWeightsUnreadable(path: String)
    case classWeightsMalformed(path: String)
    case classWeightCount(given: Int, classes: Int)
    case classesDiffer(validation: [String], training: [String])
    case tooManyClasses(Int)
    case noFullBatch(samples: Int, batchSize: Int)
    case sizeUnsuitable(model: String, multiple: Int, width: Int, height: Int, valWidth: Int, valHeight: Int)
    /// Resuming: the checkpoint was written by a run with other options (`changes`: "--batch-size 2 (now 4)").
    case resumeOptionsChanged(path: String, changes: [String])
    case checkpointModel(path: String, kind: String, classes: Int, runKind: String, runClasses: Int)
    case checkpointOptimizer(path: String, found: String?, run: String)
    case checkpointMetadata(path: String, key: String, value: String, expected: String)
    case resumePastRun(path: String, epoch: Int, batch: Int, epochs: Int, batches: Int)
    case classWeightsAllZero(path: String)
    /// The loss of a training batch was not a number (NaN or infinite): nothing after it is saved.
    case diverged(epoch: Int, batch: Int, learningRate: Double)

    public var description: String {
        switch self {
        case .option(let name, let value, let expected):
            return "\(name) is \(value); \(expected)."
        case .classWeightsUnreadable(let path):
            return "--class-weights \(path) is neither none, inverse, median nor a readable file; give one of those or a file of one weight per class."
        case .classWeightsMalformed(let path):
            return "--class-weights \(path) must hold non-negative numbers separated by spaces, commas or newlines (or a JSON array)."
        case .classWeightCount(let given, let classes):
            return "the class-weight file gives \(given) weights for \(classes) classes; give one per class in index order."
        case .classesDiffer(let validation, let training):
            return "validation folders have classes \(ClassLists.summary(validation)) but training folders have \(ClassLists.summary(training)) (\(ClassLists.firstDifference(validation, training))); prepare both with the same class list."
        case .tooManyClasses(let count):
            return "the folders have \(count) classes, but the trainer's predictions and metrics take up to 255; train on them in PyTorch through the Python reader, which reads their U16 labels."
        case .noFullBatch(let samples, let batchSize):
            return "\(samples) training samples make no full batch of \(batchSize); lower --batch-size."
        case .sizeUnsuitable(let model, let multiple, let w, let h, let vw, let vh):
            return "\(model) needs training and validation images of one size, a multiple of \(multiple) (found \(w)x\(h) and \(vw)x\(vh)); prepare the shards at e.g. 256x256."
        case .resumeOptionsChanged(let path, let changes):
            return "\(path) was written with \(changes.joined(separator: ", ")); resume with the options it was written with, or start a new run without --resume."
        case .checkpointModel(let path, let kind, let classes, let runKind, let runClasses):
            return "\(path) holds a \(kind) model for \(classes) classes but this run trains \(runKind) for \(runClasses); resume with the same --model and shard folders."
        case .checkpointOptimizer(let path, let found, let run):
            return "\(path) has \(found.map { "\($0) optimiser state" } ?? "no optimiser state") but this run uses \(run); resume from a last.safetensors written with the same --optimizer."
        case .checkpointMetadata(let path, let key, let value, let expected):
            return "\(path) has \(key) \(value) in its metadata, not \(expected); resume from a last.safetensors that `seg-prep train` wrote."
        case .classWeightsAllZero(let path):
            return "--class-weights \(path) gives every class the weight 0, so the loss would be 0 and nothing would be learned; give the classes to learn a positive weight."
        case .diverged(let epoch, let batch, let lr):
            return "the training loss stopped being a number at epoch \(epoch) batch \(batch) (learning rate \(lr)); lower --lr or the class weights, and start again or --resume from the last checkpoint saved before it."
        case .resumePastRun(let path, let epoch, let batch, let epochs, let batches):
            return "\(path) stands at epoch \(epoch) batch \(batch), past this run's \(epochs) epochs of \(batches) batches; resume with the options and folders that wrote it, or raise --epochs."
        }
    }
}
