"""Manifests and shards as hostile input: what may be opened, and what error messages may show."""

import builtins
import json
import os
import shutil
import struct

import numpy as np
import pytest

from conftest import edit_manifest, replace_shard, write_shards
from segprep import ShardDataset, ShardError

SECRET = b"TOPSECRET-4242 root:x:0:0\n"


def _set_file(name):
    def change(m):
        m["shards"][1]["file"] = name
    return change


@pytest.fixture
def touched(monkeypatch):
    """Every path the reader stats or opens while the test runs, as given."""
    seen = []

    def spy(real):
        def call(path, *args, **kwargs):
            if isinstance(path, (str, bytes, os.PathLike)):
                seen.append(os.fsdecode(path))
            return real(path, *args, **kwargs)
        return call
    for module, name in ((os, "open"), (os, "lstat"), (os, "stat"), (builtins, "open")):
        monkeypatch.setattr(module, name, spy(getattr(module, name)))
    return seen


def _resolved(paths):
    return {os.path.realpath(p.replace("\0", "")) for p in list(paths)}


def test_names_outside_the_folder_are_refused_without_opening_them(tmp_path, touched):
    folder = str(tmp_path / "shards")
    write_shards(folder, [2, 2])
    secret = tmp_path / "secret.txt"
    secret.write_bytes(SECRET)
    os.makedirs(tmp_path / "outside")
    outside = str(tmp_path / "outside" / "shard-00001.safetensors")
    shutil.copy(os.path.join(folder, "shard-00001.safetensors"), outside)  # a valid shard, only misplaced
    index = os.path.join(folder, "index.json")
    bad = [str(secret), "../secret.txt", "../../../etc/passwd", "../outside/shard-00001.safetensors", outside,
           "./shard-00001.safetensors", "outside/shard-00001.safetensors", "/shard-00001.safetensors",
           "shard-00001.safetensors\n", "shard-00001.safetensors\0", "shard-00001.safetensors\0/../../secret.txt",
           "shard-0001.safetensors", "shard-\u0660\u0660\u0660\u0660\u0661.safetensors", "shard-00001.safetensors/.", ""]
    for name in bad:
        edit_manifest(folder, _set_file(name))
        touched.clear()
        with pytest.raises(ShardError) as e:
            ShardDataset(folder)
        msg = str(e.value)
        assert msg.startswith(f"{index} is damaged or was edited: shard 1 is named '"), (name, msg)
        assert "rebuild it with `seg-prep run` (or `seg-prep merge` for a merged folder)" in msg
        assert "\0" not in msg and "\n" not in msg and "TOPSECRET" not in msg
        opened = _resolved(touched)
        assert os.path.realpath(os.path.join(folder, "shard-00000.safetensors")) in opened  # entry 0 is checked before entry 1 is refused
        assert str(secret) not in opened and outside not in opened and "/etc/passwd" not in opened, name
    edit_manifest(folder, _set_file(123))
    with pytest.raises(ShardError, match="is damaged or was edited: a shard entry lacks file"):
        ShardDataset(folder)


