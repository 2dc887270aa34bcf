"""PyTorch adapters over ``ShardDataset`` (imported only when torch is available)."""

from __future__ import annotations

import math
from typing import Iterator, Optional, Sequence

import numpy as np
import torch
from torch.utils.data import Dataset, Sampler

from .sampler import rank_indices
from .pipeline import Pipeline
from .shards import ShardDataset


class TorchShardDataset(Dataset):
    """``(image, label[, seg_labels])`` tensors as the reference ``UnetDataset`` returns them.

    image: float32 ``[3, H, W]``, ``v / 255`` then ``(x - mean) / std`` per channel when given.
    label: int64 ``[H, W]`` class indices, ignored pixels ``ignore_index`` (the manifest's: the class
    count, or e.g. 255 when the pipeline set ``ignore_index: 255``; pass it to ``CrossEntropyLoss``).
    seg_labels (``one_hot=True``): float32 ``[H, W, C + 1]``, the last channel marking ignored pixels.

    Shards are mapped, and their checksum checked unless ``verify_checksums=False``, on first use in
    each process, so every DataLoader worker checks a shard before it serves a sample of it.
    """

    def __init__(self, paths, one_hot: bool = False, mean: Optional[Sequence[float]] = None,
                 std: Optional[Sequence[float]] = None, verify_checksums: bool = True):
        self.shards = paths if isinstance(paths, ShardDataset) else ShardDataset(paths, verify_checksums)
        self._tensors = _Tensors(len(self.shards.classes), self.shards.ignore_index, one_hot, mean, std)
        self.one_hot, self.num_classes, self.ignore_index = one_hot, len(self.shards.classes), self.shards.ignore_index

    def __len__(self) -> int:
        return len(self.shards)

    def __getitem__(self, i: int):
        return self._tensors(*self.shards[i])


class _Tensors:
    """Sample bytes → the tensors of ``TorchShardDataset`` (shared by the pipeline dataset)."""

    def __init__(self, num_classes: int, ignore_index: int, one_hot: bool, mean, std):
        self.num_classes, self.ignore_index, self.one_hot = num_classes, ignore_index, one_hot
        mean = np.zeros(3) if mean is None else np.asarray(mean, dtype=np.float64)
        std = np.ones(3) if std is None else np.asarray(std, dtype=np.float64)
        # Per-channel lookup table of the normalised value of every byte, as the Swift loader uses.
        values = np.arange(256, dtype=np.float64) / 255.0
        self.table = ((values[None, :] - mean[:, None]) / std[:, None]).astype(np.float32)
        self._channels = num_classes + 1

    def __call__(self, image: np.ndarray, label: np.ndarray):
        x = np.empty((3,) + image.shape[:2], dtype=np.float32)
        for c in range(3):
            np.take(self.table[c], image[:, :, c], out=x[c])
        clamped = np.minimum(label, self.num_classes)
        y = torch.from_numpy(clamped.astype(np.int64))
        if self.ignore_index != self.num_classes:
            y[y == self.num_classes] = self.ignore_index
        if not self.one_hot:
            return torch.from_numpy(x), y
        # [H, W, classes + 1] with a 1 at each pixel's class (the last channel: ignored), written in
        # place: no (classes + 1)^2 identity, which for 65535 classes would be 16 GiB.
        maps = np.zeros(clamped.shape + (self._channels,), dtype=np.float32)
        np.put_along_axis(maps, clamped.astype(np.intp)[..., None], 1.0, axis=-1)
        return torch.from_numpy(x), y, torch.from_numpy(maps)


class TorchPipelineDataset(Dataset):
    """Fresh samples of a pipeline file each epoch, as ``TorchShardDataset`` items.

    Item ``i`` is source sample ``i`` of the current epoch (``set_epoch(e)``, default 0), the sample
    ``seg-prep run`` stores for repeat ``e``: ``(image float32 [3, H, W], label int64 [H, W][,
    seg_labels])`` with the same ``mean``/``std``/``one_hot`` meaning as ``TorchShardDataset``.

    Call ``set_epoch(e)`` before iterating a DataLoader for epoch ``e`` (workers receive the dataset
    when the epoch's iteration starts; with ``persistent_workers=True`` they would keep the old
    epoch). Split ranks with ``DistributedShardSampler(dataset, num_replicas, rank)``. Each worker
    process opens the pipeline on its first sample (fork and spawn both work; a ``tile`` pipeline lists
    its windows here from the images' headers, read without libvips for JPEG, PNG and TIFF files: over
    images of other formats, libvips reads them in this process and forked workers then refuse to
    run, so give such a DataLoader ``multiprocessing_context="spawn"``).
    """

    def __init__(self, path, input_root=None, seed: Optional[int] = None, one_hot: bool = False,
                 mean: Optional[Sequence[float]] = None, std: Optional[Sequence[float]] = None):
        self.pipeline = path if isinstance(path, Pipeline) else Pipeline(path, input_root=input_root, seed=seed)
        self.num_classes, self.ignore_index, self.one_hot = len(self.pipeline.classes), self.pipeline.ignore_index, one_hot
        self._tensors = _Tensors(self.num_classes, self.ignore_index, one_hot, mean, std)
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        if epoch < 0:
            raise ValueError(f"epoch {epoch} is negative; epochs count from 0")
        self.epoch = epoch

    def __len__(self) -> int:
        return len(self.pipeline)

    def __getitem__(self, i: int):
        if not self.one_hot:  # converted inside the library: no uint8 copy, no numpy passes
            image, label, _ = self.pipeline.tensors(i, self.epoch, self._tensors.table, self.num_classes, self.ignore_index)
            return torch.from_numpy(image), torch.from_numpy(label)
        image, label, _ = self.pipeline.sample(i, self.epoch)
        return self._tensors(image, label)


class DistributedShardSampler(Sampler[int]):
    """Sample order of the Swift loader: ``(seed, epoch)`` shuffle, DistributedSampler partition.

    Call ``set_epoch(e)`` before each epoch, as with ``DistributedSampler``. ``drop_last`` has
    DistributedSampler's meaning (truncate instead of padding so ranks get equal counts).
    """

    def __init__(self, dataset, num_replicas: int = 1, rank: int = 0, shuffle: bool = True, seed: int = 0,
                 drop_last: bool = False):
        if not 0 <= rank < num_replicas:
            raise ValueError(f"rank {rank} is outside 0..{num_replicas - 1}; pass a rank below num_replicas.")
        self.count = len(dataset)
        self.num_replicas, self.rank, self.shuffle, self.seed, self.drop_last = num_replicas, rank, shuffle, seed, drop_last
        self.epoch = 0
        if drop_last and self.count % num_replicas != 0:
            self.num_samples = max(0, math.ceil((self.count - num_replicas) / num_replicas))
        else:
            self.num_samples = math.ceil(self.count / num_replicas)

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __iter__(self) -> Iterator[int]:
        return iter(rank_indices(self.count, self.seed, self.epoch, self.rank, self.num_replicas,
                                 self.shuffle, self.drop_last))

    def __len__(self) -> int:
        return self.num_samples
