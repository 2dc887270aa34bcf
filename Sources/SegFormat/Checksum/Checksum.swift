import Foundation

/// SHA-256 helpers that return lowercase hex digests.
public enum Checksum {
    /// SHA-256 of a byte buffer, as 64 hex digits.
    public static func sha256(_ bytes: UnsafeRawBufferPointer) -> String {
        let h = SHA256Hasher()
        h.update(bytes)
        return h.finalize()
    }

    /// SHA-256 of `data`, as 64 hex digits.
    public static func sha256(_ data: Data) -> String {
        data.withUnsafeBytes { sha256($0) }
    }

    /// SHA-256 of a whole file, read in 4 MiB chunks.
    ///
    /// Throws when the file cannot be opened or read.
    public static func sha256(file path: String) throws -> String {
        try ChecksumAlgorithm.sha256.digest(file: path)
    }
}
