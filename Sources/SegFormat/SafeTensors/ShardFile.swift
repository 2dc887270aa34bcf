import Foundation

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

    /// Writes `parts` (in order) to `path` atomically and returns the file's size and checksum.
    ///
    /// Throws `SafeTensorsError` with the OS reason when the folder is unwritable or full; no
    /// partial file is left under `path`.
    public static func write(_ parts: [Part], metadata: [String: String], to path: String,
                             checksum: ChecksumAlgorithm = .xxh3) throws -> (bytes: Int, digest: String) {
        let pending = try writeUncommitted(parts, metadata: metadata, to: path, checksum: checksum)
        try pending.commit()
        return (pending.bytes, pending.digest)
    }

    /// Writes `parts` to a temporary file beside `path` and returns it, not yet flushed or renamed.
    ///
    /// The data is in the OS cache when this returns, so the caller may reuse its buffers;
    /// `PendingShardFile.commit()` makes it durable and visible under `path`. Throws like `write`.
    public static func writeUncommitted(_ parts: [Part], metadata: [String: String], to path: String,
                                        checksum: ChecksumAlgorithm = .xxh3) throws -> PendingShardFile {
        for p in parts {
            precondition(p.bytes.count == p.shape.reduce(1, *) * p.dtype.size, "shard tensor \(p.name) size mismatch")
        }
        let stream = try ShardStream(parts.map { .init(name: $0.name, dtype: $0.dtype, shape: $0.shape) },
                                     metadata: metadata, to: path, checksum: checksum)
        for p in parts where p.bytes.count > 0 { try stream.append(p.bytes) }
        return try stream.finish()
    }
}
