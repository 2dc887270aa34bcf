/// Why a safetensors file could not be read or written; each case reads as one sentence.
public struct SafeTensorsError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file concerned.
    public var path: String
    /// What is wrong, as a sentence fragment.
    public var reason: String

    public init(path: String, _ reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(path): \(reason)" }
}
