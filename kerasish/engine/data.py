"""Turning what users pass to fit/evaluate/predict into batches on the device.

Who owns what:
- ``ArrayData``: numpy arrays / torch tensors (nested in lists or dicts). Moved to the
  device once; batches are slices (no shuffle) or ``index_select`` on a per-epoch
  on-device permutation. ``validation_split`` takes the last rows before shuffling.
- ``IterableData``: torch ``DataLoader``/``Dataset``, ``keras.utils.PyDataset``, the
  shim's ``tf.data.Dataset``, Python generators. Each batch is moved to the device
  with ``non_blocking`` copies.
The trainer only sees ``num_batches``, ``num_samples`` and ``epoch_batches(epoch)``
yielding ``(x, y, sample_weight)`` tuples of device tensors.
"""
import math
import types

import numpy as np
import torch

from kerasish import backend
from kerasish.engine import errors, tree

# Arrays larger than this stay on the host and are copied per batch (CUDA only).
MAX_DEVICE_ARRAY_BYTES = [None]


def _describe(x):
    if isinstance(x, (np.ndarray, torch.Tensor)):
        return f"{type(x).__name__} of shape {tuple(x.shape)}"
    return type(x).__name__


def _to_device_tensor(x, device, name, keep_on_host=False):
    if x is None:
        return None
    if isinstance(x, torch.Tensor):
        t = x
    else:
        if isinstance(x, (list, tuple)) and not isinstance(x, np.ndarray):
            x = np.asarray(x)
        if not isinstance(x, np.ndarray):
            if hasattr(x, "to_numpy"):  # pandas
                x = x.to_numpy()
            elif hasattr(x, "__array__"):
                x = np.asarray(x)
            else:
                raise errors.InputTypeError(
                    f"Unrecognized data type for `{name}`: expected a numpy array, a torch tensor, a list "
                    f"or dict of those, a torch DataLoader/Dataset, a keras.utils.PyDataset or a generator. "
                    f"Received: {type(x).__name__}")
        if x.dtype == object or x.dtype.kind in "USO":
            raise errors.InputTypeError(
                f"`{name}` must contain numbers, but received a numpy array of dtype {x.dtype} "
                f"(shape {x.shape}). Convert strings to numbers first (e.g. with a StringLookup or "
                f"TextVectorization layer outside the model, or np.asarray(..., dtype='float32')).")
        if x.dtype == np.float64:
            x = x.astype(np.float32)
        t = torch.from_numpy(np.ascontiguousarray(x))
    if t.device.type == "meta":
        raise ValueError(f"`{name}` is a tensor on the 'meta' device (shape {tuple(t.shape)}), which holds no "
                         "data. Pass a CPU or CUDA tensor or a numpy array.")
    if t.dtype == torch.float64:
        t = t.float()
    if not keep_on_host and t.device != device:
        pin = device.type == "cuda" and t.device.type == "cpu"
        t = (t.pin_memory() if pin else t).to(device, non_blocking=pin)
    return t


