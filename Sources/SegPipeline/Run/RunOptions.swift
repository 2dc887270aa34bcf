/// How to execute a pipeline: overrides of the file's paths, parallelism, subset and error policy.
public struct RunOptions: Sendable {
    /// Dataset root replacing `input.root`.
    public var inputRoot: String?
    /// Output folder replacing `output.dir`.
    public var output: String?
    /// Worker threads (≥ 1).
    public var threads: Int
    /// Only the first `limit` ids of the split.
    public var limit: Int?
    /// Only shards `index % n == k`.
    public var partition: Partition?
    /// Replace output of a different run instead of refusing.
    public var force: Bool
    /// Overrides the file's `on_error`.
    public var onError: PipelineSpec.OnError?
    /// Replaces `decode`'s `max_pixels`.
    public var maxPixels: Int?

    public init(inputRoot: String? = nil, output: String? = nil, threads: Int = 1, limit: Int? = nil,
                partition: Partition? = nil, force: Bool = false, onError: PipelineSpec.OnError? = nil,
                maxPixels: Int? = nil) {
        self.inputRoot = inputRoot; self.output = output; self.threads = max(1, threads); self.limit = limit
        self.partition = partition; self.force = force; self.onError = onError; self.maxPixels = maxPixels
    }
}

/// A stable slice `k` of `n` (0 ≤ k < n) of a run's shards, written `K/N`.
public struct Partition: Sendable, Equatable, CustomStringConvertible {
    public var k: Int
    public var n: Int

    /// Parses `K/N`; returns nil unless 0 ≤ K < N.
    public init?(_ text: String) {
        let p = text.split(separator: "/")
        guard p.count == 2, let k = Int(p[0]), let n = Int(p[1]), n >= 1, k >= 0, k < n else { return nil }
        self.k = k; self.n = n
    }

    public init(k: Int, n: Int) { self.k = k; self.n = n }

    public var description: String { "\(k)/\(n)" }

    /// Whether global shard `index` belongs to this partition.
    public func owns(shard index: Int) -> Bool { index % n == k }
}
