"""Data-parallel training under ``torchrun`` with torch's own DistributedDataParallel.

Who owns what:
- ``world()``: (rank, world_size) from torchrun's environment; 1 process = not distributed.
- ``setup()``: initialises the process group once (NCCL on CUDA, gloo on CPU) and pins the
  CUDA device of the local rank.
- ``shard_indices``: each global batch of the per-epoch order is split across ranks
  (rank r takes rows r, r + world, ...), so ``batch_size`` is the GLOBAL batch size, as with
  Keras's ``DataParallel``; the last batch is padded by wrapping around (like
  ``DistributedSampler``) so every rank steps the same number of times.
- ``allreduce_metrics``: sums metric state across ranks before results are read, so logs and
  History are identical on every rank (and EarlyStopping decides the same everywhere).
Only rank 0 prints the progress bar and writes checkpoints.
"""
import os

import torch


def world():
    try:
        size = int(os.environ.get("WORLD_SIZE", "1"))
        rank = int(os.environ.get("RANK", "0"))
    except ValueError:
        return 0, 1
    if size <= 1 or not torch.distributed.is_available():
        return 0, 1
    return rank, size


def is_distributed():
    return world()[1] > 1


def rank():
    return world()[0]


def is_chief():
    return world()[0] == 0


def setup():
    """Initialise the default process group if torchrun started us and nobody did yet."""
    r, size = world()
    if size <= 1:
        return False
    dist = torch.distributed
    if not dist.is_initialized():
        from kerasish import backend
        device = backend.get_device()
        if device.type == "cuda":
            local = int(os.environ.get("LOCAL_RANK", "0"))
            torch.cuda.set_device(local)
            backend.set_device(f"cuda:{local}")
            dist.init_process_group("nccl")
        else:
            dist.init_process_group("gloo")
        import atexit
        atexit.register(_teardown)
    return True


_WRAPPED = []  # models holding a DistributedDataParallel wrapper (released before the group goes)


def _teardown():
    import gc
    for ref in _WRAPPED:
        model = ref()
        if model is not None:
            model.__dict__.pop("_ddp", None)
    gc.collect()
    dist = torch.distributed
    if dist.is_initialized():
        try:
            dist.barrier()
            dist.destroy_process_group()
        except Exception:
            pass


def shared_seed():
    """A seed identical on every rank (rank 0's, broadcast)."""
    t = torch.randint(0, 2 ** 31 - 1, (1,), dtype=torch.int64)
    torch.distributed.broadcast(t, src=0)
    return int(t.item())


def shard_batch(idx, rank_, size):
    """Rows of one global batch that belong to ``rank_``; padded by wrap-around to a multiple of size."""
    n = idx.shape[0]
    rem = n % size
    if rem:
        idx = torch.cat([idx, idx[: size - rem]])
    return idx[rank_::size]


def allreduce_metrics(metrics):
    dist = torch.distributed
    for m in metrics:
        if hasattr(m, "_sum") and hasattr(m, "_count"):  # the trainer's loss trackers
            if m._sum is None:
                continue
            dist.all_reduce(m._sum)
            c = torch.tensor(float(m._count), dtype=torch.float64, device=m._sum.device)
            dist.all_reduce(c)
            m._count = float(c.item())
            continue
        for v in getattr(m, "variables", []):
            t = getattr(v, "value", v)
            if torch.is_tensor(t) and (t.is_floating_point() or t.dtype in (torch.int32, torch.int64)):
                dist.all_reduce(t)


def wrap(model):
    import weakref
    from torch.nn.parallel import DistributedDataParallel
    _WRAPPED.append(weakref.ref(model))
    device = next((p.device for p in model.parameters()), torch.device("cpu"))
    if device.type == "cuda":
        return DistributedDataParallel(model, device_ids=[device.index])
    return DistributedDataParallel(model)
