"""Memory-mapped access to seg-prep shard folders.

A manifest and its shards are treated as hostile input: shard names must follow the names
`seg-prep run` writes, only regular files are read, and no error message quotes bytes of a file.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import stat
import struct
from typing import Iterable, List, Sequence, Tuple, Union

import numpy as np

_DTYPES = {"U8": np.uint8, "U16": np.uint16}
_MAX_HEADER = 100_000_000
_SHARD_NAME = re.compile(r"shard-[0-9]{5,}\.safetensors")
_REBUILD = "rebuild it with `seg-prep run` (or `seg-prep merge` for a merged folder)"


class ShardError(ValueError):
    """A shard folder is missing, damaged or inconsistent; the message says what to do."""


def _damaged(index: str, what: str) -> ShardError:
    return ShardError(f"{index} is damaged or was edited: {what}; {_REBUILD}.")


def _quoted(text: str) -> str:
    """A name from a manifest, safe to print: control characters escaped, at most 120 characters."""
    out = "".join(f"\\x{ord(c):02X}" if ord(c) < 0x20 or ord(c) == 0x7F else c for c in text[:120])
    return f"'{out}{'…' if len(text) > 120 else ''}'"


def _count(x) -> bool:
    return type(x) is int and x >= 0


# The manifest's `checksum` names the algorithm; each shard entry stores its digest under this key.
_CHECKSUMS = {"sha256": ("sha256", "SHA-256"), "xxh3-128": ("xxh3", "XXH3-128")}


class _DuplicateKey(Exception):
    pass


def _unique_keys(pairs):
    """A JSON object's dict, refusing a key given twice (json keeps the last, Swift's reader the first)."""
    out = {}
    for k, v in pairs:
        if k in out:
            raise _DuplicateKey(k)
        out[k] = v
    return out


def _entry_ok(e, key: str) -> bool:
    return (isinstance(e, dict) and isinstance(e.get("file"), str) and _count(e.get("bytes"))
            and _count(e.get("samples")) and isinstance(e.get(key), str)
            and isinstance(e.get("ids"), list) and isinstance(e.get("repeats"), list))


def _shard_path(folder: str, file: str, parts: Sequence[str], index: str, k: int) -> str:
    """The path of a listed shard file, refusing any name `seg-prep run`/`merge` does not write."""
    if _SHARD_NAME.fullmatch(file):
        return os.path.join(folder, file)
    part, slash, name = file.rpartition("/")
    if slash and part in parts and _SHARD_NAME.fullmatch(name):
        return os.path.join(folder, part, name)
    where = " or of its parts" if parts else ""
    raise _damaged(index, f"shard {k} is named {_quoted(file)}, which is not a shard file of this folder{where}")


def _header(f, path: str, size: int) -> Tuple[dict, int]:
    """Parse the safetensors header of the open file ``f``: returns (entries, data start offset)."""
    prefix = f.read(8)
    if len(prefix) < 8:
        raise ShardError(f"{path} is shorter than a safetensors header; rerun `seg-prep run` to rewrite it.")
    (n,) = struct.unpack("<Q", prefix)
    if n > _MAX_HEADER or 8 + n > size:
        raise ShardError(f"{path} declares a safetensors header longer than the file or above 100 MB; rerun `seg-prep run` to rewrite it.")
    try:
        header = json.loads(f.read(n), object_pairs_hook=_unique_keys)
    except _DuplicateKey as e:  # the CLI's reader refuses it too
        raise ShardError(f"{path} has a safetensors header that gives the key {_quoted(str(e)[:64])} twice; rerun `seg-prep run` to rewrite it.") from None
    except (ValueError, RecursionError):
        header = None
    if not isinstance(header, dict):
        raise ShardError(f"{path} has an unreadable safetensors header; rerun `seg-prep run` to rewrite it.")
    header.pop("__metadata__", None)
    return header, 8 + n


def _digest(f, algorithm: str, path: str) -> str:
    """The hex digest of the open file ``f`` with the manifest's algorithm (sha256 or xxh3-128)."""
    if algorithm == "xxh3-128":
        try:
            import xxhash
        except ImportError:
            raise ShardError(f"{path} is checked with XXH3-128, which needs the xxhash package; `pip install xxhash` (segprep's own dependency) or pass verify_checksums=False.") from None
        h = xxhash.xxh3_128()
    else:
        h = hashlib.sha256()
    for chunk in iter(lambda: f.read(4 << 20), b""):
        h.update(chunk)
    return h.hexdigest()


def _sha256(f) -> str:
    return _digest(f, "sha256", "")


