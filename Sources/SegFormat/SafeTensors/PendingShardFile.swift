import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A shard written to its temporary name and still open: `commit()` flushes it and renames it
/// into place; dropped uncommitted, the temporary file is removed.
///
/// Owns the file descriptor. `commit()` may run on another thread than the one that wrote the
/// file (one thread at a time).
public final class PendingShardFile: @unchecked Sendable {
    /// Final path, size in bytes and SHA-256 (hex) of the whole file.
    public let path: String
    public let bytes: Int
    /// The file's checksum (hex) and its algorithm.
    public let digest: String
    public let checksum: ChecksumAlgorithm
    private let temporaryPath: String
    private var fd: Int32

    init(fd: Int32, temporaryPath: String, path: String, bytes: Int, digest: String, checksum: ChecksumAlgorithm) {
        self.fd = fd; self.temporaryPath = temporaryPath; self.path = path; self.bytes = bytes
        self.digest = digest; self.checksum = checksum
    }

    /// Flushes the file to disk, renames it to `path` and syncs the folder.
    ///
    /// Throws `SafeTensorsError` with the OS reason; on failure the temporary file is removed and
    /// nothing appears under `path`.
    public func commit() throws {
        precondition(fd >= 0, "shard \(path) committed twice")
        defer { fd = -1 }
        if fsync(fd) != 0 {
            let e = AtomicFile.error(path, "cannot be flushed")
            close(fd)
            unlink(temporaryPath)
            throw e
        }
        close(fd)
        if rename(temporaryPath, path) != 0 {
            let e = AtomicFile.error(path, "cannot be renamed into place")
            unlink(temporaryPath)
            throw e
        }
        AtomicFile.syncDirectory(of: path)
    }

    deinit {
        if fd >= 0 {
            close(fd)
            unlink(temporaryPath)
        }
    }
}
