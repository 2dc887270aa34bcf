/// Per-pixel class indices for a batch, `[N, H, W]`.
///
/// Values in `0..<classes` are real classes; any other value (the reference uses `classes`)
/// marks an ignored pixel.
public struct LabelMap: Sendable, Equatable {
    /// `[N, H, W]`.
    public let shape: [Int]
    /// Row-major class indices.
    public var values: [Int32]

    /// Creates a label map from `Int32` indices.
    ///
    /// - Precondition: `shape` has three dimensions and `values.count` is their product.
    public init(shape: [Int], values: [Int32]) {
        precondition(shape.count == 3, "labels must be [N, H, W], got \(shape)")
        precondition(shape.reduce(1, *) == values.count, "\(values.count) labels do not fill \(shape)")
        self.shape = shape
        self.values = values
    }

    /// Creates a label map from `UInt8` indices (PNG palette indices, shard labels).
    public init(shape: [Int], bytes: [UInt8]) {
        self.init(shape: shape, values: bytes.map { Int32($0) })
    }

    /// Creates a label map from `Int64` indices (PyTorch `LongTensor` targets).
    public init(shape: [Int], int64s: [Int64]) {
        self.init(shape: shape, values: int64s.map { Int32(clamping: $0) })
    }

    /// Batch size.
    public var batch: Int { shape[0] }
    /// Height in pixels.
    public var height: Int { shape[1] }
    /// Width in pixels.
    public var width: Int { shape[2] }

    /// One-hot encoding `[N, H, W, classes + 1]` with the last channel marking ignored pixels.
    ///
    /// This is the reference's `seg_labels` (`np.eye(classes + 1)[label]`, labels >= classes
    /// clipped to `classes`).
    public func oneHot<S: TensorScalar>(classes: Int) -> Tensor<S> {
        let depth = classes + 1
        return Tensor(shape: shape + [depth]) { out in
            for (i, v) in values.enumerated() {
                let c = v >= 0 && Int(v) < classes ? Int(v) : classes
                out[i * depth + c] = 1
            }
        }
    }
}
