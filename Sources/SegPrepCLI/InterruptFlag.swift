import Dispatch
import Foundation

/// Turns the first SIGINT/SIGTERM into a polite stop request; a second one exits at once (130).
final class InterruptFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var raised = false
    private var sources: [DispatchSourceSignal] = []

    /// Starts catching SIGINT and SIGTERM; `message` is printed on stderr at the first one.
    func install(message: String) {
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [self] in
                lock.lock()
                let again = raised
                raised = true
                lock.unlock()
                if again { exit(130) }
                FileHandle.standardError.write(Data(("\n" + message + "\n").utf8))
            }
            source.resume()
            sources.append(source)
        }
    }

    /// Whether a stop was requested.
    var isRaised: Bool {
        lock.lock(); defer { lock.unlock() }
        return raised
    }
}