class _Shard:
    """One listed shard, checked on disk when the dataset is made and mapped on first use.

    ``views()`` maps the file (and checks its checksum, SHA-256 or XXH3-128, unless turned off) the first time it is called
    in each process, so a forked DataLoader worker checks the file itself before serving from it.
    """

    def __init__(self, path: str, entry: dict, layout: Tuple[int, int, str], folder: str, verify: bool,
                 checksum: str = "sha256"):
        self.path, self.layout, self.verify, self.checksum = path, layout, verify, checksum
        key = _CHECKSUMS[checksum][0]
        self.bytes, self.digest, self.samples = entry["bytes"], entry[key].lower(), entry["samples"]
        self.index = os.path.join(folder, "index.json")
        self.rerun = f"rerun `seg-prep run` with the same pipeline to rewrite it (`seg-prep verify {folder}` lists all damage)"
        self._pid, self._views = None, None
        self._check_stat(self._lstat())

    def _lstat(self) -> os.stat_result:
        try:
            return os.lstat(self.path)
        except FileNotFoundError:
            raise ShardError(f"{self.path} is missing although {self.index} lists it; {self.rerun}.") from None

    def _check_stat(self, st: os.stat_result) -> None:
        if not stat.S_ISREG(st.st_mode):
            what = "a symbolic link" if stat.S_ISLNK(st.st_mode) else "a directory" if stat.S_ISDIR(st.st_mode) else "not a regular file"
            raise ShardError(f"{self.path} is {what}, not a shard file; seg-prep reads only the regular files it wrote, so replace it with the shard ({self.rerun}).")
        if st.st_size != self.bytes:
            raise ShardError(f"{self.path} has {st.st_size} bytes but {self.index} says {self.bytes}, so it is truncated or was replaced; {self.rerun}.")

    def __getstate__(self) -> dict:
        # A pickled dataset (spawned DataLoader workers) carries no mapped data: each process maps anew.
        return {**self.__dict__, "_pid": None, "_views": None}

    def views(self) -> Tuple[np.ndarray, np.ndarray]:
        """The shard's image [n, H, W, 3] uint8 and label [n, H, W] arrays, mapped read-only."""
        if self._pid != os.getpid():
            self._views = self._open()
            self._pid = os.getpid()
        return self._views

    def _open(self) -> Tuple[np.ndarray, np.ndarray]:
        try:
            fd = os.open(self.path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0))
        except FileNotFoundError:
            raise ShardError(f"{self.path} is missing although {self.index} lists it; {self.rerun}.") from None
        except OSError:
            self._check_stat(self._lstat())  # a link or another kind of file put there since
            raise
        with open(fd, "rb") as f:
            self._check_stat(os.fstat(fd))
            if self.verify:
                if _digest(f, self.checksum, self.path) != self.digest:
                    raise ShardError(f"{self.path} does not match the {_CHECKSUMS[self.checksum][1]} in {self.index} (checksum mismatch), so its bytes are damaged; {self.rerun}.")
                f.seek(0)
            header, start = _header(f, self.path, self.bytes)
            return self._map(f, header, start)

    def _map(self, f, header: dict, start: int) -> Tuple[np.ndarray, np.ndarray]:
        n, (h, w, label_dtype) = self.samples, self.layout
        views, ranges = [], []
        for name, dtype, shape in (("image", "U8", [n, h, w, 3]), ("label", label_dtype, [n, h, w])):
            t = header.get(name)
            if not isinstance(t, dict):
                raise ShardError(f"{self.path} has no '{name}' tensor; {self.rerun}.")
            if t.get("dtype") != dtype or t.get("shape") != shape:
                raise ShardError(f"{self.path} holds '{name}' in another dtype or shape than the {dtype} {shape} that {self.index} implies; {self.rerun}.")
            offsets = t.get("data_offsets")
            np_dtype = np.dtype(_DTYPES[dtype]).newbyteorder("<")
            if (not isinstance(offsets, list) or len(offsets) != 2 or not all(_count(x) for x in offsets)
                    or offsets[1] - offsets[0] != math.prod(shape) * np_dtype.itemsize or start + offsets[1] > self.bytes):
                raise ShardError(f"{self.path} gives '{name}' a byte range that does not match its shape; {self.rerun}.")
            ranges.append((offsets[0], offsets[1]))
            views.append(np.memmap(f, dtype=np_dtype, mode="r", offset=start + offsets[0], shape=tuple(shape)))
        (a0, a1), (b0, b1) = ranges
        if a0 < b1 and b0 < a1 and a1 > a0 and b1 > b0:
            raise ShardError(f"{self.path} gives 'image' and 'label' overlapping byte ranges, so one would be read as the other; {self.rerun}.")
        return views[0], views[1]


