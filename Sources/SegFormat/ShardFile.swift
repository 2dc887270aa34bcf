import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writes one shard: a safetensors file streamed from raw tensor buffers, checksummed as it is
/// written, under a temporary name that is flushed and renamed into place.
public enum ShardFile {
    /// One tensor to write: name, dtype, shape and its bytes (`product(shape) * dtype.size`).
    public struct Part {
        public var name: String
        public var dtype: DType
        public var shape: [Int]
        public var bytes: UnsafeRawBufferPointer
        public init(name: String, dtype: DType, shape: [Int], bytes: UnsafeRawBufferPointer) {
            self.name = name; self.dtype = dtype; self.shape = shape; self.bytes = bytes
        }
    }

    /// Writes `parts` (in order) to `path` atomically and returns the file's size and SHA-256.
    ///
    /// Throws `SafeTensorsError` with the OS reason when the folder is unwritable or full; no
    /// partial file is left under `path`.
    public static func write(_ parts: [Part], metadata: [String: String], to path: String) throws -> (bytes: Int, sha256: String) {
        let pending = try writeUncommitted(parts, metadata: metadata, to: path)
        try pending.commit()
        return (pending.bytes, pending.sha256)
    }

    /// Writes `parts` to a temporary file beside `path` and returns it, not yet flushed or renamed.
    ///
    /// The data is in the OS cache when this returns, so the caller may reuse its buffers;
    /// `PendingShardFile.commit()` makes it durable and visible under `path`. Throws like `write`.
    public static func writeUncommitted(_ parts: [Part], metadata: [String: String], to path: String) throws -> PendingShardFile {
        var infos: [TensorInfo] = []
        var cursor = 0
        for p in parts {
            precondition(p.bytes.count == p.shape.reduce(1, *) * p.dtype.size, "shard tensor \(p.name) size mismatch")
            infos.append(TensorInfo(name: p.name, dtype: p.dtype, shape: p.shape, begin: cursor, end: cursor + p.bytes.count))
            cursor += p.bytes.count
        }
        let header = SafeTensorsWriter.header(infos, metadata: metadata)
        let tmp = "\(path).tmp-\(getpid())"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw AtomicFile.error(path, "cannot be created") }
        let hasher = SHA256Hasher()
        // Hashed and written 256 KB at a time, so the write reads what the hash just brought into cache.
        func put(_ raw: UnsafeRawBufferPointer) throws {
            var start = 0
            while start < raw.count {
                let end = min(raw.count, start + (1 << 18))
                hasher.update(UnsafeRawBufferPointer(rebasing: raw[start..<end]))
                var off = start
                while off < end {
                    let n = Glibc.write(fd, raw.baseAddress! + off, end - off)
                    if n < 0 {
                        if errno == EINTR { continue }
                        throw AtomicFile.error(path, "cannot be written")
                    }
                    off += n
                }
                start = end
            }
        }
        do {
            try header.withUnsafeBytes { try put($0) }
            for p in parts where p.bytes.count > 0 { try put(p.bytes) }
        } catch {
            close(fd)
            unlink(tmp)
            throw error
        }
        return PendingShardFile(fd: fd, temporaryPath: tmp, path: path, bytes: header.count + cursor,
                                sha256: hasher.finalize())
    }
}
