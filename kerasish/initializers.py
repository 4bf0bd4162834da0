"""keras.initializers: objects called as ``init(shape, dtype=None)`` that return a new torch tensor.

Who owns what:
- Shapes are always in **Keras layout**: a Dense kernel is ``(in, out)``, a
  Conv2D kernel ``(kh, kw, in, out)``. ``compute_fans`` reads fans from that
  layout. A layer that keeps its weight in torch layout asks for the Keras
  shape and permutes the result, so nothing here knows about torch layouts.
- Randomness: ``seed=None`` draws from torch's global generator (so
  ``torch.manual_seed`` / ``keras.utils.set_random_seed`` make runs repeatable,
  and each call gives new values). ``seed=<int>`` uses a private
  ``torch.Generator`` seeded the way Keras 3's torch backend seeds it, so every
  call — and every instance with that seed — returns the same values, equal to
  what Keras 3 on torch produces on the same device.
- Results live on ``backend.get_device()`` with dtype ``floatx()`` unless a
  dtype is given.
- ``_Family`` (bottom of the file) is the name table plus
  ``get``/``serialize``/``deserialize`` machinery; ``regularizers`` and
  ``constraints`` reuse it.

Example:
    >>> from kerasish import initializers
    >>> init = initializers.get("glorot_uniform")
    >>> init((3, 3, 16, 32)).shape      # a Conv2D kernel, Keras layout
    torch.Size([3, 3, 16, 32])
"""
import inspect
import math

import numpy as np
import torch

from kerasish import backend

__all__ = [
    "Initializer", "Zeros", "Ones", "Constant", "Identity", "STFT", "RandomNormal", "RandomUniform",
    "TruncatedNormal", "VarianceScaling", "GlorotUniform", "GlorotNormal", "HeUniform", "HeNormal",
    "LecunUniform", "LecunNormal", "Orthogonal", "compute_fans", "get", "serialize", "deserialize",
]


# ----------------------------------------------------------------------------- helpers
def _shape(shape, owner):
    if isinstance(shape, int):
        shape = (shape,)
    try:
        dims = tuple(int(d) for d in shape)
    except (TypeError, ValueError):
        raise ValueError(
            f"{owner} expects `shape` to be a tuple of non-negative integers. "
            f"Received: shape={shape!r}") from None
    if any(d < 0 for d in dims):
        raise ValueError(f"{owner} expects `shape` to be a tuple of non-negative integers. "
                         f"Received: shape={shape!r}")
    return dims


def _dtype(dtype, owner, floating=False):
    tdtype = backend.to_torch_dtype(backend.floatx() if dtype is None else dtype)
    if floating and not tdtype.is_floating_point:
        raise ValueError(f"{owner} can only produce floating point values. Received: dtype={dtype!r}")
    return tdtype


def compute_fans(shape, input_axes=None, output_axes=None):
    """``(fan_in, fan_out)`` of a weight given in **Keras layout**.

    - ``(n,)``: both fans are ``n``.
    - ``(in, out)``: a Dense kernel.
    - ``(*spatial, in, out)``: a convolution kernel; both fans are multiplied by
      the receptive field ``prod(spatial)``.
    - ``input_axes`` / ``output_axes`` (both given): fans are the products of
      those axes' sizes.
    """
    shape = tuple(int(d) for d in shape)
    if input_axes is not None and output_axes is not None:
        return (int(np.prod([shape[a] for a in input_axes])),
                int(np.prod([shape[a] for a in output_axes])))
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive = int(np.prod(shape[:-2])) if len(shape) > 2 else 1
    return shape[-2] * receptive, shape[-1] * receptive


# ----------------------------------------------------------------------------- base class
class Initializer:
    """Base class: subclasses implement ``__call__(shape, dtype=None)`` and ``get_config``."""

    def __call__(self, shape, dtype=None):
        raise NotImplementedError(f"{type(self).__name__} must implement `__call__(shape, dtype=None)`.")

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config.pop("dtype", None)  # TF1-era configs carried a dtype
        return cls(**config)

    def clone(self):
        return type(self).from_config(self.get_config())

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class Zeros(Initializer):
    """All zeros."""

    def __call__(self, shape, dtype=None):
        return torch.zeros(_shape(shape, "Zeros"), dtype=_dtype(dtype, "Zeros"),
                           device=backend.get_device())


