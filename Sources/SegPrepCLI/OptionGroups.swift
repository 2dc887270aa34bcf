import ArgumentParser
import Foundation
import SegTrain

/// `--json`, declared once: every command that prints a result prints it as one JSON document on
/// stdout instead of text (the keys are in the command's help), for scripts.
struct JSONOutput: ParsableArguments {
    @Flag(name: .customLong("json"), help: "Print the result as one JSON document on stdout (for scripts) instead of text.")
    var json = false
}

/// `--input-root`, declared once for every command that reads a pipeline's dataset.
struct InputRootOption: ParsableArguments {
    @Option(name: .customLong("input-root"), help: "Dataset root replacing the pipeline file's input.root (relative paths in the file stay relative to it).")
    var inputRoot: String?
}

/// `--threads` of the commands that process samples or files on worker threads (`run`, `export`):
/// declared once, with one range and one message.
struct WorkerThreads: ParsableArguments {
    /// More workers than this only add memory: every worker holds a sample's buffers.
    static let maximum = 256

    @Option(name: .customLong("threads"), help: "Worker threads, 1 to \(WorkerThreads.maximum) (default: all cores).")
    var value: Int?

    /// The threads to start: the option, or one per core.
    var count: Int { value ?? ProcessInfo.processInfo.activeProcessorCount }

    func validate() throws {
        if let value, !(1...Self.maximum).contains(value) {
            throw ValidationError("--threads is \(value); give 1 to \(Self.maximum) worker threads (the default is one per core).")
        }
    }
}

/// `--threads` of the commands that run the model (`predict`, `bench train-step`): OpenBLAS and
/// convolution threads, declared once.
struct ComputeThreadsOption: ParsableArguments {
    @Option(name: .customLong("threads"), help: "Matrix-kernel threads, 1 to \(WorkerThreads.maximum) (default: OpenBLAS' own setting).")
    var value: Int?

    func validate() throws {
        if let value, !(1...WorkerThreads.maximum).contains(value) {
            throw ValidationError("--threads is \(value); give 1 to \(WorkerThreads.maximum) matrix-kernel threads (the default is OpenBLAS' own).")
        }
    }

    /// Sets the compute threads when the option was given.
    func apply() { if let value { ComputeThreads.set(value) } }
}
