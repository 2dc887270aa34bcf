/// A problem with one sample's input files, told in one line: the file, what is wrong, what to do.
public struct SampleError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Sample id and the file concerned.
    public var id: String
    public var file: String
    /// What is wrong, and what to do about it.
    public var problem: String
    public var fix: String
    /// The sample was left out by a filter of the pipeline (`tile`'s `min_labelled`), not by a bad
    /// input: it never fails a run.
    public var filtered = false

    public init(id: String, file: String, problem: String, fix: String) {
        self.id = id; self.file = file; self.problem = problem; self.fix = fix
    }

    public var description: String { "\(file): \(problem); \(fix)" }

    /// The description for a command that has neither `--on-error` nor `--max-pixels` (eval,
    /// predict, export, check, …): the advice to pass them left out, the rest kept.
    public var withoutRunOptions: String {
        var advice = Self.removing([" (or pass --max-pixels)"] + Self.skipAdvice, from: fix)
        // "add the image, remove the label, or run with …" keeps its last two choices as "A or B".
        if fix.hasSuffix(", or run with --on-error skip"), let comma = advice.range(of: ", ", options: .backwards) {
            advice.replaceSubrange(comma, with: " or ")
        }
        return advice.isEmpty ? "\(file): \(problem)" : "\(file): \(problem); \(advice)"
    }

    /// How the fixes offer `--on-error skip`: as the last of several choices, or as the only one.
    static let skipAdvice = [", or run with --on-error skip", "or run with --on-error skip"]

    /// `advice` with each of `phrases` taken out.
    static func removing(_ phrases: [String], from advice: String) -> String {
        phrases.reduce(advice) { $0.replacingOccurrences(of: $1, with: "") }
    }

    /// The line stored for a sample a run left out (`--on-error skip`): the description without the
    /// advice to skip, which that run followed.
    public var skipReason: String {
        let advice = Self.removing(Self.skipAdvice, from: fix)
        return advice.isEmpty ? "\(file): \(problem)" : "\(file): \(problem); \(advice)"
    }
}
