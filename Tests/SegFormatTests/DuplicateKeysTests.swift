import Foundation
import Testing
@testable import SegFormat

/// `DuplicateKeys` against what the JSON means: keys compared per object as decoded strings (escapes
/// included), nested objects and arrays apart, values never taken for keys, and any bytes scanned
/// without a trap.
@Suite struct DuplicateKeysTests {
    func first(_ text: String) -> String? { DuplicateKeys.first(in: Data(text.utf8)) }

    @Test func keysRepeatedInOneObjectAreFound() {
        #expect(first(#"{"a": 1, "a": 2}"#) == "a")
        #expect(first(#"{"a": 1, "\u0061": 2}"#) == "a")   // the same key, written with an escape
        #expect(first(#"{"x": {"b": [1, {"c": 0, "c": 1}]}}"#) == "c")
        #expect(first(#"{"q\"z": 1, "q\"z": 2}"#) == "q\"z")
        // Past the first 16 keys, where they are hashed.
        let many = (0..<40).map { "\"k\($0)\": \($0)" }.joined(separator: ", ")
        #expect(first("{\(many), \"k33\": 0}") == "k33")
    }

    @Test func keysOfOtherObjectsAndValuesAreNotDuplicates() {
        #expect(first(#"{"a": {"a": 1}, "b": {"a": 2}}"#) == nil)
        #expect(first(#"[{"a": 1}, {"a": 2}]"#) == nil)
        #expect(first(#"{"a": "a", "b": ["a", "a"], "c": "{\"a\": 1, \"a\": 2}"}"#) == nil)
        #expect(first(#"{"a\u0062": 1, "ab\\": 2}"#) == nil)
        let wide = (0..<20_000).map { "\"k\($0)\": \($0)" }.joined(separator: ",")
        #expect(first("{\(wide)}") == nil)
    }

    @Test func hostileShapesStayLinear() {
        // 300,000 keys in one object (each insertion in place, not a copy of the set so far), and
        // a million brackets (the scan stops past the decoder's depth instead of growing a stack).
        let keys = (0..<300_000).map { "\"k\($0)\":0" }.joined(separator: ",")
        #expect(first("{\(keys),\"k299999\":1}") == "k299999")
        #expect(first(String(repeating: "[", count: 1_000_000)) == nil)
        #expect(first(String(repeating: "{\"a\":", count: 600) + "{\"b\":1,\"b\":2}") == nil)   // beyond 512: the decoder's
        #expect(first(String(repeating: "{\"a\":", count: 100) + "{\"b\":1,\"b\":2}") == "b")
    }

    @Test func anyBytesAreScannedWithoutATrap() {
        for text in ["", "{", "}", "]]]]{{{", "\"", "{\"a", "{\"a\\", "{\"a\": \"\\", "{\"\\u12\": 1, \"\\u12\": 2}", ",,,,{,\"a\",\"a\""] {
            _ = first(text)
        }
        var bytes = [UInt8](repeating: 0, count: 4096)
        var state: UInt64 = 7
        for i in bytes.indices {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            bytes[i] = [UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: ","), UInt8(ascii: "a"), UInt8(ascii: "[")][Int(state >> 61) % 7]
        }
        _ = DuplicateKeys.first(in: Data(bytes))
    }

    @Test func aSafetensorsHeaderGivingATensorTwiceIsRefused() throws {
        let header = #"{"image": {"dtype": "U8", "shape": [1], "data_offsets": [0, 1]}, "image": {"dtype": "U8", "shape": [1], "data_offsets": [1, 2]}}"#
        var data = Data()
        var n = UInt64(header.utf8.count).littleEndian
        withUnsafeBytes(of: &n) { data.append(contentsOf: $0) }
        data.append(contentsOf: Array(header.utf8) + [1, 2])
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("dup-\(UUID().uuidString).safetensors")
        try data.write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        do {
            _ = try SafeTensorsFile(path: url.path)
            Issue.record("a header with a tensor given twice was read")
        } catch {
            #expect("\(error)".contains("header gives the key 'image' twice"), "\(error)")
        }
    }
}
