import SegImage
import Foundation
import SegFormat
import Yams

/// `input.sampling`: how the `repeats` budget of a run is spread over its source samples.
public enum Sampling: Sendable, Equatable {
    /// Every source `repeats` times (item = repeat × sources + source).
    case uniform
    /// DAFormer's rare-class sampling.
    case rareClass(RareClassSampling)

    /// Parses the `input.sampling` node: `uniform` or `{rare_class: {…}}`.
    ///
    /// Throws `PipelineError` at the offending node (`file:line:column`).
    static func parse(_ located: ParameterValues.Located?, file: String) throws -> Sampling {
        guard let located else { return .uniform }
        let node = located.node
        func error(_ n: Node, _ message: String) -> PipelineError {
            PipelineError(file: file, line: n.mark?.line ?? located.line, column: n.mark?.column ?? located.column, message: message,
                          fix: "write `sampling: uniform` or `sampling: {rare_class: {temperature: 0.01, min_pixels: 1, crop_retries: 10}}`")
        }
        if let word = node.string, node.mapping == nil {
            guard word == "uniform" else { throw error(node, "'input.sampling' is '\(word)'; \(Suggest.hint(word, in: ["uniform", "rare_class"]))") }
            return .uniform
        }
        guard let m = node.mapping, m.count == 1, let (k, v) = m.first, let name = k.string else {
            throw error(node, "'input.sampling' must be `uniform` or a mapping with the one key `rare_class`")
        }
        guard name == "rare_class" else { throw error(k, "'input.sampling' names the method '\(name)'; \(Suggest.hint(name, in: ["rare_class"]))") }
        let keys = try ParameterValues(PipelineKeys.RareClass.all, scope: .section("input.sampling.rare_class"), node: v.mapping == nil && v.null != nil ? nil : v,
                                       file: file, line: v.mark?.line ?? located.line, column: v.mark?.column ?? located.column)
        typealias R = PipelineKeys.RareClass
        return .rareClass(RareClassSampling(temperature: keys[R.temperature], minPixels: keys[R.minPixels], cropRetries: keys[R.cropRetries]))
    }
}

/// The settings of rare-class sampling (`input.sampling: {rare_class: {…}}`).
public struct RareClassSampling: Sendable, Equatable {
    public var temperature: Double
    public var minPixels: Int
    public var cropRetries: Int
}

/// The source each item of a rare-class run is made from, planned before any pixel of an image is
/// read: item k draws a class c from p(c) ∝ exp((1 − f_c)/T) and then a source among those holding
/// at least `min_pixels` of c, from a generator keyed by (seed, item) alone, so the plan does not
/// depend on threads or partitions. A source drawn for the j-th time is processed as repeat j, so
/// every stage's draws stay keyed by (seed, id, repeat, stage) and differ between its items.
public struct RareClassPlan: Sendable {
    public let settings: RareClassSampling
    /// Per item: the source index, its repeat (how often the source was drawn before), the class.
    public let source: [Int]
    public let repeatIndex: [Int]
    public let drawnClass: [Int]
    /// Per class: the draw probability and the labelled-pixel shares before and after (see `Manifest.ClassSampling`).
    public let classProbability: [Double]
    public let before: [Double]
    public let after: [Double]

    /// The key `stage` of the generator drawing item k's class and source; stages count from 0.
    static let drawStage = -1

