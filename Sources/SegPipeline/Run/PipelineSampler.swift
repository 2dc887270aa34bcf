import SegImage
import Foundation
import SegFormat

/// A pipeline's samples made on demand: sample `index` of epoch `epoch` is, byte for byte, what
/// `seg-prep run` writes for source sample `index`, repeat `epoch` (a run with `repeats: R` holds
/// epochs `0..<R`). Nothing is written; any epoch can be made again later.
///
/// Safe to call from several threads at once: the pipeline and its input listing are values, and
/// every draw is keyed by (seed, id, epoch, stage). libvips starts on the first sample that needs
/// it, not when the pipeline is opened (so a process can open it, then fork workers).
public struct PipelineSampler: Sendable {
    public let spec: PipelineSpec
    public let input: DatasetInput
    /// The input's other samples, for multi-image stages.
    let donors: Donors?
    /// Whether some source image is not a JPEG (libvips decodes those).
    let needsVips: Bool

    /// Opens the pipeline at `path`: `inputRoot` replaces its `input.root`, `seed` its `seed`.
    ///
    /// Throws `PipelineError` (with `file:line:column`) for a bad file, `InputError` when the dataset
    /// cannot be listed, and what a run throws for too few samples for a multi-image stage.
    public init(path: String, inputRoot: String? = nil, seed: UInt64? = nil) throws {
        var spec = try PipelineSpec.load(path: path)
        if let seed { spec.seed = seed }
        try self.init(spec: spec, inputRoot: inputRoot)
    }

    /// The samples of `spec`, whose dataset is listed from `inputRoot` when given.
    public init(spec: PipelineSpec, inputRoot: String? = nil) throws {
        // The process's settings (libvips' environment among them) made here, on the thread that
        // opens the pipeline, before concurrent renders: setenv beside their getenv is undefined.
        // libvips itself starts on the first sample that needs it (none before a fork).
        try Vips.start()
        _ = try SIMDPath.active()   // a bad SEGPREP_SIMD is refused here as a run refuses it
        let input = try DatasetInput(spec, root: inputRoot)
        donors = try spec.donors(for: input.records)
        self.spec = spec
        self.input = input
        needsVips = input.records.contains { !ImageCodec.isJPEGName($0.image) }
    }

    /// Source samples (one per id, or per window of a `tile` stage), in the run's order.
    public var count: Int { input.records.count }
    /// Their ids in order.
    public var ids: [String] { input.ids }
    public var height: Int { spec.height }
    public var width: Int { spec.width }
    /// Bytes of one image: `height * width * 3` (packed RGB).
    public var imageBytes: Int { spec.height * spec.width * 3 }
    /// Bytes of one label: `height * width * labelBytes` (native-endian U16 when `labelBytes` is 2).
    public var labelBytes: Int { spec.height * spec.width * spec.labelBytes }

    /// Sample `index` of epoch `epoch`: every stage run on it, checked as a run checks it.
    ///
    /// Throws `SamplerError` for an index or epoch out of range (or a process forked after libvips
    /// started, where libvips would hang), `SampleError` naming the file at
    /// fault for a bad source file, `VipsError` when libvips cannot start.
    public func sample(_ index: Int, epoch: Int) throws -> Sample {
        guard (0..<count).contains(index) else { throw SamplerError.indexOutOfRange(index: index, count: count, file: spec.file) }
        guard epoch >= 0 else { throw SamplerError.negativeEpoch(epoch: epoch, file: spec.file) }
        guard !Vips.startedBeforeFork else { throw SamplerError.forkedAfterVips(file: spec.file) }
        try Vips.start(vips: needsVips)
        return try spec.make(input.records[index], repeatIndex: epoch, donors: donors)
    }

    /// Makes sample `index` of epoch `epoch` into `image` (`imageBytes`) and `label` (`labelBytes`),
    /// the bytes a shard stores for it, and returns its drawn parameters.
    ///
    /// Throws `SamplerError.bufferSize` when a buffer has the wrong size (before any work), and what
    /// `sample(_:epoch:)` throws.
    public func render(_ index: Int, epoch: Int, image: UnsafeMutableRawBufferPointer,
                       label: UnsafeMutableRawBufferPointer) throws -> [String: Double] {
        guard image.count == imageBytes else { throw SamplerError.bufferSize(what: "image", bytes: UInt(image.count), needed: imageBytes) }
        guard label.count == labelBytes else { throw SamplerError.bufferSize(what: "label", bytes: UInt(label.count), needed: labelBytes) }
        let s = try sample(index, epoch: epoch)
        s.image.pixels.withUnsafeBytes { image.copyMemory(from: $0) }
        s.label.pixels.withUnsafeBytes { label.copyMemory(from: $0) }
        return s.params
    }

    /// Drawn parameters as key-sorted JSON (numbers as the manifest writes them).
    public static func json(_ params: [String: Double]) -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        // Encoding a [String: Double] fails only for non-finite values, which no stage records.
        return (try? e.encode(params)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"

    }
}

/// Why a sample cannot be made from a pipeline.
public enum SamplerError: Error, CustomStringConvertible, Sendable, Equatable {
    /// `index` is not one of the `count` source samples of pipeline `file`.
    case indexOutOfRange(index: Int, count: Int, file: String)
    /// Epochs count from 0.
    case negativeEpoch(epoch: Int, file: String)
    /// This process was forked from one that had already made samples with libvips.
    case forkedAfterVips(file: String)
    /// A caller's buffer for `what` holds `bytes`, not the `needed` bytes of a sample.
    case bufferSize(what: String, bytes: UInt, needed: Int)

    public var description: String {
        switch self {
        case .indexOutOfRange(let index, let count, let file):
            let valid = count > 0 ? "0..\(count - 1)" : "none"
            return "\(file): sample index \(index) is out of range: the pipeline's input lists \(count) samples (\(valid)); pass an index below \(count)"
        case .negativeEpoch(let epoch, let file):
            return "\(file): epoch \(epoch) is out of range; epochs count from 0 (epoch e is the run's repeat e)"
        case .forkedAfterVips(let file):
            return "\(file): this process was forked from one that had already made samples, and libvips cannot run after fork; make no sample in the parent before starting workers, or start them with spawn"
        case .bufferSize(let what, let bytes, let needed):
            return "the \(what) buffer holds \(bytes) bytes but a sample's \(what) is \(needed) bytes; allocate \(needed) bytes"
        }
    }
}
