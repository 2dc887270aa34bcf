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
        do { try put(bytes) } catch {
            abandon()
            throw error
        }
        appended += bytes.count
    }

    /// Closes the data and returns the file, written but not yet flushed or renamed.
    ///
    /// Throws `SafeTensorsError` when fewer bytes arrived than the header declares (the stream is
    /// then abandoned).
    public func finish() throws -> PendingShardFile {
        precondition(fd >= 0, "shard \(path) finished twice")
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

    /// Appends data bytes `range` already written to this stream (offsets after the header) to
    /// `other`, read back from the file in 1 MB pieces: for rewriting a shard whose header must change.
    ///
    /// Throws `SafeTensorsError` when the file cannot be read or `other` refuses the bytes.
    public func copyData(_ range: Range<Int>, to other: ShardStream) throws {
        precondition(fd >= 0 && range.upperBound <= appended, "shard \(path) has no such bytes to copy")
        // With direct I/O the file holds the bytes before `flushed` (read through a second,
        // ordinary descriptor: direct reads need aligned buffers) and the staging buffer the rest.
        let inFile = direct.map { max(0, min(range.upperBound, $0.flushed - headerBytes)) } ?? range.upperBound
        var readFd = fd
        if direct != nil {
            readFd = open(temporaryPath, O_RDONLY | O_CLOEXEC)
            guard readFd >= 0 else { throw AtomicFile.error(path, "cannot be read back") }
        }
        defer { if readFd != fd { close(readFd) } }
        var piece = [UInt8](repeating: 0, count: min(range.count, 1 << 20))
        var at = range.lowerBound
        let fileEnd = min(range.upperBound, inFile)
        while at < fileEnd {
            let want = min(piece.count, fileEnd - at)
            let n = piece.withUnsafeMutableBytes { pread(readFd, $0.baseAddress!, want, off_t(headerBytes + at)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw AtomicFile.error(path, "cannot be read back") }
            try piece.withUnsafeBytes { try other.append(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            at += n
        }
        if let d = direct, at < range.upperBound {
            let start = headerBytes + at - d.flushed
            try other.append(UnsafeRawBufferPointer(rebasing: d.staged[start..<(start + range.upperBound - at)]))
        }
    }

    /// Closes and removes the temporary file; nothing appears under `path`.
    public func abandon() {
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
