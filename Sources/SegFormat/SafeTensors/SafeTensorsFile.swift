import Foundation

/// A memory-mapped safetensors file whose header has been fully validated.
///
/// The file is treated as hostile: the header length must fit in the file and stay at most
/// 100,000,000 bytes, the header must be a JSON object of well-formed entries, every tensor's byte
/// range must match its dtype and shape, and the ranges must tile the data section exactly (no
/// overlaps, holes or trailing bytes). Any violation throws `SafeTensorsError`; nothing is read
/// out of bounds.
public struct SafeTensorsFile: @unchecked Sendable {
    /// Largest header accepted, in bytes (the format's own limit).
    public static let maxHeaderBytes = 100_000_000

    /// Path the file was opened from.
    public let path: String
    /// Tensors in header order of their data offsets.
    public let tensors: [TensorInfo]
    /// The `__metadata__` map (empty when absent).
    public let metadata: [String: String]
    /// Byte offset of the data section from the start of the file.
    public let dataStart: Int
    private let data: Data

    /// Tensor names, in data order.
    public var names: [String] { tensors.map(\.name) }

    /// Maps and validates the file at `path`.
    ///
    /// Throws `SafeTensorsError` when the file is missing, unreadable or malformed.
    public init(path: String) throws {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch {
            // Named by what is wrong with the path, not by Foundation's wording.
            var folder: ObjCBool = false
            if !FileManager.default.fileExists(atPath: path, isDirectory: &folder) {
                throw SafeTensorsError(path: path, "does not exist; check the path")
            }
            if folder.boolValue { throw SafeTensorsError(path: path, "is a folder, not a .safetensors file; give the file inside it") }
            throw SafeTensorsError(path: path, "cannot be read; check its permissions")
        }
        try self.init(data: data, path: path)
    }

    /// Validates a safetensors image already in memory; `path` only names it in errors.
    public init(data: Data, path: String = "<memory>") throws {
        self.path = path
        self.data = data
        let parsed = try SafeTensorsHeader.parse(data, path: path)
        self.tensors = parsed.tensors
        self.metadata = parsed.metadata
        self.dataStart = parsed.dataStart
    }

    /// The header entry of `name`; throws when there is no such tensor.
    public func info(_ name: String) throws -> TensorInfo {
        guard let t = tensors.first(where: { $0.name == name }) else {
            throw SafeTensorsError(path: path, "has no tensor named '\(name)' (it has: \(names.joined(separator: ", ")))")
        }
        return t
    }

    /// Calls `body` with the raw bytes of tensor `name` (valid only inside the closure).
    public func withBytes<R>(_ name: String, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        let t = try info(name)
        return try withBytes(t, body)
    }

    /// Calls `body` with the raw bytes of the tensor described by `t`.
    public func withBytes<R>(_ t: TensorInfo, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        try data.withUnsafeBytes { raw in
            try body(UnsafeRawBufferPointer(rebasing: raw[(dataStart + t.begin)..<(dataStart + t.end)]))
        }
    }

    /// The elements of tensor `name` converted from its stored type; throws if the dtype differs.
    private func elements<T>(_ name: String, _ dtype: DType, as: T.Type) throws -> [T] {
        let t = try info(name)
        guard t.dtype == dtype else {
            throw SafeTensorsError(path: path, "tensor '\(name)' is \(t.dtype.rawValue), expected \(dtype.rawValue)")
        }
        return try withBytes(t) { raw in
            [T](unsafeUninitializedCapacity: t.count) { buf, n in
                let dst = UnsafeMutableRawBufferPointer(buf)
                if t.byteCount > 0 { dst.copyMemory(from: raw) }
                n = t.count
            }
        }
    }

    /// Tensor `name` as `[UInt8]` (dtype U8).
    public func bytes(_ name: String) throws -> [UInt8] { try elements(name, .u8, as: UInt8.self) }
    /// Tensor `name` as `[Float]` (dtype F32).
    public func floats(_ name: String) throws -> [Float] { try elements(name, .f32, as: Float.self) }
    /// Tensor `name` as `[Double]` (dtype F64).
    public func doubles(_ name: String) throws -> [Double] { try elements(name, .f64, as: Double.self) }
    /// Tensor `name` as `[Int64]` (dtype I64).
    public func int64s(_ name: String) throws -> [Int64] { try elements(name, .i64, as: Int64.self) }
    /// Tensor `name` as `[UInt16]` (dtype U16).
    public func uint16s(_ name: String) throws -> [UInt16] { try elements(name, .u16, as: UInt16.self) }
}