class ShardDataset:
    """Samples of one or more seg-prep output folders, memory-mapped.

    ``ds[i]`` returns ``(image, label)``: image uint8 ``[H, W, 3]`` (RGB), label ``[H, W]`` (uint8, or
    uint16 above 255 classes) holding class indices and the ignore value ``ds.ignore_index`` (the
    pipeline's ``ignore_index``: ``len(ds.classes)`` unless it set another, such as 255). Both are
    read-only views into the mapped shard. Samples are numbered across folders in the order given.

    Making the dataset reads the manifests and checks each listed shard's name, kind (a regular
    file) and size, raising ``ShardError`` when a folder has no index.json, a manifest is damaged or
    names a file outside its folder and parts, a shard is missing or has another size, or folders
    differ in size or classes. A shard is mapped the first time one of its samples is read in each
    process; with ``verify_checksums`` (the default) its checksum (the manifest's SHA-256 or XXH3-128) is checked then, before any of its
    samples is served, and a mismatch raises ``ShardError``. Tensor dtypes and shapes are checked
    then too. ``verify_checksums=False`` skips only the hash (which reads every byte of the shard).
    """

    def __init__(self, paths: Union[str, os.PathLike, Sequence[Union[str, os.PathLike]]], verify_checksums: bool = True):
        if isinstance(paths, (str, os.PathLike)):
            paths = [paths]
        paths = [os.fspath(p) for p in paths]
        if not paths:
            raise ShardError("No shard folder was given; pass the output folder of `seg-prep run`.")
        self.folders: List[str] = paths
        self.verify_checksums = verify_checksums
        self.manifests: List[dict] = []
        self._shards: List[_Shard] = []
        self._where: List[Tuple[int, int]] = []
        self.ids: List[str] = []
        self.repeats: List[int] = []
        ref = None
        for folder in paths:
            index = os.path.join(folder, "index.json")
            m = self._load_manifest(folder)
            h, w = self._check_layout(m, folder)
            key = (h, w, list(m["classes"]), m["label"]["dtype"], m["ignore_index"])
            if ref is None:
                ref = (folder, key)
            elif ref[1][:2] != key[:2]:
                raise ShardError(f"{folder} holds {w}x{h} images but {ref[0]} holds {ref[1][1]}x{ref[1][0]}; load only folders made at the same output size together.")
            elif ref[1][2:] != key[2:]:
                raise ShardError(f"{folder} has classes {key[2]} ({key[3]} labels, ignore {key[4]}) but {ref[0]} has {ref[1][2]} ({ref[1][3]}, ignore {ref[1][4]}); load only folders made with the same class list and ignore_index together.")
            parts = m.get("parts", [])
            for k, entry in enumerate(m["shards"]):
                path = _shard_path(folder, entry["file"], parts, index, k)
                if len(entry["ids"]) != entry["samples"] or len(entry["repeats"]) != entry["samples"]:
                    raise ShardError(f"{index} lists {entry['samples']} samples for {entry['file']} but {len(entry['ids'])} ids; rebuild the folder with `seg-prep run`.")
                shard = _Shard(path, entry, key[:2] + (key[3],), folder, verify_checksums, m.get("checksum", "sha256"))
                s = len(self._shards)
                self._shards.append(shard)
                self._where.extend((s, j) for j in range(entry["samples"]))
                self.ids.extend(entry["ids"])
                self.repeats.extend(entry["repeats"])
            self.manifests.append(m)
        if not self._where:
            raise ShardError(f"{', '.join(paths)} hold no samples; check the pipeline's split and its skipped samples in index.json.")
        self.height, self.width = ref[1][0], ref[1][1]
        self.classes: List[str] = ref[1][2]
        self.ignore_index: int = ref[1][4]

    @staticmethod
    def _load_manifest(folder: str) -> dict:
        path = os.path.join(folder, "index.json")
        if not os.path.exists(path):
            raise ShardError(f"{folder} has no index.json: it is not a finished seg-prep output (run `seg-prep run` to completion first).")
        if not stat.S_ISREG(os.stat(path).st_mode):  # a FIFO would block the open, a device never end
            raise ShardError(f"{path} is not a regular file; rerun `seg-prep run` with --force to rebuild the folder.")
        try:
            with open(path, "rb") as f:
                m = json.load(f, object_pairs_hook=_unique_keys)
        except _DuplicateKey as e:  # the CLI refuses these too: no two readers may see different values
            raise _damaged(path, f"it gives the key {_quoted(str(e))} twice in one object") from None
        except (ValueError, RecursionError) as e:  # not UTF-8 (whose error quotes a byte), not JSON, or nested too deep
            where = f" (line {e.lineno} column {e.colno})" if isinstance(e, json.JSONDecodeError) else ""
            raise ShardError(f"{path} is not valid UTF-8 JSON{where}; rerun `seg-prep run` with --force to rebuild it.") from None
        if not isinstance(m, dict):
            raise _damaged(path, "it is not a JSON object")
        version = m.get("format_version")
        if type(version) is not int or version != 1:  # (True == 1 in Python)
            shown = version if _count(version) else "that is not a number"
            raise ShardError(f"{path} has format_version {shown}; this reader reads version 1.")
        if m.get("checksum", "sha256") not in _CHECKSUMS:
            raise ShardError(f"{path} names a checksum other than sha256 or xxh3-128, which this reader knows; update segprep or rebuild the folder with `seg-prep run`.")
        key = _CHECKSUMS[m.get("checksum", "sha256")][0]
        parts = m.get("parts", [])
        if not isinstance(parts, list) or not all(isinstance(p, str) and p and not os.path.isabs(p) and not any(ord(c) < 0x20 or ord(c) == 0x7F for c in p) for p in parts):
            raise _damaged(path, "its parts are not a list of relative folder names without control characters")
        if not isinstance(m.get("shards"), list) or not all(_entry_ok(e, key) for e in m["shards"]):
            raise _damaged(path, f"a shard entry lacks file, bytes, {key}, samples, ids or repeats, or has one of another type")
        seen = set()
        for e in m["shards"]:
            if e["file"] in seen:
                raise _damaged(path, f"shard file {_quoted(e['file'])} is listed twice")
            seen.add(e["file"])
        return m

    @staticmethod
    def _check_layout(m: dict, folder: str) -> Tuple[int, int]:
        index = os.path.join(folder, "index.json")
        image, label = m.get("image"), m.get("label")
        if not (isinstance(image, dict) and isinstance(label, dict) and isinstance(m.get("classes"), list)):
            raise _damaged(index, "its image, label or classes fields are missing")
        shape = image.get("shape")
        if image.get("dtype") != "U8" or not isinstance(shape, list) or len(shape) != 3 or shape[2] != 3 \
                or not all(type(x) is int and x > 0 for x in shape):
            raise ShardError(f"{index} declares images other than U8 [H, W, 3], which this reader reads; rebuild the folder with `seg-prep run`.")
        h, w = shape[:2]
        if not isinstance(label.get("dtype"), str) or label["dtype"] not in _DTYPES or label.get("shape") != [h, w]:
            raise ShardError(f"{index} declares labels other than U8 or U16 [{h}, {w}], which this reader reads; rebuild the folder with `seg-prep run`.")
        top = 255 if label["dtype"] == "U8" else 65535
        if not m["classes"] or len(m["classes"]) > top or not all(isinstance(c, str) for c in m["classes"]):
            raise _damaged(index, f"its classes are not 1 to {top} names, as {label['dtype']} labels hold")
        sps = m.get("samples_per_shard")
        if type(sps) is not int or not 1 <= sps <= (1 << 20):
            raise _damaged(index, "its samples_per_shard is not a count from 1 to 1048576")
        for e in m["shards"]:
            if not e["samples"] <= (1 << 20) or not isinstance(e.get("params", []), list) or len(e.get("params", [])) != e["samples"]:
                raise _damaged(index, f"shard {_quoted(str(e['file']))} lists more than 1048576 samples or another number of parameter sets than samples")
        ignore = m.get("ignore_index")
        if type(ignore) is not int or not len(m["classes"]) <= ignore <= top:
            raise ShardError(f"{index} has an ignore_index that is not a label value from {len(m['classes'])} (the class count) to {top}; rebuild the folder with `seg-prep run`.")
        return h, w

    def __len__(self) -> int:
        return len(self._where)

    def __getitem__(self, i: int) -> Tuple[np.ndarray, np.ndarray]:
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(f"sample {i} is outside 0..{len(self) - 1}")
        k, j = self._where[i]
        image, label = self._shards[k].views()
        return image[j], label[j]

    def sample_id(self, i: int) -> Tuple[str, int]:
        """Source id and augmentation repeat of sample ``i``."""
        return self.ids[i], self.repeats[i]

    def __iter__(self) -> Iterable[Tuple[np.ndarray, np.ndarray]]:
        for i in range(len(self)):
            yield self[i]
