#if canImport(Glibc)
import Glibc
#endif

/// Whether `run` writes its shards with direct I/O (no page cache; `run --direct-io`).
///
/// Direct I/O saves the kernel's copy of every shard byte into the page cache and its per-page
/// write-back (8% more samples/s on one core here, 2.6x on a 6.4 GB tiling run, whose writes the
/// page cache cannot absorb), but a loader reading the shards right after finds them on disk, not in
/// memory. `auto` uses it when the run writes more than a quarter of the machine's memory, where
/// the page cache could not keep the shards anyway.
public enum DirectIO: String, Sendable, CaseIterable {
    case auto, on, off

    /// The decision for a run writing `bytes` of shards.
    public func use(forBytes bytes: Int) -> Bool {
        switch self {
        case .on: return true
        case .off: return false
        case .auto:
            let memory = Int(sysconf(Int32(_SC_PHYS_PAGES))) * Int(sysconf(Int32(_SC_PAGESIZE)))
            return memory > 0 && bytes > memory / 4
        }
    }
}