class ArrayData:
    """In-memory arrays, batched by slicing on the device."""

    def __init__(self, x, y=None, sample_weight=None, batch_size=32, shuffle=False, steps=None,
                 class_weight=None, device=None):
        self.device = device or backend.get_device()
        self.batch_size = batch_size
        self.shuffle = shuffle
        flat_x = tree.flatten(x)
        flat_y = tree.flatten(y) if y is not None else []
        flat_sw = tree.flatten(sample_weight) if sample_weight is not None else []
        sizes = {"x": [len(a) for a in flat_x], "y": [len(a) for a in flat_y],
                 "sample_weight": [len(a) for a in flat_sw]}
        all_sizes = {s for v in sizes.values() for s in v}
        if len(all_sizes) > 1:
            msg = "Data cardinality is ambiguous. Make sure all arrays contain the same number of samples."
            for k, v in sizes.items():
                if v:
                    msg += f"\n'{k}' sizes: {', '.join(str(s) for s in v)}"
            raise ValueError(msg)
        self.num_samples = all_sizes.pop() if all_sizes else 0
        if self.num_samples == 0:
            raise ValueError(
                "Expected input data to be non-empty: received arrays with 0 samples "
                f"(x: {[_describe(a) for a in flat_x]}).")
        total_bytes = sum(a.nbytes if isinstance(a, np.ndarray) else a.numel() * a.element_size()
                          for a in flat_x + flat_y + flat_sw if hasattr(a, "shape"))
        keep_on_host = False
        if self.device.type == "cuda":
            limit = MAX_DEVICE_ARRAY_BYTES[0]
            if limit is None:
                free, _ = torch.cuda.mem_get_info(self.device)
                limit = free // 2
            keep_on_host = total_bytes > limit
        self.keep_on_host = keep_on_host
        conv = lambda a, n: _to_device_tensor(a, self.device, n, keep_on_host)
        self.x = tree.map_structure(lambda a: conv(a, "x"), x)
        self.y = tree.map_structure(lambda a: conv(a, "y"), y) if y is not None else None
        self.sample_weight = (tree.map_structure(lambda a: conv(a, "sample_weight"), sample_weight)
                              if sample_weight is not None else None)
        if class_weight is not None:
            self.sample_weight = _apply_class_weight(self.y, self.sample_weight, class_weight)
        self.num_batches = math.ceil(self.num_samples / batch_size)
        if steps is not None:
            self.num_batches = min(self.num_batches, steps) if steps > 0 else self.num_batches
            self._steps = steps
        else:
            self._steps = None
        self._single_x = not isinstance(self.x, (list, tuple, dict))
        self._dist = None

    def set_distributed(self, rank, world_size, seed):
        """Shard every global batch across ``world_size`` processes (see engine/distributed.py)."""
        self._dist = (rank, world_size, seed)

    def _take(self, struct, idx):
        if struct is None:
            return None
        if isinstance(idx, slice):
            out = tree.map_structure(lambda t: t[idx], struct)
        else:
            out = tree.map_structure(lambda t: t.index_select(0, idx if t.device == idx.device else idx.to(t.device)),
                                     struct)
        if self.keep_on_host:
            out = tree.map_structure(lambda t: t.pin_memory().to(self.device, non_blocking=True), out)
        return out

    def epoch_batches(self, epoch=0):
        n, bs = self.num_samples, self.batch_size
        steps = self._steps if self._steps is not None else self.num_batches
        perm = None
        if self.shuffle == "batch":
            perm = torch.arange(n, device=self.device if not self.keep_on_host else "cpu")
            for start in range(0, n, bs):
                chunk = perm[start:start + bs]
                perm[start:start + bs] = chunk[torch.randperm(len(chunk), device=chunk.device)]
        elif self.shuffle:
            if self._dist is not None:  # the same order on every rank
                g = torch.Generator().manual_seed(self._dist[2] + epoch)
                perm = torch.randperm(n, generator=g).to(self.device if not self.keep_on_host else "cpu")
            else:
                perm = torch.randperm(n, device=self.device if not self.keep_on_host else "cpu")
        if self._dist is not None and perm is None:
            perm = torch.arange(n, device=self.device if not self.keep_on_host else "cpu")
        done = 0
        while done < steps:
            for start in range(0, n, bs):
                if done >= steps:
                    break
                idx = slice(start, start + bs) if perm is None else perm[start:start + bs]
                if self._dist is not None:
                    from kerasish.engine import distributed
                    idx = distributed.shard_batch(idx, self._dist[0], self._dist[1])
                yield _pack(self._take(self.x, idx), self._take(self.y, idx), self._take(self.sample_weight, idx))
                done += 1
            if self._steps is None:
                break

    def split(self, validation_split):
        """Keras's rule: the last ``floor(n * validation_split)`` rows, before shuffling."""
        split_at = int(math.floor(self.num_samples * (1.0 - validation_split)))
        if split_at == 0 or split_at == self.num_samples:
            raise ValueError(
                f"Training data contains {self.num_samples} samples, which is not sufficient to split it into "
                f"a validation and training set as specified by `validation_split={validation_split}`. Either "
                "provide more data, or a different value for the `validation_split` argument.")
        head = slice(0, split_at)
        tail = slice(split_at, None)
        take = lambda s, sl: tree.map_structure(lambda t: t[sl], s) if s is not None else None
        train = (take(self.x, head), take(self.y, head), take(self.sample_weight, head))
        val = (take(self.x, tail), take(self.y, tail), take(self.sample_weight, tail))
        return train, val


