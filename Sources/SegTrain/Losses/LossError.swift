/// Errors raised by loss functions for inputs they cannot combine.
public enum LossError: Error, Equatable, CustomStringConvertible {
    /// Logits and targets differ in a way the reference does not resize.
    case shapeMismatch(logits: [Int], targets: [Int])
    /// A class-weight vector whose length is not the number of classes.
    case classWeightCount(expected: Int, got: Int)

    public var description: String {
        switch self {
        case let .shapeMismatch(logits, targets):
            return "logits \(logits) do not match targets \(targets): batch sizes must agree and, when the "
                + "spatial size differs, both height and width must differ (the logits are then resized "
                + "bilinearly); resize the labels or the model output so they line up"
        case let .classWeightCount(expected, got):
            return "class weights have \(got) entries but there are \(expected) classes; give one weight per class"
        }
    }
}
