import SegImage
// The C interface of libsegprep (include/segprep.h): `PipelineSampler` behind opaque handles,
// errors as status codes plus a per-thread message. The Swift side stays the only implementation;
// this file only converts arguments, results and errors.
import Foundation
import SegPipeline
import SegLoader

/// The status codes of segprep.h (`enum segprep_status`).
enum Status: Int32 {
    case ok = 0, argument, pipeline, input, range, sample, buffer, other

    /// The code of a thrown error.
    init(_ error: any Error) {
        switch error {
        case is PipelineError: self = .pipeline
        case is InputError: self = .input
        case is SampleError: self = .sample
        case let e as SamplerError:
            switch e {
            case .indexOutOfRange, .negativeEpoch: self = .range
            case .bufferSize: self = .buffer
            case .forkedAfterVips: self = .other
            }
        case is ArgumentError: self = .argument
        default: self = .other
        }
    }
}

/// A missing or closed argument of a call.
struct ArgumentError: Error, CustomStringConvertible {
    var description: String
}

/// What a handle holds: the opened pipeline (immutable, so renders may run concurrently).
final class Handle: Sendable {
    let sampler: PipelineSampler
    init(_ sampler: PipelineSampler) { self.sampler = sampler }
}

/// The per-thread slot of the last failure's message (a `strdup`ed string, freed when replaced
/// or when the thread ends). A pthread key stays valid in a forked child.
let messageKey: pthread_key_t = {
    var key = pthread_key_t()
    _ = pthread_key_create(&key) { free($0) }
    return key
}()

/// Records `error`'s message for `segprep_last_error` and returns its status.
func fail(_ error: any Error) -> Int32 {
    let old = pthread_getspecific(messageKey)
    _ = pthread_setspecific(messageKey, strdup(String(describing: error)))
    free(old)
    return Status(error).rawValue
}

/// Runs `body`, turning a thrown error into its status code and message.
func call(_ body: () throws -> Void) -> Int32 {
    do {
        try body()
        return Status.ok.rawValue
    } catch {
        return fail(error)
    }
}

/// The handle behind `p`, or an `ArgumentError`.
func handle(_ p: OpaquePointer?) throws -> Handle {
    guard let p else { throw ArgumentError(description: "the pipeline handle is NULL; pass the handle segprep_open returned") }
    return Unmanaged<Handle>.fromOpaque(UnsafeRawPointer(p)).takeUnretainedValue()
}

/// Stores a copy of `text` (free with `segprep_free`) in `out`.
func give(_ text: String, to out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, what: String) throws {
    guard let out else { throw ArgumentError(description: "the pointer for the \(what) is NULL; pass the address of a char *") }
    out.pointee = strdup(text)
}

@_cdecl("segprep_open")
public func segprep_open(_ path: UnsafePointer<CChar>?, _ inputRoot: UnsafePointer<CChar>?, _ seed: Int64,
                         _ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    call {
        guard let path, let out else { throw ArgumentError(description: "segprep_open needs a pipeline path and a place for the handle (both were not given)") }
        guard seed >= -1 else { throw ArgumentError(description: "seed \(seed) is negative; pass a seed from 0, or -1 for the file's") }
        // A pipe (or a FIFO without a writer) would block here, in a call the caller cannot
        // interrupt, and each worker process opens the file again: the library reads files only.
        var st = stat()
        if stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFIFO {
            throw ArgumentError(description: "\(String(cString: path)): is a pipe; the library opens the pipeline again in each worker process, so give a regular file")
        }
        let sampler = try PipelineSampler(path: String(cString: path), inputRoot: inputRoot.map { String(cString: $0) },
                                          seed: seed >= 0 ? UInt64(seed) : nil)
        out.pointee = OpaquePointer(Unmanaged.passRetained(Handle(sampler)).toOpaque())
    }
}

@_cdecl("segprep_count")
public func segprep_count(_ p: OpaquePointer?) -> Int64 {
    (try? handle(p)).map { Int64($0.sampler.count) } ?? -1
}

@_cdecl("segprep_id")
public func segprep_id(_ p: OpaquePointer?, _ index: Int64, _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    call {
        let s = try handle(p).sampler
        guard index >= 0, index < Int64(s.count) else {
            throw SamplerError.indexOutOfRange(index: Int(index), count: s.count, file: s.spec.file)
        }
        try give(s.ids[Int(index)], to: out, what: "id")
    }
}

@_cdecl("segprep_shape")
public func segprep_shape(_ p: OpaquePointer?, _ height: UnsafeMutablePointer<Int64>?, _ width: UnsafeMutablePointer<Int64>?,
                          _ labelBytes: UnsafeMutablePointer<Int64>?) -> Int32 {
    call {
        let spec = try handle(p).sampler.spec
        height?.pointee = Int64(spec.height)
        width?.pointee = Int64(spec.width)
        labelBytes?.pointee = Int64(spec.labelBytes)
    }
}

