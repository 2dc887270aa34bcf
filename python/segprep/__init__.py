"""Read seg-prep shard folders (safetensors + index.json) from Python, or draw fresh samples of a
pipeline file (``Pipeline``, through libsegprep).

``ShardDataset`` and ``Pipeline`` need only numpy; ``TorchShardDataset``, ``TorchPipelineDataset`` and
``DistributedShardSampler`` need torch.
"""

__version__ = "0.3.0"

from .shards import ShardDataset, ShardError
from .sampler import epoch_permutation, rank_indices
from .pipeline import LibraryNotFound, Pipeline, PipelineError, PipelineIndexError

__all__ = ["ShardDataset", "ShardError", "epoch_permutation", "rank_indices", "Pipeline", "PipelineError",
           "PipelineIndexError", "LibraryNotFound"]

try:  # torch is optional
    from .torch_data import DistributedShardSampler, TorchPipelineDataset, TorchShardDataset  # noqa: F401

    __all__ += ["DistributedShardSampler", "TorchPipelineDataset", "TorchShardDataset"]
except ImportError:  # pragma: no cover - depends on the environment
    pass
