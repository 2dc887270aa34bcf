import pytest

from segprep import epoch_permutation, rank_indices


def test_permutation_matches_the_swift_loader():
    # Tests/SegTrainTests/LoaderTests.swift checks the same numbers.
    assert epoch_permutation(10, 42, 0) == [1, 7, 3, 2, 8, 9, 6, 0, 5, 4]
    assert epoch_permutation(10, 42, 1) == [1, 5, 4, 6, 2, 3, 9, 0, 7, 8]
    assert sorted(epoch_permutation(1000, 3, 5)) == list(range(1000))
    assert epoch_permutation(1, 0, 0) == [0] and epoch_permutation(0, 0, 0) == []


def test_ranks_follow_distributed_sampler():
    n, world = 23, 4
    perm = epoch_permutation(n, 7, 2)
    padded = perm + perm[: 24 - n]
    parts = [rank_indices(n, 7, 2, r, world) for r in range(world)]
    for r, part in enumerate(parts):
        assert part == padded[r:24:world]
    assert sorted(sum(parts, [])) == sorted(list(range(n)) + [perm[0]])
    dropped = [rank_indices(n, 7, 2, r, world, drop_uneven=True) for r in range(world)]
    assert all(len(p) == 5 for p in dropped)
    assert sorted(sum(dropped, [])) == sorted(perm[:20])
    assert rank_indices(5, 0, 0, shuffle=False) == [0, 1, 2, 3, 4]
    with pytest.raises(ValueError):
        rank_indices(5, 0, 0, rank=2, world_size=2)


def test_padding_wraps_more_than_once():
    parts = [rank_indices(2, 1, 0, r, 5) for r in range(5)]
    perm = epoch_permutation(2, 1, 0)
    assert sum(parts, []) == [perm[0], perm[1], perm[0], perm[1], perm[0]]
