import CArchive
import Foundation

/// A POSIX tar file written by libarchive (pax-restricted: plain ustar headers unless a name needs
/// more). Entries are regular files with fixed metadata (mode 0644, owner 0, time 0), so the same
/// entries give the same bytes.
///
/// The one place seg-prep calls libarchive; its errors become `TarError`.
final class TarWriter {
    private var archive: OpaquePointer?
    let path: String

    /// Creates (or truncates) the tar file at `path`.
    init(path: String) throws {
        self.path = path
        guard let a = archive_write_new() else { throw TarError(path: path, message: "libarchive could not allocate a writer") }
        archive = a
        guard archive_write_set_format_pax_restricted(a) == ARCHIVE_OK,
              archive_write_open_filename(a, path) == ARCHIVE_OK else {
            let message = Self.message(a)
            archive_write_free(a)
            archive = nil
            throw TarError(path: path, message: message)
        }
    }

    /// Appends the regular file `name` holding `data`.
    func add(_ name: String, _ data: Data) throws {
        guard let a = archive else { throw TarError(path: path, message: "the archive is already closed") }
        guard let entry = archive_entry_new() else { throw TarError(path: path, message: "libarchive could not allocate an entry") }
        defer { archive_entry_free(entry) }
        archive_entry_set_pathname(entry, name)
        archive_entry_set_size(entry, la_int64_t(data.count))
        archive_entry_set_filetype(entry, 0o100000)  // AE_IFREG (a cast macro Swift does not import)
        archive_entry_set_perm(entry, 0o644)
        archive_entry_set_mtime(entry, 0, 0)
        archive_entry_set_uid(entry, 0)
        archive_entry_set_gid(entry, 0)
        guard archive_write_header(a, entry) == ARCHIVE_OK else { throw TarError(path: path, message: Self.message(a)) }
        let written = data.withUnsafeBytes { raw in archive_write_data(a, raw.baseAddress, raw.count) }
        guard written == data.count else { throw TarError(path: path, message: Self.message(a)) }
    }

    /// Writes the end-of-archive blocks and closes the file.
    func close() throws {
        guard let a = archive else { return }
        archive = nil
        let rc = archive_write_close(a)
        let message = Self.message(a)
        archive_write_free(a)
        if rc != ARCHIVE_OK { throw TarError(path: path, message: message) }
    }

    deinit {
        if let a = archive { archive_write_free(a) }
    }

    private static func message(_ a: OpaquePointer) -> String {
        archive_error_string(a).map { String(cString: $0) } ?? "libarchive error \(archive_errno(a))"
    }
}

/// A tar file that could not be written, with libarchive's reason.
public struct TarError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var message: String
    public var description: String { "cannot write \(path): \(message)" }
}
