"""Read seg-prep shard folders (safetensors + index.json) from Python.

``ShardDataset`` needs only numpy; ``TorchShardDataset`` and ``DistributedShardSampler`` need torch.
"""

__version__ = "0.3.0"

from .shards import ShardDataset, ShardError
from .sampler import epoch_permutation, rank_indices

__all__ = ["ShardDataset", "ShardError", "epoch_permutation", "rank_indices"]

try:  # torch is optional
    from .torch_data import DistributedShardSampler, TorchShardDataset  # noqa: F401

    __all__ += ["DistributedShardSampler", "TorchShardDataset"]
except ImportError:  # pragma: no cover - depends on the environment
    pass
