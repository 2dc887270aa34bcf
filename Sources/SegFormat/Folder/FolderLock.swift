import Foundation

/// An exclusive lock on an output folder for the lifetime of this value (`flock` on
/// `seg-prep.lock` inside it), so two runs or merges never write one folder at once.
///
/// The lock file holds the holder's process id, for the message the second process prints, and is
/// removed when the holder finishes. The kernel releases the lock when the process ends, however it
/// ends; a file left by a killed process is simply locked again.
public final class FolderLock {
    public static let fileName = "seg-prep.lock"
    private let fd: Int32
    private let path: String

    /// Locks `dir` (which must exist) or throws `FolderLockError` at once, naming the folder and
    /// the pid that holds it.
    public init(_ dir: String) throws {
        let path = (dir as NSString).appendingPathComponent(FolderLock.fileName)
        self.path = path
        // The holder removes the file as it finishes; a lock taken on a file that was removed
        // meanwhile protects nothing, so take it again on the file now at the path.
        for _ in 0..<100 {
            let fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o644)
            guard fd >= 0 else {
                let reason = SystemErrno.message
                throw FolderLockError.cannotCreate(path: path, reason: reason)
            }
            var st = stat()
            guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
                close(fd)
                throw FolderLockError.notARegularFile(path: path)
            }
            guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
                var buf = [UInt8](repeating: 0, count: 32)
                let n = pread(fd, &buf, buf.count, 0)
                close(fd)
                let pid = n > 0 ? Int(String(decoding: buf[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) : nil
                throw FolderLockError.inUse(dir: dir, pid: pid)
            }
            var now = stat()
            guard lstat(path, &now) == 0, now.st_ino == st.st_ino, now.st_dev == st.st_dev else {
                close(fd)
                continue
            }
            let text = Array("\(getpid())\n".utf8)
            _ = ftruncate(fd, 0)
            _ = pwrite(fd, text, text.count, 0)
            self.fd = fd
            return
        }
        throw FolderLockError.contended(dir: dir)
    }

    /// Removes the lock file (while still holding the lock) and releases it.
    deinit {
        var st = stat(), now = stat()
        if fstat(fd, &st) == 0, lstat(path, &now) == 0, now.st_ino == st.st_ino, now.st_dev == st.st_dev {
            unlink(path)
        }
        close(fd)
    }
}

/// Another process holds the output folder, or its lock file cannot be made.
public enum FolderLockError: Error, CustomStringConvertible, Sendable, Equatable {
    case cannotCreate(path: String, reason: String)
    case notARegularFile(path: String)
    /// Another process holds the lock (its pid when the lock file names it).
    case inUse(dir: String, pid: Int?)
    case contended(dir: String)

    public var description: String {
        switch self {
        case .cannotCreate(let path, let reason):
            return "cannot create the lock file \(path) (\(reason)); choose a writable --output, and make sure \(FolderLock.fileName) there is a regular file"
        case .notARegularFile(let path):
            return "\(path) is not a regular file; remove it or choose another --output"
        case .inUse(let dir, let pid):
            let holder = pid.map { "another seg-prep process (pid \($0))" } ?? "another seg-prep process"
            return "output folder \(dir) is in use by \(holder); wait for it to finish or choose another --output"
        case .contended(let dir):
            return "output folder \(dir) is being locked and released by other processes without pause; retry when they are done"
        }
    }
}
