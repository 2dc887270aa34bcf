import CFileSync

/// Early write-back of freshly written file data, so the `fsync` that makes a shard durable finds
/// little left to write (a 64 MB shard's flush went from ~40 ms to under 1 ms here).
///
/// The only file of this module that calls CFileSync.
enum WriteBack {
    /// Asks the OS to start writing `count` bytes of `fd` from `offset` to disk, without waiting.
    ///
    /// Advice only: failures are ignored (the later `fsync` still writes everything and reports
    /// errors).
    static func start(fd: Int32, offset: Int, count: Int) {
        _ = sp_start_writeback(fd, Int64(offset), Int64(count))
    }

    /// Reserves the blocks of the first `bytes` of `fd` (an empty file about to receive that many
    /// bytes through the page cache): the file system allocates them at once instead of at every
    /// page written, which took a quarter of the kernel's time for a 1 MiB sample here. Advice
    /// only: where it fails (a file system without fallocate, a full disk) the writes that follow
    /// allocate as usual and report their own errors.
    static func preallocate(fd: Int32, bytes: Int) {
        _ = sp_preallocate(fd, Int64(bytes))
    }

    /// Turns direct I/O (O_DIRECT: no page cache) on or off for `fd`; false when the system or
    /// the file system refuses.
    static func setDirect(fd: Int32, _ on: Bool) -> Bool { sp_set_direct(fd, on ? 1 : 0) == 0 }
}
