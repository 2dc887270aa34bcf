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

    /// Adds `b`'s counts and sums; throws `RunError.statisticsOverflow` past the integer range.
    mutating func add(_ b: PixelStatistics) throws {
        func sum(_ x: [Int], _ y: [Int]) throws -> [Int] {
            guard x.count == y.count else { throw RunError.statisticsOverflow }
            return try zip(x, y).map { p, q in
                let (s, o) = p.addingReportingOverflow(q)
                if o { throw RunError.statisticsOverflow }
                return s
            }
        }
        classPixels = try sum(classPixels, b.classPixels)
        channelSums = try sum(channelSums, b.channelSums)
        channelSquares = try sum(channelSquares, b.channelSquares)
        if let s = b.labelledSums, let q = b.labelledSquares, let ls = labelledSums, let lq = labelledSquares {
            labelledSums = try sum(ls, s)
            labelledSquares = try sum(lq, q)
        } else {
            labelledSums = nil; labelledSquares = nil
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
