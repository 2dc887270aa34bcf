import ArgumentParser

/// `seg-prep bench …`: measurements of the parts that feed training.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure the loader (and other training-side parts) on real shards.",
        subcommands: [BenchLoader.self, BenchTrainStep.self, BenchDecode.self, BenchStages.self, BenchConfusion.self])
}
