import Foundation

/// A one-line progress display on stderr (only when stderr is a terminal): count, rate and ETA.
final class ProgressLine: @unchecked Sendable {
    let label: String, unit: String
    let enabled = isatty(2) != 0
    private var last = -1.0

    init(label: String, unit: String = "samples") { self.label = label; self.unit = unit }

    func update(done: Int, total: Int, seconds: Double) {
        guard enabled, seconds - last >= 0.2 || done == total else { return }
        last = seconds
        let rate = seconds > 0 ? Double(done) / seconds : 0
        let eta = rate > 0 ? Double(total - done) / rate : 0
        let line = String(format: "\r%@ %d/%d %@  %.1f %@/s  ETA %.0fs   ", label, done, total, unit, rate, unit, eta)
        FileHandle.standardError.write(Data(line.utf8))
    }

    func finish() {
        if enabled { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}