def _pack(x, y, sw):
    """Keras's batch tuples: ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)``."""
    if sw is not None:
        return (x, y, sw)
    if y is not None:
        return (x, y)
    return (x,)


def _apply_class_weight(y, sample_weight, class_weight):
    if isinstance(y, (list, tuple, dict)) and len(tree.flatten(y)) > 1:
        raise ValueError("`class_weight` is only supported for models with a single output.")
    y = tree.flatten(y)[0]
    if y.dim() > 1 and y.shape[-1] > 1:
        cls = y.argmax(-1)
    else:
        cls = torch.round(y.reshape(y.shape[0], -1)[:, 0].float()).long() if y.dim() > 1 else torch.round(y.float()).long()
    max_cls = int(max(int(k) for k in class_weight) + 1)
    max_cls = max(max_cls, int(cls.max().item()) + 1)
    table = torch.ones(max_cls, device=y.device)
    for k, w in class_weight.items():
        table[int(k)] = float(w)
    cw = table[cls]
    if sample_weight is not None:
        raise ValueError("You cannot `class_weight` and `sample_weight` at the same time.")
    return cw


def _is_generator(x):
    return isinstance(x, (types.GeneratorType,)) or (hasattr(x, "__next__") and hasattr(x, "__iter__"))


class IterableData:
    """Batches from an iterable source (DataLoader, PyDataset, tf.data facade, generator)."""

    def __init__(self, source, steps=None, device=None, kind="iterable"):
        self.device = device or backend.get_device()
        self.source = source
        self.kind = kind
        self._steps = steps
        self._iterator = None
        n = None
        if hasattr(source, "_kerasish_num_batches"):
            n = source._kerasish_num_batches
        elif kind == "pydataset":
            n = getattr(source, "num_batches", None)
            if n is None:
                n = len(source)
        elif hasattr(source, "__len__") and not _is_generator(source):
            try:
                n = len(source)
            except TypeError:
                n = None
        self.num_batches = steps if steps is not None else n
        self.num_samples = None

    def _raw_iter(self, epoch):
        src = self.source
        if self.kind == "pydataset":
            if hasattr(src, "on_epoch_begin"):
                src.on_epoch_begin()
            for i in range(len(src)):
                yield src[i]
            if hasattr(src, "on_epoch_end"):
                src.on_epoch_end()
            return
        if hasattr(src, "_kerasish_batches"):
            yield from src._kerasish_batches()
            return
        sampler = getattr(src, "sampler", None)
        if sampler is not None and hasattr(sampler, "set_epoch"):
            sampler.set_epoch(epoch)
        yield from src

    def epoch_batches(self, epoch=0):
        steps = self._steps
        if _is_generator(self.source):
            if self._iterator is None:
                self._iterator = iter(self.source)
            it = self._iterator
        elif steps is not None:
            # steps_per_epoch with a re-iterable source: continue where the last epoch stopped.
            if self._iterator is None:
                self._iterator = self._raw_iter(epoch)
            it = self._iterator
        else:
            it = self._raw_iter(epoch)
        done = 0
        while steps is None or done < steps:
            try:
                batch = next(it)
            except StopIteration:
                if steps is not None and not _is_generator(self.source) and done > 0:
                    self._iterator = it = self._raw_iter(epoch)
                    continue
                break
            yield _pack(*self._standardize(batch))
            done += 1

    def _standardize(self, batch):
        if isinstance(batch, dict) and not {"x", "y"} - set(batch):
            batch = (batch["x"], batch["y"]) + ((batch["sample_weight"],) if "sample_weight" in batch else ())
        if isinstance(batch, (list, tuple)) and not isinstance(batch, np.ndarray):
            if len(batch) == 1:
                x, y, sw = batch[0], None, None
            elif len(batch) == 2:
                x, y, sw = batch[0], batch[1], None
            elif len(batch) == 3:
                x, y, sw = batch
            else:
                raise ValueError(
                    "Data yielded by a dataset or generator must be a tuple `(x,)`, `(x, y)` or "
                    f"`(x, y, sample_weight)`. Received a {type(batch).__name__} of length {len(batch)}.")
        else:
            x, y, sw = batch, None, None
        conv = lambda a: _to_device_tensor(a, self.device, "x")
        return (tree.map_structure(conv, x), tree.map_structure(conv, y) if y is not None else None,
                tree.map_structure(conv, sw) if sw is not None else None)


