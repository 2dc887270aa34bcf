/// A dense, contiguous, row-major tensor of scalars with value semantics.
///
/// Image batches use NCHW order. Copies share storage until one of them is mutated
/// (copy-on-write), so passing tensors around is cheap.
public struct Tensor<Scalar: TensorScalar>: Sendable {
    /// Extent of each dimension, outermost first.
    public private(set) var shape: [Int]
    var storage: TensorStorage<Scalar>

    /// Number of scalars (the product of `shape`).
    public var count: Int { storage.count }

    /// Creates a tensor of `shape` with every scalar set to `value`.
    public init(shape: [Int], repeating value: Scalar = 0) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
        self.shape = shape
        storage = TensorStorage(count: shape.reduce(1, *), repeating: value)
    }

    /// Creates a tensor of `shape` holding `scalars` in row-major order.
    ///
    /// - Precondition: `scalars.count` equals the product of `shape`.
    public init(shape: [Int], scalars: [Scalar]) {
        precondition(shape.reduce(1, *) == scalars.count, "\(scalars.count) scalars do not fill shape \(shape)")
        self.shape = shape
        storage = scalars.withUnsafeBufferPointer { TensorStorage(copying: $0) }
    }

    /// Creates a tensor of `shape` whose scalars `body` writes (they start at zero).
    public init(shape: [Int], initializingWith body: (UnsafeMutableBufferPointer<Scalar>) -> Void) {
        self.shape = shape
        storage = TensorStorage(count: shape.reduce(1, *), initializingWith: body)
    }

    /// Creates a tensor of `shape` whose scalars `body` must all write (they start undefined).
    ///
    /// For kernels that overwrite their whole output; skips the zero fill.
    init(uninitializedShape shape: [Int], _ body: (UnsafeMutableBufferPointer<Scalar>) -> Void) {
        self.shape = shape
        storage = TensorStorage(count: shape.reduce(1, *), overwritingWith: body)
    }

    /// Converts every scalar of `other` to this tensor's scalar type.
    public init<Other: TensorScalar>(_ other: Tensor<Other>) {
        self.init(shape: other.shape) { out in
            other.withUnsafeBufferPointer { src in
                for i in 0..<src.count { out[i] = Scalar(src[i]) }
            }
        }
    }

    /// The scalars in row-major order.
    public var scalars: [Scalar] { withUnsafeBufferPointer { Array($0) } }

    /// Number of dimensions.
    public var rank: Int { shape.count }

    /// The scalar at flat (row-major) index `index`.
    public subscript(index: Int) -> Scalar {
        get {
            precondition(index >= 0 && index < count, "index \(index) out of range 0..<\(count)")
            return storage.pointer[index]
        }
        set {
            precondition(index >= 0 && index < count, "index \(index) out of range 0..<\(count)")
            makeUnique()
            storage.pointer[index] = newValue
        }
    }

    /// Calls `body` with read access to the scalars.
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Scalar>) throws -> R) rethrows -> R {
        try withExtendedLifetime(storage) {
            try body(UnsafeBufferPointer(start: storage.pointer, count: storage.count))
        }
    }

    /// Calls `body` with write access to the scalars, copying shared storage first.
    public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (UnsafeMutableBufferPointer<Scalar>) throws -> R
    ) rethrows -> R {
        makeUnique()
        return try withExtendedLifetime(storage) {
            try body(UnsafeMutableBufferPointer(start: storage.pointer, count: storage.count))
        }
    }

    /// The same scalars viewed with another shape of equal element count.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        precondition(newShape.reduce(1, *) == count, "cannot reshape \(shape) to \(newShape)")
        var result = self
        result.shape = newShape
        return result
    }

    /// Sets every scalar to `value`.
    public mutating func fill(_ value: Scalar) {
        withUnsafeMutableBufferPointer { $0.update(repeating: value) }
    }

    /// Adds `other` element-wise.
    ///
    /// - Precondition: the shapes are equal.
    public mutating func add(_ other: Tensor) {
        precondition(shape == other.shape, "shape mismatch \(shape) vs \(other.shape)")
        other.withUnsafeBufferPointer { src in
            withUnsafeMutableBufferPointer { dst in
                for i in 0..<dst.count { dst[i] += src[i] }
            }
        }
    }

    /// Largest absolute element-wise difference to `other` (shapes must match).
    public func maxAbsDifference(_ other: Tensor) -> Scalar {
        precondition(shape == other.shape, "shape mismatch \(shape) vs \(other.shape)")
        return withUnsafeBufferPointer { a in
            other.withUnsafeBufferPointer { b in
                var worst: Scalar = 0
                for i in 0..<a.count { worst = Swift.max(worst, Swift.abs(a[i] - b[i])) }
                return worst
            }
        }
    }

    private mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
    }
}
