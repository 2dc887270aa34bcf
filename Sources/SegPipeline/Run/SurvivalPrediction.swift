import Foundation
import SegFormat

/// Label survival predicted before a run (`seg-prep check`): the pipeline applied to a sample of
/// draws spread evenly over the run's samples (every source × repeat), counted as `run` counts.
public struct SurvivalPrediction: Sendable {
    /// Draws processed and those that failed (not counted).
    public var draws = 0
    public var failed = 0
    /// Per class, as `survival` in `index.json` (`source_samples`: sources among the draws).
    public var survival: [Manifest.ClassSurvival] = []
    /// Classes whose predicted survival is below the pipeline's `output.min_survival`.
    public var misses: [Miss] = []

    /// A floor the recipe is predicted to miss.
    public struct Miss: Sendable, Equatable {
        public var `class`: String
        public var floor: Double
        /// Predicted `survived / samples`, or nil when no draw came from a source holding the class.
        public var predicted: Double?
        public var samples: Int
    }

    /// Draws taken when the caller does not say.
    public static let defaultDraws = 64

    /// Processes up to `wanted` samples of `spec` over `input` (spread over sources and repeats).
    public init(spec: PipelineSpec, input: DatasetInput, draws wanted: Int = SurvivalPrediction.defaultDraws) {
        let records = input.records
        let total = records.count * spec.repeats
        let count = min(max(wanted, 0), total)
        // Too few samples for a multi-image stage: no donors, and each sample fails as in a run.
        let donors = (try? spec.donors(for: records)) ?? nil
        var counts = SurvivalCounts(classes: spec.classes.count)
        var seen = Set<String>()
        for k in 0..<count {
            // Evenly spread items (item = repeat × sources + source, as a run numbers them).
            let item = Int((Double(k) * Double(total) / Double(count)).rounded(.down))
            let record = records[item % records.count]
            var s = Sample(record: record, repeatIndex: item / records.count)
            draws += 1
            do {
                try spec.process(&s, donors: donors, countSource: true)
            } catch {
                failed += 1
                continue
            }
            let histogram = s.label.labelHistogram
            let output = (0..<spec.classes.count).map { $0 < histogram.count ? histogram[$0] : 0 }
            counts.add(source: s.sourceClassPixels, output: output, firstOfSource: seen.insert(record.id).inserted)
        }
        survival = counts.entries(names: spec.classes)
        for floor in spec.minSurvival {
            let e = survival[floor.classIndex]
            let rate = e.survivalRate
            if (rate ?? 0) < floor.fraction {
                misses.append(Miss(class: e.class, floor: floor.fraction, predicted: rate, samples: e.samples))
            }
        }
    }
}

/// A floor on a class's survival declared by `output.min_survival`.
public struct SurvivalFloor: Sendable, Equatable {
    public var classIndex: Int
    public var fraction: Double
}
