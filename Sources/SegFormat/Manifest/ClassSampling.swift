import Foundation

extension Manifest {
    /// How a run spread its `repeats` budget over the source samples (`sampling` in `index.json`),
    /// written by runs with `input.sampling: {rare_class: …}`; absent for uniform sampling and in
    /// manifests of earlier versions.
    public struct ClassSampling: Codable, Sendable, Equatable {
        /// `rare_class`.
        public var method: String
        public var temperature: Double
        public var minPixels: Int
        public var cropRetries: Int
        /// Per class, in class order: the probability of drawing the class (0 for classes no source
        /// holds with at least `min_pixels` pixels).
        public var classProbability: [Double]
        /// Per class: its share of the labelled source pixels with every source once (`before`), and
        /// with every source as often as the run drew it (`after`, before augmentation).
        public var before: [Double]
        public var after: [Double]

        public init(method: String, temperature: Double, minPixels: Int, cropRetries: Int,
                    classProbability: [Double], before: [Double], after: [Double]) {
            self.method = method; self.temperature = temperature; self.minPixels = minPixels; self.cropRetries = cropRetries
            self.classProbability = classProbability; self.before = before; self.after = after
        }
    }

    /// Throws `ManifestError.damaged` naming `sampling` unless its lists hold one fraction in
    /// [0, 1] per class and its settings are in range.
    func validateSampling(path: String) throws {
        guard let sampling else { return }
        func bad(_ what: String) -> ManifestError { .damaged(path: path, what: "`sampling` " + what) }
        guard sampling.method == "rare_class" else { throw bad("names the method \(Manifest.quoted(sampling.method)), not `rare_class`") }
        guard sampling.temperature.isFinite, sampling.temperature > 0, sampling.minPixels >= 1, sampling.cropRetries >= 0 else {
            throw bad("has a temperature, min_pixels or crop_retries out of range")
        }
        for (key, list) in [("class_probability", sampling.classProbability), ("before", sampling.before), ("after", sampling.after)] {
            guard list.count == classes.count else { throw bad("`\(key)` has \(list.count) entries, not one per class (\(classes.count))") }
            guard list.allSatisfy({ $0.isFinite && (0...1).contains($0) }) else { throw bad("`\(key)` holds a value that is not a fraction in [0, 1]") }
        }
    }
}
