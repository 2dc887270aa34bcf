import Foundation
import SegFormat

/// The per-epoch log `log.jsonl`: one `EpochRecord` per line, rewritten atomically after every epoch.
public struct TrainLog: Sendable {
    /// The file's path.
    public let path: String
    /// Records in epoch order.
    public private(set) var records: [EpochRecord] = []

    /// A log at `path`, empty (a fresh run) or holding the records of epochs up to `keepThrough`
    /// read from an existing file (a resumed run; later lines belong to the abandoned future).
    public init(path: String, keepThrough: Int? = nil) {
        self.path = path
        guard let keep = keepThrough, let text = try? String(contentsOfFile: path, encoding: .utf8) else { return }
        records = text.split(separator: "\n").compactMap { EpochRecord(jsonLine: String($0)) }.filter { $0.epoch <= keep }
    }

    /// Appends `record` and rewrites the file.
    ///
    /// - Throws: file-system errors (folder missing or not writable, disk full).
    public mutating func append(_ record: EpochRecord) throws {
        records.append(record)
        try write()
    }

    /// Writes all records (atomically).
    public func write() throws {
        let text = records.map(\.jsonLine).joined(separator: "\n") + (records.isEmpty ? "" : "\n")
        try AtomicFile.write(Data(text.utf8), to: path)
    }
}
