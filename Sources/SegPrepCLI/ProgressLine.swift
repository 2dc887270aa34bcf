import Foundation

/// A one-line progress display on stderr (only when stderr is a terminal): count, rate and ETA.
final class ProgressLine: @unchecked Sendable {
    let label: String
    let enabled = isatty(2) != 0
    private var last = -1.0

    init(label: String) { self.label = label }

    func update(done: Int, total: Int, seconds: Double) {
        guard enabled, seconds - last >= 0.2 || done == total else { return }
        last = seconds
        let rate = seconds > 0 ? Double(done) / seconds : 0
        let eta = rate > 0 ? Double(total - done) / rate : 0
        let line = String(format: "\r%@ %d/%d samples  %.1f samples/s  ETA %.0fs   ", label, done, total, rate, eta)
        FileHandle.standardError.write(Data(line.utf8))
    }

    func finish() {
        if enabled { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}