class Ones(Initializer):
    """All ones."""

    def __call__(self, shape, dtype=None):
        return torch.ones(_shape(shape, "Ones"), dtype=_dtype(dtype, "Ones"),
                          device=backend.get_device())


def _to_jsonable(value):
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


class Constant(Initializer):
    """Every element equal to ``value`` (a scalar, or an array that broadcasts to the shape).

    Args:
        value: The fill value. Default 0.0.
    """

    def __init__(self, value=0.0):
        if isinstance(value, dict) and value.get("class_name") == "__numpy__":
            value = np.asarray(value["config"]["value"], dtype=value["config"].get("dtype"))
        self.value = value

    def __call__(self, shape, dtype=None):
        shape = _shape(shape, "Constant")
        tdtype = _dtype(dtype, "Constant")
        value = self.value
        if isinstance(value, (int, float, bool, np.generic)):
            return torch.full(shape, value, dtype=tdtype, device=backend.get_device())
        value = backend.convert_to_tensor(value, dtype=tdtype)
        try:
            return value.expand(shape).clone()
        except RuntimeError:
            raise ValueError(
                f"Constant(value) of shape {tuple(value.shape)} cannot fill a weight of shape {shape}."
            ) from None

    def get_config(self):
        return {"value": _to_jsonable(self.value)}


class Identity(Initializer):
    """``gain`` times the identity matrix (2-D shapes only; rectangular shapes get ones on the diagonal).

    Args:
        gain: Multiplier. Default 1.0.
    """

    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None):
        shape = _shape(shape, "Identity")
        if len(shape) != 2:
            raise ValueError(
                "Identity initializer can only be used for 2D matrices. "
                f"Received: shape={shape} of rank {len(shape)}.")
        eye = torch.eye(*shape, dtype=_dtype(dtype, "Identity"), device=backend.get_device())
        return eye if self.gain == 1 else self.gain * eye

    def get_config(self):
        return {"gain": self.gain}


_TORCH_WINDOWS = {"hann": torch.hann_window, "hamming": torch.hamming_window,
                  "blackman": torch.blackman_window, "bartlett": torch.bartlett_window}


def _window(name, length, periodic):
    """A named window as float64 numpy: torch's own for the common four, SciPy for the rest."""
    if name in _TORCH_WINDOWS:
        return _TORCH_WINDOWS[name](length, periodic=periodic, dtype=torch.float64).numpy()
    try:
        from scipy import signal
    except ImportError:
        raise ValueError(f"STFT: window={name!r} needs SciPy; without it use one of "
                         f"{sorted(_TORCH_WINDOWS)} or pass the window values.") from None
    return signal.get_window(name, length, fftbins=periodic)


class STFT(Initializer):
    """Kernel of a short-time Fourier transform as a 1-D convolution.

    For ``shape = (frame_length, input_channels, fft_length)`` it returns
    ``cos`` (``side='real'``) or ``sin`` (``side='imag'``) of
    ``-2π · t · f / (2 · (fft_length - 1))`` with shape ``(frame_length, 1, fft_length)``,
    multiplied by the window and divided by the window's ``scaling``.

    Args:
        side: ``'real'`` or ``'imag'``.
        window: A window name (``'hann'``...), an array of ``frame_length`` values, or None.
        scaling: ``'density'`` (divide by the window's L2 norm), ``'spectrum'``
            (by its L1 norm) or None.
        periodic: Periodic rather than symmetric window.
    """

    def __init__(self, side="real", window="hann", scaling="density", periodic=False):
        if side not in ("real", "imag"):
            raise ValueError(f"STFT: `side` should be 'real' or 'imag'. Received: side={side!r}")
        if isinstance(window, str):
            _window(window, 1, periodic)  # fail early on an unknown window name
        if scaling is not None and scaling not in ("density", "spectrum"):
            raise ValueError("STFT: `scaling` must be None, 'density' or 'spectrum'. "
                             f"Received: scaling={scaling!r}")
        self.side = side
        self.window = window
        self.scaling = scaling
        self.periodic = periodic

    def __call__(self, shape, dtype=None):
        shape = _shape(shape, "STFT")
        tdtype = _dtype(dtype, "STFT", floating=True)
        if len(shape) != 3:
            raise ValueError("STFT initializer expects shape=(frame_length, input_channels, fft_length). "
                             f"Received: shape={shape}")
        frame_length, _, fft_length = shape
        dev = backend.get_device()
        freq = torch.arange(fft_length, dtype=tdtype, device=dev).reshape(1, 1, -1) / ((fft_length - 1) * 2)
        time = torch.arange(frame_length, dtype=tdtype, device=dev).reshape(-1, 1, 1)
        args = -2 * time * freq * math.pi
        kernel = torch.cos(args) if self.side == "real" else torch.sin(args)
        if self.window is None:
            return kernel
        win = self.window
        if isinstance(win, str):
            win = _window(win, frame_length, self.periodic)
        win = backend.convert_to_tensor(np.asarray(win), dtype=tdtype)
        if win.ndim != 1 or win.shape[0] != frame_length:
            raise ValueError(f"STFT: the window must have shape ({frame_length},). "
                             f"Received: window shape={tuple(win.shape)}")
        win = win.reshape(-1, 1, 1)
        scaling = 1
        if self.scaling == "density":
            scaling = torch.sqrt(torch.sum(win * win))
        elif self.scaling == "spectrum":
            scaling = torch.sum(torch.abs(win))
        return kernel * win / scaling

    def get_config(self):
        return {"side": self.side, "window": _to_jsonable(self.window), "periodic": self.periodic,
                "scaling": self.scaling}


