import Foundation

/// Class pixel histogram, suggested class weights and image channel statistics of a shard folder,
/// computed from its manifest (which `run` fills as it goes).
public struct ClassStats: Codable, Sendable {
    /// One class: its index, name, pixel count, fraction of non-ignored pixels and weights.
    public struct Entry: Codable, Sendable {
        public var index: Int
        public var name: String
        public var pixels: Int
        public var fraction: Double
        /// total / (classes * pixels): 1 for a perfectly balanced set; 0 for an absent class.
        public var weightInverse: Double
        /// median(fraction) / fraction (median frequency balancing over present classes); 0 when absent.
        public var weightMedian: Double
    }

    public var classes: [Entry]
    public var ignorePixels: Int
    public var totalPixels: Int
    public var samples: Int
    /// Per-channel (R, G, B) mean and standard deviation of image values scaled to [0, 1].
    public var mean: [Double]
    public var std: [Double]
    /// The pixels `mean` and `std` are over: `labelled` (ignored pixels such as padding left out,
    /// the default) or `all` (every pixel, or a manifest without labelled sums).
    public var pixels: String
    /// Per class: source samples holding it and how many augmented samples keep it (nil for
    /// folders written before survival was counted).
    public var survival: [Manifest.ClassSurvival]?
    /// How rare-class sampling drew the sources (nil for uniform sampling and older folders).
    public var sampling: Manifest.ClassSampling?

    /// Which pixels the channel statistics are over.
    public enum Pixels: String, Sendable { case labelled, all }

    /// Statistics of manifest `m`, with mean and std over `over` pixels.
    public init(_ m: Manifest, over: Pixels = .labelled) {
        let counts = Array(m.classPixels.prefix(m.classes.count))
        let valid = counts.reduce(0, +)
        let fractions = counts.map { valid > 0 ? Double($0) / Double(valid) : 0 }
        let present = fractions.filter { $0 > 0 }.sorted()
        let median: Double
        if present.isEmpty { median = 0 } else if present.count % 2 == 1 { median = present[present.count / 2] } else {
            median = (present[present.count / 2 - 1] + present[present.count / 2]) / 2
        }
        classes = counts.indices.map { i in
            let f = fractions[i]
            return Entry(index: i, name: m.classes[i], pixels: counts[i], fraction: f,
                         weightInverse: f > 0 ? 1.0 / (Double(counts.count) * f) : 0,
                         weightMedian: f > 0 ? median / f : 0)
        }
        ignorePixels = m.classPixels.count > m.classes.count ? m.classPixels[m.classes.count] : 0
        totalPixels = m.classPixels.reduce(0, +)
        samples = m.sampleCount
        var (n, sums, squares) = (Double(totalPixels), m.channelSums, m.channelSquareSums)
        pixels = Pixels.all.rawValue
        if over == .labelled, let s = m.labelledChannelSums, let q = m.labelledChannelSquareSums {
            (n, sums, squares) = (Double(totalPixels - ignorePixels), s, q)
            pixels = Pixels.labelled.rawValue
        }
        survival = m.survival
        sampling = m.sampling
        mean = (0..<3).map { n > 0 ? sums[$0] / n / 255 : 0 }
        std = (0..<3).map { c in
            guard n > 0 else { return 0 }
            let mu = sums[c] / n
            return max(squares[c] / n - mu * mu, 0).squareRoot() / 255
        }
    }

    /// The statistics as key-sorted snake_case JSON.
    public func json() throws -> Data {
        let e = JSONEncoder()
        e.keyEncodingStrategy = .convertToSnakeCase
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try e.encode(self)
    }
}
