"""Shards are mapped on first use in each process, and checked against their SHA-256 before serving."""

import multiprocessing
import os
import pickle

import numpy as np
import pytest

import segprep.shards
from conftest import set_label_byte
from segprep import ShardDataset, ShardError

MISMATCH = r"shard-00001.safetensors does not match the SHA-256 in .*index.json \(checksum mismatch\), so its bytes are damaged; rerun `seg-prep run`"


@pytest.fixture
def hashed(monkeypatch):
    """The digests of the shards the reader hashes, in order."""
    calls = []
    real = segprep.shards._digest

    def spy(f, algorithm, path):
        calls.append(real(f, algorithm, path))
        return calls[-1]
    monkeypatch.setattr(segprep.shards, "_digest", spy)
    return calls


def test_damaged_shard_serves_no_sample_while_intact_ones_do(shards):
    folder, images, labels = shards
    set_label_byte(os.path.join(folder, "shard-00001.safetensors"), 200)
    ds = ShardDataset(folder)
    for i in (5, 0, 4, 10, 7, 3, 6, 8):
        if 4 <= i < 8:
            with pytest.raises(ShardError, match=MISMATCH):
                ds[i]
        else:
            np.testing.assert_array_equal(ds[i][0], images[i])
            np.testing.assert_array_equal(ds[i][1], labels[i])
    unchecked = ShardDataset(folder, verify_checksums=False)
    assert unchecked[4][1][0, 0] == 200  # the damage is real; only the hash sees it


def test_shards_are_opened_lazily_and_hashed_once_per_process(shards, hashed, monkeypatch):
    folder, _, _ = shards
    opened = []
    real_open = os.open
    monkeypatch.setattr(os, "open", lambda path, *a, **k: opened.append(path) or real_open(path, *a, **k))
    ds = ShardDataset(folder)
    sums = [entry["sha256"] for entry in ds.manifests[0]["shards"]]
    assert opened == [] and hashed == []
    ds[0], ds[1], ds[3], ds[0]
    assert hashed == [sums[0]]
    ds[9]
    assert hashed == [sums[0], sums[2]]
    assert len(opened) == 2
    ds = ShardDataset(folder, verify_checksums=False)
    ds[0], ds[9]
    assert len(hashed) == 2 and len(opened) == 4


def _read_in_child(ds, indices, conn):
    out = []
    for i in indices:
        try:
            out.append(int(ds[i][1].max()))
        except ShardError as e:
            out.append(str(e))
    conn.send(out)


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="needs fork")
def test_a_forked_process_checks_shards_again(shards):
    folder, _, labels = shards
    ds = ShardDataset(folder)
    ds[4], ds[0]  # checked and mapped in this process
    set_label_byte(os.path.join(folder, "shard-00001.safetensors"), 200)
    assert ds[4][1][0, 0] == 200  # this process checked before the damage, and keeps its mapping
    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe()
    p = ctx.Process(target=_read_in_child, args=(ds, [0, 4, 8], child))
    p.start()
    got = parent.recv()
    p.join()
    assert got[0] == int(labels[0].max()) and got[2] == int(labels[8].max())
    assert "checksum mismatch" in got[1] and "shard-00001.safetensors" in got[1]


def test_a_pickled_dataset_carries_no_data_and_checks_again(shards):
    folder, _, labels = shards
    ds = ShardDataset(folder)
    ds[4]
    set_label_byte(os.path.join(folder, "shard-00001.safetensors"), 200)
    copy = pickle.loads(pickle.dumps(ds))
    assert all(s._views is None for s in copy._shards)
    np.testing.assert_array_equal(copy[0][1], labels[0])
    with pytest.raises(ShardError, match=MISMATCH):
        copy[4]


def test_xxh3_manifests_are_checked_too(tmp_path):
    """A folder whose manifest names xxh3-128 (seg-prep's default) is checked with xxhash."""
    xxhash = pytest.importorskip("xxhash")
    import json
    from conftest import write_shards
    folder = str(tmp_path / "x")
    images, labels = write_shards(folder, [3, 2])
    index = os.path.join(folder, "index.json")
    m = json.load(open(index))
    m["checksum"] = "xxh3-128"
    for e in m["shards"]:
        data = open(os.path.join(folder, e.pop("sha256") and e["file"]), "rb").read()
        e["xxh3"] = xxhash.xxh3_128(data).hexdigest()
    json.dump(m, open(index, "w"))
    ds = ShardDataset(folder)
    np.testing.assert_array_equal(ds[4][1], labels[4])
    set_label_byte(os.path.join(folder, "shard-00000.safetensors"), 200)
    with pytest.raises(ShardError, match="does not match the XXH3-128"):
        ShardDataset(folder)[0]