# ----------------------------------------------------------------------------- random initializers
class RandomInitializer(Initializer):
    """Base for initializers that draw random numbers; owns the ``seed``.

    Args:
        seed: None (torch's global generator, new values each call), an int
            (a private generator re-seeded on each call: same values every time)
            or a ``keras.random.SeedGenerator`` (its next seed on each call).
    """

    def __init__(self, seed=None):
        self._init_seed = seed
        if isinstance(seed, np.integer):
            seed = int(seed)
        if isinstance(seed, dict):  # a serialized SeedGenerator
            from kerasish import random as _random
            seed = _random.SeedGenerator.from_config(seed.get("config", seed))
        if seed is not None and not hasattr(seed, "_next_seed") and (
                not isinstance(seed, int) or isinstance(seed, bool)):
            raise ValueError(
                f"{type(self).__name__}: the `seed` argument should be None, an integer or a "
                f"`keras.random.SeedGenerator`. Received: seed={seed!r}")
        self.seed = seed

    def _generator(self):
        if self.seed is None:
            return None
        value = self.seed._next_seed() if hasattr(self.seed, "_next_seed") else self.seed & 0xFFFFFFFF
        gen = torch.Generator(device=backend.get_device())
        gen.manual_seed(value)
        return gen

    def _seed_config(self):
        seed = self._init_seed
        if hasattr(seed, "get_config") and not isinstance(seed, dict):
            return {"module": "keras.random", "class_name": type(seed).__name__,
                    "config": seed.get_config(), "registered_name": None}
        return int(seed) if isinstance(seed, np.integer) else seed

    def _normal(self, shape, mean, stddev, dtype, gen=None):
        return torch.normal(mean, stddev, size=shape, generator=gen, dtype=dtype,
                            device=backend.get_device())

    def _uniform(self, shape, minval, maxval, dtype):
        size = shape if len(shape) else (1,)
        r = torch.rand(size, generator=self._generator(), dtype=dtype, device=backend.get_device())
        out = (maxval - minval) * r + minval
        return out if len(shape) else out[0]

    def _truncated_normal(self, shape, mean, stddev, dtype):
        """Standard normal cut at ±2, then scaled: four candidates per element, the first
        inside (-2, 2) wins (Keras 3's torch draw); the rare element with none is redrawn."""
        gen = self._generator()
        x = self._normal(tuple(shape) + (4,), 0.0, 1.0, dtype, gen)
        valid = (x > -2) & (x < 2)
        index = valid.max(-1, keepdim=True)[1]
        out = x.gather(-1, index).squeeze(-1)
        bad = (out <= -2) | (out >= 2)
        while bool(bad.any()):
            fresh = self._normal((int(bad.sum()),), 0.0, 1.0, dtype, gen)
            out[bad] = fresh
            bad = (out <= -2) | (out >= 2)
        return out.mul_(stddev).add_(mean)

    def get_config(self):
        return {"seed": self._seed_config()}


