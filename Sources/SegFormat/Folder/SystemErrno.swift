import SystemPackage
#if canImport(Glibc)
import Glibc
#endif

/// The one place a C `errno` becomes words, through swift-system's `Errno` (which reads the
/// platform's `strerror` table): every "cannot …" message of seg-prep ends with this reason.
public enum SystemErrno {
    /// The reason for the calling thread's current `errno`, e.g. "No space left on device".
    public static var message: String { message(errno) }

    /// The reason for error number `code`.
    public static func message(_ code: Int32) -> String { Errno(rawValue: code).description }
}
