"""A seg-prep pipeline file as a source of fresh samples, through libsegprep (ctypes).

Sample ``(i, epoch)`` is, byte for byte, what ``seg-prep run`` writes into its shards for source
sample ``i``, repeat ``epoch``: a run with ``repeats: R`` holds epochs ``0..R-1``. ctypes releases the
GIL during every call into the library, so DataLoader workers and threads render in parallel.

The library (``libsegprep.so``, built by ``scripts/demo`` or ``swift build -c release --product
segprep``) is looked for in this order: ``SEGPREP_LIB`` (the file), beside the ``seg-prep`` found on
``PATH``, the ``.build/release`` and ``.build/debug`` folders of the checkout this package was
installed from, then inside the package (``segprep/lib``).
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import operator
import os
import shutil
import stat
from typing import Dict, List, Optional, Tuple

import numpy as np

_NAME = "libsegprep.so"

# enum segprep_status of include/segprep.h.
_OK, _ARGUMENT, _PIPELINE, _INPUT, _RANGE, _SAMPLE, _BUFFER, _OTHER = range(8)


class PipelineError(Exception):
    """A pipeline that cannot give a sample; the message is the one ``seg-prep`` prints
    (``file:line:column: …`` for a wrong pipeline file, the file at fault for a damaged sample).
    ``code`` is the status of ``include/segprep.h``."""

    def __init__(self, message: str, code: int = _OTHER):
        super().__init__(message)
        self.code = code


class PipelineIndexError(PipelineError, IndexError):
    """A sample index or epoch out of range."""


class LibraryNotFound(PipelineError, OSError):
    """libsegprep.so is in none of the places looked at."""


def _checkout_root() -> Optional[str]:
    """The source checkout this package came from: recorded at install, else the source folder's."""
    try:
        from ._checkout import ROOT  # written by setup.py when the package is built
        return ROOT
    except ImportError:
        here = os.path.dirname(os.path.abspath(__file__))
        return os.path.dirname(os.path.dirname(here))


def library_candidates() -> List[str]:
    """The paths tried for libsegprep.so, in order."""
    out = []
    if os.environ.get("SEGPREP_LIB"):
        # Made absolute: a bare name would make ctypes search the system's library path instead.
        return [os.path.abspath(os.environ["SEGPREP_LIB"])]
    cli = shutil.which("seg-prep")
    if cli:
        out.append(os.path.join(os.path.dirname(os.path.realpath(cli)), _NAME))
    root = _checkout_root()
    if root:
        out += [os.path.join(root, ".build", c, _NAME) for c in ("release", "debug")]
    out.append(os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib", _NAME))
    return out


_lib = None


_FUNCTIONS = ("segprep_open", "segprep_count", "segprep_info", "segprep_render", "segprep_render_tensors",
              "segprep_last_error", "segprep_free", "segprep_close")


def _library():
    global _lib
    if _lib is not None:
        return _lib
    tried = library_candidates()
    path = next((p for p in tried if os.path.isfile(p)), None)
    if path is None:
        raise LibraryNotFound(
            f"{_NAME} was not found (looked at {', '.join(tried)}); run scripts/demo or "
            f"`swift build -c release --product segprep` in the seg-prep checkout, or set SEGPREP_LIB to the file", _OTHER)
    try:
        lib = ctypes.CDLL(path)
        for f in _FUNCTIONS:
            getattr(lib, f)
    except (OSError, AttributeError) as e:  # not a shared library, or not this one
        raise LibraryNotFound(f"{path} is not {_NAME} ({e}); point SEGPREP_LIB at the {_NAME} that "
                              f"`swift build -c release --product segprep` builds, or unset it", _OTHER) from None
    p, i64, cstr, out_str = ctypes.c_void_p, ctypes.c_int64, ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p)
    lib.segprep_open.argtypes = [cstr, cstr, i64, ctypes.POINTER(ctypes.c_void_p)]
    lib.segprep_count.argtypes, lib.segprep_count.restype = [p], i64
    lib.segprep_info.argtypes = [p, out_str]
    lib.segprep_render.argtypes = [p, i64, i64, p, ctypes.c_size_t, p, ctypes.c_size_t, out_str]
    f32p, i64p = ctypes.POINTER(ctypes.c_float), ctypes.POINTER(ctypes.c_int64)
    lib.segprep_render_tensors.argtypes = [p, i64, i64, f32p, p, ctypes.c_size_t, p, ctypes.c_size_t, i64, i64, out_str]
    lib.segprep_last_error.argtypes, lib.segprep_last_error.restype = [], ctypes.c_char_p
    lib.segprep_free.argtypes, lib.segprep_free.restype = [p], None
    lib.segprep_close.argtypes, lib.segprep_close.restype = [p], None
    for f in ("segprep_open", "segprep_info", "segprep_render", "segprep_render_tensors"):
        getattr(lib, f).restype = ctypes.c_int
    _lib = lib
    return lib