def test_merged_manifest_opens_shards_only_inside_its_parts(tmp_path):
    root = tmp_path
    img0, lbl0 = write_shards(str(root / "part0"), [2, 1], seed=1)
    img1, lbl1 = write_shards(str(root / "part1"), [3], seed=2)
    write_shards(str(root / "part2"), [3], seed=3)  # a real shard folder the merged manifest does not name
    merged = str(root / "merged")
    os.makedirs(merged)
    m = json.load(open(root / "part0" / "index.json"))
    shards = []
    for part in ("part0", "part1"):
        for entry in json.load(open(root / part / "index.json"))["shards"]:
            shards.append(dict(entry, file=f"../{part}/{entry['file']}"))
    m.update(shards=shards, parts=["../part0", "../part1"])
    json.dump(m, open(os.path.join(merged, "index.json"), "w"))

    ds = ShardDataset(merged)
    assert len(ds) == 6
    for i, (image, label) in enumerate(zip(img0 + img1, lbl0 + lbl1)):
        np.testing.assert_array_equal(ds[i][0], image)
        np.testing.assert_array_equal(ds[i][1], label)

    def refused(change, match):
        saved = open(os.path.join(merged, "index.json")).read()
        edit_manifest(merged, change)
        with pytest.raises(ShardError, match=match):
            ShardDataset(merged)
        open(os.path.join(merged, "index.json"), "w").write(saved)

    refused(lambda m: m.pop("parts"), r"shard 0 is named '../part0/shard-00000.safetensors', which is not a shard file of this folder;")
    refused(lambda m: m["shards"][2].update(file="../part2/shard-00000.safetensors"), "which is not a shard file of this folder or of its parts")
    refused(lambda m: m["shards"][2].update(file="../part1/../part2/shard-00000.safetensors"), "not a shard file of this folder or of its parts")
    refused(lambda m: m["shards"][2].update(file="../part1/shard-00000.safetensors/x"), "not a shard file of this folder or of its parts")
    refused(lambda m: m.update(parts="../part0"), "its parts are not a list of relative folder names")
    refused(lambda m: m.update(parts=["../part0", ""]), "its parts are not a list of relative folder names")
    refused(lambda m: m.update(parts=["../part0", "../part1\n"]), "without control characters")


def test_links_directories_and_fifos_are_not_read(tmp_path):
    folder = str(tmp_path / "shards")
    images, _ = write_shards(folder, [2, 2])
    shard = os.path.join(folder, "shard-00001.safetensors")
    copy = str(tmp_path / "copy.safetensors")
    shutil.copy(shard, copy)
    ds = ShardDataset(folder)  # checked while still a file; swapped for a link before first use
    os.remove(shard)
    os.symlink(copy, shard)
    with pytest.raises(ShardError, match=r"shard-00001.safetensors is a symbolic link, not a shard file; .*rerun `seg-prep run`"):
        ds[2]
    np.testing.assert_array_equal(ds[0][0], images[0])
    with pytest.raises(ShardError, match="is a symbolic link, not a shard file"):
        ShardDataset(folder)
    os.remove(shard)
    os.mkdir(shard)
    with pytest.raises(ShardError, match="shard-00001.safetensors is a directory, not a shard file"):
        ShardDataset(folder)
    os.rmdir(shard)
    os.mkfifo(shard)
    with pytest.raises(ShardError, match="shard-00001.safetensors is not a regular file, not a shard file"):
        ShardDataset(folder)


def _header_bytes(header: bytes, declared=None, data=b"\0" * 64) -> bytes:
    return struct.pack("<Q", len(header) if declared is None else declared) + header + data


def test_shard_errors_quote_no_bytes_of_the_shard(tmp_path):
    folder = str(tmp_path / "shards")
    images, _ = write_shards(folder, [2])
    with open(os.path.join(folder, "shard-00000.safetensors"), "rb") as f:
        good = json.loads(f.read(struct.unpack("<Q", f.read(8))[0]))
        data = f.read()

    def edited(**tensors):
        return _header_bytes(json.dumps(dict(good, **tensors)).encode(), data=data)
    cases = [
        (_header_bytes(b"{}", declared=0x4141414141414141), "header longer than the file or above 100 MB", ["4702111234474983745", "AAAA"]),
        (_header_bytes(b"{}", declared=987654), "header longer than the file or above 100 MB", ["987654"]),
        (_header_bytes(b'{"\xffTOPSECRET": 1}'), "has an unreadable safetensors header;", ["TOPSECRET", "0xff", "xff", "byte"]),
        (_header_bytes(b'{"TOPSECRET": '), "has an unreadable safetensors header;", ["TOPSECRET", "char", "column"]),
        (_header_bytes(b"[" * 200_000), "has an unreadable safetensors header;", ["["]),
        (_header_bytes(b'["TOPSECRET"]'), "has an unreadable safetensors header;", ["TOPSECRET"]),
        (edited(image=dict(good["image"], dtype="TOPSECRET")),
         "holds 'image' in another dtype or shape than the U8 [2, 5, 7, 3]", ["TOPSECRET"]),
        (edited(label=dict(good["label"], shape=[2, 5, 123456])),
         "holds 'label' in another dtype or shape than the U8 [2, 5, 7]", ["123456"]),
        (edited(label=dict(good["label"], data_offsets=[0, "TOPSECRET"])),
         "gives 'label' a byte range that does not match its shape", ["TOPSECRET"]),
    ]
    cases.append((edited(label=dict(good["label"], data_offsets=[0, 10**9])), "gives 'label' a byte range", ["1000000000"]))
    cases.append((edited(image=None), "has no 'image' tensor", []))
    replace_shard(folder, 0, edited())
    np.testing.assert_array_equal(ShardDataset(folder)[1][0], images[1])  # the cases differ from a good shard only as shown
    for shard, match, unquoted in cases:
        replace_shard(folder, 0, shard)
        for verify in (True, False):
            ds = ShardDataset(folder, verify_checksums=verify)
            with pytest.raises(ShardError) as e:
                ds[0]
            msg = str(e.value)
            assert match in msg and "rerun `seg-prep run`" in msg, msg
            assert not any(s in msg for s in unquoted), msg


