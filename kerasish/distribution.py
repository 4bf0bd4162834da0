"""keras.distribution names. kerasish trains data-parallel with torch's
DistributedDataParallel whenever the script is launched by ``torchrun`` (see
kerasish/engine/distributed.py); these objects exist so Keras code that sets them runs."""
import torch

from kerasish.engine import distributed as _dist

_CURRENT = [None]


def list_devices(device_type=None):
    if device_type in (None, "gpu", "cuda") and torch.cuda.is_available():
        return [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    return ["cpu:0"]


class DataParallel:
    """Data parallelism over the processes started by torchrun (``devices`` is informative)."""

    def __init__(self, devices=None, device_mesh=None, auto_shard_dataset=True):
        self.devices = devices or list_devices()
        self.auto_shard_dataset = auto_shard_dataset

    @property
    def world_size(self):
        return _dist.world()[1]


def set_distribution(value):
    _CURRENT[0] = value


def distribution():
    return _CURRENT[0]


def initialize(job_addresses=None, num_processes=None, process_id=None):
    _dist.setup()
