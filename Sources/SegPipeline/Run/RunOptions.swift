import SegFormat

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
    /// Whether shards bypass the page cache.
    public var directIO: DirectIO

    public init(inputRoot: String? = nil, output: String? = nil, threads: Int = 1, limit: Int? = nil,
                partition: Partition? = nil, force: Bool = false, onError: PipelineSpec.OnError? = nil,
                maxPixels: Int? = nil, directIO: DirectIO = .auto) {
        self.inputRoot = inputRoot; self.output = output; self.threads = max(1, threads); self.limit = limit
        self.partition = partition; self.force = force; self.onError = onError; self.maxPixels = maxPixels
        self.directIO = directIO
    }
}

/// A stable slice `k` of `n` (0 ≤ k < n) of a run's shards, written `K/N`.
public struct Partition: Sendable, Equatable, CustomStringConvertible {
    public var k: Int
    public var n: Int

    /// Parses `K/N`; returns nil unless 0 ≤ K < N ≤ `Manifest.maxPartitions`.
    public init?(_ text: String) {
        let p = text.split(separator: "/")
        guard p.count == 2, let k = Int(p[0]), let n = Int(p[1]), (1...Manifest.maxPartitions).contains(n), k >= 0, k < n else { return nil }
        self.k = k; self.n = n
    }

    public init(k: Int, n: Int) { self.k = k; self.n = n }

    public var description: String { "\(k)/\(n)" }

    /// Whether global shard `index` belongs to this partition.
    public func owns(shard index: Int) -> Bool { index % n == k }
}

extension Partition {
    /// The partition a scheduler gave this process: Slurm job arrays (`SLURM_ARRAY_TASK_ID` with
    /// `SLURM_ARRAY_TASK_COUNT`, or `SLURM_ARRAY_TASK_MIN`/`MAX`) or Kubernetes Indexed Jobs
    /// (`JOB_COMPLETION_INDEX` with the count in `SEGPREP_PARTITIONS`). When both schedulers'
    /// variables are set, they must name the same partition.
    ///
    /// - Returns: the partition, or a one-sentence reason naming the variable that is missing or wrong.
    public static func fromEnvironment(_ env: [String: String]) -> Result<Partition, PartitionError> {
        // Scheduler numbers are bounded before any arithmetic, so no value can overflow it.
        let largest = Int(Int32.max)
        for name in ["SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT", "SLURM_ARRAY_TASK_MIN", "SLURM_ARRAY_TASK_MAX",
                     "JOB_COMPLETION_INDEX", "SEGPREP_PARTITIONS"] {
            guard let text = env[name] else { continue }
            guard let v = Int(text.trimmingCharacters(in: .whitespaces)), (0...largest).contains(v) else {
                return .failure(.notANumber(variable: name, value: String(text.prefix(40)), largest: largest))
            }
        }
        func int(_ name: String) -> Int? { env[name].flatMap { Int($0.trimmingCharacters(in: .whitespaces)) } }
        // Either scheduler's count, within the bound `--partition K/N` has.
        func bounded(_ p: Partition) -> Result<Partition, PartitionError> {
            p.n <= Manifest.maxPartitions ? .success(p) : .failure(.tooManyPartitions(count: p.n))
        }
        // Each scheduler's answer, or nil when its variables are absent.
        func slurm() -> Result<Partition, PartitionError>? {
            guard let id = int("SLURM_ARRAY_TASK_ID") else { return nil }
            let count: Int
            var k = id
            if let c = int("SLURM_ARRAY_TASK_COUNT") {
                count = c
                if let lo = int("SLURM_ARRAY_TASK_MIN") { k = id - lo }
            } else if let lo = int("SLURM_ARRAY_TASK_MIN"), let hi = int("SLURM_ARRAY_TASK_MAX") {
                count = hi - lo + 1
                k = id - lo
            } else {
                return .failure(.slurmCountMissing)
            }
            guard count >= 1, (0..<count).contains(k) else {
                return .failure(.slurmTaskOutOfRange(task: id, count: count))
            }
            return bounded(Partition(k: k, n: count))
        }
        func kubernetes() -> Result<Partition, PartitionError>? {
            guard let index = int("JOB_COMPLETION_INDEX") else { return nil }
            guard let n = int("SEGPREP_PARTITIONS") else {
                return .failure(.partitionCountMissing)
            }
            guard n >= 1, (0..<n).contains(index) else {
                return .failure(.indexOutOfRange(index: index, count: n))
            }
            return bounded(Partition(k: index, n: n))
        }
        switch (slurm(), kubernetes()) {
        case (nil, nil):
            return .failure(.noScheduler)
        case (let one?, nil), (nil, let one?):
            return one
        case (.success(let a)?, .success(let b)?):
            // Both schedulers' variables (a Slurm job inside a pod, or a leftover export): one partition or none.
            return a == b ? .success(a) : .failure(.schedulersDisagree(slurm: a, kubernetes: b))
        case (.failure(let e)?, _), (_, .failure(let e)?):
            return .failure(e)
        }
    }
}

/// Why `--partition auto` could not tell the partition.
public enum PartitionError: Error, CustomStringConvertible, Sendable, Equatable {
    case notANumber(variable: String, value: String, largest: Int)
    case slurmCountMissing
    case slurmTaskOutOfRange(task: Int, count: Int)
    case partitionCountMissing
    case indexOutOfRange(index: Int, count: Int)
    case noScheduler
    case tooManyPartitions(count: Int)
    case schedulersDisagree(slurm: Partition, kubernetes: Partition)

    public var description: String {
        switch self {
        case .notANumber(let variable, let value, let largest):
            return "--partition auto read \(variable)=\(value), which is not a number from 0 to \(largest); fix the variable or pass --partition K/N"
        case .slurmCountMissing:
            return "--partition auto found SLURM_ARRAY_TASK_ID but neither SLURM_ARRAY_TASK_COUNT nor SLURM_ARRAY_TASK_MIN and _MAX; submit with `sbatch --array=0-N` or pass --partition K/N"
        case .slurmTaskOutOfRange(let task, let count):
            return "--partition auto read task \(task) of \(count) from Slurm, which is not a partition 0..\(count - 1); use --array=0-\(max(count - 1, 0)) or pass --partition K/N"
        case .partitionCountMissing:
            return "--partition auto found JOB_COMPLETION_INDEX but not SEGPREP_PARTITIONS; set it to the Job's completions, or pass --partition K/N"
        case .indexOutOfRange(let index, let count):
            return "--partition auto read index \(index) of SEGPREP_PARTITIONS=\(count), which is not a partition 0..\(count - 1); set SEGPREP_PARTITIONS to the Job's completions"
        case .tooManyPartitions(let count):
            return "--partition auto read \(count) partitions, more than the \(Manifest.maxPartitions) a run may be split into; use fewer tasks"
        case .schedulersDisagree(let a, let b):
            return "--partition auto read partition \(a.k)/\(a.n) from Slurm but \(b.k)/\(b.n) from Kubernetes (JOB_COMPLETION_INDEX, SEGPREP_PARTITIONS); unset the other scheduler's variables or pass --partition K/N"
        case .noScheduler:
            return "--partition auto found no scheduler: neither SLURM_ARRAY_TASK_ID (Slurm job arrays) nor JOB_COMPLETION_INDEX (Kubernetes Indexed Jobs) is set; pass --partition K/N"
        }
    }
}
