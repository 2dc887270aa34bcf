/// Commands with `--on-error` and `--max-pixels`, the options a bad input file's advice names;
/// `SegPrep.main` gives every other command the advice without them (`SampleError.withoutRunOptions`).
protocol SampleErrorOptions {}
extension Run: SampleErrorOptions {}
extension Inspect: SampleErrorOptions {}

/// An error printed as its message.
struct CommandFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
