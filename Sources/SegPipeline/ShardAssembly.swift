/// Pixel storage for one shard's samples, reused from shard to shard (fresh pages cost a fault
/// and a zeroing each, as much as the copy into them).
final class ShardBuffers: @unchecked Sendable {
    let image: UnsafeMutableRawBufferPointer
    let label: UnsafeMutableRawBufferPointer

    /// Room for `samples` samples of `imageBytes` and `labelBytes` bytes, in huge pages where the
    /// OS allows (a shard's first pass faults its pages in: 1 MB per 512x512 sample).
    init(samples: Int, imageBytes: Int, labelBytes: Int) {
        image = .allocate(byteCount: samples * imageBytes, alignment: 2 << 20)
        label = .allocate(byteCount: samples * labelBytes, alignment: 2 << 20)
        Kernels.adviseHugePages(image)
        Kernels.adviseHugePages(label)
    }

    deinit {
        image.deallocate()
        label.deallocate()
    }
}

/// Storage for one shard being filled by several workers: each sample owns a disjoint slot.
final class ShardAssembly: @unchecked Sendable {
    let index: Int
    let count: Int
    let imageBytes: Int
    let labelBytes: Int
    /// The pixel storage, handed back to the pool when the shard is written.
    let buffers: ShardBuffers
    private var image: UnsafeMutableRawBufferPointer { buffers.image }
    private var label: UnsafeMutableRawBufferPointer { buffers.label }
    /// Per slot: the sample's params and stats, or its error. Guarded by the runner's lock.
    var results: [SlotResult?]

    struct SlotResult {
        var id: String
        var repeatIndex: Int
        var params: [String: Double]
        var classPixels: [Int]
        var channelSums: [Int]
        var channelSquares: [Int]
        var error: SampleError?
    }

    /// A shard of `count` samples stored in `buffers` (room for at least `count`).
    init(index: Int, count: Int, imageBytes: Int, labelBytes: Int, buffers: ShardBuffers) {
        precondition(buffers.image.count >= count * imageBytes && buffers.label.count >= count * labelBytes)
        self.index = index; self.count = count; self.imageBytes = imageBytes; self.labelBytes = labelBytes
        self.buffers = buffers
        results = Array(repeating: nil, count: count)
    }

    /// Copies a finished sample's pixels into `slot` (called without the lock; slots are disjoint).
    func store(_ s: Sample, slot: Int) {
        s.image.pixels.withUnsafeBytes { (image.baseAddress! + slot * imageBytes).copyMemory(from: $0.baseAddress!, byteCount: imageBytes) }
        s.label.pixels.withUnsafeBytes { (label.baseAddress! + slot * labelBytes).copyMemory(from: $0.baseAddress!, byteCount: labelBytes) }
    }

    /// Moves the good samples to the front (dropping skipped ones) and returns their slot results in order.
    func compact() -> [SlotResult] {
        var out: [SlotResult] = []
        for slot in 0..<count {
            guard let r = results[slot], r.error == nil else { continue }
            let dst = out.count
            if dst != slot {
                (image.baseAddress! + dst * imageBytes).copyMemory(from: image.baseAddress! + slot * imageBytes, byteCount: imageBytes)
                (label.baseAddress! + dst * labelBytes).copyMemory(from: label.baseAddress! + slot * labelBytes, byteCount: labelBytes)
            }
            out.append(r)
        }
        return out
    }

    /// The image bytes of `slot`.
    func withImage<R>(slot: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(rebasing: image[(slot * imageBytes)..<((slot + 1) * imageBytes)]))
    }

    /// The first `n` samples' image and label bytes.
    func withBuffers<R>(samples n: Int, _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(rebasing: image[0..<(n * imageBytes)]),
                 UnsafeRawBufferPointer(rebasing: label[0..<(n * labelBytes)]))
    }
}
