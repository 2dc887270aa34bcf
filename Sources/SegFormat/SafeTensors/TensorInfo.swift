/// One tensor's entry in a safetensors header.
public struct TensorInfo: Sendable, Equatable {
    /// Tensor name as in the header.
    public var name: String
    /// Element type.
    public var dtype: DType
    /// Dimensions, outermost first; `[]` is a scalar.
    public var shape: [Int]
    /// Byte range `[begin, end)` relative to the start of the data section.
    public var begin: Int
    public var end: Int

    /// Number of elements (product of `shape`).
    public var count: Int { shape.reduce(1, *) }
    /// Bytes of data (`end - begin`).
    public var byteCount: Int { end - begin }
}
