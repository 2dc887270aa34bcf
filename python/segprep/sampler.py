"""The loader's epoch order: a (seed, epoch)-keyed shuffle partitioned like DistributedSampler.

``epoch_permutation`` returns the same permutation as the Swift ``EpochSampler.permutation``, so a
PyTorch run and a ``seg-prep train`` run with the same seed read samples in the same order.
"""

from __future__ import annotations

from typing import List

_MASK = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15


def _mix(z: int) -> int:
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


def epoch_permutation(count: int, seed: int, epoch: int) -> List[int]:
    """A permutation of ``range(count)`` fixed by ``(seed, epoch)`` (SplitMix64 + Fisher–Yates, Lemire bounds)."""
    perm = list(range(count))
    if count < 2:
        return perm
    state = _mix((seed + _mix((epoch + 0xD1B54A32D192ED03) & _MASK)) & _MASK)
    for i in range(count - 1, 0, -1):
        bound = i + 1
        while True:
            state = (state + _GOLDEN) & _MASK
            m = _mix(state) * bound
            low = m & _MASK
            if low >= bound or low >= ((-bound) & _MASK) % bound:
                break
        j = m >> 64
        perm[i], perm[j] = perm[j], perm[i]
    return perm


def rank_indices(count: int, seed: int, epoch: int, rank: int = 0, world_size: int = 1,
                 shuffle: bool = True, drop_uneven: bool = False) -> List[int]:
    """Indices rank ``rank`` reads in ``epoch``, with ``torch.utils.data.DistributedSampler`` semantics.

    The (shuffled) list is padded by wrapping around its start so every rank gets the same count
    (or truncated with ``drop_uneven``, DistributedSampler's ``drop_last``); rank r takes r::world_size.
    """
    if not 0 <= rank < world_size:
        raise ValueError(f"rank {rank} is outside 0..{world_size - 1}; pass a rank below the world size.")
    if drop_uneven and count % world_size != 0:
        per_rank = max(0, -(-(count - world_size) // world_size))
    else:
        per_rank = -(-count // world_size)
    total = per_rank * world_size
    if total == 0:
        return []
    order = epoch_permutation(count, seed, epoch) if shuffle else list(range(count))
    return [order[p % count] for p in range(rank, total, world_size)]
