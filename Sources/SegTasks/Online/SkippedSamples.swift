import Foundation
import SegImage

/// The samples a pipeline source replaced because they could not be made (`on_error: skip`),
/// shared by the loader's worker threads: each id once, with the first error it gave.
public final class SkippedSamples: @unchecked Sendable {
    private let lock = NSLock()
    private var errors: [String: SampleError] = [:]
    private var order: [String] = []

    public init() {}

    func record(_ error: SampleError) {
        lock.lock()
        defer { lock.unlock() }
        if errors[error.id] == nil {
            errors[error.id] = error
            order.append(error.id)
        }
    }

    /// The skipped samples' errors, in the order they were first met.
    public var all: [SampleError] {
        lock.lock()
        defer { lock.unlock() }
        return order.compactMap { errors[$0] }
    }

    /// One line for the user: how many were replaced, and the first few with their files and problems.
    public var summary: String? {
        let list = all
        guard !list.isEmpty else { return nil }
        let shown = list.prefix(5).map { "\($0.id) (\($0.file): \($0.problem))" }.joined(separator: "; ")
        return "skipped \(list.count) sample(s) that could not be made (on_error: skip), each replaced by the next sample of the epoch: \(shown)\(list.count > 5 ? "; …" : "")"
    }
}
