import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writes files so that a reader never sees a partial one: temporary name, fsync, rename.
public enum AtomicFile {
    /// Writes `data` to `path` via `path.tmp-<pid>`, flushing it to disk before the rename unless
    /// `durable` is false (then a crash may lose the file, but never leaves a partial one).
    ///
    /// Throws with the OS reason (e.g. "No space left on device") and removes the temporary file.
    public static func write(_ data: Data, to path: String, durable: Bool = true) throws {
        let tmp = "\(path).tmp-\(getpid())"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw AtomicFile.error(path, "cannot be created") }
        var ok = true
        data.withUnsafeBytes { raw in
            var off = 0
            while off < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + off, raw.count - off)
                if n < 0 { if errno == EINTR { continue }; ok = false; return }
                off += n
            }
        }
        if !ok { let e = AtomicFile.error(path, "cannot be written"); close(fd); unlink(tmp); throw e }
        if durable && fsync(fd) != 0 { let e = AtomicFile.error(path, "cannot be flushed"); close(fd); unlink(tmp); throw e }
        close(fd)
        if rename(tmp, path) != 0 { let e = AtomicFile.error(path, "cannot be renamed into place"); unlink(tmp); throw e }
        if durable { syncDirectory(of: path) }
    }

    /// Flushes the directory entry of `path` so a rename survives a power cut.
    public static func syncDirectory(of path: String) {
        let dir = (path as NSString).deletingLastPathComponent
        let fd = open(dir.isEmpty ? "." : dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 { _ = fsync(fd); close(fd) }
    }

    static func error(_ path: String, _ what: String) -> SafeTensorsError {
        let reason = SystemErrno.message
        return SafeTensorsError(path: path, "\(what) (\(reason)); check that the folder exists, is writable and has free space")
    }
}
