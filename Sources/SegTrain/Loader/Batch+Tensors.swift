extension Batch {
    /// The valid samples as a Float32 image tensor `[count, 3, H, W]` and their labels `[count, H, W]`.
    public func tensors() -> (images: Tensor<Float>, labels: LabelMap) {
        let n = count, (h, w) = (height, width)
        return (Tensor(shape: [n, 3, h, w], scalars: Array(images.prefix(n * 3 * h * w))),
                LabelMap(shape: [n, h, w], values: Array(labels.prefix(n * h * w))))
    }
}
