#if canImport(Glibc)
import Glibc
#endif

/// Writes a new file front to back with direct I/O (Linux `O_DIRECT`) through an aligned staging
/// buffer: the bytes go from the buffer to the device, skipping the kernel's copy into the page
/// cache and its per-page write-back work, which 1 MiB-a-sample shards otherwise pay. The last
/// block is padded for the write and the file truncated to its length. Where the file system
/// refuses direct I/O (at the switch or at the first write) it writes through the page cache.
///
/// Owns the staging buffer; the caller owns the descriptor. One thread at a time. Failed calls
/// leave `errno` set.
final class DirectWriter {
    /// Alignment of the buffer, the file offsets and the lengths of direct writes.
    static let alignment = 4096
    private let fd: Int32
    private let buffer: UnsafeMutableRawBufferPointer
    private var filled = 0
    /// Bytes written to the file (a multiple of `alignment` while direct).
    private(set) var flushed = 0
    /// Whether the writes still bypass the page cache.
    private(set) var direct = true

    /// A writer for `fd` (empty, opened for writing and reading), or nil when it cannot be
    /// switched to direct I/O.
    init?(fd: Int32, capacity: Int = 4 << 20) {
        guard WriteBack.setDirect(fd: fd, true) else { return nil }
        self.fd = fd
        buffer = .allocate(byteCount: capacity, alignment: Self.alignment)
    }

    deinit { buffer.deallocate() }

    /// The bytes appended but not yet in the file (they follow its first `flushed` bytes).
    var staged: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: buffer[0..<filled]) }

    /// Appends `raw`, writing each full buffer. Returns false when a write fails.
    func append(_ raw: UnsafeRawBufferPointer) -> Bool {
        var at = 0
        while at < raw.count {
            let n = min(buffer.count - filled, raw.count - at)
            (buffer.baseAddress! + filled).copyMemory(from: raw.baseAddress! + at, byteCount: n)
            filled += n
            at += n
            if filled == buffer.count {
                guard write(filled) else { return false }
                filled = 0
            }
        }
        return true
    }

    /// Writes what is staged (the last block padded with zeros, then cut off). Returns false when
    /// a write or the truncation fails.
    func finish() -> Bool {
        guard filled > 0 else { return true }
        let length = flushed + filled
        let padded = direct ? (filled + Self.alignment - 1) / Self.alignment * Self.alignment : filled
        (buffer.baseAddress! + filled).initializeMemory(as: UInt8.self, repeating: 0, count: padded - filled)
        guard write(padded) else { return false }
        filled = 0
        if flushed != length {
            guard ftruncate(fd, off_t(length)) == 0 else { return false }
            flushed = length
        }
        return true
    }

    /// Writes the first `count` staged bytes at the end of the file.
    private func write(_ count: Int) -> Bool {
        var off = 0
        while off < count {
            let n = Glibc.write(fd, buffer.baseAddress! + off, count - off)
            if n < 0 {
                if errno == EINTR { continue }
                // Direct I/O refused at the first write (some file systems accept the flag only):
                // the same bytes through the page cache.
                if errno == EINVAL && direct && flushed == 0 && off == 0 && WriteBack.setDirect(fd: fd, false) {
                    direct = false
                    continue
                }
                return false
            }
            // A short direct write (the disk filling up) leaves the offset unaligned: the rest goes
            // through the page cache, so the next write reports the real error.
            if direct && n < count - off && WriteBack.setDirect(fd: fd, false) { direct = false }
            off += n
        }
        flushed += count
        return true
    }
}