def _fingerprint(path: str) -> Optional[str]:
    """SHA-256 of the file at ``path``, None when it is not a regular file or larger than any
    pipeline (the library then says why)."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return None
        h, left = hashlib.sha256(), 16 << 20
        with open(path, "rb") as f:
            while left > 0:
                chunk = f.read(min(left, 1 << 20))
                if not chunk:
                    return h.hexdigest()
                h.update(chunk)
                left -= len(chunk)
        return None
    except OSError:
        return None


def _integer(value, what: str) -> int:
    """``value`` as an int when it is one (Python or numpy integers), else TypeError: a float index
    is a mistake to report, not to round."""
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(f"the {what} must be an integer, not {type(value).__name__} {value!r}") from None


def _check(lib, status: int) -> None:
    if status == _OK:
        return
    message = (lib.segprep_last_error() or b"").decode("utf-8", "replace")
    raise (PipelineIndexError if status == _RANGE else PipelineError)(message, status)


def _take_string(lib, ptr: ctypes.c_void_p) -> str:
    try:
        return ctypes.string_at(ptr.value).decode("utf-8")
    finally:
        lib.segprep_free(ptr)


class Pipeline:
    """The samples of pipeline file ``path``; ``input_root`` replaces its ``input.root`` and ``seed``
    its ``seed``.

    ``len()`` is the number of source samples, ``ids`` their ids in order, ``sample(i, epoch)`` →
    ``(image uint8 [H, W, 3], label uint8 or uint16 [H, W], params dict)``.

    The library handle is opened in each process on first use (a forked or spawned DataLoader
    worker opens its own), so the object may be pickled and sent to workers. A wrong file raises
    ``PipelineError`` here, with the message ``seg-prep`` prints.
    """

    def __init__(self, path, input_root=None, seed: Optional[int] = None):
        if seed is not None:
            seed = _integer(seed, "seed")
            if not 0 <= seed < 2 ** 63:
                raise ValueError(f"seed {seed} is outside 0..2^63-1; pass a seed from 0, or None for the file's")
        # str or bytes paths, or path objects (kept as str; passed to the library as file-system bytes)
        self.path = os.fsdecode(path)
        self.input_root = None if input_root is None else os.fsdecode(input_root)
        for what, value in (("pipeline path", self.path), ("input_root", self.input_root)):
            if value is not None and "\0" in value:  # the C string would end there, naming another file
                raise ValueError(f"the {what} {value!r} holds an embedded null byte")
        # What workers (which open the file again) must find there: the same bytes.
        self._fingerprint = _fingerprint(self.path)
        self.seed_override = seed
        self._handle, self._pid = None, None
        lib = _library()
        out = ctypes.c_void_p()
        _check(lib, lib.segprep_info(self._open(), ctypes.byref(out)))
        info = json.loads(_take_string(lib, out))
        self.ids: List[str] = info["ids"]
        self.height: int = info["height"]
        self.width: int = info["width"]
        self.label_bytes: int = info["label_bytes"]
        self.classes: List[str] = info["classes"]
        self.ignore_index: int = info["ignore_index"]
        self.seed: int = info["seed"]
        self.repeats: int = info["repeats"]
        self.label_dtype = np.uint16 if self.label_bytes == 2 else np.uint8

    def _open(self) -> int:
        """This process's handle, opened now if it has none (a fork's parent handle is left alone)."""
        if self._handle is None or self._pid != os.getpid():
            if hasattr(self, "ids"):
                # Any open after the first (a DataLoader worker's, or after close()): the same file.
                if _fingerprint(self.path) != self._fingerprint:
                    raise PipelineError(f"{self.path}: the pipeline file changed since this Pipeline first opened it; "
                                        f"open the dataset again after editing the file", _OTHER)
            lib = _library()
            handle = ctypes.c_void_p()
            root = None if self.input_root is None else os.fsencode(self.input_root)
            seed = -1 if self.seed_override is None else int(self.seed_override)
            _check(lib, lib.segprep_open(os.fsencode(self.path), root, seed, ctypes.byref(handle)))
            self._handle, self._pid = handle.value, os.getpid()
        return self._handle

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["_handle"], state["_pid"] = None, None
        return state

    def __len__(self) -> int:
        return len(self.ids)

    def _checked(self, i: int, epoch: int) -> Tuple[int, int]:
        """``i`` and ``epoch`` as ints the library takes (int64), or PipelineIndexError."""
        i, epoch = _integer(i, "sample index"), _integer(epoch, "epoch")
        if not (-2 ** 63 <= i < 2 ** 63 and -2 ** 63 <= epoch < 2 ** 63):
            raise PipelineIndexError(f"{self.path}: sample index {i} or epoch {epoch} is outside the 64-bit range; "
                                     f"pass an index below {len(self)} and an epoch from 0", _RANGE)
        return i, epoch

    def sample(self, i: int, epoch: int = 0) -> Tuple[np.ndarray, np.ndarray, Dict[str, float]]:
        """Sample ``i`` of epoch ``epoch``: what ``seg-prep run`` stores for source sample ``i``, repeat ``epoch``.

        Raises ``PipelineIndexError`` (an ``IndexError``) for ``i`` or ``epoch`` out of range and
        ``PipelineError`` naming the file for a damaged source file.
        """
        i, epoch = self._checked(i, epoch)
        lib = _library()
        image = np.empty((self.height, self.width, 3), dtype=np.uint8)
        label = np.empty((self.height, self.width), dtype=self.label_dtype)
        params = ctypes.c_void_p()
        _check(lib, lib.segprep_render(self._open(), i, epoch, image.ctypes.data, image.nbytes,
                                       label.ctypes.data, label.nbytes, ctypes.byref(params)))
        return image, label, json.loads(_take_string(lib, params))

    def tensors(self, i: int, epoch: int, table: np.ndarray, classes: int, fill: int,
                params: bool = False) -> Tuple[np.ndarray, np.ndarray, Optional[Dict[str, float]]]:
        """Sample ``(i, epoch)`` as training arrays, converted inside the library: the image as
        float32 ``[3, H, W]`` where byte ``v`` of channel ``c`` becomes ``table[c, v]`` (``table``:
        float32 ``[3, 256]``), the label as int64 ``[H, W]`` with every value from ``classes`` up
        replaced by ``fill``; the drawn parameters when ``params`` is true, else None.

        Raises what ``sample`` raises.
        """
        i, epoch = self._checked(i, epoch)
        classes, fill = _integer(classes, "classes"), _integer(fill, "fill")
        if not (1 <= classes < 2 ** 63 and -2 ** 63 <= fill < 2 ** 63):
            raise ValueError(f"classes {classes} or fill {fill} is out of range; pass the class count (from 1) and the ignore index (64-bit)")
        table = np.ascontiguousarray(table, dtype=np.float32)
        if table.shape != (3, 256):
            raise ValueError(f"the table has shape {table.shape}; pass a float32 array of shape (3, 256)")
        lib = _library()
        image = np.empty((3, self.height, self.width), dtype=np.float32)
        label = np.empty((self.height, self.width), dtype=np.int64)
        out = ctypes.c_void_p() if params else None
        _check(lib, lib.segprep_render_tensors(self._open(), i, epoch, table.ctypes.data_as(ctypes.POINTER(ctypes.c_float)),
                                               image.ctypes.data, image.nbytes, label.ctypes.data, label.nbytes,
                                               classes, fill, ctypes.byref(out) if params else None))
        return image, label, (json.loads(_take_string(lib, out)) if params else None)

    def close(self) -> None:
        """Releases this process's handle (another call opens it again)."""
        if self._handle is not None and self._pid == os.getpid() and _lib is not None:
            _lib.segprep_close(self._handle)
        self._handle, self._pid = None, None

    def __del__(self):
        try:
            self.close()
        except Exception:  # pragma: no cover - interpreter shutdown
            pass
