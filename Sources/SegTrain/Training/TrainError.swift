/// Why training cannot start or continue; the message is one sentence saying what to do.
public struct TrainError: Error, CustomStringConvertible, Equatable, Sendable {
    public var description: String

    public init(_ description: String) { self.description = description }
}