@_cdecl("segprep_info")
public func segprep_info(_ p: OpaquePointer?, _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    call {
        let s = try handle(p).sampler
        let info: [String: Any] = [
            "file": s.spec.file, "height": s.spec.height, "width": s.spec.width, "label_bytes": s.spec.labelBytes,
            "classes": s.spec.classes, "ignore_index": s.spec.ignoreIndex, "seed": Int(clamping: s.spec.seed), "repeats": s.spec.repeats,
            "one_hot": s.spec.oneHot, "ids": s.ids,
        ]
        let data = try JSONSerialization.data(withJSONObject: info, options: [.sortedKeys])
        try give(String(decoding: data, as: UTF8.self), to: out, what: "info")
    }
}

@_cdecl("segprep_render")
public func segprep_render(_ p: OpaquePointer?, _ index: Int64, _ epoch: Int64,
                           _ image: UnsafeMutablePointer<UInt8>?, _ imageSize: UInt, _ label: UnsafeMutableRawPointer?, _ labelSize: UInt,
                           _ params: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    call {
        let s = try handle(p).sampler
        guard let image, let label else { throw ArgumentError(description: "the image or label buffer is NULL; pass buffers of the sample's size (segprep_shape)") }
        // (size_t: a size past Int.max is no buffer of this process, and no sample's size)
        guard let imageCount = Int(exactly: imageSize) else { throw SamplerError.bufferSize(what: "image", bytes: imageSize, needed: s.imageBytes) }
        guard let labelCount = Int(exactly: labelSize) else { throw SamplerError.bufferSize(what: "label", bytes: labelSize, needed: s.labelBytes) }
        let drawn = try s.render(Int(index), epoch: Int(epoch),
                                 image: UnsafeMutableRawBufferPointer(start: image, count: imageCount),
                                 label: UnsafeMutableRawBufferPointer(start: label, count: labelCount))
        if let params { params.pointee = strdup(PipelineSampler.json(drawn)) }
    }
}

@_cdecl("segprep_render_tensors")
public func segprep_render_tensors(_ p: OpaquePointer?, _ index: Int64, _ epoch: Int64, _ table: UnsafePointer<Float>?,
                                   _ image: UnsafeMutablePointer<Float>?, _ imageSize: UInt, _ label: UnsafeMutablePointer<Int64>?,
                                   _ labelSize: UInt, _ classes: Int64, _ fill: Int64,
                                   _ params: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    call {
        let s = try handle(p).sampler
        guard let table, let image, let label else {
            throw ArgumentError(description: "the table, image or label pointer is NULL; pass a 768-float table and buffers of the sample's size (segprep_shape)")
        }
        let plane = s.height * s.width
        guard imageSize == UInt(12 * plane) else { throw SamplerError.bufferSize(what: "float32 image", bytes: imageSize, needed: 12 * plane) }
        guard labelSize == UInt(8 * plane) else { throw SamplerError.bufferSize(what: "int64 label", bytes: labelSize, needed: 8 * plane) }
        let sample = try s.sample(Int(index), epoch: Int(epoch))
        // A sample leaves `sample` checked against the pipeline's output size, as a run checks it.
        guard sample.image.pixels.count == 3 * plane, sample.label.pixels.count == plane * s.spec.labelBytes else {
            throw SampleError(id: sample.id, file: sample.imagePath,
                              problem: "came out \(sample.image.width)x\(sample.image.height), not the pipeline's \(s.width)x\(s.height)",
                              fix: "end \(s.spec.file) with a stage that fixes the output size (pad, random_crop or resize)")
        }
        sample.image.pixels.withUnsafeBufferPointer { rgb in
            if let base = rgb.baseAddress { PlaneConversion.planes(base, pixels: plane, into: image, table: table) }
        }
        sample.label.pixels.withUnsafeBytes { raw in
            if let base = raw.baseAddress {
                PlaneConversion.labels(base, count: plane, bytesPerValue: s.spec.labelBytes, into: label, classes: classes, fill: fill)
            }
        }
        if let params { params.pointee = strdup(PipelineSampler.json(sample.params)) }
    }
}

@_cdecl("segprep_last_error")
public func segprep_last_error() -> UnsafePointer<CChar>? {
    if let m = pthread_getspecific(messageKey) { return UnsafePointer(m.assumingMemoryBound(to: CChar.self)) }
    return UnsafePointer(emptyMessage)
}

/// The message before any failure.
nonisolated(unsafe) let emptyMessage: UnsafeMutablePointer<CChar>? = strdup("")

@_cdecl("segprep_free")
public func segprep_free(_ s: UnsafeMutablePointer<CChar>?) { free(s) }

@_cdecl("segprep_close")
public func segprep_close(_ p: OpaquePointer?) {
    guard let p else { return }
    Unmanaged<Handle>.fromOpaque(UnsafeRawPointer(p)).release()
}