class RandomNormal(RandomInitializer):
    """Normal distribution ``N(mean, stddev²)``.

    Args:
        mean: Mean. Default 0.0.
        stddev: Standard deviation. Default 0.05.
        seed: None or an int (see ``RandomInitializer``).
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean = mean
        self.stddev = stddev
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None):
        return self._normal(_shape(shape, "RandomNormal"), self.mean, self.stddev,
                            _dtype(dtype, "RandomNormal", floating=True), self._generator())

    def get_config(self):
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}


class TruncatedNormal(RandomInitializer):
    """Normal distribution with values beyond 2 standard deviations re-drawn.

    Args:
        mean: Mean. Default 0.0.
        stddev: Standard deviation before truncation. Default 0.05.
        seed: None or an int (see ``RandomInitializer``).
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean = mean
        self.stddev = stddev
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None):
        return self._truncated_normal(_shape(shape, "TruncatedNormal"), self.mean, self.stddev,
                                      _dtype(dtype, "TruncatedNormal", floating=True))

    def get_config(self):
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}


class RandomUniform(RandomInitializer):
    """Uniform distribution on ``[minval, maxval)``.

    Args:
        minval: Lower bound. Default -0.05.
        maxval: Upper bound. Default 0.05.
        seed: None or an int (see ``RandomInitializer``).
    """

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval = minval
        self.maxval = maxval
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None):
        return self._uniform(_shape(shape, "RandomUniform"), self.minval, self.maxval,
                             _dtype(dtype, "RandomUniform", floating=True))

    def get_config(self):
        return {**super().get_config(), "minval": self.minval, "maxval": self.maxval}


class VarianceScaling(RandomInitializer):
    """Random values whose variance is ``scale / n``, ``n`` a fan of the (Keras-layout) shape.

    - ``mode``: ``'fan_in'``, ``'fan_out'`` or ``'fan_avg'`` (mean of both) picks ``n``.
    - ``distribution='truncated_normal'`` (``'normal'`` is the same): a normal cut
      at 2 stddev, with stddev ``sqrt(scale / n) / 0.8796...`` so that the cut
      distribution has the wanted variance; ``'untruncated_normal'``: plain
      normal; ``'uniform'``: U(-limit, limit) with ``limit = sqrt(3 * scale / n)``.

    Args:
        scale: Positive scaling factor. Default 1.0.
        mode: Default ``'fan_in'``.
        distribution: Default ``'truncated_normal'``.
        seed: None or an int (see ``RandomInitializer``).
        input_axes, output_axes: Optional axes whose sizes make the fans.
    """

    _MODES = ("fan_in", "fan_out", "fan_avg")
    _DISTRIBUTIONS = ("uniform", "truncated_normal", "untruncated_normal")

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None,
                 input_axes=None, output_axes=None):
        name = type(self).__name__
        if not isinstance(scale, (int, float, np.number)) or not scale > 0:
            raise ValueError(f"{name}: argument `scale` must be a positive float. Received: scale={scale!r}")
        if mode not in self._MODES:
            raise ValueError(f"{name}: invalid `mode` argument, expected one of {self._MODES}. "
                             f"Received: mode={mode!r}")
        dist = distribution.lower() if isinstance(distribution, str) else distribution
        if dist == "normal":
            dist = "truncated_normal"
        if dist not in self._DISTRIBUTIONS:
            raise ValueError(f"{name}: invalid `distribution` argument, expected one of "
                             f"{self._DISTRIBUTIONS}. Received: distribution={distribution!r}")
        self.scale = scale
        self.mode = mode
        self.distribution = dist
        self.input_axes = input_axes
        self.output_axes = output_axes
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None):
        name = type(self).__name__
        shape = _shape(shape, name)
        tdtype = _dtype(dtype, name, floating=True)
        fan_in, fan_out = compute_fans(shape, self.input_axes, self.output_axes)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        scale = self.scale / max(1.0, n)
        if self.distribution == "truncated_normal":
            return self._truncated_normal(shape, 0.0, math.sqrt(scale) / 0.87962566103423978, tdtype)
        if self.distribution == "untruncated_normal":
            return self._normal(shape, 0.0, math.sqrt(scale), tdtype, self._generator())
        limit = math.sqrt(3.0 * scale)
        return self._uniform(shape, -limit, limit, tdtype)

    def get_config(self):
        return {**super().get_config(), "scale": self.scale, "mode": self.mode,
                "distribution": self.distribution, "input_axes": self.input_axes,
                "output_axes": self.output_axes}


class _FixedVarianceScaling(VarianceScaling):
    """A VarianceScaling preset: only ``seed`` (and the fan axes) are arguments."""
    _PRESET = (1.0, "fan_avg", "uniform")

    def __init__(self, seed=None, input_axes=None, output_axes=None):
        scale, mode, distribution = self._PRESET
        super().__init__(scale=scale, mode=mode, distribution=distribution, seed=seed,
                         input_axes=input_axes, output_axes=output_axes)

    def get_config(self):
        return {"seed": self._seed_config(), "input_axes": self.input_axes,
                "output_axes": self.output_axes}