def test_manifest_errors_quote_no_bytes_of_the_manifest(tmp_path):
    folder = str(tmp_path / "shards")
    write_shards(folder, [2])
    index = os.path.join(folder, "index.json")
    text = open(index).read()

    def message(change=None, raw=None):
        open(index, "w").write(text)
        if raw is not None:
            open(index, "wb").write(raw)
        if change is not None:
            edit_manifest(folder, change)
        with pytest.raises(ShardError) as e:
            ShardDataset(folder)
        assert "TOPSECRET" not in str(e.value)
        return str(e.value)

    assert "is not valid UTF-8 JSON;" in message(raw=b'{"\xffTOPSECRET": 1}')
    assert "is not valid UTF-8 JSON (line 1 column 2);" in message(raw=b'{TOPSECRET}')
    assert "is not valid UTF-8 JSON;" in message(raw=b"[" * 200_000)
    assert "is damaged or was edited: it is not a JSON object" in message(raw=b'["TOPSECRET"]')
    assert "has format_version that is not a number;" in message(lambda m: m.update(format_version="TOPSECRET"))
    assert "has format_version 2; this reader reads version 1." in message(lambda m: m.update(format_version=2))
    assert message(lambda m: m.update(checksum="TOPSECRET")).endswith(
        "names a checksum other than sha256 or xxh3-128, which this reader knows; update segprep or rebuild the folder with `seg-prep run`.")
    assert "declares images other than U8 [H, W, 3]" in message(lambda m: m["image"].update(dtype="TOPSECRET"))
    assert "declares images other than U8 [H, W, 3]" in message(lambda m: m["image"].update(shape=[5, "TOPSECRET", 3]))
    assert "declares labels other than U8 or U16 [5, 7]" in message(lambda m: m["label"].update(dtype=["TOPSECRET"]))
    assert "has an ignore_index that is not a label value from 3 (the class count) to 255" in message(lambda m: m.update(ignore_index="TOPSECRET"))
    assert "its image, label or classes fields are missing" in message(lambda m: m.pop("label"))
    assert "a shard entry lacks file, bytes" in message(lambda m: m["shards"][0].update(bytes="TOPSECRET"))
    assert "a shard entry lacks file, bytes" in message(lambda m: m["shards"][0].update(samples=True))
    assert "a shard entry lacks file, bytes" in message(lambda m: m["shards"][0].pop("sha256"))
    assert "a shard entry lacks file, bytes" in message(lambda m: m.update(shards=["TOPSECRET"]))
    open(index, "w").write(text)
    edit_manifest(folder, lambda m: m.update(checksum="sha256"))
    assert len(ShardDataset(folder)) == 2


