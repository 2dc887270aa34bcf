import Foundation

/// The checksum a shard folder's manifest carries for each shard.
public enum ChecksumAlgorithm: String, Sendable, CaseIterable, Codable {
    /// XXH3-128 (the default): integrity against accidental damage.
    case xxh3 = "xxh3-128"
    /// SHA-256: a cryptographic hash, for users who want one.
    case sha256

    /// The name in messages.
    public var title: String { self == .xxh3 ? "XXH3-128" : "SHA-256" }

    /// Hex digits of a digest: 32 for XXH3-128, 64 for SHA-256.
    public var hexLength: Int { self == .xxh3 ? 32 : 64 }

    /// A new incremental hasher.
    func hasher() -> any StreamingHasher { self == .xxh3 ? XXH3Hasher() : SHA256Hasher() }

    /// The digest of a whole file, read in 4 MiB chunks.
    ///
    /// Throws when the file cannot be opened or read.
    public func digest(file path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw SafeTensorsError(path: path, "cannot be opened for reading")
        }
        defer { try? handle.close() }
        let h = hasher()
        while let chunk = try handle.read(upToCount: 4 << 20), !chunk.isEmpty {
            chunk.withUnsafeBytes { h.update($0) }
        }
        return h.finalize()
    }
}

/// An incremental digest.
protocol StreamingHasher: AnyObject {
    func update(_ bytes: UnsafeRawBufferPointer)
    func finalize() -> String
}

extension SHA256Hasher: StreamingHasher {}
extension XXH3Hasher: StreamingHasher {}
