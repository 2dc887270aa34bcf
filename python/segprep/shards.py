"""Memory-mapped access to seg-prep shard folders."""

from __future__ import annotations

import hashlib
import json
import os
import struct
from typing import Iterable, List, Sequence, Tuple, Union

import numpy as np

_DTYPES = {"U8": np.uint8, "U16": np.uint16}
_MAX_HEADER = 100_000_000


class ShardError(ValueError):
    """A shard folder is missing, damaged or inconsistent; the message says what to do."""


def _header(path: str) -> Tuple[dict, int, int]:
    """Parse a safetensors header: returns (entries, data start offset, file size)."""
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        prefix = f.read(8)
        if len(prefix) < 8:
            raise ShardError(f"{path} is shorter than a safetensors header; rerun `seg-prep run` to rewrite it.")
        (n,) = struct.unpack("<Q", prefix)
        if n > _MAX_HEADER or 8 + n > size:
            raise ShardError(f"{path} declares a {n}-byte header that does not fit the file; rerun `seg-prep run` to rewrite it.")
        try:
            header = json.loads(f.read(n))
        except ValueError as e:
            raise ShardError(f"{path} has an unreadable safetensors header ({e}); rerun `seg-prep run` to rewrite it.")
    header.pop("__metadata__", None)
    return header, 8 + n, size


class _Shard:
    """One mapped shard: image [n, H, W, 3] uint8 and label [n, H, W] views."""

    def __init__(self, path: str, entry: dict, manifest: dict, folder: str):
        rerun = f"rerun `seg-prep run` with the same pipeline to rewrite it (`seg-prep verify {folder}` lists all damage)"
        if not os.path.exists(path):
            raise ShardError(f"{path} is missing although {folder}/index.json lists it; {rerun}.")
        header, start, size = _header(path)
        if size != entry["bytes"]:
            raise ShardError(f"{path} has {size} bytes but {folder}/index.json says {entry['bytes']}, so it is truncated or was replaced; {rerun}.")
        n = entry["samples"]
        h, w = manifest["image"]["shape"][:2]
        self.samples = n
        self._views = {}
        covered = 0
        for name, dtype, shape in (("image", "U8", [n, h, w, 3]), ("label", manifest["label"]["dtype"], [n, h, w])):
            t = header.get(name)
            if t is None:
                raise ShardError(f"{path} has no '{name}' tensor; {rerun}.")
            if t["dtype"] != dtype or list(t["shape"]) != shape:
                raise ShardError(f"{path} holds '{name}' as {t['dtype']} {t['shape']} but {folder}/index.json implies {dtype} {shape}; {rerun}.")
            begin, end = t["data_offsets"]
            np_dtype = np.dtype(_DTYPES[dtype]).newbyteorder("<")
            if end - begin != int(np.prod(shape)) * np_dtype.itemsize or start + end > size:
                raise ShardError(f"{path} gives '{name}' a byte range that does not match its shape; {rerun}.")
            covered += end - begin
            self._views[name] = np.memmap(path, dtype=np_dtype, mode="r", offset=start + begin, shape=tuple(shape))
        self.image = self._views["image"]
        self.label = self._views["label"]


