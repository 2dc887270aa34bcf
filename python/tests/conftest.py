"""Fixtures: tiny shard folders written with the safetensors package, laid out as `seg-prep run` does."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import struct
import sys

import numpy as np
import pytest
from safetensors.numpy import save_file

# A parent that starts the tests with signals blocked (swift test's process launcher does) passes the
# mask on to DataLoader workers, which then never see the SIGTERM that ends them: unblock them here.
signal.pthread_sigmask(signal.SIG_SETMASK, [])

# libsegprep.so is built beside the seg-prep binary the tests are given (swift build builds both).
if os.environ.get("SEGPREP_BIN") and not os.environ.get("SEGPREP_LIB"):
    _lib = os.path.join(os.path.dirname(os.path.abspath(os.environ["SEGPREP_BIN"])), "libsegprep.so")
    if os.path.isfile(_lib):
        os.environ["SEGPREP_LIB"] = _lib

# Against the source folder unless the package is installed (scripts/test installs it into a venv).
if os.environ.get("SEGPREP_TEST_INSTALLED") != "1":
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))


def write_shards(folder, shard_sizes, height=5, width=7, classes=3, seed=0, label_dtype=np.uint8, ignore_index=None):
    """Write shards of random samples plus index.json; returns (images, labels) in global order."""
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(seed)
    images, labels, shards = [], [], []
    sample = 0
    for k, n in enumerate(shard_sizes):
        img = rng.integers(0, 256, size=(n, height, width, 3), dtype=np.uint8)
        lbl = rng.integers(0, classes + 1, size=(n, height, width)).astype(label_dtype)
        lbl[rng.random((n, height, width)) < 0.06] = 255
        if ignore_index is not None:  # labels hold classes and the ignore value only
            lbl[lbl >= classes] = ignore_index
        name = f"shard-{k:05d}.safetensors"
        path = os.path.join(folder, name)
        save_file({"image": img, "label": lbl}, path)
        data = open(path, "rb").read()
        ids = [f"s{(sample + j) // 2}" for j in range(n)]
        reps = [(sample + j) % 2 for j in range(n)]
        shards.append({"file": name, "index": k, "samples": n, "bytes": len(data),
                       "sha256": hashlib.sha256(data).hexdigest(), "ids": ids, "repeats": reps,
                       "params": [{} for _ in range(n)]})
        images.extend(img)
        labels.extend(lbl)
        sample += n
    manifest = {
        "format_version": 1, "pipeline": "test", "pipeline_sha256": "", "seed": seed,
        "classes": [f"c{i}" for i in range(classes)], "ignore_index": classes if ignore_index is None else ignore_index,
        "image": {"dtype": "U8", "shape": [height, width, 3]},
        "label": {"dtype": "U8" if label_dtype == np.uint8 else "U16", "shape": [height, width]},
        "one_hot": True, "input_sha256": "", "total_samples": sample, "samples_per_shard": shard_sizes[0],
        "shards": shards, "class_pixels": [0] * (classes + 1), "channel_sums": [0, 0, 0],
        "channel_square_sums": [0, 0, 0], "skipped": [],
    }
    with open(os.path.join(folder, "index.json"), "w") as f:
        json.dump(manifest, f, indent=2, sort_keys=True)
    return images, labels


@pytest.fixture
def shards(tmp_path):
    folder = tmp_path / "shards"
    images, labels = write_shards(str(folder), [4, 4, 3])
    return str(folder), images, labels


def edit_manifest(folder, change):
    """Apply ``change(manifest)`` to folder/index.json in place."""
    path = os.path.join(folder, "index.json")
    with open(path) as f:
        m = json.load(f)
    change(m)
    with open(path, "w") as f:
        json.dump(m, f)


def replace_shard(folder, k, data):
    """Write ``data`` as shard k and list its true size and SHA-256, so only its structure is wrong."""
    with open(os.path.join(folder, f"shard-{k:05d}.safetensors"), "wb") as f:
        f.write(data)

    def change(m):
        m["shards"][k].update(bytes=len(data), sha256=hashlib.sha256(data).hexdigest())
    edit_manifest(folder, change)


def set_label_byte(path, value):
    """Overwrite the first label byte of a shard in place (same size, so only its checksum tells)."""
    with open(path, "r+b") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        begin = json.loads(f.read(n))["label"]["data_offsets"][0]
        f.seek(8 + n + begin)
        f.write(bytes([value]))
