import Foundation

/// One batch of training data in buffers that the loader allocates once and refills.
///
/// Shapes (`B` = `capacity`, only the first `count` samples are valid in the last batch of an epoch
/// without `dropLast`):
/// - `images`: Float32 `[B, 3, H, W]`, RGB planes, `v / 255` then `(x − mean) / std` per channel.
/// - `labels`: Int32 `[B, H, W]` (or `labelBytes`: UInt8 `[B, H, W]`), class indices; values above
///   the class count become the ignore class `classes`.
/// - `oneHot`: Float32 `[B, H, W, classes + 1]` when requested, else empty; the last channel marks
///   ignored pixels.
///
/// A batch handed out by `LoaderEpoch.next()` belongs to the caller until the next call; after that
/// the loader refills it. The arrays are copy-on-write, so a copy kept longer stays intact (and costs
/// one allocation when the loader refills the buffer).
public final class Batch: @unchecked Sendable {
    /// Samples the buffers hold room for (B).
    public let capacity: Int
    /// Image height and width in pixels.
    public let height: Int
    public let width: Int
    /// Real classes; the ignore class index equals this.
    public let classes: Int
    /// Valid samples (`capacity` except in a short last batch).
    public internal(set) var count = 0
    /// Epoch and position of this batch within the epoch.
    public internal(set) var epoch = 0
    public internal(set) var index = 0
    /// Float32 `[B, 3, H, W]`.
    public internal(set) var images: [Float]
    /// Int32 `[B, H, W]` (empty with the uint8 label format).
    public internal(set) var labels: [Int32]
    /// UInt8 `[B, H, W]` (empty with the int32 label format).
    public internal(set) var labelBytes: [UInt8]
    /// Float32 `[B, H, W, classes + 1]` (empty unless one-hot was requested).
    public internal(set) var oneHot: [Float]
    /// Global sample index, source id and repeat of each valid sample.
    public internal(set) var samples: [Int]
    public internal(set) var ids: [String]
    public internal(set) var repeats: [Int]

    /// `[count, 3, H, W]`.
    public var imageShape: [Int] { [count, 3, height, width] }
    /// `[count, H, W]`.
    public var labelShape: [Int] { [count, height, width] }
    /// `[count, H, W, classes + 1]`.
    public var oneHotShape: [Int] { [count, height, width, classes + 1] }

    /// Allocates zeroed buffers for `capacity` samples of `height`x`width`.
    init(capacity: Int, height: Int, width: Int, classes: Int, options: LoaderOptions) {
        self.capacity = capacity; self.height = height; self.width = width; self.classes = classes
        let pixels = capacity * height * width
        images = Batch.buffer(count: pixels * 3)
        labels = options.labelFormat == .int32 ? Batch.buffer(count: pixels) : []
        labelBytes = options.labelFormat == .uint8 ? Batch.buffer(count: pixels) : []
        oneHot = options.oneHot ? Batch.buffer(count: pixels * (classes + 1)) : []
        samples = []; samples.reserveCapacity(capacity)
        ids = []; ids.reserveCapacity(capacity)
        repeats = []; repeats.reserveCapacity(capacity)
    }

    /// An array of `count` elements whose memory the kernel may back with huge pages.
    ///
    /// Batches are tens of megabytes rewritten every step; 2 MiB pages cut the page walks of
    /// those writes. The advice is given before the first write, so the pages are born huge.
    /// The elements are not cleared here (a serial pass over up to a gigabyte of buffers before
    /// the first batch): the loader writes every element of a slot before handing a batch out, so
    /// the first writes, spread over the workers, are what brings the pages in.
    static func buffer<T: BitwiseCopyable>(count: Int) -> [T] {
        [T](unsafeUninitializedCapacity: count) { buf, n in
            #if os(Linux)
            let start = UInt(bitPattern: buf.baseAddress)
            let huge: UInt = 2 << 20
            let first = (start + huge - 1) & ~(huge - 1)
            let end = (start + UInt(count * MemoryLayout<T>.stride)) & ~(huge - 1)
            if end > first {
                _ = madvise(UnsafeMutableRawPointer(bitPattern: first), Int(end - first), MADV_HUGEPAGE)
            }
            #endif
            n = count
        }
    }
}
