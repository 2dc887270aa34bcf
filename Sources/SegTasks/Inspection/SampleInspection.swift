import SegImage
import Foundation
import SegFormat
import SegPipeline

/// Augmented samples to look at: read back from a shard folder, or made now from a pipeline file
/// (nothing written), with the parameters each drew and the stored ignore value, and drawn as a
/// contact sheet. `seg-prep inspect` is this and printing.
public struct SampleInspection {
    /// The samples, each with its drawn parameters.
    public var samples: [(sample: Sample, params: [String: Double])] = []
    /// The stored label value of ignored pixels (as the shards hold it, so sheets from a pipeline
    /// and from its shards paint them alike).
    public var ignoreIndex: Int
    /// What was read (the shard folder, or the pipeline's input root): a sheet is never written there.
    public var inputs: [String]

    /// Samples `index ..< index + count` of the shard folder `dir` (over all shards in order).
    ///
    /// Throws `InspectionError.pastTheEnd` when `index` is not a sample, and shard-reading errors.
    public init(shards dir: String, index: Int, count: Int) throws {
        let shards = try ShardSamples(dir: dir)
        ignoreIndex = shards.manifest.ignoreIndex
        inputs = [dir]
        guard index < shards.count else { throw InspectionError.pastTheEnd(index: index, source: dir, count: shards.count, detail: nil) }
        for i in index..<(index + min(count, shards.count - index)) { samples.append(try shards.sample(i)) }
    }

    /// `count` samples of `spec` from item `index` on (items run over ids, then repeats, as a run
    /// numbers them), augmented now; with `skip`, bad samples are reported through `skipped` and the
    /// next ones shown.
    ///
    /// Throws `InspectionError.pastTheEnd`, input errors, and sample errors unless `skip`.
    public init(pipeline spec: PipelineSpec, root: String?, index: Int, count: Int, skip: Bool,
                skipped: (SampleError) -> Void = { _ in }) throws {
        let input = try DatasetInput(spec, root: root)
        ignoreIndex = spec.ignoreIndex
        inputs = [input.root]
        let n = input.records.count
        let (total, overflow) = n.multipliedReportingOverflow(by: spec.repeats)
        guard overflow || index < total else {
            throw InspectionError.pastTheEnd(index: index, source: "the pipeline", count: total, detail: "\(n) ids x \(spec.repeats) repeats")
        }
        // Multi-image stages draw donors from the whole input, as a run does.
        let donors = try spec.donors(for: input.records)
        var item = index
        while samples.count < count && item < total {
            let made = Result { () throws(SampleError) in try spec.make(input.records[item % n], repeatIndex: item / n, donors: donors) }
            item += 1
            switch made {
            case .success(let s): samples.append((s, s.params))
            case .failure(let e) where skip: skipped(e)
            case .failure(let e): throw e
            }
        }
    }

    /// The contact sheet: image, coloured label and overlay of each sample with its drawn parameters.
    public func sheet(panel: Int, columns: Int) throws -> Raster {
        let sheet = ContactSheet(palette: .voc(ignoreIndex: ignoreIndex), panel: panel, columns: columns)
        return try sheet.render(samples.map {
            .init(image: $0.sample.image, label: $0.sample.label,
                  caption: ContactSheet.caption(id: $0.sample.id, repeatIndex: $0.sample.repeatIndex, params: $0.params))
        })
    }
}

/// Why samples cannot be shown.
public enum InspectionError: Error, CustomStringConvertible, Sendable, Equatable {
    /// `index` is past the last of `count` samples of `source` (`detail` says how they are counted).
    case pastTheEnd(index: Int, source: String, count: Int, detail: String?)
    /// Every sample asked for was skipped (`on_error: skip`): there is nothing to show.
    case everySampleSkipped(source: String)

    public var description: String {
        switch self {
        case .pastTheEnd(let index, let source, let count, let detail):
            if let detail { return "--index \(index) is past the end: \(source) makes \(count) samples (\(detail))" }
            return "--index \(index) is past the end: \(source) holds \(count) samples (0..\(count - 1))"
        case .everySampleSkipped(let source):
            return "\(source) made no sample to show: each one asked for was skipped for the reason printed above; fix those files or the pipeline"
        }
    }
}
