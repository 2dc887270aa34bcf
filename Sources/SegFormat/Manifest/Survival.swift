import Foundation

extension Manifest {
    /// How one class fared through a run's pipeline (`survival` in `index.json`).
    ///
    /// A source sample holds the class when its label, read as the pipeline reads it and passed
    /// through the value-mapping stages (`remap_labels`) but before any geometry, has a pixel of it.
    /// Of the augmented samples written from such sources, `survived` hold at least one pixel of the
    /// class and `survived_half` hold at least half of the class's source fraction (fractions are of
    /// labelled pixels, ignored ones left out); `pixel_ratio` is the mean over those samples of
    /// output fraction / source fraction (1: the class keeps its share; 0: never seen), each sample's
    /// ratio counted in millionths; `pixel_ratio_micros` is their sum, so parts merge exactly.
    public struct ClassSurvival: Codable, Sendable, Equatable {
        public var `class`: String
        public var sourceSamples: Int
        public var samples: Int
        public var survived: Int
        public var survivedHalf: Int
        public var pixelRatio: Double
        /// Σ per-sample ratios in millionths (absent in hand-written entries: merged by weight).
        public var pixelRatioMicros: Int?

        public init(class name: String, sourceSamples: Int, samples: Int, survived: Int, survivedHalf: Int, pixelRatio: Double) {
            self.class = name; self.sourceSamples = sourceSamples; self.samples = samples
            self.survived = survived; self.survivedHalf = survivedHalf; self.pixelRatio = pixelRatio
        }

        /// An entry whose `pixel_ratio` is `micros` millionths summed over `samples`.
        public init(class name: String, sourceSamples: Int, samples: Int, survived: Int, survivedHalf: Int, pixelRatioMicros micros: Int) {
            self.init(class: name, sourceSamples: sourceSamples, samples: samples, survived: survived, survivedHalf: survivedHalf,
                      pixelRatio: samples > 0 ? Double(micros) / 1e6 / Double(samples) : 0)
            pixelRatioMicros = micros
        }

        /// `ratio` in millionths, rounded (huge ratios held at the integer range).
        public static func micros(_ ratio: Double) -> Int {
            let m = (ratio * 1e6).rounded()
            guard m.isFinite, m > 0 else { return m == .infinity ? Int.max : 0 }
            return m < 9e18 ? Int(m) : Int.max
        }

        /// `a + b`, held at `Int.max` instead of overflowing.
        public static func adding(_ a: Int, _ b: Int) -> Int {
            let (sum, overflow) = a.addingReportingOverflow(b)
            return overflow ? Int.max : sum
        }

        /// `survived / samples`, or nil when no sample was made from a source holding the class.
        public var survivalRate: Double? { samples > 0 ? Double(survived) / Double(samples) : nil }
    }

    /// Throws `ManifestError.damaged` naming `survival` unless it has one entry per class, in
    /// class order, with counts that agree with each other and the run's size.
    func validateSurvival(path: String) throws {
        guard let survival else { return }
        func bad(_ what: String) -> ManifestError { .damaged(path: path, what: "`survival` " + what) }
        guard survival.count == classes.count else {
            throw bad("has \(survival.count) entries, not one per class (\(classes.count))")
        }
        for (i, e) in survival.enumerated() {
            guard e.class == classes[i] else {
                throw bad("entry \(i) is for class \(Manifest.quoted(e.class)), not \(Manifest.quoted(classes[i]))")
            }
            guard e.sourceSamples >= 0, e.samples >= 0, e.survived >= 0, e.survivedHalf >= 0 else {
                throw bad("entry \(i) (\(Manifest.quoted(e.class))) holds a negative count")
            }
            guard e.samples <= totalSamples, e.sourceSamples <= totalSamples else {
                throw bad("entry \(i) (\(Manifest.quoted(e.class))) counts more samples than the run's \(totalSamples)")
            }
            guard e.survived <= e.samples, e.survivedHalf <= e.survived else {
                throw bad("entry \(i) (\(Manifest.quoted(e.class))) has \(e.survived) survived and \(e.survivedHalf) survived_half of \(e.samples) samples")
            }
            guard e.pixelRatio.isFinite, e.pixelRatio >= 0, (e.pixelRatioMicros ?? 0) >= 0 else {
                throw bad("entry \(i) (\(Manifest.quoted(e.class))) has a `pixel_ratio` that is not a finite non-negative number")
            }
        }
    }

    /// The survival of runs whose parts hold `parts` (same classes, in order): counts added,
    /// `pixel_ratio` from the summed millionths (exactly the whole run's), or for entries without them
    /// the mean weighted by each part's samples; nil when a part has none (or the
    /// counts of hand-edited parts add up past the integer range).
    public static func mergedSurvival(_ parts: [[ClassSurvival]?]) -> [ClassSurvival]? {
        guard let first = parts.first, var out = first else { return nil }
        var weighted = out.map { $0.pixelRatio * Double($0.samples) }
        var micros = out.map(\.pixelRatioMicros)
        for part in parts.dropFirst() {
            guard let part, part.count == out.count else { return nil }
            for i in out.indices {
                let sums = [(out[i].sourceSamples, part[i].sourceSamples), (out[i].samples, part[i].samples),
                            (out[i].survived, part[i].survived), (out[i].survivedHalf, part[i].survivedHalf)]
                    .map { $0.addingReportingOverflow($1) }
                guard !sums.contains(where: \.overflow) else { return nil }
                (out[i].sourceSamples, out[i].samples, out[i].survived, out[i].survivedHalf) =
                    (sums[0].partialValue, sums[1].partialValue, sums[2].partialValue, sums[3].partialValue)
                weighted[i] += part[i].pixelRatio * Double(part[i].samples)
                micros[i] = micros[i].flatMap { a in part[i].pixelRatioMicros.map { ClassSurvival.adding(a, $0) } }
            }
        }
        for i in out.indices {
            if let m = micros[i] {
                out[i] = ClassSurvival(class: out[i].class, sourceSamples: out[i].sourceSamples, samples: out[i].samples,
                                       survived: out[i].survived, survivedHalf: out[i].survivedHalf, pixelRatioMicros: m)
            } else {
                out[i].pixelRatio = out[i].samples > 0 ? weighted[i] / Double(out[i].samples) : 0
            }
        }
        return out
    }
}
