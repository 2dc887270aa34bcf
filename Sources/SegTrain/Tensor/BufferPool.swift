import Foundation

/// A cache of large freed tensor buffers, handed out again for requests of the same size.
///
/// A training step allocates the same large activations every step; reusing them avoids the page
/// faults (and kernel zeroing) of fresh `mmap`-backed allocations. Buffers below `minimumBytes` go
/// straight to the allocator; the cache holds at most `limitBytes` (a quarter of physical memory).
final class BufferPool: @unchecked Sendable {
    /// The process-wide pool behind `TensorStorage`.
    static let shared = BufferPool()

    /// Smallest buffer worth caching.
    static let minimumBytes = 1 << 20
    /// Alignment of every buffer (a cache line, enough for any vector load).
    static let alignment = 64

    let limitBytes: Int
    private let lock = NSLock()
    private var free: [Int: [UnsafeMutableRawPointer]] = [:]
    private var cachedBytes = 0

    init(limitBytes: Int = Int(min(ProcessInfo.processInfo.physicalMemory / 4, UInt64(Int.max)))) {
        self.limitBytes = limitBytes
    }

    /// A buffer of `bytes` bytes (contents undefined).
    func allocate(bytes: Int) -> UnsafeMutableRawPointer {
        if bytes >= Self.minimumBytes {
            lock.lock()
            let reused = free[bytes]?.popLast()
            if reused != nil { cachedBytes -= bytes }
            lock.unlock()
            if let reused { return reused }
        }
        return UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: Self.alignment)
    }

    /// Returns a buffer from `allocate(bytes:)`; it is cached or freed.
    func release(_ pointer: UnsafeMutableRawPointer, bytes: Int) {
        if bytes >= Self.minimumBytes {
            lock.lock()
            let keep = cachedBytes + bytes <= limitBytes
            if keep {
                free[bytes, default: []].append(pointer)
                cachedBytes += bytes
            }
            lock.unlock()
            if keep { return }
        }
        pointer.deallocate()
    }

    /// Frees every cached buffer.
    func drain() {
        lock.lock()
        let all = free.values.flatMap { $0 }
        free = [:]
        cachedBytes = 0
        lock.unlock()
        for pointer in all { pointer.deallocate() }
    }
}
