import SegImage
import SegFormat

/// Label survival added up sample by sample (what `survival` in `index.json` is made from): per
/// class, the source samples holding it and, of the samples written from them, those keeping at
/// least one pixel and at least half the source fraction, with the sum of fraction ratios.
///
/// Sums run in shard and slot order, so the result does not depend on the thread count.
public struct SurvivalCounts: Codable, Sendable, Equatable {
    public var sourceSamples: [Int]
    public var samples: [Int]
    public var survived: [Int]
    public var survivedHalf: [Int]
    /// Σ output fraction / source fraction over `samples`, each ratio in millionths: integers, so
    /// partial counts (threads, partitions, `merge`) add up to exactly the whole run's.
    public var ratioSums: [Int]

    /// Zeros for `classes` classes.
    public init(classes: Int) {
        sourceSamples = [Int](repeating: 0, count: classes)
        (samples, survived, survivedHalf) = (sourceSamples, sourceSamples, sourceSamples)
        ratioSums = [Int](repeating: 0, count: classes)
    }

    var classes: Int { samples.count }

    /// Adds one sample: `source` holds its source's pixels per class (nil when unknown, e.g. a
    /// source left in its files), `output` its written pixels per class (ignored ones after the
    /// classes, if any; nil when the sample was not written). `firstOfSource` counts the source.
    public mutating func add(source: [Int]?, output: [Int]?, firstOfSource: Bool) {
        guard let source else { return }
        let n = min(classes, source.count)
        let sourceLabelled = Double(source.prefix(n).reduce(0, +))
        let outputLabelled = Double((output ?? []).prefix(classes).reduce(0, +))
        for c in 0..<n where source[c] > 0 {
            if firstOfSource { sourceSamples[c] += 1 }
            guard let output else { continue }
            samples[c] += 1
            let kept = c < output.count ? output[c] : 0
            guard kept > 0, outputLabelled > 0 else { continue }
            survived[c] += 1
            let ratio = (Double(kept) / outputLabelled) / (Double(source[c]) / sourceLabelled)
            if ratio >= 0.5 { survivedHalf[c] += 1 }
            ratioSums[c] = Manifest.ClassSurvival.adding(ratioSums[c], Manifest.ClassSurvival.micros(ratio))
        }
    }

    public static func += (a: inout SurvivalCounts, b: SurvivalCounts) {
        guard a.classes == b.classes else { return }
        for c in 0..<a.classes {
            a.sourceSamples[c] += b.sourceSamples[c]
            a.samples[c] += b.samples[c]
            a.survived[c] += b.survived[c]
            a.survivedHalf[c] += b.survivedHalf[c]
            a.ratioSums[c] = Manifest.ClassSurvival.adding(a.ratioSums[c], b.ratioSums[c])
        }
    }

    /// The manifest's entries for classes named `names`.
    public func entries(names: [String]) -> [Manifest.ClassSurvival] {
        (0..<min(classes, names.count)).map { c in
            Manifest.ClassSurvival(class: names[c], sourceSamples: sourceSamples[c], samples: samples[c], survived: survived[c],
                                   survivedHalf: survivedHalf[c], pixelRatioMicros: ratioSums[c])
        }
    }
}

extension PipelineSpec {
    /// Pixels per class of a source label as decoded (`label`), passed through the value-mapping
    /// stages (`remap_labels`) on its histogram: what survival counts a source by.
    public func sourceClassPixels(_ label: Raster) -> [Int] {
        var counts = label.labelHistogram
        for stage in stages.compactMap({ $0 as? RemapLabelsStage }) {
            let table = stage.table(ignoreIndex: ignoreIndex, wide: label.channels == 2)
            var mapped = [Int](repeating: 0, count: max(counts.count, Int(table.max() ?? 0) + 1))
            for v in counts.indices where counts[v] > 0 { mapped[v < table.count ? Int(table[v]) : v] += counts[v] }
            counts = mapped
        }
        return (0..<classes.count).map { $0 < counts.count ? counts[$0] : 0 }
    }
}