class GlorotUniform(_FixedVarianceScaling):
    """Glorot/Xavier uniform: U(-limit, limit), ``limit = sqrt(6 / (fan_in + fan_out))``."""
    _PRESET = (1.0, "fan_avg", "uniform")


class GlorotNormal(_FixedVarianceScaling):
    """Glorot/Xavier normal: truncated normal, variance ``2 / (fan_in + fan_out)``."""
    _PRESET = (1.0, "fan_avg", "truncated_normal")


class HeUniform(_FixedVarianceScaling):
    """He uniform: U(-limit, limit), ``limit = sqrt(6 / fan_in)``."""
    _PRESET = (2.0, "fan_in", "uniform")


class HeNormal(_FixedVarianceScaling):
    """He normal: truncated normal, variance ``2 / fan_in``."""
    _PRESET = (2.0, "fan_in", "truncated_normal")


class LecunUniform(_FixedVarianceScaling):
    """LeCun uniform: U(-limit, limit), ``limit = sqrt(3 / fan_in)``."""
    _PRESET = (1.0, "fan_in", "uniform")


class LecunNormal(_FixedVarianceScaling):
    """LeCun normal: truncated normal, variance ``1 / fan_in``."""
    _PRESET = (1.0, "fan_in", "truncated_normal")


class Orthogonal(RandomInitializer):
    """A (semi-)orthogonal matrix times ``gain``.

    Shapes of rank > 2 are treated as a ``(prod(shape[:-1]), shape[-1])``
    matrix, so the flattened rows (or columns, whichever are fewer) are
    orthonormal. Built from the QR decomposition of a standard normal matrix
    with the signs of R's diagonal folded into Q.

    Args:
        gain: Multiplier. Default 1.0.
        seed: None or an int (see ``RandomInitializer``).
    """

    def __init__(self, gain=1.0, seed=None):
        self.gain = gain
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None):
        shape = _shape(shape, "Orthogonal")
        tdtype = _dtype(dtype, "Orthogonal", floating=True)
        if len(shape) < 2:
            raise ValueError(
                "Orthogonal initializer needs a shape of rank 2 or more. "
                f"Received: shape={shape} of rank {len(shape)}.")
        rows, cols = int(np.prod(shape[:-1])), shape[-1]
        work = tdtype if tdtype in (torch.float32, torch.float64) else torch.float32
        a = self._normal((max(rows, cols), min(rows, cols)), 0.0, 1.0, work, self._generator())
        q, r = torch.linalg.qr(a)
        q = q * torch.sign(torch.diagonal(r))
        if rows < cols:
            q = q.T
        return (self.gain * q.reshape(shape)).to(tdtype)

    def get_config(self):
        return {**super().get_config(), "gain": self.gain}


# ----------------------------------------------------------------------------- family machinery
def _normalize_name(name):
    return name.replace("_", "").lower()


def _global_custom_objects():
    try:
        from kerasish import saving
    except ImportError:
        return {}
    registry = getattr(saving, "get_custom_objects", None)
    return dict(registry()) if registry is not None else {}


