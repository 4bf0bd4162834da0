"""``tf.data.Dataset`` basics on torch tensors (served as ``tf.data`` by the shim).

Elements are torch tensors, or tuples / dicts of them. Two kinds of pipeline:

- *indexed*: ``from_tensor_slices`` / ``from_tensors`` / ``range``, followed by
  any of ``shuffle``, ``take``, ``skip``, ``repeat``, ``cache``, ``prefetch``. Such
  a pipeline is a stream of row numbers into tensors kept on kerasish's device,
  so ``batch()`` gathers whole batches with one ``index_select`` per component
  instead of stacking rows one by one.
- *generic*: anything after ``map``, ``filter``, ``batch``, ``unbatch``, ``zip``,
  ``concatenate``, ``enumerate``, ``from_generator``: Python iteration over
  elements.

Randomness: ``shuffle(seed=s)`` is reproducible across runs; without a seed it
draws from torch's generator (so ``tf.random.set_seed`` makes it repeatable).
A ``buffer_size`` at least the dataset's size gives a uniform permutation;
smaller buffers shuffle locally, with TensorFlow's buffer algorithm.

kerasish's ``fit`` reads ``_kerasish_num_batches`` (int or None) and
``_kerasish_batches()`` (tuples ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)``).
"""
import itertools
import random as _pyrandom
import warnings

import numpy as np
import torch

from kerasish import backend

AUTOTUNE = -1
INFINITE_CARDINALITY = -1
UNKNOWN_CARDINALITY = -2
_CHUNK = 4096  # indices per chunk when shuffling with a small buffer


def _tf():
    from kerasish.shim import tensorflow
    return tensorflow


def _unsupported(qualname):
    from kerasish.shim import UnsupportedTensorFlowAPI
    from kerasish.shim.finder import UNSUPPORTED_HINT
    return UnsupportedTensorFlowAPI(f"{qualname} is not provided by kerasish's TensorFlow facade ({UNSUPPORTED_HINT})")


# ============================================================================ structures
def _flatten(s):
    if isinstance(s, tuple):
        return [leaf for v in s for leaf in _flatten(v)]
    if isinstance(s, dict):
        return [leaf for v in s.values() for leaf in _flatten(v)]
    return [s]


def _pack(s, flat):
    it = iter(flat)

    def build(x):
        if isinstance(x, tuple):
            return tuple(build(v) for v in x)
        if isinstance(x, dict):
            return {k: build(v) for k, v in x.items()}
        return next(it)
    return build(s)


def _map_struct(fn, s):
    return _pack(s, [fn(leaf) for leaf in _flatten(s)])


