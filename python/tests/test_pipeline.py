"""segprep.Pipeline and TorchPipelineDataset against the shards `seg-prep run` writes (needs SEGPREP_BIN,
beside which libsegprep.so is built)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

import segprep
from segprep import Pipeline, PipelineError, PipelineIndexError, ShardDataset

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CAMVID = os.path.join(ROOT, "fixtures", "camvid-mini")
HAVE_LIB = bool(os.environ.get("SEGPREP_LIB")) and os.path.isfile(os.environ["SEGPREP_LIB"])
pytestmark = pytest.mark.skipif(not (os.environ.get("SEGPREP_BIN") and HAVE_LIB),
                                reason="set SEGPREP_BIN to a built seg-prep with libsegprep.so beside it")


def camvid_pipeline(tmp_path, split="train", repeats=2, root=CAMVID, name="p.yaml"):
    """pipelines/camvid-train.yaml with `repeats`, the split and dataset root given."""
    text = open(os.path.join(ROOT, "pipelines", "camvid-train.yaml")).read()
    text = text.replace("root: ../fixtures/camvid-mini", f"root: {root}").replace("repeats: 4", f"repeats: {repeats}")
    text = text.replace("split: train", f"split: {split}").replace("dir: ../out/camvid-train", f"dir: {tmp_path / 'out'}")
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def small_root(tmp_path, count=6):
    """A VOC folder of the first `count` camvid-mini train ids (copies of the fixture files)."""
    root = tmp_path / "camvid"
    (root / "ImageSets" / "Segmentation").mkdir(parents=True)
    ids = open(os.path.join(CAMVID, "ImageSets", "Segmentation", "train.txt")).read().split()[:count]
    (root / "ImageSets" / "Segmentation" / "small.txt").write_text("\n".join(ids) + "\n")
    for sub in ("JPEGImages", "SegmentationClass"):
        (root / sub).mkdir()
        for i in ids:
            shutil.copy(os.path.join(CAMVID, sub, i + ".png"), root / sub / (i + ".png"))
    return str(root), ids


def run_cli(*args):
    return subprocess.run([os.environ["SEGPREP_BIN"], *args], capture_output=True, text=True)


@pytest.mark.parametrize("threads", ["1", "3"])
def test_online_samples_are_the_offline_shards(tmp_path, threads):
    root, ids = small_root(tmp_path, 5)
    path = camvid_pipeline(tmp_path, split="small", repeats=3, root=root)
    out = str(tmp_path / "shards")
    done = run_cli("run", path, "--output", out, "--threads", threads)
    assert done.returncode == 0, done.stderr
    shards = ShardDataset(out)
    with open(os.path.join(out, "index.json")) as f:
        stored_params = [q for s in json.load(f)["shards"] for q in s["params"]]
    p = Pipeline(path)
    assert p.ids == ids and len(p) == 5
    assert (p.height, p.width, p.ignore_index) == (shards.height, shards.width, shards.ignore_index)
    assert len(shards) == 15
    for k in range(len(shards)):
        sid, rep = shards.sample_id(k)
        image, label, params = p.sample(p.ids.index(sid), rep)
        want_image, want_label = shards[k]
        assert image.dtype == np.uint8 and image.shape == want_image.shape
        assert np.array_equal(image, want_image) and np.array_equal(label, want_label), (sid, rep)
        assert params == stored_params[k], (sid, rep)


def test_input_root_and_seed_overrides(tmp_path):
    root, _ = small_root(tmp_path, 3)
    path = camvid_pipeline(tmp_path, split="small", root="/nonexistent")
    with pytest.raises(PipelineError) as bad:
        Pipeline(path)
    assert "/nonexistent" in str(bad.value)
    p = Pipeline(path, input_root=root)
    assert len(p) == 3
    a = p.sample(1, 9)
    again = Pipeline(path, input_root=root).sample(1, 9)
    assert all(np.array_equal(x, y) for x, y in zip(a[:2], again[:2])) and a[2] == again[2]
    reseeded = Pipeline(path, input_root=root, seed=5).sample(1, 9)
    assert reseeded[2] != a[2]


def test_a_bad_pipeline_raises_the_clis_message(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\ninput: {root: x}\nclasses: 3\nstages:\n  - flp: {}\noutput: {dir: o}\n")
    with pytest.raises(PipelineError) as e:
        Pipeline(str(bad))
    assert str(e.value).startswith(f"{bad}:5:")
    cli = run_cli("run", str(bad))
    assert cli.returncode != 0 and str(e.value) in cli.stderr
    free = tmp_path / "free.yaml"
    free.write_text(f"version: 1\ninput: {{root: {CAMVID}, split: train}}\nclasses: 11\nstages:\n  - decode: {{}}\noutput: {{dir: o}}\n")
    with pytest.raises(PipelineError, match="no stage fixes the output size") as e:
        Pipeline(str(free))
    assert str(e.value).startswith(f"{free}:")


def test_out_of_range_and_damaged_samples_raise(tmp_path):
    root = tmp_path / "copy"
    shutil.copytree(CAMVID, root)
    p = Pipeline(camvid_pipeline(tmp_path), input_root=str(root))
    for i, e in [(len(p), 0), (-1, 0), (0, -1), (2 ** 70, 0)]:
        with pytest.raises(PipelineIndexError) as err:
            p.sample(i, e)
        assert isinstance(err.value, IndexError)
    label = root / "SegmentationClass" / (p.ids[2] + ".png")
    label.write_bytes(b"\x89PNG\r\n\x1a\n broken")
    with pytest.raises(PipelineError) as err:
        p.sample(2, 0)
    assert str(err.value).startswith(f"{label}: ")
    image, _, _ = p.sample(3, 0)  # the others are untouched
    assert image.shape == (256, 256, 3)


def _torch():
    return pytest.importorskip("torch")


def _digest(x):
    return hashlib.sha256(np.ascontiguousarray(x).tobytes()).hexdigest()


LOADER = """
import hashlib, json, sys
import numpy as np
import segprep
from torch.utils.data import DataLoader
path, context = sys.argv[1], sys.argv[2]
size = int(sys.argv[3]) if len(sys.argv) > 3 else 256
ds = segprep.TorchPipelineDataset(path)
ds.set_epoch(7)
got = []
try:
    for x, y in DataLoader(ds, batch_size=4, num_workers=2, multiprocessing_context=context, shuffle=True):
        assert x.dtype.is_floating_point and str(y.dtype) == "torch.int64" and tuple(x.shape[1:]) == (3, size, size)
        for img in x:
            got.append(hashlib.sha256((img.permute(1, 2, 0).numpy() * 255).round().astype(np.uint8).tobytes()).hexdigest())
