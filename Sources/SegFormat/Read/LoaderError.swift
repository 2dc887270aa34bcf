/// Why shard folders cannot be loaded; the message is one sentence saying what to do.
public struct LoaderError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The full message, e.g. "out/voc/shard-00003.safetensors is missing although …; rerun …".
    public var description: String

    public init(_ description: String) { self.description = description }
}
