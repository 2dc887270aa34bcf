import Foundation
import SegFormat

/// Reads an input file (image, label, split list) whole, saying exactly why when it cannot: missing,
/// a directory, a symbolic-link loop, a device or pipe, no permission.
///
/// Opening never blocks (a FIFO where an image should be is refused, not waited on).
package enum SourceFile {
    /// Why a file could not be read, as the predicate of a sentence about the file.
    package enum Problem: Error, Equatable, CustomStringConvertible {
        case missing, directory, loop, special, permission
        case unreadable(String)
        /// Larger than anything of its kind can be (its size and the limit, in bytes).
        case tooLarge(Int, Int)

        package var description: String {
            switch self {
            case .missing: return "is missing"
            case .directory: return "is a directory, not a file"
            case .loop: return "is a symbolic link loop"
            case .special: return "is a device, pipe or socket, not a regular file"
            case .permission: return "cannot be read (permission denied)"
            case .unreadable(let reason): return "cannot be read (\(reason))"
            case .tooLarge(let size, let limit): return "is \(size) bytes, more than the \(limit) bytes any file within the pixel limit takes, so it was not read"
            }
        }

        /// What to do about it, for the user.
        package var fix: String {
            switch self {
            case .missing: return "add it"
            case .directory, .special, .loop: return "put the file itself at this path"
            case .permission: return "fix its permissions"
            case .unreadable: return "check the disk and the file"
            case .tooLarge: return "raise `max_pixels` of decode (or pass --max-pixels) if the file is genuine"
            }
        }
    }

    /// The file's bytes, when it holds at most `limit` of them (checked before anything is read,
    /// so a huge or sparse file is refused without allocating for it).
    package static func read(_ path: String, limit: Int = Int.max) -> Result<Data, Problem> {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            switch errno {
            case ENOENT, ENOTDIR: return .failure(.missing)
            case ELOOP: return .failure(.loop)
            case EACCES, EPERM: return .failure(.permission)
            default: return .failure(.unreadable(SystemErrno.message))
            }
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { return .failure(.unreadable(SystemErrno.message)) }
        switch st.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: return .failure(.directory)
        default: return .failure(.special)
        }
        let size = Int(st.st_size)
        if size > limit { return .failure(.tooLarge(size, limit)) }
        var data = Data(count: size)
        var got = 0
        let failure: Problem? = data.withUnsafeMutableBytes { raw -> Problem? in
            while got < size {
                let n = Foundation.read(fd, raw.baseAddress! + got, size - got)
                if n < 0 {
                    if errno == EINTR || errno == EAGAIN { continue }
                    return .unreadable(SystemErrno.message)
                }
                if n == 0 { break }
                got += n
            }
            return nil
        }
        if let failure { return .failure(failure) }
        if got < size { data.count = got }
        return .success(data)
    }
}
