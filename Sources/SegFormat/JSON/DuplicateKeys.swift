import Foundation

/// The first key a JSON text gives twice in one object. Foundation's decoders keep one of the values
/// silently and Python's `json` the other, so a file with such a key could read as different data to
/// the CLI and to the Python package: the readers refuse it instead. No library reports this, hence
/// the scan by hand; it follows only strings and brackets (whether the text is valid JSON is the
/// decoder's to say), reads each byte once and keeps each object's keys in one set, updated in place.
public enum DuplicateKeys {
    /// Deeper than this, the scan stops and leaves the text to the decoder, which refuses such depth
    /// (its limit is 512): a file of brackets must not grow the scan's stack without bound.
    static let maxDepth = 512

    /// The key given twice (decoded), nil when every object's keys differ (or the text is nested
    /// beyond `maxDepth`).
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

    // The bytes the scan looks at.
    static let openObject: UInt8 = 0x7B, closeObject: UInt8 = 0x7D, openArray: UInt8 = 0x5B, closeArray: UInt8 = 0x5D
    static let comma: UInt8 = 0x2C, quote: UInt8 = 0x22, backslash: UInt8 = 0x5C

    static func scan(_ b: UnsafeBufferPointer<UInt8>) -> String? {
        // Open containers in order (true: an object), and the keys of the open objects.
        var isObject: [Bool] = []
        var objects: [Keys] = []
        var expectKey = false
        let decoder = JSONDecoder()
        var i = 0
        while i < b.count {
            switch b[i] {
            case openObject, openArray:
                guard isObject.count < maxDepth else { return nil }
                let object = b[i] == openObject
                isObject.append(object)
                if object { objects.append(Keys()) }
                expectKey = object
            case closeObject, closeArray:
                if let last = isObject.popLast(), last { objects.removeLast() }
                expectKey = false
            case comma:
                expectKey = isObject.last ?? false
            case quote:
                var j = i + 1, escaped = false
                while j < b.count && b[j] != quote {
                    if b[j] == backslash { escaped = true; j += 1 }
                    j += 1
                }
                if expectKey, !objects.isEmpty {
                    let raw = Array(b[(i + 1)..<min(j, b.count)])
                    let key = escaped ? canonical(raw, decoder) : raw
                    if !objects[objects.count - 1].insert(key) { return String(decoding: key, as: UTF8.self) }
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
    static func canonical(_ raw: [UInt8], _ decoder: JSONDecoder) -> [UInt8] {
        let quoted = Data([quote] + raw + [quote])
        guard let s = try? decoder.decode(String.self, from: quoted) else { return raw }
        return Array(s.utf8)
    }
}
