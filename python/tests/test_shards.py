import json
import os
import subprocess

import numpy as np
import pytest

from conftest import write_shards
from segprep import ShardDataset, ShardError


def test_samples_equal_written_bytes(shards):
    folder, images, labels = shards
    ds = ShardDataset(folder, verify_checksums=True)
    assert len(ds) == 11
    assert ds.classes == ["c0", "c1", "c2"] and ds.ignore_index == 3
    for i in range(len(ds)):
        image, label = ds[i]
        assert image.shape == (5, 7, 3) and image.dtype == np.uint8
        assert label.shape == (5, 7)
        np.testing.assert_array_equal(image, images[i])
        np.testing.assert_array_equal(label, labels[i])
        assert ds.sample_id(i) == (f"s{i // 2}", i % 2)
    assert isinstance(ds[0][0], np.memmap) or isinstance(ds[0][0].base, np.memmap)
    np.testing.assert_array_equal(ds[-1][0], images[-1])
    with pytest.raises(IndexError):
        ds[11]


def test_folders_with_different_ignore_values_are_not_mixed(tmp_path):
    a, b = str(tmp_path / "a"), str(tmp_path / "b")
    write_shards(a, [2])
    write_shards(b, [2], ignore_index=255)
    assert ShardDataset(b).ignore_index == 255
    with pytest.raises(ShardError, match="ignore 3.*ignore 255|ignore 255.*ignore 3"):
        ShardDataset([a, b])


def test_several_folders_and_u16_labels(tmp_path):
    a_img, _ = write_shards(str(tmp_path / "a"), [2], seed=1)
    b_img, _ = write_shards(str(tmp_path / "b"), [3], seed=2)
    ds = ShardDataset([tmp_path / "a", str(tmp_path / "b")])
    assert len(ds) == 5
    np.testing.assert_array_equal(ds[3][0], b_img[1])
    _, labels = write_shards(str(tmp_path / "wide"), [2], seed=3, label_dtype=np.uint16)
    wide = ShardDataset(str(tmp_path / "wide"))
    assert wide[1][1].dtype == np.uint16
    np.testing.assert_array_equal(wide[1][1], labels[1])


def test_mismatched_folders_are_refused(tmp_path):
    write_shards(str(tmp_path / "a"), [2])
    write_shards(str(tmp_path / "b"), [2], height=4)
    write_shards(str(tmp_path / "c"), [2], classes=4)
    with pytest.raises(ShardError, match="same output size"):
        ShardDataset([str(tmp_path / "a"), str(tmp_path / "b")])
    with pytest.raises(ShardError, match="same class list"):
        ShardDataset([str(tmp_path / "a"), str(tmp_path / "c")])


def test_damage_gives_clear_errors(shards):
    folder, _, _ = shards
    shard = os.path.join(folder, "shard-00001.safetensors")
    with open(shard, "ab") as f:
        f.write(b"\0")
    with pytest.raises(ShardError, match=r"shard-00001.safetensors has \d+ bytes but .* says"):
        ShardDataset(folder)
    os.remove(shard)
    with pytest.raises(ShardError, match="is missing although"):
        ShardDataset(folder)
    os.remove(os.path.join(folder, "index.json"))
    with pytest.raises(ShardError, match="has no index.json"):
        ShardDataset(folder)


def test_checksum_catches_same_size_damage(tmp_path):
    folder = str(tmp_path / "s")
    write_shards(folder, [3])
    path = os.path.join(folder, "shard-00000.safetensors")
    data = bytearray(open(path, "rb").read())
    data[-1] ^= 0xFF
    open(path, "wb").write(bytes(data))
    ShardDataset(folder, verify_checksums=False)[0]
    ds = ShardDataset(folder)
    with pytest.raises(ShardError, match="SHA-256"):
        ds[0]


def test_wrong_tensor_shape_is_refused(tmp_path):
    folder = str(tmp_path / "s")
    write_shards(folder, [3])
    m = json.load(open(os.path.join(folder, "index.json")))
    m["shards"][0]["samples"] = 2
    m["shards"][0]["ids"] = m["shards"][0]["ids"][:2]
    m["shards"][0]["repeats"] = m["shards"][0]["repeats"][:2]
    m["shards"][0]["params"] = m["shards"][0]["params"][:2]
    json.dump(m, open(os.path.join(folder, "index.json"), "w"))
    ds = ShardDataset(folder)
    with pytest.raises(ShardError, match=r"holds 'image' in another dtype or shape than the U8 \[2, 5, 7, 3\]"):
        ds[0]


@pytest.mark.skipif(not os.environ.get("SEGPREP_BIN"), reason="set SEGPREP_BIN to a built seg-prep to read real shards")
def test_reads_shards_made_by_the_cli(tmp_path):
    root = os.path.join(os.path.dirname(__file__), "..", "..")
    out = str(tmp_path / "em")
    subprocess.run([os.environ["SEGPREP_BIN"], "run", os.path.join(root, "pipelines", "em-membrane-val.yaml"),
                    "--output", out, "--limit", "3"], check=True, capture_output=True)
    ds = ShardDataset(out, verify_checksums=True)
    assert len(ds) >= 3
    image, label = ds[0]
    assert image.shape == (ds.height, ds.width, 3)
    assert int(label.max()) <= ds.ignore_index


@pytest.mark.skipif(not os.environ.get("SEGPREP_BIN"), reason="set SEGPREP_BIN to a built seg-prep to read real shards")
def test_reads_u16_labels_made_by_the_cli(tmp_path):
    """16-bit label PNGs kept as 10008 classes: the shards hold U16 labels, read as uint16."""
    fixtures = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "fixtures"))
    pipeline = tmp_path / "wide.yaml"
    pipeline.write_text(f"""version: 1
input: {{format: folders, root: {fixtures}, images: camvid-mini/JPEGImages, labels: wide-labels/labels16, image_suffix: .png, label_suffix: .png, split: wide-labels/split.txt}}
classes: 10008
stages:
  - decode: {{}}
  - remap_labels: {{map: {{65535: ignore}}}}
  - letterbox: {{size: [96, 128], label_fill: ignore}}
output: {{dir: out, samples_per_shard: 4}}
""")
    out = str(tmp_path / "wide")
    subprocess.run([os.environ["SEGPREP_BIN"], "run", str(pipeline), "--output", out], check=True, capture_output=True)
    ds = ShardDataset(out, verify_checksums=True)
    assert len(ds) == 6 and ds.ignore_index == 10008
    allowed = {1000 * v + 7 for v in range(11)} | {10008}
    seen = set()
    for i in range(len(ds)):
        _, label = ds[i]
        assert label.dtype == np.uint16 and label.shape == (96, 128)
        seen |= set(np.unique(label).tolist())
    assert seen <= allowed and max(seen - {10008}) > 255, seen


def test_the_installed_package_is_the_one_tested():
    """With SEGPREP_TEST_INSTALLED=1 (scripts/test) the tests import `pip install ./python`'s copy."""
    import segprep
    if os.environ.get("SEGPREP_TEST_INSTALLED") == "1":
        assert "site-packages" in segprep.__file__, segprep.__file__
