import Foundation
import SegFormat

/// What a run's shards depend on beyond the pipeline file and its sample list (which the run key
/// holds): where the inputs are read from and which samples may be left out. Recorded in each
/// shard's entry while a run is unfinished, so that finishing an interrupted run with another
/// `--input-root`, `--on-error` or `--max-pixels` is refused (or, with `--force`, redone) instead
/// of mixing two datasets in one folder.
struct RunIdentity: Codable, Equatable, Sendable {
    /// The dataset root, links resolved.
    var inputRoot: String
    /// `fail` or `skip`.
    var onError: String
    /// The pixel limit replacing decode's (`--max-pixels`), if any.
    var maxPixels: Int?

    /// The differences from `other`, as the options that set them (empty when equal).
    func differences(from other: RunIdentity) -> [String] {
        var out: [String] = []
        if inputRoot != other.inputRoot { out.append("--input-root \(other.inputRoot) (now \(inputRoot))") }
        if onError != other.onError { out.append("--on-error \(other.onError) (now \(onError))") }
        if maxPixels != other.maxPixels {
            out.append("--max-pixels \(other.maxPixels.map(String.init) ?? "unset") (now \(maxPixels.map(String.init) ?? "unset"))")
        }
        return out
    }
}
