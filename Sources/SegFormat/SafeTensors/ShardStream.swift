import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A shard written while its tensors are still being produced: the header goes out first, then
/// the bytes of each tensor in order as they arrive, checksummed on the way.
///
/// Owns the temporary file until `finish()` hands it to a `PendingShardFile`, or `abandon()` (or
/// dropping the stream) removes it. One thread at a time.
public final class ShardStream {
    /// One tensor of the shard: name, dtype and shape (its bytes arrive through `append`).
    public struct Declared: Sendable {
        public var name: String
        public var dtype: DType
        public var shape: [Int]
        public init(name: String, dtype: DType, shape: [Int]) { self.name = name; self.dtype = dtype; self.shape = shape }
        var byteCount: Int { shape.reduce(1, *) * dtype.size }
    }

    public let path: String
    private let temporaryPath: String
    private var fd: Int32
    private let hasher: any StreamingHasher
    /// The checksum computed over every byte as it is written.
    public let checksum: ChecksumAlgorithm
    private let headerBytes: Int
    /// Data bytes the header declares, and bytes appended so far.
    public let expected: Int
    public private(set) var appended = 0
    /// Bytes in the file so far (header included), and how many of them were sent to disk.
    private var written = 0, writtenBack = 0
    /// The direct-I/O writer the bytes go through, or nil when they go through the page cache.
    private var direct: DirectWriter?
    /// Data bytes `placedStart ..< placedEnd` arrived ahead of the appends (`place`): in the file
    /// already through the page cache, in `pending` with direct I/O.
    private var placedStart = 0, placedEnd = 0
    private var placedBack = 0
    private var pending: UnsafeMutableRawBufferPointer?

    /// Creates `path`'s temporary file and writes the safetensors header of `tensors` (laid out in
    /// the given order) with `metadata`. `attempt` tells apart the temporary files of two streams
    /// to the same path that are open at once. With `directIO` the bytes bypass the page cache where
    /// the file system allows it; the file is the same either way.
    ///
    /// Throws `SafeTensorsError` with the OS reason when the folder is unwritable or full.
    public init(_ tensors: [Declared], metadata: [String: String], to path: String, attempt: Int = 1,
                checksum: ChecksumAlgorithm = .xxh3, directIO: Bool = false) throws {
        self.checksum = checksum
        hasher = checksum.hasher()
        var infos: [TensorInfo] = []
        var cursor = 0
        for t in tensors {
            infos.append(TensorInfo(name: t.name, dtype: t.dtype, shape: t.shape, begin: cursor, end: cursor + t.byteCount))
            cursor += t.byteCount
        }
        let header = SafeTensorsWriter.header(infos, metadata: metadata)
        self.path = path
        temporaryPath = attempt == 1 ? "\(path).tmp-\(getpid())" : "\(path).tmp-\(getpid())-\(attempt)"
        expected = cursor
        headerBytes = header.count
        fd = open(temporaryPath, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw AtomicFile.error(path, "cannot be created") }
        if directIO { direct = DirectWriter(fd: fd) }
        if direct == nil { WriteBack.preallocate(fd: fd, bytes: headerBytes + expected) }
        do {
            try header.withUnsafeBytes { try put($0) }
        } catch {
            abandon()
            throw error
        }
    }

    /// Appends the next `bytes` of tensor data (tensors back to back, in declaration order).
    ///
    /// Throws `SafeTensorsError` when the write fails (the stream is then abandoned), or when more
    /// bytes arrive than the header declares.
    public func append(_ bytes: UnsafeRawBufferPointer) throws {
        precondition(fd >= 0, "shard \(path) appended after it was finished or abandoned")
        guard appended + bytes.count <= expected else {
            abandon()
            throw SafeTensorsError(path: path, "received \(appended + bytes.count) data bytes but its header declares \(expected)")
        }
        guard placedEnd == placedStart || appended + bytes.count <= placedStart else {
            abandon()
            throw SafeTensorsError(path: path, "received \(appended + bytes.count) data bytes, running into the bytes placed at \(placedStart)")
        }
        do { try put(bytes) } catch {
            abandon()
            throw error
        }
        appended += bytes.count
    }

