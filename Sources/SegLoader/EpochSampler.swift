import SegFormat

/// Which samples a rank reads in an epoch, in order: a seeded shuffle partitioned like PyTorch's
/// `DistributedSampler`.
///
/// The permutation of `0..<count` is a Fisher–Yates shuffle driven by a SplitMix64 stream keyed by
/// `(seed, epoch)` (see `permutation(count:seed:epoch:)`; `python/segprep/sampler.py` computes the
/// same one). As in `DistributedSampler`, the list is then padded by wrapping around its start until
/// every rank gets `samplesPerRank` indices (or truncated when `dropUneven`), and rank `r` takes
/// positions `r, r + worldSize, r + 2·worldSize, …`.
public struct EpochSampler: Sendable, Equatable {
    /// Samples in the dataset.
    public var count: Int
    /// Seed of the shuffle; each epoch draws a different permutation from it.
    public var seed: UInt64
    /// Whether to shuffle; when false every epoch reads `0..<count` in order.
    public var shuffle: Bool
    /// This process's rank, `0..<worldSize`.
    public var rank: Int
    /// Number of ranks reading the dataset together.
    public var worldSize: Int
    /// `DistributedSampler(drop_last=True)`: drop the tail instead of padding so ranks stay equal.
    public var dropUneven: Bool

    /// Creates a sampler; `rank` must be in `0..<worldSize`.
    public init(count: Int, seed: UInt64, shuffle: Bool = true, rank: Int = 0, worldSize: Int = 1,
                dropUneven: Bool = false) {
        precondition(worldSize >= 1 && rank >= 0 && rank < worldSize, "rank \(rank) is outside 0..<\(worldSize)")
        precondition(count >= 0, "negative sample count")
        self.count = count; self.seed = seed; self.shuffle = shuffle
        self.rank = rank; self.worldSize = worldSize; self.dropUneven = dropUneven
    }

    /// Indices each rank reads per epoch (`DistributedSampler.num_samples`).
    public var samplesPerRank: Int {
        if dropUneven && count % worldSize != 0 {
            return max(0, (count - worldSize + worldSize - 1) / worldSize)
        }
        return (count + worldSize - 1) / worldSize
    }

    /// The global sample indices this rank reads in `epoch`, in reading order (`samplesPerRank` of them).
    public func indices(epoch: Int) -> [Int] {
        let perm = shuffle ? EpochSampler.permutation(count: count, seed: seed, epoch: epoch) : Array(0..<count)
        let total = samplesPerRank * worldSize
        guard total > 0 else { return [] }
        var out: [Int] = []
        out.reserveCapacity(samplesPerRank)
        var position = rank
        while position < total {
            out.append(perm[position % count])
            position += worldSize
        }
        return out
    }

    /// A permutation of `0..<count` fixed by `(seed, epoch)`, the same on every platform and thread count.
    ///
    /// Generator: SplitMix64 with state `mix(seed &+ mix(epoch &+ 0xD1B54A32D192ED03))`; each draw adds
    /// `0x9E3779B97F4A7C15` to the state and returns `mix(state)`. Shuffle: for `i` from `count − 1`
    /// down to 1, swap `i` with `j` drawn uniformly from `0...i` by Lemire's multiply-shift with rejection.
    public static func permutation(count: Int, seed: UInt64, epoch: Int) -> [Int] {
        var perm = Array(0..<count)
        guard count > 1 else { return perm }
        var state = mix(seed &+ mix(UInt64(truncatingIfNeeded: epoch) &+ 0xD1B5_4A32_D192_ED03))
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            return mix(state)
        }
        for i in stride(from: count - 1, to: 0, by: -1) {
            let bound = UInt64(i + 1)
            var m = next().multipliedFullWidth(by: bound)
            if m.low < bound {
                let threshold = (0 &- bound) % bound
                while m.low < threshold { m = next().multipliedFullWidth(by: bound) }
            }
            perm.swapAt(i, Int(m.high))
        }
        return perm
    }

    /// SplitMix64's finaliser: a bijective scramble of 64 bits.
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