def make_data(x, y=None, sample_weight=None, batch_size=None, shuffle=False, steps=None, class_weight=None,
              purpose="fit"):
    """Pick the right adapter for what the user passed."""
    from torch.utils.data import DataLoader, Dataset, IterableDataset
    if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer))
                                   or batch_size <= 0):
        raise ValueError(f"`batch_size` must be a positive integer. Received: batch_size={batch_size!r}")
    if steps is not None and (not isinstance(steps, (int, np.integer)) or steps <= 0):
        raise ValueError(f"The number of steps must be a positive integer. Received: steps={steps!r}")
    if x is None:
        raise ValueError(f"`x` must be provided to {purpose}(). Received: x=None")
    x = _as_array_if_nested_numbers(x, "x")
    y = _as_array_if_nested_numbers(y, "y")
    pydataset_cls = _pydataset_class()
    iterable_kind = None
    if isinstance(x, DataLoader):
        iterable_kind = "iterable"
    elif pydataset_cls is not None and isinstance(x, pydataset_cls):
        iterable_kind = "pydataset"
    elif isinstance(x, (Dataset, IterableDataset)) and not isinstance(x, (np.ndarray, torch.Tensor)):
        x = DataLoader(x, batch_size=batch_size or 32, shuffle=bool(shuffle) and not isinstance(x, IterableDataset))
        iterable_kind = "iterable"
    elif hasattr(x, "_kerasish_batches") or _is_generator(x):
        iterable_kind = "iterable"
    if iterable_kind is not None:
        if y is not None:
            raise ValueError(
                f"`y` argument is not supported when using a dataset, generator or PyDataset as input "
                f"(it must yield (x, y) batches itself). Received: x={type(x).__name__}, y={_describe(y)}")
        if sample_weight is not None:
            raise ValueError("`sample_weight` argument is not supported when using a dataset or generator as input.")
        return IterableData(x, steps=steps, kind=iterable_kind)
    return ArrayData(x, y, sample_weight, batch_size=batch_size or 32, shuffle=shuffle, steps=steps,
                     class_weight=class_weight)


def _as_array_if_nested_numbers(x, name):
    """A (nested) Python list of numbers is one array, not a list of model inputs."""
    if isinstance(x, (list, tuple)) and x:
        first = x[0]
        while isinstance(first, (list, tuple)) and first:
            first = first[0]
        if isinstance(first, (int, float, bool, np.number)):
            return np.asarray(x)
    if isinstance(x, str):
        raise errors.InputTypeError(
            f"Unrecognized data type for `{name}`: expected numpy arrays, tensors or a dataset, but received a "
            f"str: {name}={x!r}. Load the file first (e.g. with numpy or pandas).")
    return x


def _pydataset_class():
    try:
        from kerasish.utils import dataset_utils
        return dataset_utils.PyDataset
    except ImportError:
        return None


def unpack_batch(data):
    """``(x, y, sample_weight)`` from a batch given as x, (x,), (x, y) or (x, y, sw)."""
    if isinstance(data, tuple):
        if len(data) == 3:
            return data
        if len(data) == 2:
            return data[0], data[1], None
        if len(data) == 1:
            return data[0], None, None
    return data, None, None