    /// Writes data bytes that follow the ones still to be appended (the labels of a shard, which
    /// come after all its images, placed as each sample is done, so they need not wait in memory):
    /// through the page cache they go to their place in the file now and are read back for the
    /// checksum once the appends reach them (`finish`); with direct I/O they wait in memory. Places
    /// are consecutive: the first at any offset at or past the appends, each next one where the
    /// last ended; appends must end where the first place began.
    ///
    /// Throws `SafeTensorsError` when the write fails (the stream is then abandoned) or the bytes
    /// fall outside the data.
    public func place(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws {
        guard fd >= 0 else { throw SafeTensorsError(path: path, "received bytes to place after it was finished or abandoned") }
        if placedEnd == placedStart { placedStart = offset; placedEnd = offset; placedBack = offset }
        guard offset == placedEnd, offset >= appended, offset + bytes.count <= expected else {
            abandon()
            throw SafeTensorsError(path: path, "received \(bytes.count) data bytes to place at \(offset), not after those placed up to \(placedEnd) within its \(expected)")
        }
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        if direct != nil {
            let room = pending ?? SpareBuffers.shared.take(byteCount: expected - placedStart)
            pending = room
            UnsafeMutableRawBufferPointer(rebasing: room[(offset - placedStart)...]).copyMemory(from: bytes)
        } else {
            var at = 0
            while at < bytes.count {
                let n = pwrite(fd, source + at, bytes.count - at, off_t(headerBytes + offset + at))
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else {
                    let e = AtomicFile.error(path, "cannot be written")
                    abandon()
                    throw e
                }
                at += n
            }
            if offset + bytes.count - placedBack >= 4 << 20 {
                WriteBack.start(fd: fd, offset: headerBytes + placedBack, count: offset + bytes.count - placedBack)
                placedBack = offset + bytes.count
            }
        }
        placedEnd = offset + bytes.count
    }

    /// Closes the data and returns the file, written but not yet flushed or renamed.
    ///
    /// Throws `SafeTensorsError` when fewer bytes arrived than the header declares (the stream is
    /// then abandoned).
    public func finish() throws -> PendingShardFile {
        precondition(fd >= 0, "shard \(path) finished twice")
        if placedEnd > placedStart {
            guard appended == placedStart else {
                abandon()
                throw SafeTensorsError(path: path, "received \(appended) data bytes before the \(placedEnd - placedStart) placed at \(placedStart)")
            }
            try adoptPlaced()
        }
        guard appended == expected else {
            abandon()
            throw SafeTensorsError(path: path, "received \(appended) data bytes but its header declares \(expected)")
        }
        if let d = direct {
            guard d.finish() else {
                let e = AtomicFile.error(path, "cannot be written")
                abandon()
                throw e
            }
        } else {
            startWriteBack()
        }
        let file = PendingShardFile(fd: fd, temporaryPath: temporaryPath, path: path, bytes: headerBytes + expected,
                                    digest: hasher.finalize(), checksum: checksum)
        fd = -1
        return file
    }

    /// Appends data bytes `range` already written or placed in this stream (offsets after the
    /// header) to `other`, read back from the file or memory: for rewriting a shard whose header
    /// must change.
    ///
    /// Throws `SafeTensorsError` when the file cannot be read or `other` refuses the bytes.
    public func copyData(_ range: Range<Int>, to other: ShardStream) throws {
        let placed = placedEnd > placedStart && range.lowerBound >= placedStart
        guard fd >= 0, range.lowerBound >= 0, range.upperBound <= (placed ? placedEnd : appended) else {
            throw SafeTensorsError(path: path, "has no data bytes \(range.lowerBound)..<\(range.upperBound) to copy (finished, abandoned, or not yet written)")
        }
        if placed {
            if let pending {
                try other.append(UnsafeRawBufferPointer(rebasing: pending[(range.lowerBound - placedStart)..<(range.upperBound - placedStart)]))
            } else {
                try readBack(range) { try other.append($0) }
            }
            return
        }
        // With direct I/O the file holds the bytes before `flushed` (read through a second,
        // ordinary descriptor: direct reads need aligned buffers) and the staging buffer the rest.
        let inFile = direct.map { max(0, min(range.upperBound, $0.flushed - headerBytes)) } ?? range.upperBound
        var readFd = fd
        if direct != nil {
            readFd = open(temporaryPath, O_RDONLY | O_CLOEXEC)
            guard readFd >= 0 else { throw AtomicFile.error(path, "cannot be read back") }
        }
        defer { if readFd != fd { close(readFd) } }
        let fileEnd = min(range.upperBound, inFile)
        if range.lowerBound < fileEnd { try readBack(range.lowerBound..<fileEnd, from: readFd) { try other.append($0) } }
        let at = max(range.lowerBound, fileEnd)
        if let d = direct, at < range.upperBound {
            let start = headerBytes + at - d.flushed
            try other.append(UnsafeRawBufferPointer(rebasing: d.staged[start..<(start + range.upperBound - at)]))
        }
    }

    /// Takes the placed bytes in as appended: checksummed (read back from the file through the
    /// page cache), or with direct I/O written from memory.
    private func adoptPlaced() throws {
        let range = placedStart..<placedEnd
        placedStart = 0; placedEnd = 0
        if let room = pending {
            pending = nil
            defer { SpareBuffers.shared.give(room) }
            try put(UnsafeRawBufferPointer(rebasing: room[0..<range.count]))
        } else {
            try readBack(range) { hasher.update($0) }
            written += range.count
            if placedBack < range.upperBound {
                WriteBack.start(fd: fd, offset: headerBytes + placedBack, count: range.upperBound - placedBack)
            }
            writtenBack = written
        }
        appended += range.count
    }

    /// Reads data bytes `range` from the file (through an ordinary descriptor) in pieces of at most
    /// 256 KiB (the size `put` writes) and hands each to `body`.
    private func readBack(_ range: Range<Int>, from readFd: Int32? = nil, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        let piece = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, min(range.count, 1 << 18)), alignment: 64)
        defer { piece.deallocate() }
        guard let base = piece.baseAddress else { return }
        var at = range.lowerBound
        while at < range.upperBound {
            let want = min(piece.count, range.upperBound - at)
            let n = pread(readFd ?? fd, base, want, off_t(headerBytes + at))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw AtomicFile.error(path, "cannot be read back") }
            try body(UnsafeRawBufferPointer(rebasing: piece[0..<n]))
            at += n
        }
    }

    /// Closes and removes the temporary file; nothing appears under `path`.
    public func abandon() {
        if let room = pending { SpareBuffers.shared.give(room) }
        pending = nil
        guard fd >= 0 else { return }
        close(fd)
        unlink(temporaryPath)
        fd = -1
    }

    deinit { abandon() }

    /// Starts writing the bytes written since the last call back to disk.
    private func startWriteBack() {
        WriteBack.start(fd: fd, offset: writtenBack, count: written - writtenBack)
        writtenBack = written
    }

    /// Hashes and writes `raw` 256 KB at a time (the write then reads what the hash just brought
    /// into cache), starting write-back every 4 MB.
    private func put(_ raw: UnsafeRawBufferPointer) throws {
        var start = 0
        while start < raw.count {
            let end = min(raw.count, start + (1 << 18))
            hasher.update(UnsafeRawBufferPointer(rebasing: raw[start..<end]))
            if let d = direct {
                guard d.append(UnsafeRawBufferPointer(rebasing: raw[start..<end])) else { throw AtomicFile.error(path, "cannot be written") }
                written += end - start
                start = end
                continue
            }
            var off = start
            while off < end {
                let n = Glibc.write(fd, raw.baseAddress! + off, end - off)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw AtomicFile.error(path, "cannot be written")
                }
                off += n
            }
            written += end - start
            if written - writtenBack >= 4 << 20 { startWriteBack() }
            start = end
        }
    }
}

/// Memory for the bytes direct-I/O streams hold back (`ShardStream.place`), kept from shard to shard:
/// fresh pages cost a fault and a zeroing each, as much as the copy into them.
final class SpareBuffers: @unchecked Sendable {
    static let shared = SpareBuffers()
    private let lock = NSLock()
    private var free: [UnsafeMutableRawBufferPointer] = []
    /// Buffers kept at most (a run has two shards in flight).
    private let keep = 2

    /// A buffer of at least `byteCount` bytes (a kept one when one is large enough).
    func take(byteCount: Int) -> UnsafeMutableRawBufferPointer {
        let kept: UnsafeMutableRawBufferPointer? = lock.withLock {
            guard let i = free.firstIndex(where: { $0.count >= byteCount }) else { return nil }
            return free.remove(at: i)
        }
        return kept ?? .allocate(byteCount: byteCount, alignment: 64)
    }

    /// Takes `buffer` back for a later `take`, or frees it.
    func give(_ buffer: UnsafeMutableRawBufferPointer) {
        let dropped: UnsafeMutableRawBufferPointer? = lock.withLock {
            free.append(buffer)
            return free.count > keep ? free.removeFirst() : nil
        }
        dropped?.deallocate()
    }
}
