import SegImage
import Foundation

/// A dataset layout: the keys it takes under `input:`, how it lists a split's samples, and how it
/// reads a label file into class indices.
///
/// A new source is one file with a type conforming to `InputSource` plus one line in
/// `SourceRegistry.all` (copy `VOCSource.swift`).
public protocol InputSource: Sendable {
    /// Name (the `format:` value), documentation and keys; the parser and the docs read this.
    static var declaration: SourceDeclaration { get }
    /// Builds the source from its checked keys; relative paths resolve against `base`; `classes`
    /// are the pipeline's class names.
    init(_ keys: ParameterValues, base: URL, classes: [String]) throws
    /// The dataset folder (absolute).
    var root: String { get }
    /// The samples of the split in a stable order, with `root` in place of the file's root.
    ///
    /// Throws `InputError` naming the file and line at fault (missing split, duplicate or unsafe
    /// ids, files leading out of the dataset).
    func records(root: String) throws -> [SampleRecord]
    /// The bytes of a record's image file, refused unread when larger than any image of at most
    /// `maxPixels` pixels can be.
    ///
    /// Throws `SampleError` naming the file.
    func imageData(_ record: SampleRecord, maxPixels: Int) throws -> Data
    /// The class indices of a label file's bytes (1 channel).
    ///
    /// Throws `SampleError` naming `record.label`.
    func readLabel(_ data: Data, record: SampleRecord) throws -> Raster
    /// The size a label file's bytes declare, read from its header without decoding it (nil when
    /// unknown), so a file claiming a huge map is refused before anything is allocated.
    func labelSize(_ data: Data, record: SampleRecord) -> (width: Int, height: Int)?
    /// A map from the values a label file holds (the index; 256 entries for 8-bit files, values
    /// beyond the table kept) to class indices (`ignore` resolved to `ignore`), applied after
    /// reading; nil when the values are the classes.
    func labelTable(ignore: Int) -> [UInt16]?
}

extension InputSource {
    /// Palette or greyscale PNGs whose values are the class indices.
    public func readLabel(_ data: Data, record: SampleRecord) throws -> Raster {
        try ImageCodec.readLabel(data, id: record.id, path: record.label)
    }

    public func labelTable(ignore: Int) -> [UInt16]? { nil }

    /// A PNG's IHDR size.
    public func labelSize(_ data: Data, record: SampleRecord) -> (width: Int, height: Int)? { ImageCodec.pngSize(data) }

    public func imageData(_ record: SampleRecord, maxPixels: Int) throws -> Data {
        try FileGate.read(record.image, id: record.id, what: "image", maxPixels: maxPixels)
    }
}

/// What a source is, for the parser and the docs.
public struct SourceDeclaration: Sendable {
    /// The `format:` value.
    public var name: String
    public var summary: String
    public var details: String
    /// The keys of `input:` besides `format`.
    public var keys: [Parameter]

    public init(name: String, summary: String, details: String, keys: [Parameter]) {
        self.name = name; self.summary = summary; self.details = details; self.keys = keys
    }
}
