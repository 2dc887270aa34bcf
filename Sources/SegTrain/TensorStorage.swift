/// Heap storage behind `Tensor`: one contiguous, uniquely owned allocation of scalars.
///
/// `Tensor` copies it on write when it is shared, so tensors behave as values.
final class TensorStorage<Scalar: TensorScalar>: @unchecked Sendable {
    let count: Int
    let pointer: UnsafeMutablePointer<Scalar>

    /// Allocates `count` scalars set to `value`.
    init(count: Int, repeating value: Scalar) {
        self.count = count
        pointer = UnsafeMutablePointer<Scalar>.allocate(capacity: max(count, 1))
        pointer.initialize(repeating: value, count: count)
    }

    /// Allocates a copy of `source`.
    init(copying source: UnsafeBufferPointer<Scalar>) {
        count = source.count
        pointer = UnsafeMutablePointer<Scalar>.allocate(capacity: max(count, 1))
        if let base = source.baseAddress { pointer.initialize(from: base, count: count) }
    }

    /// Allocates `count` scalars and lets `body` initialise every one of them.
    init(count: Int, initializingWith body: (UnsafeMutableBufferPointer<Scalar>) -> Void) {
        self.count = count
        pointer = UnsafeMutablePointer<Scalar>.allocate(capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: count)
        body(UnsafeMutableBufferPointer(start: pointer, count: count))
    }

    /// Allocates `count` scalars that `body` must overwrite completely (they start undefined).
    init(count: Int, overwritingWith body: (UnsafeMutableBufferPointer<Scalar>) -> Void) {
        self.count = count
        pointer = UnsafeMutablePointer<Scalar>.allocate(capacity: max(count, 1))
        body(UnsafeMutableBufferPointer(start: pointer, count: count))
    }

    deinit {
        pointer.deinitialize(count: count)
        pointer.deallocate()
    }

    /// A fresh storage holding the same scalars.
    func copy() -> TensorStorage {
        TensorStorage(copying: UnsafeBufferPointer(start: pointer, count: count))
    }
}
