import Foundation

/// Keeps OpenBLAS at one thread while any parallel region runs, restoring the setting after.
///
/// Regions may overlap (kernels started from different threads); the thread count in force
/// before the first one entered is restored when the last one leaves.
final class BLASHold: @unchecked Sendable {
    /// The process-wide hold used by `Parallel`.
    static let shared = BLASHold()

    private let lock = NSLock()
    private var depth = 0
    private var saved: Int32 = 1

    /// Starts a region: OpenBLAS runs single-threaded until the matching `leave`.
    func enter() {
        lock.lock()
        if depth == 0 {
            saved = OpenBLAS.threads
            OpenBLAS.threads = 1
        }
        depth += 1
        lock.unlock()
    }

    /// Ends a region, restoring OpenBLAS' thread count after the last one.
    func leave() {
        lock.lock()
        depth -= 1
        if depth == 0 { OpenBLAS.threads = saved }
        lock.unlock()
    }
}
