/// Heap storage behind `Tensor`: one contiguous, uniquely owned allocation of scalars.
///
/// `Tensor` copies it on write when it is shared, so tensors behave as values. Large buffers come
/// from and return to `BufferPool`, so repeated steps reuse the same memory.
final class TensorStorage<Scalar: TensorScalar>: @unchecked Sendable {
    let count: Int
    let pointer: UnsafeMutablePointer<Scalar>

    /// Bytes behind a buffer of `count` scalars (at least one scalar).
    private static func bytes(_ count: Int) -> Int { max(count, 1) * MemoryLayout<Scalar>.stride }

    /// An uninitialised buffer of `count` scalars.
    private static func allocate(_ count: Int) -> UnsafeMutablePointer<Scalar> {
        BufferPool.shared.allocate(bytes: bytes(count)).bindMemory(to: Scalar.self, capacity: max(count, 1))
    }

    /// Allocates `count` scalars set to `value`.
    init(count: Int, repeating value: Scalar) {
        self.count = count
        pointer = Self.allocate(count)
        pointer.initialize(repeating: value, count: count)
    }

    /// Allocates a copy of `source`.
    init(copying source: UnsafeBufferPointer<Scalar>) {
        count = source.count
        pointer = Self.allocate(count)
        if let base = source.baseAddress { pointer.initialize(from: base, count: count) }
    }

    /// Allocates `count` scalars and lets `body` initialise every one of them.
    init(count: Int, initializingWith body: (UnsafeMutableBufferPointer<Scalar>) -> Void) {
        self.count = count
        pointer = Self.allocate(count)
        pointer.initialize(repeating: 0, count: count)
        body(UnsafeMutableBufferPointer(start: pointer, count: count))
    }

    /// Allocates `count` scalars that `body` must overwrite completely (they start undefined).
    init(count: Int, overwritingWith body: (UnsafeMutableBufferPointer<Scalar>) -> Void) {
        self.count = count
        pointer = Self.allocate(count)
        body(UnsafeMutableBufferPointer(start: pointer, count: count))
    }

    deinit {
        pointer.deinitialize(count: count)
        BufferPool.shared.release(UnsafeMutableRawPointer(pointer), bytes: Self.bytes(count))
    }

    /// A fresh storage holding the same scalars.
    func copy() -> TensorStorage {
        TensorStorage(copying: UnsafeBufferPointer(start: pointer, count: count))
    }
}
