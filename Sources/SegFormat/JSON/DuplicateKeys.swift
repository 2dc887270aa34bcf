import Foundation

/// The first key a JSON text gives twice in one object. Foundation's decoders keep one of the values
/// silently and Python's `json` the other, so a file with such a key could read as different data to
/// the CLI and to the Python package: the readers refuse it instead. No library reports this, hence
/// the scan by hand; it follows only strings and brackets (whether the text is valid JSON is the
/// decoder's to say) and reads each byte once.
public enum DuplicateKeys {
    /// The key given twice (decoded), nil when every object's keys differ.
    public static func first(in data: Data) -> String? {
        data.withUnsafeBytes { raw in scan(raw.bindMemory(to: UInt8.self)) }
    }

    /// An object's keys so far: compared one by one while few, then hashed.
    struct Keys {
        var few: [[UInt8]] = []
        var many: Set<[UInt8]>?

        /// Adds `key`; false when it was there already.
        mutating func insert(_ key: [UInt8]) -> Bool {
            if many != nil { return many?.insert(key).inserted ?? false }
            if few.contains(key) { return false }
            few.append(key)
            if few.count > 16 { many = Set(few); few = [] }
            return true
        }
    }

    static func scan(_ b: UnsafeBufferPointer<UInt8>) -> String? {
        let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\")
        var stack: [Keys?] = []   // one per open container: nil for an array
        var expectKey = false
        var i = 0
        while i < b.count {
            switch b[i] {
            case UInt8(ascii: "{"):
                stack.append(Keys())
                expectKey = true
            case UInt8(ascii: "["):
                stack.append(nil)
                expectKey = false
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                if !stack.isEmpty { stack.removeLast() }
                expectKey = false
            case UInt8(ascii: ","):
                if let top = stack.last { expectKey = top != nil } else { expectKey = false }
            case quote:
                var j = i + 1, escaped = false
                while j < b.count && b[j] != quote {
                    if b[j] == backslash { escaped = true; j += 1 }
                    j += 1
                }
                if expectKey, !stack.isEmpty, var keys = stack[stack.count - 1] {
                    let raw = Array(b[(i + 1)..<min(j, b.count)])
                    let key = escaped ? canonical(raw) : raw
                    if !keys.insert(key) { return String(decoding: key, as: UTF8.self) }
                    stack[stack.count - 1] = keys
                    expectKey = false
                }
                i = j
            default:
                break
            }
            i += 1
        }
        return nil
    }

    /// A key written with escapes as the bytes it stands for ("\u0061" is "a"); as written when the
    /// escapes are not valid JSON (the decoder then refuses the text anyway).
    static func canonical(_ raw: [UInt8]) -> [UInt8] {
        let quoted = Data([UInt8(ascii: "\"")] + raw + [UInt8(ascii: "\"")])
        guard let s = try? JSONDecoder().decode(String.self, from: quoted) else { return raw }
        return Array(s.utf8)
    }
}
