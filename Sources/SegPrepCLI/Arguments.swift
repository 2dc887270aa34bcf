import ArgumentParser
import Foundation
import SegFormat
import SegPipeline

extension PipelineSpec.OnError: ExpressibleByArgument {}
extension DirectIO: ExpressibleByArgument {}

extension Partition {
    /// Parses `--partition K/N` or `auto` (from the scheduler's environment), saying what is
    /// expected when it is neither.
    static func argument(_ text: String) throws -> Partition {
        if text == "auto" {
            switch Partition.fromEnvironment(ProcessInfo.processInfo.environment) {
            case .success(let p): return p
            case .failure(let e): throw ValidationError(e.description)
            }
        }
        guard let p = Partition(text) else { throw ValidationError("--partition must be K/N with 0 <= K < N <= \(Manifest.maxPartitions) (e.g. 0/4), or auto") }
        return p
    }
}
