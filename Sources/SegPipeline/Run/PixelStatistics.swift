/// What the manifest aggregates about the samples: pixels per class (the last entry is the ignore
/// class) and per-channel sums of values and of squared values, added up sample by sample.
struct PixelStatistics: Sendable, Equatable {
    var classPixels: [Int]
    var channelSums: [Int]
    var channelSquares: [Int]

    /// Zeros for `classes` classes and the ignore class.
    init(classes: Int) {
        classPixels = [Int](repeating: 0, count: classes + 1)
        channelSums = [0, 0, 0]
        channelSquares = [0, 0, 0]
    }

    init(classPixels: [Int], channelSums: [Int], channelSquares: [Int]) {
        self.classPixels = classPixels; self.channelSums = channelSums; self.channelSquares = channelSquares
    }

    static func += (a: inout PixelStatistics, b: PixelStatistics) {
        for i in a.classPixels.indices { a.classPixels[i] += b.classPixels[i] }
        for c in 0..<3 { a.channelSums[c] += b.channelSums[c]; a.channelSquares[c] += b.channelSquares[c] }
    }
}

extension ShardAssembly.SlotResult {
    var statistics: PixelStatistics { PixelStatistics(classPixels: classPixels, channelSums: channelSums, channelSquares: channelSquares) }
}

extension StoredShard {
    var statistics: PixelStatistics { PixelStatistics(classPixels: classPixels, channelSums: channelSums, channelSquares: channelSquares) }
}
