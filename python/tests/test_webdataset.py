"""`seg-prep export --format webdataset` read back with the webdataset package equals the shards."""

import io
import json
import os
import subprocess

import numpy as np
import pytest

from segprep import ShardDataset

wds = pytest.importorskip("webdataset")
Image = pytest.importorskip("PIL.Image")

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
needs_cli = pytest.mark.skipif(not os.environ.get("SEGPREP_BIN"), reason="set SEGPREP_BIN to a built seg-prep")


def run(*args):
    return subprocess.run([os.environ["SEGPREP_BIN"], *args], check=True, capture_output=True, text=True)


def indices(data):
    """A .seg.png's pixel values: a greyscale PNG whose grey values are the class indices."""
    im = Image.open(io.BytesIO(data))
    assert im.mode == "L"
    return np.array(im)


@needs_cli
@pytest.mark.parametrize("pipeline", ["camvid-val", "cityscapes-train"])
def test_every_sample_equals_the_shards(tmp_path, pipeline):
    out, export = str(tmp_path / "shards"), str(tmp_path / "wds")
    run("run", os.path.join(ROOT, "pipelines", f"{pipeline}.yaml"), "--output", out, "--limit", "5")
    run("export", out, "--format", "webdataset", "--output", export)
    ds = ShardDataset(out)
    listing = json.load(open(os.path.join(export, "webdataset.json")))
    assert listing["classes"] == ds.classes and listing["ignore_index"] == ds.ignore_index
    assert listing["samples"] == len(ds)
    urls = [os.path.join(export, t["file"]) for t in listing["tars"]]
    samples = list(wds.WebDataset(urls, shardshuffle=False))
    assert [s["__key__"] for s in samples] == [f"{i:08d}" for i in range(len(ds))]
    params = [p for m in ds.manifests for e in m["shards"] for p in e["params"]]
    for i, s in enumerate(samples):
        image, label = ds[i]
        assert sorted(k for k in s if not k.startswith("__")) == ["json", "png", "seg.png"]
        np.testing.assert_array_equal(np.array(Image.open(io.BytesIO(s["png"])).convert("RGB")), image)
        np.testing.assert_array_equal(indices(s["seg.png"]), label)
        meta = json.loads(s["json"])
        assert (meta["id"], meta["repeat"]) == ds.sample_id(i) and meta["index"] == i
        assert meta["params"] == params[i]
    # The ignore value survives as a pixel value (255 in the mmseg-style pipeline).
    if pipeline == "cityscapes-train":
        assert ds.ignore_index == 255 and any((indices(s["seg.png"]) == 255).any() for s in samples)


@needs_cli
def test_jpeg_images_and_a_merged_folder(tmp_path):
    pipeline = os.path.join(ROOT, "pipelines", "camvid-val.yaml")
    parts = []
    for k in range(2):
        parts.append(str(tmp_path / f"part{k}"))
        run("run", pipeline, "--output", parts[-1], "--partition", f"{k}/2", "--limit", "6")
    merged, export = str(tmp_path / "all"), str(tmp_path / "wds")
    run("merge", *parts, "--output", merged)
    run("export", merged, "--format", "webdataset", "--output", export, "--image", "jpg", "--quality", "98")
    ds = ShardDataset(merged)
    listing = json.load(open(os.path.join(export, "webdataset.json")))
    samples = list(wds.WebDataset([os.path.join(export, t["file"]) for t in listing["tars"]], shardshuffle=False))
    assert len(samples) == len(ds)
    for i, s in enumerate(samples):
        image, label = ds[i]
        decoded = np.array(Image.open(io.BytesIO(s["jpg"])).convert("RGB")).astype(int)
        assert np.abs(decoded - image).mean() < 3  # lossy, but the same picture
        np.testing.assert_array_equal(indices(s["seg.png"]), label)


@needs_cli
def test_a_folder_with_other_files_is_refused_and_kept(tmp_path):
    out, export = str(tmp_path / "shards"), str(tmp_path / "wds")
    run("run", os.path.join(ROOT, "pipelines", "camvid-val.yaml"), "--output", out, "--limit", "2")
    os.makedirs(export)
    with open(os.path.join(export, "notes.txt"), "w") as f:
        f.write("mine")
    r = subprocess.run([os.environ["SEGPREP_BIN"], "export", out, "--format", "webdataset", "--output", export],
                       capture_output=True, text=True)
    assert r.returncode != 0
    assert "holds notes.txt, which export did not write; give --output a new or empty folder" in r.stderr
    assert os.listdir(export) == ["notes.txt"] and open(os.path.join(export, "notes.txt")).read() == "mine"
    # An earlier export's own files are rewritten.
    os.remove(os.path.join(export, "notes.txt"))
    run("export", out, "--format", "webdataset", "--output", export)
    first = open(os.path.join(export, "shard-00000.tar"), "rb").read()
    run("export", out, "--format", "webdataset", "--output", export)
    assert open(os.path.join(export, "shard-00000.tar"), "rb").read() == first  # deterministic bytes


@needs_cli
@pytest.mark.parametrize("decoder", ["l8", "pill", "pil"])
def test_webdatasets_own_decoders_read_class_indices(tmp_path, decoder):
    """The decoders users reach for give the class indices, not colours or scaled greys ("pil"
    converts to RGB, so each channel holds the indices)."""
    out, export = str(tmp_path / "shards"), str(tmp_path / "wds")
    run("run", os.path.join(ROOT, "pipelines", "cityscapes-train.yaml"), "--output", out, "--limit", "3")
    run("export", out, "--format", "webdataset", "--output", export)
    ds = ShardDataset(out)
    listing = json.load(open(os.path.join(export, "webdataset.json")))
    urls = [os.path.join(export, t["file"]) for t in listing["tars"]]
    samples = list(wds.WebDataset(urls, shardshuffle=False).decode(decoder))
    assert len(samples) == len(ds)
    for i, s in enumerate(samples):
        label = np.asarray(s["seg.png"])
        if decoder == "pil":
            assert label.shape == ds[i][1].shape + (3,)
            assert (label == label[..., :1]).all()
            label = label[..., 0]
        assert label.shape == ds[i][1].shape
        np.testing.assert_array_equal(label, ds[i][1])
        assert set(np.unique(label)) <= set(range(len(ds.classes))) | {ds.ignore_index}


@needs_cli
def test_a_smaller_export_removes_the_earlier_tars(tmp_path):
    big, small, export = str(tmp_path / "big"), str(tmp_path / "small"), str(tmp_path / "wds")
    text = open(os.path.join(ROOT, "pipelines", "camvid-val.yaml")).read()
    text = text.replace("samples_per_shard: 32", "samples_per_shard: 2").replace("../fixtures", os.path.join(ROOT, "fixtures"))
    pipeline = str(tmp_path / "small-shards.yaml")
    open(pipeline, "w").write(text)
    run("run", pipeline, "--output", big, "--limit", "6")
    run("export", big, "--format", "webdataset", "--output", export)
    assert len([n for n in os.listdir(export) if n.endswith(".tar")]) == 3
    run("run", pipeline, "--output", small, "--limit", "2")
    run("export", small, "--format", "webdataset", "--output", export)
    assert sorted(os.listdir(export)) == ["shard-00000.tar", "webdataset.json"]
    assert len(list(wds.WebDataset([os.path.join(export, "shard-00000.tar")], shardshuffle=False))) == 2
