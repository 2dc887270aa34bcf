import SegImage
/// Label storage for one shard's samples, reused from shard to shard (fresh pages cost a fault
/// and a zeroing each, as much as the copy into them).
final class ShardBuffers: @unchecked Sendable {
    let label: UnsafeMutableRawBufferPointer

    /// Room for `samples` labels of `labelBytes` bytes, in huge pages where the OS allows.
    init(samples: Int, labelBytes: Int) {
        label = .allocate(byteCount: samples * labelBytes, alignment: 2 << 20)
        PixelKernels.adviseHugePages(label)
    }

    deinit { label.deallocate() }
}

/// One shard being filled by several workers: each sample owns a disjoint slot.
///
/// Labels are copied into the shard's buffer (they are written after all images); each image
/// stays in its sample's own storage until the writer has streamed it, in slot order.
final class ShardAssembly: @unchecked Sendable {
    let index: Int
    let count: Int
    let imageBytes: Int
    let labelBytes: Int
    /// The label storage, handed back to the pool when the shard is written.
    let buffers: ShardBuffers
    private var label: UnsafeMutableRawBufferPointer { buffers.label }
    /// Per slot: the sample's image (until streamed), params and stats, or its error. Guarded by
    /// the runner's lock.
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
        /// Packed RGB bytes (`imageBytes`), dropped once written.
        var image: [UInt8]? = nil
    }

    /// A shard of `count` samples whose labels go to `buffers` (room for at least `count`).
    init(index: Int, count: Int, imageBytes: Int, labelBytes: Int, buffers: ShardBuffers) {
        precondition(buffers.label.count >= count * labelBytes)
        self.index = index; self.count = count; self.imageBytes = imageBytes; self.labelBytes = labelBytes
        self.buffers = buffers
        results = Array(repeating: nil, count: count)
    }

    /// Copies a finished sample's label into `slot` (called without the lock; slots are disjoint).
    func storeLabel(_ s: Sample, slot: Int) {
        s.label.pixels.withUnsafeBytes { (label.baseAddress! + slot * labelBytes).copyMemory(from: $0.baseAddress!, byteCount: labelBytes) }
    }

    /// Moves the good samples' labels to the front (dropping skipped ones) and returns their slot
    /// results in order.
    func compact() -> [SlotResult] {
        var out: [SlotResult] = []
        for slot in 0..<count {
            guard let r = results[slot], r.error == nil else { continue }
            let dst = out.count
            if dst != slot {
                (label.baseAddress! + dst * labelBytes).copyMemory(from: label.baseAddress! + slot * labelBytes, byteCount: labelBytes)
            }
            out.append(r)
        }
        return out
    }

    /// The first `n` samples' label bytes.
    func withLabels<R>(samples n: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(rebasing: label[0..<(n * labelBytes)]))
    }
}