except Exception as e:
    print(json.dumps({"error": str(e)}))
    sys.exit(0)
print(json.dumps({"digests": got}))
"""


def run_loader(path, context, size=256):
    """A DataLoader (2 workers, `context`) over TorchPipelineDataset(path) at epoch 7, in a fresh
    interpreter (a process that made samples with libvips cannot fork workers that do); `size` is
    the side of the pipeline's square samples."""
    env = dict(os.environ)
    if env.get("SEGPREP_TEST_INSTALLED") != "1":
        env["PYTHONPATH"] = os.path.join(ROOT, "python") + os.pathsep + env.get("PYTHONPATH", "")
    done = subprocess.run([sys.executable, "-c", LOADER, path, context, str(size)], capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("context", ["fork", "spawn"])
def test_dataloader_workers_yield_each_sample_of_an_epoch_once(tmp_path, context):
    _torch()
    root, ids = small_root(tmp_path, 6)
    path = camvid_pipeline(tmp_path, split="small", root=root)
    got = run_loader(path, context)
    p = Pipeline(path)
    assert sorted(got["digests"]) == sorted(_digest(p.sample(i, 7)[0]) for i in range(len(p)))
    # Ranks split the epoch as DistributedShardSampler does: together every sample once.
    ds = segprep.TorchPipelineDataset(path)
    seen = []
    for rank in range(2):
        seen += list(segprep.DistributedShardSampler(ds, num_replicas=2, rank=rank, seed=1))
    assert sorted(seen) == list(range(len(ds)))


@pytest.mark.parametrize("context", ["fork", "spawn"])
def test_a_tile_pipeline_runs_in_forked_and_spawned_workers(tmp_path, context):
    # Listing the windows reads the images' headers in this process without libvips, so forked
    # workers can start it.
    _torch()
    text = open(os.path.join(ROOT, "pipelines", "potsdam-tiles.yaml")).read()
    text = text.replace("root: ../fixtures/potsdam-mini", "root: " + os.path.join(ROOT, "fixtures", "potsdam-mini"))
    path = tmp_path / "tiles.yaml"
    path.write_text(text)
    got = run_loader(str(path), context, size=512)
    assert "error" not in got, got
    p = Pipeline(str(path))
    assert len(p) > 4 and all("@" in i for i in p.ids)
    assert sorted(got["digests"]) == sorted(_digest(p.sample(i, 7)[0]) for i in range(len(p)))


def test_items_match_the_shard_dataset_items(tmp_path):
    _torch()
    root, _ = small_root(tmp_path, 2)
    path = camvid_pipeline(tmp_path, split="small", repeats=1, root=root)
    out = str(tmp_path / "shards")
    assert run_cli("run", path, "--output", out).returncode == 0
    mean, std = [0.4, 0.5, 0.6], [0.2, 0.3, 0.25]
    # one_hot=False converts inside the library (segprep_render_tensors), one_hot=True in numpy.
    for one_hot, arity in ((False, 2), (True, 3)):
        shard_items = segprep.TorchShardDataset(out, one_hot=one_hot, mean=mean, std=std)
        online = segprep.TorchPipelineDataset(path, one_hot=one_hot, mean=mean, std=std)
        online.set_epoch(0)
        for k in range(len(shard_items)):
            sid, _ = shard_items.shards.sample_id(k)
            a, b = shard_items[k], online[online.pipeline.ids.index(sid)]
            assert len(a) == len(b) == arity and all(torch_equal(u, v) for u, v in zip(a, b))


def test_tensors_refuse_a_table_of_the_wrong_shape_and_match_sample(tmp_path):
    root, _ = small_root(tmp_path, 2)
    p = segprep.Pipeline(camvid_pipeline(tmp_path, split="small", root=root))
    with pytest.raises(ValueError, match=r"shape \(256,\)"):
        p.tensors(0, 0, np.zeros(256, np.float32), 11, 255)
    table = np.stack([np.arange(256, dtype=np.float32) * (c + 1) for c in range(3)])
    image, label, params = p.tensors(1, 2, table, 11, 99, params=True)
    raw_image, raw_label, raw_params = p.sample(1, 2)
    assert params == raw_params
    assert np.array_equal(image, np.stack([table[c][raw_image[:, :, c]] for c in range(3)]))
    assert np.array_equal(label, np.where(raw_label < 11, raw_label, 99).astype(np.int64))
    with pytest.raises(segprep.PipelineIndexError, match="out of range"):
        p.tensors(2, 0, table, 11, 255)
    for classes in (2 ** 64, 0, -5):
        with pytest.raises(ValueError, match="out of range; pass the class count"):
            p.tensors(0, 0, table, classes, 255)
    image2, label2, _ = p.tensors(1, 2, table, 11, -100)  # PyTorch's default ignore_index is negative
    assert np.array_equal(label2, np.where(raw_label < 11, raw_label.astype(np.int64), -100))


def test_paths_as_bytes_or_path_objects_and_indices_only_as_integers(tmp_path):
    root, ids = small_root(tmp_path, 2)
    path = camvid_pipeline(tmp_path, split="small", root=root)
    by_str = segprep.Pipeline(path)
    for same in (segprep.Pipeline(os.fsencode(path)), segprep.Pipeline(tmp_path / "p.yaml", input_root=os.fsencode(root))):
        assert same.ids == by_str.ids == ids
        assert np.array_equal(same.sample(np.int64(1), np.int32(0))[0], by_str.sample(1, 0)[0])
    for i, e in [(1.7, 0), (0, 0.0), ("1", 0)]:
        with pytest.raises(TypeError, match="must be an integer"):
            by_str.sample(i, e)
    with pytest.raises(TypeError, match="the seed must be an integer, not float 1.5"):
        segprep.Pipeline(path, seed=1.5)


def test_a_library_path_to_another_file_raises_library_not_found(tmp_path):
    # A fresh interpreter: the library is loaded once per process.
    code = ("import segprep, sys\n"
            "try:\n    segprep.Pipeline(sys.argv[1])\n"
            "except segprep.LibraryNotFound as e:\n    print('refused:', e)\n")
    for other in ("/etc/hostname", os.environ["SEGPREP_BIN"]):
        env = dict(os.environ, SEGPREP_LIB=other, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
        out = subprocess.run([sys.executable, "-c", code, camvid_pipeline(tmp_path)], env=env, capture_output=True, text=True,
                             cwd=str(tmp_path))
        assert out.returncode == 0 and out.stdout.startswith(f"refused: {other} is not "), out.stdout + out.stderr


def torch_equal(a, b):
    return a.dtype == b.dtype and a.shape == b.shape and bool((a == b).all())


def test_a_bad_file_in_a_worker_raises_in_the_main_process(tmp_path):
    _torch()
    root, ids = small_root(tmp_path, 4)
    image = os.path.join(root, "JPEGImages", ids[1] + ".png")
    with open(image, "wb") as f:
        f.write(b"not an image")
    path = camvid_pipeline(tmp_path, split="small", root=root)
    for context in ("fork", "spawn"):
        out = run_loader(path, context)  # the interpreter running the loader catches it and carries on
        assert "error" in out and image in out["error"] and "cannot be decoded" in out["error"], out
    assert segprep.TorchPipelineDataset(path)[0][0].shape == (3, 256, 256)


def test_a_worker_forked_after_the_parent_made_samples_raises_instead_of_hanging(tmp_path):
    _torch()
    from torch.utils.data import DataLoader
    root, _ = small_root(tmp_path, 2)
    ds = segprep.TorchPipelineDataset(camvid_pipeline(tmp_path, split="small", root=root))
    ds[0]  # libvips started here (PNG images)
    with pytest.raises(Exception, match="forked from one that had already made samples"):
        list(DataLoader(ds, batch_size=1, num_workers=1, multiprocessing_context="fork"))
    assert len(list(DataLoader(ds, batch_size=1, num_workers=1, multiprocessing_context="spawn"))) == 2


def test_a_null_byte_in_a_path_is_refused(tmp_path):
    path = camvid_pipeline(tmp_path)
    for bad in (path + "\0junk", os.fsencode(path) + b"\0x"):
        with pytest.raises(ValueError, match="embedded null byte"):
            Pipeline(bad)
    with pytest.raises(ValueError, match="input_root .* embedded null byte"):
        Pipeline(path, input_root=CAMVID + "\0x")


def test_workers_refuse_a_pipeline_file_changed_after_opening(tmp_path):
    # A worker opens the file again: after an edit it would render another pipeline than len and
    # ids describe, so it says so instead (pickled as spawn does).
    import pickle
    root, _ = small_root(tmp_path, 2)
    path = camvid_pipeline(tmp_path, split="small", root=root)
    p = Pipeline(path)
    copy = pickle.loads(pickle.dumps(p))
    assert np.array_equal(copy.sample(0, 0)[0], p.sample(0, 0)[0])
    with open(path, "a") as f:
        f.write("# edited\n")
    with pytest.raises(PipelineError, match="changed since this Pipeline first opened it"):
        pickle.loads(pickle.dumps(p)).sample(0, 0)
    assert p.sample(1, 0)[0].shape == (256, 256, 3)  # the main process keeps its open pipeline


def _in_fresh_interpreter(code, *args, **env):
    full = dict(os.environ, **env)
    if full.get("SEGPREP_TEST_INSTALLED") != "1":
        full["PYTHONPATH"] = os.path.join(ROOT, "python") + os.pathsep + full.get("PYTHONPATH", "")
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=full, timeout=300)


def test_a_bad_simd_setting_is_refused_as_the_cli_refuses_it(tmp_path):
    code = ("import segprep, sys\n"
            "try:\n    segprep.Pipeline(sys.argv[1])\n"
            "except segprep.PipelineError as e:\n    print('refused:', e)\n")
    for value in ("AVX2 ", "avx1024"):
        out = _in_fresh_interpreter(code, camvid_pipeline(tmp_path), SEGPREP_SIMD=value)
        assert out.returncode == 0 and out.stdout.startswith("refused:") and "SEGPREP_SIMD" in out.stdout, out.stdout + out.stderr


def test_a_relative_library_path_is_read_from_the_working_folder(tmp_path):
    import segprep.pipeline as sp
    lib = next((p for p in sp.library_candidates() if os.path.isfile(p)), None)
    if lib is None:
        pytest.skip("libsegprep.so is not built")
    code = "import segprep, sys\nprint(len(segprep.Pipeline(sys.argv[1])))\n"
    env = {k: v for k, v in os.environ.items() if k != "SEGPREP_LIB"}
    full = dict(env, SEGPREP_LIB=os.path.basename(lib))
    if full.get("SEGPREP_TEST_INSTALLED") != "1":
        full["PYTHONPATH"] = os.path.join(ROOT, "python") + os.pathsep + full.get("PYTHONPATH", "")
    out = subprocess.run([sys.executable, "-c", code, camvid_pipeline(tmp_path)], capture_output=True, text=True,
                         env=full, cwd=os.path.dirname(lib), timeout=300)
    assert out.returncode == 0 and int(out.stdout.strip()) > 0, out.stdout + out.stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_pipe_as_the_pipeline_is_refused_without_blocking(tmp_path):
    fifo = str(tmp_path / "p.yaml")
    os.mkfifo(fifo)
    with pytest.raises(PipelineError, match="is a pipe"):
        Pipeline(fifo)