def _same_structure(a, b):
    if isinstance(a, tuple):
        return isinstance(b, tuple) and len(a) == len(b) and all(_same_structure(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same_structure(a[k], b[k]) for k in a)
    return not isinstance(b, (tuple, dict))


def _as_element(value, fn, list_is_tuple):
    """Normalize a structure: tuples/dicts kept, leaves become tensors.

    ``list_is_tuple``: map functions may return lists (TensorFlow turns them into
    tuples); dataset inputs treat a list as one tensor.
    """
    if isinstance(value, list) and list_is_tuple:
        value = tuple(value)
    if isinstance(value, tuple):
        return tuple(_as_element(v, fn, list_is_tuple) for v in value)
    if isinstance(value, dict):
        return {k: _as_element(v, fn, list_is_tuple) for k, v in value.items()}
    if value is None:
        raise TypeError(f"{fn}: elements cannot contain None.")
    return _tf()._convert(value, fn=fn)


class TensorSpec:
    """``tf.TensorSpec(shape, dtype=tf.float32, name=None)``: describes one component."""

    def __init__(self, shape, dtype=torch.float32, name=None):
        self.shape = None if shape is None else tuple(None if d is None else int(d) for d in shape)
        self.dtype = _tf()._dtype(dtype, "tf.TensorSpec")
        self.name = name

    def __repr__(self):
        return f"TensorSpec(shape={self.shape}, dtype={self.dtype}, name={self.name!r})"

    def __eq__(self, other):
        return isinstance(other, TensorSpec) and (self.shape, self.dtype) == (other.shape, other.dtype)

    def __hash__(self):
        return hash((self.shape, self.dtype))


# ============================================================================ helpers
def _check_count(value, what, fn):
    if isinstance(value, torch.Tensor):
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{fn}: `{what}` must be an integer. Received: {what}={value!r}")
    return int(value)


def _seed_source(seed, reshuffle):
    """A function returning a numpy Generator for the next pass over the data."""
    counter = itertools.count()

    def draw():
        return int(torch.randint(0, 2 ** 62, (1,)).item())

    fixed = draw() if seed is None and not reshuffle else None

    def next_rng():
        i = next(counter)
        if seed is None:
            return np.random.default_rng(fixed if fixed is not None else draw())
        return np.random.default_rng([int(seed) & 0xFFFF_FFFF_FFFF, i if reshuffle else 0])
    return next_rng


def _buffer_shuffle(items, buffer_size, rng):
    """TensorFlow's shuffle buffer: keep ``buffer_size`` items, emit a random one, refill."""
    r = _pyrandom.Random(int(rng.integers(2 ** 62)))
    it = iter(items)
    buf = list(itertools.islice(it, buffer_size))
    for item in it:
        j = r.randrange(len(buf))
        yield buf[j]
        buf[j] = item
    while buf:
        j = r.randrange(len(buf))
        buf[j], buf[-1] = buf[-1], buf[j]
        yield buf.pop()


def _stack(elements, fn="Dataset.batch"):
    first = elements[0]
    columns = [[] for _ in _flatten(first)]
    for j, el in enumerate(elements):
        if not _same_structure(first, el):
            raise ValueError(f"{fn}: element {j} has a different structure than element 0.")
        for col, leaf in zip(columns, _flatten(el)):
            col.append(leaf)
    out = []
    for i, col in enumerate(columns):
        ref = col[0]
        for j, t in enumerate(col):
            if t.shape != ref.shape:
                raise ValueError(
                    f"{fn}: cannot batch tensors with different shapes in component {i}. First element "
                    f"had shape {list(ref.shape)} and element {j} had shape {list(t.shape)} (ragged or "
                    f"padded batches are not supported by kerasish).")
        out.append(torch.stack([t.to(ref.device) for t in col]))
    return _pack(first, out)


def _combine_card_min(cards):
    result = INFINITE_CARDINALITY
    for n in cards:
        if n == UNKNOWN_CARDINALITY:
            return UNKNOWN_CARDINALITY
        if n != INFINITE_CARDINALITY and (result == INFINITE_CARDINALITY or n < result):
            result = n
    return result


# ============================================================================ Dataset
class Dataset:
    """``tf.data.Dataset``: build with ``from_tensor_slices``, ``from_tensors``, ``range``,
    ``from_generator`` or ``zip``; iterate to get tensors (tuples / dicts of tensors)."""

    _indexed = False
    _card = UNKNOWN_CARDINALITY

    # --- sources ----------------------------------------------------------------------
    @staticmethod
    def from_tensor_slices(tensors, name=None):
        """One element per row of ``tensors`` (an array, or a tuple / dict of arrays)."""
        fn = "Dataset.from_tensor_slices"
        struct = _as_element(tensors, fn, list_is_tuple=False)
        leaves = _flatten(struct)
        for t in leaves:
            if t.ndim == 0:
                raise ValueError(f"{fn}: every component needs at least one dimension to slice; got a scalar.")
        sizes = [t.shape[0] for t in leaves]
        if len(set(sizes)) > 1:
            raise ValueError(f"{fn}: all components must have the same size in their first dimension. "
                             f"Received sizes {sizes}.")
        return _Slices(struct, sizes[0])

    @staticmethod
    def from_tensors(tensors, name=None):
        """A dataset of exactly one element, ``tensors``."""
        struct = _as_element(tensors, "Dataset.from_tensors", list_is_tuple=False)
        return _Slices(_map_struct(lambda t: t.unsqueeze(0), struct), 1)

    @staticmethod
    def range(*args, dtype=torch.int64, name=None):
        """Like Python's ``range``; elements are int64 scalars by default."""
        values = range(*[_check_count(a, "range argument", "Dataset.range") for a in args])
        tdtype = _tf()._dtype(dtype, "Dataset.range")
        t = torch.arange(values.start, values.stop, values.step, dtype=tdtype, device=backend.get_device())
        return _Slices(t, len(values))

    @staticmethod
    def from_generator(generator, output_types=None, output_shapes=None, args=None,
                       output_signature=None, name=None):
        """Elements from ``generator(*args)``, called anew for each pass."""
        fn = "Dataset.from_generator"
        if not callable(generator):
            raise TypeError(f"{fn}: `generator` must be a callable returning an iterator. "
                            f"Received: {generator!r}")
        types = output_types
        if output_signature is not None:
            types = _map_struct(lambda spec: spec.dtype, _tupleize(output_signature))
        types = None if types is None else _tupleize(types)
        call_args = tuple(args) if args is not None else ()

        def convert_as(spec, value, whole):
            if isinstance(spec, tuple):
                if not isinstance(value, (tuple, list)) or len(value) != len(spec):
                    raise ValueError(f"{fn}: the generator yielded {whole!r}, which does not match the "
                                     f"declared structure {types!r}.")
                return tuple(convert_as(s, v, whole) for s, v in zip(spec, value))
            if isinstance(spec, dict):
                if not isinstance(value, dict) or value.keys() != spec.keys():
                    raise ValueError(f"{fn}: the generator yielded {whole!r}, which does not match the "
                                     f"declared structure {types!r}.")
                return {k: convert_as(spec[k], value[k], whole) for k in spec}
            return _tf()._convert(value, spec, fn)

        def convert(value):
            if types is None:
                return _as_element(value, fn, list_is_tuple=False)
            return convert_as(types, value, value)

        def make():
            return (convert(v) for v in generator(*call_args))
        return _Generic(make, UNKNOWN_CARDINALITY)

    @staticmethod
    def zip(*datasets, name=None):
        """Elements are tuples (or dicts) of the elements of ``datasets``."""
        if len(datasets) == 1 and isinstance(datasets[0], (tuple, list, dict)):
            structure = datasets[0]
            if isinstance(structure, list):
                structure = tuple(structure)
        else:
            structure = tuple(datasets)
        members = _flatten(structure)
        for d in members:
            if not isinstance(d, Dataset):
                raise TypeError(f"Dataset.zip: expected datasets. Received: {type(d).__name__}.")

        def make():
            for items in zip(*members):
                yield _pack(structure, list(items))
        return _Generic(make, _combine_card_min([d._card for d in members]))

    # --- iteration ----------------------------------------------------------------------
    def _elements(self):
        raise NotImplementedError

    def __iter__(self):
        return iter(self._elements())

    def __bool__(self):
        return True

    def as_numpy_iterator(self):
        """Iterate with numpy arrays in place of tensors."""
        for el in self._elements():
            yield _map_struct(backend.convert_to_numpy, el)

    def cardinality(self):
        """Number of elements as an int64 tensor; -1 infinite, -2 unknown."""
        return torch.tensor(self._card, dtype=torch.int64)

    def __len__(self):
        if self._card == INFINITE_CARDINALITY:
            raise TypeError("The dataset is infinite.")
        if self._card == UNKNOWN_CARDINALITY:
            raise TypeError("The dataset length is unknown.")
        return self._card

    def __repr__(self):
        card = {INFINITE_CARDINALITY: "infinite", UNKNOWN_CARDINALITY: "unknown"}.get(self._card, self._card)
        return f"<tf.data.Dataset (kerasish) cardinality={card}>"

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        raise _unsupported(f"tf.data.Dataset.{name}")

    # --- kerasish's trainer -------------------------------------------------------------
    @property
    def _kerasish_num_batches(self):
        return self._card if self._card >= 0 else None

    def _kerasish_batches(self):
        """Batches as tuples: ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)``."""
        for el in self._elements():
            yield el if isinstance(el, tuple) else (el,)

    # --- transformations ----------------------------------------------------------------
    def batch(self, batch_size, drop_remainder=False, num_parallel_calls=None, deterministic=None, name=None):
        """Stack ``batch_size`` consecutive elements; the last, smaller batch is kept unless
        ``drop_remainder``."""
        bs = _check_count(batch_size, "batch_size", "Dataset.batch")
        if bs <= 0:
            raise ValueError(f"Dataset.batch: `batch_size` must be positive. Received: batch_size={bs}")
        drop = bool(drop_remainder)
        n = self._card
        card = n if n < 0 else (n // bs if drop else -(-n // bs))
        if self._indexed:
            return _IndexBatch(self, bs, drop, card)
        parent = self

        def make():
            buf = []
            for el in parent._elements():
                buf.append(el)
                if len(buf) == bs:
                    yield _stack(buf)
                    buf = []
            if buf and not drop:
                yield _stack(buf)
        return _Generic(make, card)

    def unbatch(self, name=None):
        """Split each element along its first dimension."""
        parent = self

        def make():
            for el in parent._elements():
                leaves = _flatten(el)
                if any(t.ndim == 0 for t in leaves):
                    raise ValueError("Dataset.unbatch: every component needs a batch dimension; got a scalar.")
                sizes = {t.shape[0] for t in leaves}
                if len(sizes) > 1:
                    raise ValueError(f"Dataset.unbatch: components have different batch sizes {sorted(sizes)}.")
                for i in range(sizes.pop()):
                    yield _pack(el, [t[i] for t in leaves])
        return _Generic(make, UNKNOWN_CARDINALITY)

    def map(self, map_func, num_parallel_calls=None, deterministic=None, name=None):
        """Apply ``map_func`` to each element (a tuple element is passed as separate arguments)."""
        if not callable(map_func):
            raise TypeError(f"Dataset.map: `map_func` must be callable. Received: {map_func!r}")
        parent = self

        def make():
            for el in parent._elements():
                out = map_func(*el) if isinstance(el, tuple) else map_func(el)
                yield _as_element(out, "Dataset.map", list_is_tuple=True)
        return _Generic(make, self._card)

    def filter(self, predicate, name=None):
        """Keep the elements for which ``predicate`` is true."""
        parent = self

        def make():
            for el in parent._elements():
                keep = predicate(*el) if isinstance(el, tuple) else predicate(el)
                if bool(keep):
                    yield el
        return _Generic(make, UNKNOWN_CARDINALITY)

    def enumerate(self, start=0, name=None):
        parent = self
        start = _check_count(start, "start", "Dataset.enumerate")

        def make():
            for i, el in enumerate(parent._elements(), start):
                yield (torch.tensor(i, dtype=torch.int64), el)
        return _Generic(make, self._card)

    def concatenate(self, dataset, name=None):
        if not isinstance(dataset, Dataset):
            raise TypeError(f"Dataset.concatenate: expected a Dataset. Received: {type(dataset).__name__}.")
        a, b = self, dataset
        if UNKNOWN_CARDINALITY in (a._card, b._card):
            card = UNKNOWN_CARDINALITY
        elif INFINITE_CARDINALITY in (a._card, b._card):
            card = INFINITE_CARDINALITY
        else:
            card = a._card + b._card

        def make():
            yield from a._elements()
            yield from b._elements()
        return _Generic(make, card)

    def shuffle(self, buffer_size, seed=None, reshuffle_each_iteration=None, name=None):
        """Randomly reorder elements using a buffer of ``buffer_size`` elements.

        ``reshuffle_each_iteration`` (default True) gives a new order on each
        pass; ``seed`` makes the sequence of orders reproducible.
        """
        buf = _check_count(buffer_size, "buffer_size", "Dataset.shuffle")
        if buf <= 0:
            raise ValueError(f"Dataset.shuffle: `buffer_size` must be positive. Received: buffer_size={buf}")
        reshuffle = True if reshuffle_each_iteration is None else bool(reshuffle_each_iteration)
        next_rng = _seed_source(seed, reshuffle)
        if self._indexed:
            return _IndexShuffle(self, buf, next_rng)
        parent = self

        def make():
            return _buffer_shuffle(parent._elements(), buf, next_rng())
        return _Generic(make, self._card)

    def repeat(self, count=None, name=None):
        """Repeat ``count`` times (forever when None or -1)."""
        count = -1 if count is None else _check_count(count, "count", "Dataset.repeat")
        n = self._card
        if count < 0:
            card = 0 if n == 0 else INFINITE_CARDINALITY
        elif count == 0:
            card = 0
        else:
            card = n if n < 0 else n * count
        if self._indexed:
            return _IndexDerived(self, lambda chunks: _repeat_stream(chunks, count), card)
        return _Generic(lambda: _repeat_stream(self._elements, count, is_chunks=False), card)

    def take(self, count, name=None):
        """The first ``count`` elements (all of them for -1)."""
        count = _check_count(count, "count", "Dataset.take")
        n = self._card
        if count < 0:
            card = n
        elif n >= 0:
            card = min(n, count)
        else:
            card = count if n == INFINITE_CARDINALITY else UNKNOWN_CARDINALITY
        if self._indexed:
            return _IndexDerived(self, lambda chunks: _take_stream(chunks, count), card)
        parent = self

        def make():
            if count < 0:
                yield from parent._elements()
            else:
                yield from itertools.islice(parent._elements(), count)
        return _Generic(make, card)

    def skip(self, count, name=None):
        """All but the first ``count`` elements (none for -1)."""
        count = _check_count(count, "count", "Dataset.skip")
        n = self._card
        if count < 0:
            card = 0
        elif n >= 0:
            card = max(0, n - count)
        else:
            card = n
        if self._indexed:
            return _IndexDerived(self, lambda chunks: _skip_stream(chunks, count), card)
        parent = self

        def make():
            if count < 0:
                return iter(())
            return itertools.islice(parent._elements(), count, None)
        return _Generic(make, card)

    def cache(self, filename="", name=None):
        """Keep the elements of the first complete pass in memory and replay them afterwards."""
        if filename:
            warnings.warn("Dataset.cache(filename): kerasish keeps the cache in memory; no file is written.",
                          stacklevel=2)
        if self._indexed:
            return _IndexCache(self)
        return _GenericCache(self)

    def prefetch(self, buffer_size=AUTOTUNE, name=None):
        """No-op: batches are produced on demand, already on the device."""
        return self


def _tupleize(s):
    if isinstance(s, list):
        return tuple(_tupleize(v) for v in s)
    if isinstance(s, tuple):
        return tuple(_tupleize(v) for v in s)
    if isinstance(s, dict):
        return {k: _tupleize(v) for k, v in s.items()}
    return s


def cardinality(dataset):
    """``tf.data.experimental.cardinality(dataset)``."""
    return dataset.cardinality()


class _Generic(Dataset):
    def __init__(self, make, card):
        self._make = make
        self._card = card

    def _elements(self):
        return self._make()


class _GenericCache(Dataset):
    def __init__(self, parent):
        self._parent = parent
        self._card = parent._card
        self._store = None

    def _elements(self):
        if self._store is not None:
            yield from self._store
            return
        seen = []
        for el in self._parent._elements():
            seen.append(el)
            yield el
        self._store = seen


# ============================================================================ indexed pipelines
def _repeat_stream(make_items, count, is_chunks=True):
    """``count`` passes over ``make_items()`` (forever if negative; stops if a pass is empty)."""
    for _ in (itertools.count() if count < 0 else range(count)):
        seen = False
        for item in make_items():
            if not is_chunks or len(item):
                seen = True
                yield item
        if not seen:
            return


def _take_stream(make_chunks, count):
    if count < 0:
        yield from make_chunks()
        return
    left = count
    if left == 0:
        return
    for chunk in make_chunks():
        yield chunk[:left]
        left -= len(chunk)
        if left <= 0:
            return


def _skip_stream(make_chunks, count):
    if count < 0:
        return
    left = count
    for chunk in make_chunks():
        if left >= len(chunk):
            left -= len(chunk)
            continue
        yield chunk[left:]
        left = 0


class _IndexedDataset(Dataset):
    """Rows of ``_source`` (tensors sharing their first dimension), in the order ``_chunks()`` gives."""

    _indexed = True

    def _chunks(self):
        raise NotImplementedError

    def _elements(self):
        src = self._source
        leaves = _flatten(src)
        for chunk in self._chunks():
            for i in chunk.tolist():
                yield _pack(src, [t[i] for t in leaves])


class _Slices(_IndexedDataset):
    def __init__(self, source, n):
        dev = backend.get_device()
        self._source = _map_struct(lambda t: t.to(dev), source)
        self._n = int(n)
        self._card = self._n

    def _chunks(self):
        yield np.arange(self._n, dtype=np.int64)


class _IndexDerived(_IndexedDataset):
    def __init__(self, parent, transform, card):
        self._parent = parent
        self._source = parent._source
        self._transform = transform
        self._card = card

    def _chunks(self):
        return self._transform(self._parent._chunks)


class _IndexShuffle(_IndexedDataset):
    def __init__(self, parent, buffer_size, next_rng):
        self._parent = parent
        self._source = parent._source
        self._card = parent._card
        self._buffer = buffer_size
        self._next_rng = next_rng

    def _chunks(self):
        rng = self._next_rng()
        n = self._parent._card
        if 0 <= n <= self._buffer:
            chunks = list(self._parent._chunks())
            everything = np.concatenate(chunks) if chunks else np.zeros(0, np.int64)
            yield everything[rng.permutation(len(everything))]
            return
        flat = (i for chunk in self._parent._chunks() for i in chunk.tolist())
        out = _buffer_shuffle(flat, self._buffer, rng)
        while True:
            part = list(itertools.islice(out, _CHUNK))
            if not part:
                return
            yield np.asarray(part, dtype=np.int64)


class _IndexCache(_IndexedDataset):
    def __init__(self, parent):
        self._parent = parent
        self._source = parent._source
        self._card = parent._card
        self._store = None

    def _chunks(self):
        if self._store is not None:
            yield from self._store
            return
        seen = []
        for chunk in self._parent._chunks():
            seen.append(chunk)
            yield chunk
        self._store = seen


class _IndexBatch(Dataset):
    """Batches gathered straight from the source tensors."""

    def __init__(self, parent, batch_size, drop_remainder, card):
        self._parent = parent
        self._bs = batch_size
        self._drop = drop_remainder
        self._card = card

    def _elements(self):
        src = self._parent._source
        leaves = _flatten(src)
        dev = leaves[0].device
        bs = self._bs
        pending = None
        for chunk in self._parent._chunks():
            if not len(chunk):
                continue
            idx = torch.from_numpy(chunk).to(dev)
            pending = idx if pending is None else torch.cat([pending, idx])
            start = 0
            while pending.shape[0] - start >= bs:
                take = pending[start:start + bs]
                start += bs
                yield _pack(src, [t.index_select(0, take) for t in leaves])
            pending = pending[start:] if start < pending.shape[0] else None
        if pending is not None and pending.shape[0] and not self._drop:
            yield _pack(src, [t.index_select(0, pending) for t in leaves])
