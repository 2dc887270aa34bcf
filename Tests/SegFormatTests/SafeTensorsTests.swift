import Foundation
import Testing
@testable import SegFormat

/// Builds a file image from a literal header and data section.
func image(header: String, data: [UInt8] = [], declaredLength: UInt64? = nil) -> Data {
    var d = Data()
    var n = (declaredLength ?? UInt64(header.utf8.count)).littleEndian
    withUnsafeBytes(of: &n) { d.append(contentsOf: $0) }
    d.append(contentsOf: Array(header.utf8))
    d.append(contentsOf: data)
    return d
}

@Suite struct SafeTensorsTests {
    @Test func roundTrip() throws {
        var w = SafeTensorsWriter()
        w.add("b", dtype: .u8, shape: [2, 3], data: [1, 2, 3, 4, 5, 6])
        w.add("a", shape: [2], floats: [1.5, -2])
        w.add("c", shape: [1], int64s: [-7])
        let d = w.encoded(metadata: ["k": "v \"q\""])
        let header = d.withUnsafeBytes { $0.load(as: UInt64.self) }
        #expect(header % 8 == 0)
        let f = try SafeTensorsFile(data: d)
        #expect(f.names == ["b", "a", "c"])
        #expect(try f.bytes("b") == [1, 2, 3, 4, 5, 6])
        #expect(try f.floats("a") == [1.5, -2])
        #expect(try f.int64s("c") == [-7])
        #expect(f.metadata == ["k": "v \"q\""])
        #expect(try f.info("b").shape == [2, 3])
        #expect(throws: SafeTensorsError.self) { try f.floats("b") }
        let e = #expect(throws: SafeTensorsError.self) { try f.info("zz") }
        #expect(e?.reason == "has no tensor named 'zz' (it has: b, a, c)")
    }

    struct Bad: CustomTestStringConvertible, Sendable {
        var name: String
        var file: Data
        var reason: String
        var testDescription: String { name }
    }

    static let bad: [Bad] = [
        Bad(name: "too short", file: Data([1, 2, 3]), reason: "is too short to be a safetensors file"),
        Bad(name: "header beyond file", file: image(header: "{}", declaredLength: 4096), reason: "declares a header longer than the 2 bytes that follow"),
        Bad(name: "header above limit", file: image(header: "{}", declaredLength: 200_000_000), reason: "above the 100,000,000-byte limit"),
        Bad(name: "not JSON", file: image(header: "{\"a\": [1, 2"), reason: "header is not a JSON object"),
        Bad(name: "not an object", file: image(header: "[1,2,3]"), reason: "header does not start with '{'"),
        Bad(name: "unknown dtype", file: image(header: #"{"a":{"dtype":"Q9","shape":[1],"data_offsets":[0,1]}}"#, data: [0]), reason: "tensor 'a' has unknown dtype 'Q9'"),
        Bad(name: "negative dim", file: image(header: #"{"a":{"dtype":"U8","shape":[-1],"data_offsets":[0,1]}}"#, data: [0]), reason: "negative dimension"),
        Bad(name: "offsets out of range", file: image(header: #"{"a":{"dtype":"U8","shape":[8],"data_offsets":[0,8]}}"#, data: [0, 0]), reason: "outside the 2-byte data section"),
        Bad(name: "wrong dtype size", file: image(header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]), reason: "spans 4 bytes but F32 [2] needs 8"),
        Bad(name: "overlap", file: image(header: #"{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"b":{"dtype":"U8","shape":[2],"data_offsets":[1,3]}}"#, data: [0, 0, 0]), reason: "overlaps"),
        Bad(name: "hole", file: image(header: #"{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"b":{"dtype":"U8","shape":[1],"data_offsets":[2,3]}}"#, data: [0, 0, 0]), reason: "hole of 1 bytes"),
        Bad(name: "trailing bytes", file: image(header: #"{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}"#, data: [0, 9]), reason: "trailing bytes"),
        Bad(name: "overflowing shape", file: image(header: #"{"a":{"dtype":"F64","shape":[4611686018427387904,4],"data_offsets":[0,1]}}"#, data: [0]), reason: "overflows"),
        Bad(name: "metadata not strings", file: image(header: #"{"__metadata__":{"a":1}}"#), reason: "header is not a JSON object of tensor entries"),
    ]

    @Test(arguments: bad)
    func hostileFilesAreRejected(_ b: Bad) {
        let e = #expect(throws: SafeTensorsError.self) { try SafeTensorsFile(data: b.file, path: "x.safetensors") }
        #expect(e?.description.hasPrefix("x.safetensors: ") == true)
        #expect(e?.reason.contains(b.reason) == true, "\(e?.reason ?? "")")
    }

    /// Random and mutated headers never crash the reader or read out of bounds (run with
    /// `SEGPREP_FUZZ_CASES=1000000 swift test --filter fuzz` for a longer run).
    @Test func fuzz() throws {
        let cases = Int(ProcessInfo.processInfo.environment["SEGPREP_FUZZ_CASES"] ?? "") ?? 5000
        var w = SafeTensorsWriter()
        w.add("image", dtype: .u8, shape: [2, 4, 4, 3], data: [UInt8](repeating: 7, count: 96))
        w.add("label", dtype: .u16, shape: [2, 4, 4], data: [UInt8](repeating: 1, count: 64))
        let valid = [UInt8](w.encoded(metadata: ["a": "b"]))
        var rng = SystemRandomNumberGenerator()
        var accepted = 0
        for i in 0..<cases {
            var bytes = valid
            switch i % 4 {
            case 0: // flip random bytes (often in the header)
                for _ in 0..<Int.random(in: 1...4, using: &rng) {
                    let at = Int.random(in: 0..<min(bytes.count, 200), using: &rng)
                    bytes[at] = UInt8.random(in: 0...255, using: &rng)
                }
            case 1: // truncate or extend
                bytes = Int.random(in: 0...1, using: &rng) == 0
                    ? Array(bytes.prefix(Int.random(in: 0..<bytes.count, using: &rng)))
                    : bytes + [UInt8](repeating: 0, count: Int.random(in: 1...16, using: &rng))
            case 2: // random digits in the header
                let header = Array(bytes[8..<200])
                let digits = header.indices.filter { (48...57).contains(header[$0]) }
                if let d = digits.randomElement(using: &rng) { bytes[8 + d] = UInt8.random(in: 48...57, using: &rng) }
            default: // random bytes with a plausible length prefix
                let n = Int.random(in: 0...64, using: &rng)
                bytes = [UInt8(n), 0, 0, 0, 0, 0, 0, 0] + (0..<Int.random(in: 0...80, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            }
            if let f = try? SafeTensorsFile(data: Data(bytes)) {
                accepted += 1
                for t in f.tensors {
                    let n = try f.withBytes(t) { $0.count }
                    #expect(n == t.count * t.dtype.size)
                }
            }
        }
        #expect(accepted < cases)
    }
}