    /// Plans `items` items over sources whose labelled pixels per class are `histograms` (nil: a
    /// source whose label could not be read, never drawn).
    ///
    /// Throws `RunError.noRareClassSource` when no source holds any class with `min_pixels` pixels.
    public init(settings: RareClassSampling, histograms: [[Int]?], classes: Int, items: Int, seed: UInt64) throws {
        self.settings = settings
        var pixels = [Double](repeating: 0, count: classes)
        var holders = [[Int]](repeating: [], count: classes)
        for (i, h) in histograms.enumerated() {
            guard let h else { continue }
            for c in 0..<min(classes, h.count) {
                pixels[c] += Double(h[c])
                if h[c] >= settings.minPixels { holders[c].append(i) }
            }
        }
        let total = pixels.reduce(0, +)
        let f = pixels.map { total > 0 ? $0 / total : 0 }
        // exp((1 − f_c)/T) with the largest exponent taken out (T = 0.0001 would overflow otherwise).
        let exponents = (0..<classes).map { holders[$0].isEmpty ? -Double.infinity : (1 - f[$0]) / settings.temperature }
        guard let top = exponents.max(), top > -Double.infinity else { throw RunError.noRareClassSource(minPixels: settings.minPixels) }
        let weights = exponents.map { $0 == -Double.infinity ? 0 : exp($0 - top) }
        let sum = weights.reduce(0, +)
        let p = weights.map { $0 / sum }
        var cumulative: [Double] = []
        var acc = 0.0
        for w in p { acc += w; cumulative.append(acc) }
        var source = [Int](repeating: 0, count: items), rep = source, drawn = source
        var times = [Int](repeating: 0, count: histograms.count)
        var drawnPixels = [Double](repeating: 0, count: classes)
        for k in 0..<items {
            var rng = SeededRandom(seed: seed, id: "", repeatIndex: k, stage: Self.drawStage)
            let u = rng.unit() * acc
            let c = cumulative.firstIndex { u < $0 && $0 > 0 } ?? (p.lastIndex { $0 > 0 } ?? 0)
            let among = holders[c]
            let s = among[min(Int(rng.unit() * Double(among.count)), among.count - 1)]
            source[k] = s; drawn[k] = c; rep[k] = times[s]
            times[s] += 1
            if let h = histograms[s] { for j in 0..<min(classes, h.count) { drawnPixels[j] += Double(h[j]) } }
        }
        let drawnTotal = drawnPixels.reduce(0, +)
        self.source = source; repeatIndex = rep; drawnClass = drawn
        classProbability = p
        before = f
        after = drawnPixels.map { drawnTotal > 0 ? $0 / drawnTotal : 0 }
    }

    /// What `index.json` records of this plan.
    public var manifestEntry: Manifest.ClassSampling {
        Manifest.ClassSampling(method: "rare_class", temperature: settings.temperature, minPixels: settings.minPixels,
                               cropRetries: settings.cropRetries, classProbability: classProbability, before: before, after: after)
    }
}

extension PipelineSpec {
    /// The rare-class plan of a run over `input` (nil for uniform sampling): every label read once,
    /// through `FileGate` (size and header checked) as `decode` reads it and mapped by the value
    /// stages, by `threads` workers; image files are only opened for their header.
    ///
    /// Throws the first unreadable label's `SampleError` under `on_error: fail`; under `skip` such a
    /// source is never drawn. Throws `RunError.noRareClassSource` when no source qualifies.
    public func rareClassPlan(input: DatasetInput, threads: Int, onError: OnError) throws -> RareClassPlan? {
        guard case .rareClass(let settings) = sampling else { return nil }
        let truth = GroundTruth(spec: self, input: input)
        let records = input.records
        let classCount = classes.count
        let results = LockedResults<Result<[Int], any Error>>.map(records.count, threads: threads) { i in
            Result { () throws -> [Int] in
                let h = try truth.label(records[i]).labelHistogram
                return (0..<classCount).map { $0 < h.count ? h[$0] : 0 }
            }
        }
        var histograms: [[Int]?] = []
        for r in results {
            switch r {
            case .success(let h): histograms.append(h)
            case .failure(let e): if onError == .fail { throw e } else { histograms.append(nil) }
            }
        }
        return try RareClassPlan(settings: settings, histograms: histograms, classes: classes.count,
                                 items: records.count * repeats, seed: seed)
    }
}

/// A fixed number of slots filled by worker threads, and a shared counter they claim from.
package final class LockedResults<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [T?]
    private var counter = 0

    package init(count: Int) { values = Array(repeating: nil, count: count) }

    package func set(_ i: Int, _ v: T) { lock.lock(); values[i] = v; lock.unlock() }
    package func get(_ i: Int) -> T? { lock.lock(); defer { lock.unlock() }; return values[i] }

    /// `body(i)` for every i in 0..<count on up to `threads` threads (each claiming the next index),
    /// the results in index order.
    package static func map(_ count: Int, threads: Int, _ body: @escaping @Sendable (Int) -> T) -> [T] {
        let results = LockedResults<T>(count: count)
        let group = DispatchGroup()
        for _ in 0..<max(1, min(threads, count)) {
            group.enter()
            let t = Thread {
                while let i = results.claim(below: count) { results.set(i, body(i)) }
                group.leave()
            }
            t.start()
        }
        group.wait()
        return (0..<count).compactMap { results.get($0) }
    }

    /// The next index below `limit`, or nil when all are claimed.
    package func claim(below limit: Int) -> Int? {
        lock.lock(); defer { lock.unlock() }
        guard counter < limit else { return nil }
        counter += 1
        return counter - 1
    }
}