class ShardDataset:
    """Samples of one or more seg-prep output folders, memory-mapped.

    ``ds[i]`` returns ``(image, label)``: image uint8 ``[H, W, 3]`` (RGB), label ``[H, W]`` (uint8, or
    uint16 above 255 classes) with the ignore class ``ds.ignore_index == len(ds.classes)``. Both are
    read-only views into the mapped shard. Samples are numbered across folders in the order given.

    Raises ``ShardError`` when a folder has no index.json, a listed shard is missing or has another
    size, a tensor's dtype/shape disagrees with the manifest, or folders differ in size or classes.
    ``verify_checksums=True`` also hashes every shard (reads all bytes).
    """

    def __init__(self, paths: Union[str, os.PathLike, Sequence[Union[str, os.PathLike]]], verify_checksums: bool = False):
        if isinstance(paths, (str, os.PathLike)):
            paths = [paths]
        paths = [os.fspath(p) for p in paths]
        if not paths:
            raise ShardError("No shard folder was given; pass the output folder of `seg-prep run`.")
        self.folders: List[str] = paths
        self.manifests: List[dict] = []
        self._shards: List[_Shard] = []
        self._where: List[Tuple[int, int]] = []
        self.ids: List[str] = []
        self.repeats: List[int] = []
        ref = None
        for folder in paths:
            m = self._load_manifest(folder)
            h, w = self._check_layout(m, folder)
            key = (h, w, list(m["classes"]), m["label"]["dtype"])
            if ref is None:
                ref = (folder, key)
            elif ref[1][:2] != key[:2]:
                raise ShardError(f"{folder} holds {w}x{h} images but {ref[0]} holds {ref[1][1]}x{ref[1][0]}; load only folders made at the same output size together.")
            elif ref[1][2:] != key[2:]:
                raise ShardError(f"{folder} has classes {key[2]} ({key[3]} labels) but {ref[0]} has {ref[1][2]} ({ref[1][3]}); load only folders made with the same class list together.")
            for entry in m["shards"]:
                path = os.path.join(folder, entry["file"])
                if len(entry["ids"]) != entry["samples"] or len(entry["repeats"]) != entry["samples"]:
                    raise ShardError(f"{folder}/index.json lists {entry['samples']} samples for {entry['file']} but {len(entry['ids'])} ids; rebuild the folder with `seg-prep run`.")
                shard = _Shard(path, entry, m, folder)
                if verify_checksums and _sha256(path) != entry["sha256"]:
                    raise ShardError(f"{path} does not match the SHA-256 in {folder}/index.json, so its bytes are damaged; rerun `seg-prep run` to rewrite it.")
                k = len(self._shards)
                self._shards.append(shard)
                self._where.extend((k, j) for j in range(entry["samples"]))
                self.ids.extend(entry["ids"])
                self.repeats.extend(entry["repeats"])
            self.manifests.append(m)
        if not self._where:
            raise ShardError(f"{', '.join(paths)} hold no samples; check the pipeline's split and its skipped samples in index.json.")
        self.height, self.width = ref[1][0], ref[1][1]
        self.classes: List[str] = ref[1][2]
        self.ignore_index: int = len(self.classes)

    @staticmethod
    def _load_manifest(folder: str) -> dict:
        path = os.path.join(folder, "index.json")
        if not os.path.exists(path):
            raise ShardError(f"{folder} has no index.json: it is not a finished seg-prep output (run `seg-prep run` to completion first).")
        try:
            with open(path, "rb") as f:
                m = json.load(f)
        except ValueError as e:
            raise ShardError(f"{path} is not valid JSON ({e}); rerun `seg-prep run` with --force to rebuild it.")
        if m.get("format_version") != 1:
            raise ShardError(f"{path} has format_version {m.get('format_version')}; this reader reads version 1.")
        return m

    @staticmethod
    def _check_layout(m: dict, folder: str) -> Tuple[int, int]:
        image, label = m["image"], m["label"]
        if image["dtype"] != "U8" or len(image["shape"]) != 3 or image["shape"][2] != 3:
            raise ShardError(f"{folder}/index.json declares images {image['dtype']} {image['shape']}, but this reader reads U8 [H, W, 3]; rebuild the folder with `seg-prep run`.")
        h, w = image["shape"][:2]
        if label["dtype"] not in _DTYPES or list(label["shape"]) != [h, w]:
            raise ShardError(f"{folder}/index.json declares labels {label['dtype']} {label['shape']}, but this reader reads U8 or U16 [{h}, {w}]; rebuild the folder with `seg-prep run`.")
        if m["ignore_index"] != len(m["classes"]):
            raise ShardError(f"{folder}/index.json has ignore_index {m['ignore_index']} for {len(m['classes'])} classes; rebuild the folder with `seg-prep run`.")
        return h, w

    def __len__(self) -> int:
        return len(self._where)

    def __getitem__(self, i: int) -> Tuple[np.ndarray, np.ndarray]:
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(f"sample {i} is outside 0..{len(self) - 1}")
        k, j = self._where[i]
        s = self._shards[k]
        return s.image[j], s.label[j]

    def sample_id(self, i: int) -> Tuple[str, int]:
        """Source id and augmentation repeat of sample ``i``."""
        return self.ids[i], self.repeats[i]

    def __iter__(self) -> Iterable[Tuple[np.ndarray, np.ndarray]]:
        for i in range(len(self)):
            yield self[i]


def _sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(4 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
