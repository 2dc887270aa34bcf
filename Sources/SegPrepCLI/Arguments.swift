import ArgumentParser
import SegPipeline

extension PipelineSpec.OnError: ExpressibleByArgument {}

extension Partition {
    /// Parses `--partition K/N`, saying what is expected when it is not that.
    static func argument(_ text: String) throws -> Partition {
        guard let p = Partition(text) else { throw ValidationError("--partition must be K/N with 0 <= K < N, e.g. 0/4") }
        return p
    }
}
