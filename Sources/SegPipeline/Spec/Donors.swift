import SegImage
/// The samples of the input a multi-image stage (`mosaic`, `class_mix`) mixes into the current one.
///
/// A donor is a record of the input, drawn by index from the current sample's `SeededRandom`
/// (keyed by seed, id, repeat and stage), so the choice does not depend on threads or partitions.
/// Its pixels are what the stages before the multi-image stage make of it in the same repeat, each
/// stage drawing from the donor's own generators (seed, donor id, repeat, stage), as mmseg's
/// `MultiImageMixDataset` runs the pipeline before the mix on the mixed-in samples.
public struct Donors: Sendable {
    /// The input's records in listing order; donors are recorded by their index here.
    public let records: [SampleRecord]
    /// Indices of the records without a listing problem: donors are drawn from these.
    public let usable: [Int]
    /// Position of each record id in `usable`.
    let position: [String: Int]
    /// The donor `index` for repeat `repeatIndex`, rendered after the stages before `stage` (the
    /// last argument: these donors, for multi-image stages among those stages).
    public typealias Prepare = @Sendable (_ index: Int, _ repeatIndex: Int, _ stage: Int, _ donors: Donors) throws -> Sample
    let prepare: Prepare

    public init(records: [SampleRecord], prepare: @escaping Prepare) {
        self.records = records
        usable = records.indices.filter { records[$0].problem == nil }
        var position: [String: Int] = [:]
        for (k, i) in usable.enumerated() where position[records[i].id] == nil { position[records[i].id] = k }
        self.position = position
        self.prepare = prepare
    }

    /// Donors of `spec`'s input: each is run through `spec`'s stages before the asking one. Made
    /// only by `PipelineSpec.donors(for:)`, which refuses an input too small to mix first.
    init(records: [SampleRecord], spec: PipelineSpec) {
        self.init(records: records) { index, repeatIndex, stage, donors in
            var donor = Sample(record: donors.records[index], repeatIndex: repeatIndex)
            try spec.prepare(&donor, before: stage, donors: donors)
            return donor
        }
    }

    /// Draws a donor's record index uniformly from the usable records; `excluding` (a sample id)
    /// is left out when another record is usable. -1 when no record is usable.
    public func draw(_ random: inout SeededRandom, excluding id: String? = nil) -> Int {
        guard !usable.isEmpty else { return -1 }
        if let id, let own = position[id], usable.count > 1 {
            let k = random.below(usable.count - 1)
            return usable[k >= own ? k + 1 : k]
        }
        return usable[random.below(usable.count)]
    }

    /// The pixels of donor `index` for `sample`'s repeat, as the stages before `stage` leave them,
    /// or nil when a filter of the pipeline (`tile`'s `min_labelled`) leaves the donor out.
    /// Throws the donor's `SampleError`, as `sample`'s, when its files are bad.
    public func sample(_ index: Int, for sample: Sample, before stage: Int, what: String) throws -> Sample? {
        guard records.indices.contains(index) else {
            throw SampleError(id: sample.id, file: sample.imagePath, problem: "'\(what)' has no donor sample to mix in",
                              fix: "give the input at least two samples")
        }
        do {
            return try prepare(index, sample.repeatIndex, stage, self)
        } catch let e as SampleError where e.filtered {
            return nil
        } catch var e as SampleError {
            // Told as this sample's failure, naming the donor's file.
            e.problem = "(donor '\(records[index].id)' of '\(what)') " + e.problem
            e.id = sample.id
            throw e
        }
    }
}

/// A stage that mixes other samples of the input into each sample: a run refuses it before any
/// pixel is read when the input lists fewer than two usable samples.
public protocol MultiImageStage: Stage {
    /// The stage's parameters, for errors located at it.
    var location: StageArgs { get }
    /// How many donors it mixes into each sample at most (each made by the stages before it,
    /// multi-image ones included).
    static var donorsPerSample: Int { get }
}

/// The most source samples one output sample may be made from through nested multi-image stages:
/// each such stage multiplies the samples made per output by 1 + its donors (mosaic 4, class_mix
/// 2), so a few in a row would make a run exponentially slow.
public let multiImageSourceLimit = 16

extension MultiImageStage {
    /// The error for an input with `usable` samples (nil when there are enough).
    public func tooFewSamples(_ usable: Int, listed: Int) -> PipelineError? {
        guard usable < 2 else { return nil }
        let name = Self.declaration.name
        return location.error(nil, "'\(name)' mixes each sample with other samples of the input, but the input lists \(listed) sample(s), \(usable) of them usable",
                              fix: "give the input at least two samples (check the split file and --limit), or remove `- \(name): …`")
    }

}

extension PipelineSpec {
    /// The first stage that mixes samples, if any.
    public var multiImageStage: (any MultiImageStage)? {
        stages.lazy.compactMap { $0 as? any MultiImageStage }.first
    }

    /// The donors of `records` for this pipeline's multi-image stage, nil without one.
    ///
    /// Throws the stage's `PipelineError` when fewer than two records are usable (checked before
    /// any pixel is read).
    public func donors(for records: [SampleRecord]) throws -> Donors? {
        guard let mix = multiImageStage else { return nil }
        if let e = mix.tooFewSamples(records.filter { $0.problem == nil }.count, listed: records.count) { throw e }
        return Donors(records: records, spec: self)
    }
}
