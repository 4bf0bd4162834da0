"""keras.random on torch: seeded sampling with Keras's seed semantics.

Who owns what:
- ``seed=None``: draws from torch's global RNG (so ``torch.manual_seed`` /
  ``keras.utils.set_random_seed`` make runs reproducible); no host sync.
- ``seed=<int>``: stateless, as in Keras: the same int gives the same values on
  every call (a private ``torch.Generator`` seeded with it).
- ``seed=SeedGenerator(s)``: each call draws the next seed (``s``, ``s + 1``,
  ...), so repeated calls differ but a new ``SeedGenerator(s)`` replays them.
  Keras on torch derives generator seeds the same way, so int seeds and seeded
  SeedGenerators give the same numbers as Keras's torch backend on CPU.
"""
import random as _py_random

import torch
import torch.nn.functional as F

from kerasish import backend
from kerasish.ops import core as _core

__all__ = [
    "SeedGenerator", "beta", "binomial", "categorical", "dropout", "gamma", "normal", "randint", "shuffle",
    "truncated_normal", "uniform",
]


class SeedGenerator:
    """Hands out a fresh seed on every ``next()`` call.

    Args:
        seed: an int (deterministic sequence ``seed, seed + 1, ...``) or
            ``None`` (a random starting seed).
        name: optional name (default ``seed_generator``, ``seed_generator_1``...).

    Example:
        >>> gen = keras.random.SeedGenerator(42)
        >>> a = keras.random.normal((2,), seed=gen)
        >>> b = keras.random.normal((2,), seed=gen)   # different from a
    """

    def __init__(self, seed=None, name=None, **kwargs):
        kwargs.pop("backend", None)
        if kwargs:
            raise ValueError(f"SeedGenerator: unrecognized keyword arguments: {kwargs}")
        self.name = name if name is not None else backend.unique_name("seed_generator")
        self._initial_seed = seed
        if seed is None:
            seed = _py_random.randint(1, int(1e9))
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise ValueError(f"Argument `seed` must be an integer. Received: seed={seed!r}")
        self._seed = _as_int32(seed)
        self._counter = 0

    @property
    def state(self):
        """``[seed, counter]`` as an int32 tensor (what Keras stores as a variable)."""
        return torch.tensor([self._seed, self._counter], dtype=torch.int32, device=backend.get_device())

    def next(self, ordered=True):
        """The current ``[seed, counter]`` state (an int32 tensor); advances the state."""
        value = self.state
        self._advance(ordered)
        return value

    def _advance(self, ordered=True):
        if ordered:
            self._counter += 1
        else:
            self._seed = _as_int32((self._seed + 1) * 5387 % 933199)
            self._counter = (self._counter + 1) * 5387 % 933199

    def _next_seed(self):
        """The next generator seed as a Python int (no tensor, no device sync)."""
        seed = (self._seed + self._counter) & 0xFFFFFFFF
        self._advance()
        return seed

    def get_config(self):
        return {"seed": self._initial_seed, "name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<SeedGenerator name={self.name!r} seed={self._initial_seed!r}>"


def _as_int32(seed):
    return (seed & 0xFFFFFFFF ^ 0x80000000) - 0x80000000


def _seed_value(seed):
    """Python-int generator seed for ``seed`` (int or SeedGenerator); None for the global RNG."""
    if seed is None:
        return None
    if isinstance(seed, SeedGenerator):
        return seed._next_seed()
    if isinstance(seed, int) and not isinstance(seed, bool):
        return _as_int32(seed) & 0xFFFFFFFF
    if isinstance(seed, torch.Tensor) and seed.numel() == 2:
        first, second = (int(v) for v in seed.tolist())
        return (first + second) & 0xFFFFFFFF
    raise ValueError(
        "Argument `seed` must be either an integer or an instance of `SeedGenerator`. "
        f"Received: seed={seed!r} (of type {type(seed)})")


def _generator(seed):
    """A torch.Generator for an explicit seed, or None (global RNG)."""
    value = _seed_value(seed)
    if value is None:
        return None
    gen = torch.Generator(device=backend.get_device())
    gen.manual_seed(value)
    return gen


def _shape(shape, fn):
    if isinstance(shape, int):
        return (shape,)
    try:
        return tuple(int(s) for s in shape)
    except (TypeError, ValueError):
        raise ValueError(f"keras.random.{fn}: `shape` must be a tuple of ints. Received: shape={shape!r}") from None


def _float_dtype(dtype, fn):
    tdtype = _core.to_torch_dtype(dtype)
    if not tdtype.is_floating_point:
        raise ValueError(f"`keras.random.{fn}` requires a floating point `dtype`. Received: dtype={dtype} ")
    return tdtype


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Samples from N(mean, stddev²)."""
    tdtype = _float_dtype(dtype, "normal")
    return torch.normal(mean, stddev, size=_shape(shape, "normal"), generator=_generator(seed), dtype=tdtype,
                        device=backend.get_device())


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Samples from U[minval, maxval)."""
    tdtype = _float_dtype(dtype, "uniform")
    shape = _shape(shape, "uniform")
    draw = torch.rand(shape or (1,), generator=_generator(seed), dtype=tdtype, device=backend.get_device())
    out = (maxval - minval) * draw + minval
    return out if shape else out[0]


def randint(shape, minval, maxval, dtype="int32", seed=None):
    """Integers drawn uniformly from ``[minval, maxval)``."""
    tdtype = _core.to_torch_dtype(dtype)
    if tdtype.is_floating_point or tdtype.is_complex or tdtype == torch.bool:
        raise ValueError(f"`keras.random.randint` requires an integer `dtype`. Received: dtype={dtype} ")
    return torch.randint(int(minval), int(maxval), _shape(shape, "randint"), generator=_generator(seed),
                         dtype=tdtype, device=backend.get_device())


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Normal samples restricted to within two standard deviations of the mean."""
    tdtype = _float_dtype(dtype, "truncated_normal")
    shape = _shape(shape, "truncated_normal")
    # Four candidates per value; keep the first one inside (-2, 2) (Keras's scheme,
    # so seeded draws match it). Values with no candidate inside are redrawn.
    gen = _generator(seed)
    draws = torch.normal(0.0, 1.0, size=shape + (4,), generator=gen, dtype=tdtype, device=backend.get_device())
    inside = (draws > -2) & (draws < 2)
    first = inside.to(torch.uint8).argmax(-1, keepdim=True)
    out = draws.gather(-1, first).squeeze(-1)
    bad = out.abs() >= 2
    if bool(bad.any()):
        redo = torch.empty(int(bad.sum()), dtype=tdtype, device=out.device)
        torch.nn.init.trunc_normal_(redo, 0.0, 1.0, -2.0, 2.0, generator=gen)
        out = out.masked_scatter(bad, redo)
    return out * stddev + mean


@_core.op
def dropout(inputs, rate, noise_shape=None, seed=None):
    """Zero entries with probability ``rate`` and scale the rest by ``1 / (1 - rate)``."""
    inputs = _core._convert(inputs)
    if not 0 <= rate <= 1:
        raise ValueError(f"keras.random.dropout: `rate` must be in [0, 1]. Received: rate={rate}")
    if rate == 1.0:
        return torch.zeros_like(inputs)
    if rate == 0.0:
        return inputs
    seeded = seed is not None and not (isinstance(seed, SeedGenerator) and seed._initial_seed is None)
    if not seeded and noise_shape is None:
        return F.dropout(inputs, p=rate, training=True)
    keep = 1.0 - rate
    if noise_shape is None:
        shape = tuple(inputs.shape)
    else:
        shape = tuple(inputs.shape[i] if d is None else int(d) for i, d in enumerate(noise_shape))
    probs = torch.full(shape, keep, device=inputs.device)
    mask = torch.bernoulli(probs, generator=_generator(seed)).bool()
    mask = torch.broadcast_to(mask, inputs.shape)
    return torch.where(mask, inputs / keep, torch.zeros_like(inputs))


@_core.op
def shuffle(x, axis=0, seed=None):
    """``x`` with its entries permuted along ``axis``; for ``axis > 0`` each leading slice gets
    its own permutation (as in Keras)."""
    x = _core._convert(x)
    axis = axis % x.ndim if x.ndim else 0
    keys = torch.rand(tuple(x.shape[: axis + 1]), generator=_generator(seed), device=x.device)
    perm = keys.argsort(axis)
    perm = perm.reshape(tuple(perm.shape) + (1,) * (x.ndim - axis - 1)).expand(x.shape)
    return x.gather(axis, perm)


@_core.op
def categorical(logits, num_samples, dtype="int32", seed=None):
    """Class indices sampled from ``softmax(logits)``; ``logits`` is ``(batch, num_classes)``."""
    logits = _core._convert(logits)
    if logits.ndim != 2:
        raise ValueError(
            "`logits` should be a 2-D tensor with shape [batch_size, num_classes]. "
            f"Received: logits.shape={tuple(logits.shape)}")
    probs = torch.softmax(logits, dim=-1)
    draws = torch.multinomial(probs, int(num_samples), replacement=True, generator=_generator(seed))
    return draws.to(_core.to_torch_dtype(dtype))


def _sample_distribution(make, shape, dtype, seed):
    """Sample a torch.distributions object under a temporary global seed."""
    tdtype = _core.to_torch_dtype(dtype)
    value = _seed_value(seed)
    if value is None:
        return make().sample().to(tdtype)
    devices = [backend.get_device()] if backend.get_device().type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(value)
        return make().sample().to(tdtype)


def gamma(shape, alpha, dtype=None, seed=None):
    """Samples from Gamma(alpha, 1)."""
    shape = _shape(shape, "gamma")
    alpha = torch.broadcast_to(_core._convert(alpha, dtype="float32"), shape)
    return _sample_distribution(
        lambda: torch.distributions.Gamma(alpha, torch.ones(shape, device=alpha.device)), shape, dtype, seed)


def beta(shape, alpha, beta, dtype=None, seed=None):
    """Samples from Beta(alpha, beta)."""
    shape = _shape(shape, "beta")
    a = torch.broadcast_to(_core._convert(alpha, dtype="float32"), shape)
    b = torch.broadcast_to(_core._convert(beta, dtype="float32"), shape)
    return _sample_distribution(lambda: torch.distributions.Beta(a, b), shape, dtype, seed)


def binomial(shape, counts, probabilities, dtype=None, seed=None):
    """Samples from Binomial(counts, probabilities)."""
    shape = _shape(shape, "binomial")
    n = torch.broadcast_to(_core._convert(counts, dtype="float32"), shape)
    p = torch.broadcast_to(_core._convert(probabilities, dtype="float32"), shape)
    return _sample_distribution(lambda: torch.distributions.Binomial(total_count=n, probs=p), shape, dtype, seed)
