import os

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from conftest import set_label_byte  # noqa: E402
from segprep import DistributedShardSampler, ShardDataset, ShardError, TorchShardDataset, rank_indices  # noqa: E402


def test_tensors_match_the_reference_conversion(shards):
    folder, images, labels = shards
    mean, std = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
    ds = TorchShardDataset(folder, one_hot=True, mean=mean, std=std)
    x, y, seg = ds[4]
    want = ((images[4].astype(np.float64) / 255.0 - mean) / std).transpose(2, 0, 1).astype(np.float32)
    assert x.shape == (3, 5, 7) and x.dtype == torch.float32
    np.testing.assert_allclose(x.numpy(), want, rtol=1e-6, atol=1e-6)
    want_y = np.minimum(labels[4], 3)
    np.testing.assert_array_equal(y.numpy(), want_y)
    assert y.dtype == torch.int64
    # The reference: seg_labels = np.eye(num_classes + 1)[label]
    np.testing.assert_array_equal(seg.numpy(), np.eye(4, dtype=np.float32)[want_y])
    x2, y2 = TorchShardDataset(ShardDataset(folder))[4]
    np.testing.assert_allclose(x2.numpy(), images[4].transpose(2, 0, 1) / 255.0, rtol=1e-6)


def test_an_ignore_index_of_255_reaches_the_tensors(tmp_path):
    from conftest import write_shards
    folder = str(tmp_path / "i255")
    _, labels = write_shards(folder, [3], ignore_index=255)
    ds = TorchShardDataset(folder, one_hot=True)
    assert ds.ignore_index == 255 and ds.shards.ignore_index == 255
    _, y, seg = ds[1]
    np.testing.assert_array_equal(y.numpy(), labels[1].astype(np.int64))
    assert (y == 255).any() and set(np.unique(y.numpy())) <= {0, 1, 2, 255}
    # One-hot marks the ignored pixels in channel C, as with the default ignore value.
    np.testing.assert_array_equal(seg.numpy(), np.eye(4, dtype=np.float32)[np.minimum(labels[1], 3)])
    loss = torch.nn.CrossEntropyLoss(ignore_index=ds.ignore_index)
    assert torch.isfinite(loss(torch.zeros(1, 3, 5, 7), y[None]))


def test_dataloader_with_distributed_sampler(shards):
    folder, _, _ = shards
    ds = TorchShardDataset(folder)
    seen = []
    for rank in range(3):
        sampler = DistributedShardSampler(ds, num_replicas=3, rank=rank, seed=5)
        sampler.set_epoch(1)
        assert list(sampler) == rank_indices(11, 5, 1, rank, 3)
        assert len(sampler) == 4
        loader = torch.utils.data.DataLoader(ds, batch_size=3, sampler=sampler, drop_last=False)
        batches = list(loader)
        assert [b[0].shape[0] for b in batches] == [3, 1]
        assert batches[0][0].shape == (3, 3, 5, 7) and batches[0][1].shape == (3, 5, 7)
        seen += list(sampler)
    assert set(seen) == set(range(11)) and len(seen) == 12


def test_dataloader_workers_check_each_shard_before_serving(shards):
    folder, _, labels = shards
    ds = TorchShardDataset(folder)
    ds[4]  # checked in this process before the damage; workers must check again
    set_label_byte(os.path.join(folder, "shard-00001.safetensors"), 200)
    intact = [0, 1, 2, 3, 8, 9, 10]
    loader = torch.utils.data.DataLoader(ds, batch_size=1, sampler=intact, num_workers=2, multiprocessing_context="fork")
    got = [y[0] for _, y in loader]
    for i, y in zip(intact, got):
        np.testing.assert_array_equal(y.numpy(), np.minimum(labels[i], 3))
    loader = torch.utils.data.DataLoader(ds, batch_size=1, sampler=[0, 5, 9], num_workers=2, multiprocessing_context="fork")
    with pytest.raises(ShardError, match=r"(?s)in DataLoader worker process .*shard-00001.safetensors does not match the SHA-256 .*checksum mismatch"):
        list(loader)


@pytest.mark.parametrize("context", ["fork", "spawn"])
def test_workers_map_their_own_shards_under_a_distributed_sampler(shards, context):
    folder, images, labels = shards
    ds = TorchShardDataset(folder)
    served = {}
    for rank in range(2):
        sampler = DistributedShardSampler(ds, num_replicas=2, rank=rank, seed=3)
        sampler.set_epoch(2)
        loader = torch.utils.data.DataLoader(ds, batch_size=2, sampler=sampler, num_workers=2,
                                             multiprocessing_context=context)
        order = list(sampler)
        got = [(x, y) for xs, ys in loader for x, y in zip(xs, ys)]
        assert len(got) == len(order) == 6
        for i, (x, y) in zip(order, got):
            np.testing.assert_allclose(x.numpy(), images[i].transpose(2, 0, 1) / 255.0, rtol=1e-6)
            np.testing.assert_array_equal(y.numpy(), np.minimum(labels[i], 3))
            served.setdefault(i, rank)
    assert set(served) == set(range(11))
    # The parent never mapped a shard: every worker opened (and checked) its own.
    assert all(s._views is None for s in ds.shards._shards)


def test_many_classes_without_one_hot_build_no_identity_matrix():
    # 65535 classes: the one-hot identity would be 65536^2 floats (16 GiB); items without one-hot
    # maps need none of it.
    from segprep.torch_data import _Tensors

    tensors = _Tensors(65535, 65535, False, None, None)
    image = np.zeros((4, 5, 3), dtype=np.uint8)
    label = np.full((4, 5), 65534, dtype=np.uint16)
    x, y = tensors(image, label)
    assert tuple(x.shape) == (3, 4, 5) and int(y.max()) == 65534


def test_one_hot_maps_equal_identity_rows():
    from segprep.torch_data import _Tensors

    label = np.array([[0, 2, 5], [1, 7, 2]], dtype=np.uint8)  # 7: above the classes, the ignore channel
    _, y, maps = _Tensors(5, 5, True, None, None)(np.zeros((2, 3, 3), dtype=np.uint8), label)
    assert maps.shape == (2, 3, 6) and maps.dtype == torch.float32
    assert np.array_equal(maps.numpy(), np.eye(6, dtype=np.float32)[np.minimum(label, 5)])