class _Family:
    """Names → classes for one family, with Keras-style ``get``/``serialize``/``deserialize``.

    Lookup order for a name: ``custom_objects``, the global custom-object
    registry, the exact name, then the name compared without case or
    underscores (``'GlorotUniform'`` == ``'glorot_uniform'``).
    """

    def __init__(self, kind, module, names):
        self.kind = kind            # "initializer"
        self.module = module        # "keras.initializers"
        self.names = dict(names)
        self._normalized = {}
        for n, obj in self.names.items():
            self._normalized.setdefault(_normalize_name(n), obj)
        self._builtin = {obj for obj in self.names.values() if inspect.isclass(obj)}

    def lookup(self, name, custom_objects=None):
        custom = _global_custom_objects()
        custom.update(custom_objects or {})
        if name in custom:
            return custom[name]
        if name in self.names:
            return self.names[name]
        return self._normalized.get(_normalize_name(name))

    def unknown(self, name):
        return ValueError(f"Unknown {self.kind}: {name!r}. Valid names: {sorted(self.names)}")

    def serialize(self, obj):
        if obj is None:
            return None
        if not hasattr(obj, "get_config"):
            raise ValueError(
                f"{self.module}.serialize() expects a {self.kind} object with `get_config()`. "
                f"Received: {obj!r}")
        cls = type(obj)
        builtin = cls in self._builtin
        return {"module": self.module if builtin else cls.__module__, "class_name": cls.__name__,
                "config": obj.get_config(), "registered_name": None if builtin else cls.__name__}

    def deserialize(self, config, custom_objects=None):
        if isinstance(config, str):
            name, inner = config, {}
        elif isinstance(config, dict):
            if "class_name" not in config:
                raise ValueError(
                    f"{self.module}.deserialize() expects a dict with a 'class_name' key. "
                    f"Received: config={config!r}")
            name, inner = config["class_name"], config.get("config") or {}
        else:
            raise ValueError(
                f"{self.module}.deserialize() expects a name string or a config dict. "
                f"Received: config={config!r} of type {type(config).__name__}")
        obj = self.lookup(name, custom_objects)
        if obj is None and isinstance(config, dict) and config.get("registered_name"):
            obj = self.lookup(config["registered_name"], custom_objects)
        if obj is None:
            raise self.unknown(name)
        if inspect.isclass(obj) and hasattr(obj, "from_config"):
            return obj.from_config(inner)
        return obj(**inner)

    def get(self, identifier):
        if identifier is None:
            return None
        if isinstance(identifier, (str, dict)):
            return self.deserialize(identifier)
        if inspect.isclass(identifier):
            return identifier()
        if callable(identifier):
            return identifier
        raise ValueError(f"Could not interpret {self.kind} identifier: {identifier!r}. "
                         f"Expected None, a name string, a config dict, a class or a callable.")


_CLASSES = (Initializer, Zeros, Ones, Constant, Identity, STFT, RandomNormal, RandomUniform,
            TruncatedNormal, VarianceScaling, GlorotUniform, GlorotNormal, HeUniform, HeNormal,
            LecunUniform, LecunNormal, Orthogonal)
_NAMES = {cls.__name__: cls for cls in _CLASSES}
_NAMES.update({backend.to_snake_case(cls.__name__): cls for cls in _CLASSES})
_NAMES.update({
    # Keras 3 compatibility aliases
    "IdentityInitializer": Identity, "OrthogonalInitializer": Orthogonal, "STFTInitializer": STFT,
    "normal": RandomNormal, "uniform": RandomUniform, "one": Ones, "zero": Zeros,
})
# tf.keras 2 wrote some saved configs with a "V2" suffix
_NAMES.update({f"{cls.__name__}V2": cls for cls in _CLASSES[1:]})
_FAMILY = _Family("initializer", "keras.initializers", _NAMES)

# Keras 2/3 function-like spellings: keras.initializers.glorot_uniform(seed=1)
zeros, ones, constant, identity = Zeros, Ones, Constant, Identity
random_normal, random_uniform, truncated_normal = RandomNormal, RandomUniform, TruncatedNormal
variance_scaling, orthogonal = VarianceScaling, Orthogonal
glorot_uniform, glorot_normal, he_uniform, he_normal = GlorotUniform, GlorotNormal, HeUniform, HeNormal
lecun_uniform, lecun_normal = LecunUniform, LecunNormal
stft = STFT
IdentityInitializer, OrthogonalInitializer, STFTInitializer = Identity, Orthogonal, STFT


def serialize(initializer):
    """An initializer → ``{'module', 'class_name', 'config', 'registered_name'}`` (Keras 3 form)."""
    return _FAMILY.serialize(initializer)


def deserialize(config, custom_objects=None):
    """A name or a config dict (Keras 2 or 3 form) → a new initializer."""
    return _FAMILY.deserialize(config, custom_objects)


def get(identifier):
    """None / name / config dict / class / callable / array → an initializer (None stays None).

    An array or tensor becomes an initializer returning (a copy of) it; the
    requested shape must equal the array's shape.
    """
    if isinstance(identifier, (np.ndarray, np.generic, torch.Tensor)):
        value = identifier

        def initialize_fn(shape, dtype=None):
            if tuple(shape) != tuple(value.shape):
                raise ValueError(
                    f"Expected `shape` to be {tuple(value.shape)} for a tensor used as initializer. "
                    f"Received: shape={tuple(shape)}")
            return backend.convert_to_tensor(value, dtype=backend.floatx() if dtype is None else dtype).clone()

        return initialize_fn
    return _FAMILY.get(identifier)