def test_a_resigned_shard_whose_label_overlaps_its_image_is_refused(tmp_path):
    folder = str(tmp_path / "shards")
    write_shards(folder, [2, 2])
    path = os.path.join(folder, "shard-00001.safetensors")
    data = open(path, "rb").read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    size = header["label"]["data_offsets"][1] - header["label"]["data_offsets"][0]
    header["label"]["data_offsets"] = [0, size]  # the label read from the image's first bytes
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (n - len(text))  # same header length, so the data stays where it was
    replace_shard(folder, 1, data[:8] + text + data[8 + n:])
    ds = ShardDataset(folder)
    image, label = ds[0]  # shard 0 is intact and served
    assert image.shape == (5, 7, 3)
    with pytest.raises(ShardError, match="gives 'image' and 'label' overlapping byte ranges"):
        ds[2]


def test_manifest_counts_are_checked_before_use(tmp_path):
    folder = str(tmp_path / "shards")
    write_shards(folder, [2, 2])
    index = os.path.join(folder, "index.json")
    cases = [
        (lambda m: m.update(classes=[]), "its classes are not 1 to 255 names"),
        (lambda m: m.update(classes=[f"c{i}" for i in range(300)], ignore_index=255), "its classes are not 1 to 255 names"),
        (lambda m: m.update(samples_per_shard=0), "its samples_per_shard is not a count"),
        (lambda m: m["shards"][0].update(params=[]), "another number of parameter sets"),
    ]
    original = open(index, "rb").read()
    for change, message in cases:
        open(index, "wb").write(original)
        edit_manifest(folder, change)
        with pytest.raises(ShardError, match=message):
            ShardDataset(folder)
    open(index, "wb").write(original)
    assert len(ShardDataset(folder)) == 4


def test_manifests_two_readers_could_read_differently_are_refused(tmp_path):
    # Duplicate keys (json keeps the last, the CLI's reader the first), a shard listed twice, a
    # boolean version, an absolute part: refused, so no reader sees other data than another.
    folder = str(tmp_path / "shards")
    write_shards(folder, [2, 2])
    index = os.path.join(folder, "index.json")
    original = open(index, "rb").read()
    text = original.decode()
    cases = [
        (lambda: open(index, "w").write(text.replace('"samples_per_shard": ', '"samples_per_shard": 1, "samples_per_shard": ', 1)),
         "gives the key 'samples_per_shard' twice"),
        (lambda: edit_manifest(folder, lambda m: m["shards"].append(dict(m["shards"][0]))), "is listed twice"),
        (lambda: edit_manifest(folder, lambda m: m.update(format_version=True)), "format_version that is not a number"),
        (lambda: edit_manifest(folder, lambda m: m.update(parts=[str(tmp_path)])), "relative folder names"),
    ]
    for change, message in cases:
        open(index, "wb").write(original)
        change()
        with pytest.raises(ShardError, match=message):
            ShardDataset(folder)
    open(index, "wb").write(original)
    assert len(ShardDataset(folder)) == 4


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_an_index_that_is_a_fifo_is_refused_without_blocking(tmp_path):
    folder = str(tmp_path / "shards")
    write_shards(folder, [2])
    index = os.path.join(folder, "index.json")
    os.remove(index)
    os.mkfifo(index)
    with pytest.raises(ShardError, match="is not a regular file"):
        ShardDataset(folder)


def test_a_safetensors_header_giving_a_tensor_twice_is_refused(tmp_path):
    folder = str(tmp_path / "shards")
    write_shards(folder, [2])
    path = os.path.join(folder, "shard-00000.safetensors")
    data = open(path, "rb").read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    text = json.dumps(header)
    twice = ('{"label": ' + json.dumps(header["label"]) + ", " + text[1:]).encode()
    twice += b" " * (n - len(twice)) if len(twice) < n else b""
    replace_shard(folder, 0, struct.pack("<Q", len(twice)) + twice + data[8 + n:])
    with pytest.raises(ShardError, match="gives the key 'label' twice"):
        ShardDataset(folder)[0]
