import Foundation

/// The samples of a pipeline's input, listed by its source: one record per sample, in order.
public struct DatasetInput: Sendable {
    /// The dataset folder the records were listed from.
    public var root: String
    public var records: [SampleRecord]
    /// The source that listed them (it also reads their labels).
    public let source: any InputSource

    /// The sample ids in order.
    public var ids: [String] { records.map(\.id) }

    /// Lists the samples of `source`, with `root` (when given) in place of the file's root.
    ///
    /// Throws `InputError` naming the file at fault.
    public init(_ source: any InputSource, root overrideRoot: String? = nil) throws {
        let root = overrideRoot.map { URL(fileURLWithPath: $0).standardizedFileURL.path } ?? source.root
        self.root = root
        self.source = source
        records = try source.records(root: root)
    }
}
