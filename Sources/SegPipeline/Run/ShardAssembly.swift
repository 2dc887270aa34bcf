import SegImage
/// One shard being filled by several workers: each sample owns a disjoint slot.
///
/// Each sample's image and label stay in its own storage until the writer has streamed them, in
/// slot order: the image appended, the label placed after all the shard's images (`ShardStream.place`),
/// so no shard-sized buffer waits for the labels.
final class ShardAssembly: @unchecked Sendable {
    let index: Int
    let count: Int
    let imageBytes: Int
    let labelBytes: Int
    /// Per slot: the sample's image and label (until streamed), params and stats, or its error.
    /// Guarded by the runner's lock.
    var results: [SlotResult?]

    struct SlotResult {
        var id: String
        var repeatIndex: Int
        var params: [String: Double]
        var classPixels: [Int]
        var channelSums: [Int]
        var channelSquares: [Int]
        /// The same over labelled pixels only (ignored pixels left out).
        var labelledSums: [Int] = []
        var labelledSquares: [Int] = []
        var error: SampleError?
        /// The source's pixels per class for survival (`Sample.sourceClassPixels`).
        var sourceClassPixels: [Int]? = nil
        /// Packed RGB bytes (`imageBytes`) and label bytes (`labelBytes`), dropped once written.
        var image: [UInt8]? = nil
        var label: [UInt8]? = nil
    }

    /// A shard of `count` samples.
    init(index: Int, count: Int, imageBytes: Int, labelBytes: Int) {
        self.index = index; self.count = count; self.imageBytes = imageBytes; self.labelBytes = labelBytes
        results = Array(repeating: nil, count: count)
    }

    /// Where the label of the `good`-th written sample goes among the shard's data bytes: after the
    /// images of all `count` slots (the header declares them all; a shard that lost samples is
    /// written again from these bytes).
    func labelOffset(good: Int) -> Int { count * imageBytes + good * labelBytes }

    /// The slot results of the good samples, in order.
    func compact() -> [SlotResult] {
        results.compactMap { r in r.flatMap { $0.error == nil ? $0 : nil } }
    }
}
