import ArgumentParser
import SegFormat
import SegImage
import SegPipeline
import SegTrain
import Foundation

@main
struct SegPrep: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seg-prep",
        abstract: "Prepare semantic-segmentation datasets as sharded tensors, inspect them, and train on them.",
        discussion: """
        A pipeline file (YAML, see pipelines/) names a dataset (input formats: \(SourceRegistry.all.map { $0.declaration.name }.joined(separator: ", "))), a list of stages (\(StageRegistry.names.joined(separator: ", "))) and an output folder. `seg-prep run` executes it with libvips into safetensors shards plus an index.json manifest (shard checksums: \(ChecksumAlgorithm.allCases.map(\.rawValue).joined(separator: " (default), "))); the loader and trainer read them (losses: \(LossRegistry.all.map { $0.name }.joined(separator: ", "))).

        Start with the bundled pipeline, and read the stages' documentation:
          seg-prep run pipelines/camvid-train.yaml
          seg-prep stages
        """,
        version: SegPrepVersion.string,
        subcommands: [Run.self, Verify.self, Inspect.self, Stats.self, Merge.self, Stages.self, Sources.self, Check.self,
                       Bench.self, Export.self, Report.self,
                       Train.self, Predict.self, Eval.self])

    static func main() {
        // A file-size limit (`ulimit -f`) then fails the write with EFBIG, reported like a full disk,
        // instead of killing the process without a word.
        signal(SIGXFSZ, SIG_IGN)
        BLASCoreSelection.restartIfNeeded(arguments: CommandLine.arguments)
        // Every command runs kernels on one SIMD path: a SEGPREP_SIMD it cannot honour stops it here.
        if case .failure(let error) = SIMDPath.selected { Self.exit(withError: error) }
        var command: ParsableCommand
        do { command = try parseAsRoot(nil) } catch { Self.exit(withError: error) }
        do { try command.run() } catch let error as SampleError where !(command is SampleErrorOptions) {
            // A bad input file's advice names `run`'s options only where the command has them.
            Self.exit(withError: CommandFailure(message: error.withoutRunOptions))
        } catch {
            Self.exit(withError: error)
        }
    }
}
