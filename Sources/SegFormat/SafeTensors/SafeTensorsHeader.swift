import Foundation

/// Parses and validates the header of a safetensors image.
enum SafeTensorsHeader {
    struct Parsed {
        var tensors: [TensorInfo]
        var metadata: [String: String]
        var dataStart: Int
    }

    static func parse(_ data: Data, path: String) throws -> Parsed {
        func fail(_ reason: String) -> SafeTensorsError { SafeTensorsError(path: path, reason) }
        guard data.count >= 8 else {
            throw fail("is too short to be a safetensors file (\(data.count) bytes, need at least 8)")
        }
        let n = data.withUnsafeBytes { raw -> UInt64 in
            var v: UInt64 = 0
            for i in 0..<8 { v |= UInt64(raw[i]) << (8 * UInt64(i)) }
            return v
        }
        guard n <= UInt64(SafeTensorsFile.maxHeaderBytes) else {
            throw fail("declares a header above the 100,000,000-byte limit; the file is corrupt or not a safetensors file")
        }
        guard n <= UInt64(data.count - 8) else {
            throw fail("declares a header longer than the \(data.count - 8) bytes that follow; the file is truncated or not a safetensors file")
        }
        let headerLength = Int(n)
        let header = data.subdata(in: 8..<(8 + headerLength))
        guard header.first == UInt8(ascii: "{") else {
            throw fail("header does not start with '{'; not a safetensors file")
        }
        if let key = DuplicateKeys.first(in: header) {
            throw fail("header gives the key '\(key.prefix(64))' twice, which readers could take either of; the file was edited or is not seg-prep's")
        }
        let values: [String: HeaderValue]
        do {
            values = try JSONDecoder().decode([String: HeaderValue].self, from: header)
        } catch {
            throw fail("header is not a JSON object of tensor entries (dtype, shape, data_offsets) and __metadata__ strings")
        }
        let dataStart = 8 + headerLength
        let dataSize = data.count - dataStart
        var metadata: [String: String] = [:]
        var tensors: [TensorInfo] = []
        for (key, value) in values {
            switch value {
            case .metadata(let m):
                guard key == "__metadata__" else { throw fail("entry '\(key)' is not a tensor entry") }
                metadata = m
            case .tensor(let raw):
                guard key != "__metadata__" else { throw fail("__metadata__ is not a string map") }
                tensors.append(try entry(key, raw, dataSize: dataSize, fail: fail))
            }
        }
        tensors.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
        var cursor = 0
        for t in tensors {
            if t.begin < cursor {
                throw fail("tensor '\(t.name)' overlaps the tensor before it (offset \(t.begin) < \(cursor))")
            }
            if t.begin > cursor {
                throw fail("data section has a hole of \(t.begin - cursor) bytes before tensor '\(t.name)'")
            }
            cursor = t.end
        }
        if cursor != dataSize {
            throw fail("data section is \(dataSize) bytes but the tensors cover \(cursor); the file is truncated or has trailing bytes")
        }
        return Parsed(tensors: tensors, metadata: metadata, dataStart: dataStart)
    }

    private enum HeaderValue: Decodable {
        case tensor(RawEntry)
        case metadata([String: String])

        init(from decoder: Decoder) throws {
            if let t = try? RawEntry(from: decoder) {
                self = .tensor(t)
            } else {
                self = .metadata(try [String: String](from: decoder))
            }
        }
    }

    private struct RawEntry: Decodable {
        var dtype: String
        var shape: [Int]
        var data_offsets: [Int]
    }

    private static func entry(
        _ name: String, _ e: RawEntry, dataSize: Int, fail: (String) -> SafeTensorsError
    ) throws -> TensorInfo {
        guard let dtype = DType(rawValue: e.dtype) else { throw fail("tensor '\(name)' has unknown dtype '\(e.dtype)'") }
        var count = 1
        for v in e.shape {
            guard v >= 0 else { throw fail("tensor '\(name)' has a negative dimension \(v)") }
            let (m, o) = count.multipliedReportingOverflow(by: v)
            guard !o else { throw fail("tensor '\(name)' has a shape whose size overflows") }
            count = m
        }
        guard e.data_offsets.count == 2 else {
            throw fail("tensor '\(name)' has \(e.data_offsets.count) data_offsets, expected 2")
        }
        let b = e.data_offsets[0], en = e.data_offsets[1]
        guard b >= 0, b <= en, en <= dataSize else {
            throw fail("tensor '\(name)' has data_offsets [\(b), \(en)] outside the \(dataSize)-byte data section")
        }
        let (bytes, o) = count.multipliedReportingOverflow(by: dtype.size)
        guard !o, bytes == en - b else {
            throw fail("tensor '\(name)' spans \(en - b) bytes but \(dtype.rawValue) \(e.shape) needs \(o ? "more than Int.max" : String(bytes))")
        }
        return TensorInfo(name: name, dtype: dtype, shape: e.shape, begin: b, end: en)
    }
}
