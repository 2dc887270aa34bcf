/// What the manifest aggregates about the samples: pixels per class (the last entry is the ignore
/// class) and per-channel sums of values and of squared values, added up sample by sample.
struct PixelStatistics: Sendable, Equatable {
    var classPixels: [Int]
    var channelSums: [Int]
    var channelSquares: [Int]
    /// The same sums over labelled pixels only; nil once a part without them (an entry written by
    /// an earlier version) was added.
    var labelledSums: [Int]?
    var labelledSquares: [Int]?

    /// Zeros for `classes` classes and the ignore class.
    init(classes: Int) {
        classPixels = [Int](repeating: 0, count: classes + 1)
        channelSums = [0, 0, 0]
        channelSquares = [0, 0, 0]
        labelledSums = [0, 0, 0]
        labelledSquares = [0, 0, 0]
    }

    init(classPixels: [Int], channelSums: [Int], channelSquares: [Int], labelledSums: [Int]?, labelledSquares: [Int]?) {
        self.classPixels = classPixels; self.channelSums = channelSums; self.channelSquares = channelSquares
        self.labelledSums = labelledSums?.count == 3 ? labelledSums : nil
        self.labelledSquares = labelledSquares?.count == 3 ? labelledSquares : nil
    }

    static func += (a: inout PixelStatistics, b: PixelStatistics) {
        for i in a.classPixels.indices { a.classPixels[i] += b.classPixels[i] }
        for c in 0..<3 { a.channelSums[c] += b.channelSums[c]; a.channelSquares[c] += b.channelSquares[c] }
        if let s = b.labelledSums, let q = b.labelledSquares, a.labelledSums != nil {
            for c in 0..<3 { a.labelledSums?[c] += s[c]; a.labelledSquares?[c] += q[c] }
        } else {
            a.labelledSums = nil; a.labelledSquares = nil
        }
    }
}

extension ShardAssembly.SlotResult {
    var statistics: PixelStatistics {
        PixelStatistics(classPixels: classPixels, channelSums: channelSums, channelSquares: channelSquares,
                        labelledSums: labelledSums, labelledSquares: labelledSquares)
    }
}

extension StoredShard {
    var statistics: PixelStatistics {
        PixelStatistics(classPixels: classPixels, channelSums: channelSums, channelSquares: channelSquares,
                        labelledSums: labelledSums, labelledSquares: labelledSquares)
    }
}
