import Foundation

/// Builds a safetensors file from named tensors held in memory.
///
/// Tensors are laid out in insertion order; the JSON header lists them sorted by name and is
/// space-padded to a multiple of 8 bytes, so the same tensors always give the same bytes.
public struct SafeTensorsWriter {
    private var entries: [(info: TensorInfo, data: [UInt8])] = []
    private var cursor = 0

    public init() {}

    /// Adds a tensor from its raw little-endian bytes; `data.count` must equal `product(shape) * dtype.size`.
    public mutating func add(_ name: String, dtype: DType, shape: [Int], data: [UInt8]) {
        precondition(data.count == shape.reduce(1, *) * dtype.size, "tensor \(name): byte count does not match shape")
        entries.append((TensorInfo(name: name, dtype: dtype, shape: shape, begin: cursor, end: cursor + data.count), data))
        cursor += data.count
    }

    /// Adds an F32 tensor.
    public mutating func add(_ name: String, shape: [Int], floats: [Float]) {
        add(name, dtype: .f32, shape: shape, data: floats.withUnsafeBytes { Array($0) })
    }

    /// Adds an I64 tensor.
    public mutating func add(_ name: String, shape: [Int], int64s: [Int64]) {
        add(name, dtype: .i64, shape: shape, data: int64s.withUnsafeBytes { Array($0) })
    }

    /// The complete file image: length prefix, padded header, data.
    public func encoded(metadata: [String: String] = [:]) -> Data {
        var out = SafeTensorsWriter.header(entries.map(\.info), metadata: metadata)
        for e in entries { out.append(contentsOf: e.data) }
        return out
    }

    /// Writes the file atomically (temporary name, fsync, rename).
    ///
    /// Throws when the folder is not writable or the disk is full.
    public func write(to path: String, metadata: [String: String] = [:]) throws {
        try AtomicFile.write(encoded(metadata: metadata), to: path)
    }

    /// The 8-byte length prefix followed by the space-padded JSON header describing `tensors`.
    public static func header(_ tensors: [TensorInfo], metadata: [String: String]) -> Data {
        var parts: [String] = []
        if !metadata.isEmpty {
            let m = metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0]!))" }
            parts.append("\"__metadata__\":{\(m.joined(separator: ","))}")
        }
        for t in tensors.sorted(by: { $0.name < $1.name }) {
            let shape = t.shape.map(String.init).joined(separator: ",")
            parts.append("\(jsonString(t.name)):{\"dtype\":\"\(t.dtype.rawValue)\",\"shape\":[\(shape)],\"data_offsets\":[\(t.begin),\(t.end)]}")
        }
        var json = Array("{\(parts.joined(separator: ","))}".utf8)
        while json.count % 8 != 0 { json.append(UInt8(ascii: " ")) }
        var out = Data(capacity: 8 + json.count)
        var n = UInt64(json.count).littleEndian
        withUnsafeBytes(of: &n) { out.append(contentsOf: $0) }
        out.append(contentsOf: json)
        return out
    }

    /// A JSON string literal for `s` (quotes, backslashes and control characters escaped).
    static func jsonString(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }
}
