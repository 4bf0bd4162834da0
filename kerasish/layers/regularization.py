"""Regularization layers: SpatialDropout1D/2D/3D, GaussianNoise, GaussianDropout,
AlphaDropout and ActivityRegularization. (``Dropout`` itself lives in ``core.py``.)

Who owns what:
- The random layers act only in training (``model.fit``, ``training=True`` or
  ``model.train()``); at inference they return their input unchanged.
- ``seed=None`` draws from torch's global generator (``torch.manual_seed`` /
  ``keras.utils.set_random_seed`` make runs repeatable). An int ``seed`` gives the
  layer its own :class:`kerasish.random.SeedGenerator`, so the sequence of masks/noise
  is the one Keras 3 on torch draws for the same seed.
- ``ActivityRegularization`` adds ``(l1 * sum|x| + l2 * sum x²) / batch_size`` to
  ``layer.losses`` on every call, as Keras 3 does.
"""
import math

import torch

from kerasish import random as krandom
from kerasish import regularizers
from kerasish.layers.base import Layer
from kerasish.layers.conv import _ShapeInference, _data_format_arg, _rank_error
from kerasish.layers.core import Dropout

__all__ = ["SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "GaussianNoise", "GaussianDropout",
           "AlphaDropout", "ActivityRegularization"]


def _rate(owner, value, upper_inclusive=True):
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value \
        and (value <= 1 if upper_inclusive else value < 1)
    if not ok:
        interval = "[0, 1]" if upper_inclusive else "[0, 1)"
        raise ValueError(
            f"Invalid value received for argument `rate` in {owner}. Expected a float value in {interval}. "
            f"Received: rate={value!r}")
    return float(value)


def _seed_generator(owner, seed):
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError(f"{owner}: `seed` must be an integer or None. Received: seed={seed!r}")
    return krandom.SeedGenerator(seed)


class _Identity(_ShapeInference, Layer):
    """Shape-preserving layer without weights (built from the start, as in Keras)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.built = True

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)


# ----------------------------------------------------------------------------- spatial dropout
class _SpatialDropout(_ShapeInference, Dropout):
    _rank = 1

    def __init__(self, rate, data_format=None, seed=None, **kwargs):
        owner = type(self).__name__
        super().__init__(_rate(owner, rate), seed=seed, **kwargs)
        self.data_format = _data_format_arg(owner, data_format)
        self._generator = _seed_generator(owner, seed)
        self.built = True

    def call(self, inputs, training=None):
        if inputs.dim() != self._rank + 2:
            raise _rank_error(self, self._rank + 2, inputs.shape)
        if not training or self.rate == 0:
            return inputs
        shape = inputs.shape
        if self.data_format == "channels_last":
            noise_shape = (shape[0],) + (1,) * self._rank + (shape[-1],)
        else:
            noise_shape = (shape[0], shape[1]) + (1,) * self._rank
        return krandom.dropout(inputs, self.rate, noise_shape=noise_shape, seed=self._generator)

    def compute_output_shape(self, input_shape):
        if len(input_shape) != self._rank + 2:
            raise _rank_error(self, self._rank + 2, tuple(input_shape))
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.pop("noise_shape", None)
        if self._rank > 1:
            config["data_format"] = self.data_format
        return config


class SpatialDropout1D(_SpatialDropout):
    """Dropout of whole feature channels of ``(batch, steps, channels)`` inputs: each channel
    of each sample is either kept (scaled by ``1 / (1 - rate)``) or zeroed at every step.

    Args:
        rate: float in [0, 1], the fraction of channels to drop.
        seed: optional int for a reproducible sequence of masks.
    """

    _rank = 1

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(rate, data_format="channels_last", seed=seed, **kwargs)


class SpatialDropout2D(_SpatialDropout):
    """Dropout of whole feature maps of images: each channel of each sample is kept (scaled
    by ``1 / (1 - rate)``) or zeroed everywhere.

    Args:
        rate: float in [0, 1].
        data_format: ``'channels_last'`` (default) or ``'channels_first'``.
        seed: optional int.
    """

    _rank = 2

    def __init__(self, rate, data_format=None, seed=None, **kwargs):
        super().__init__(rate, data_format=data_format, seed=seed, **kwargs)


class SpatialDropout3D(_SpatialDropout):
    """Dropout of whole feature volumes of ``(batch, d1, d2, d3, channels)`` inputs; arguments
    as ``SpatialDropout2D``."""

    _rank = 3

    def __init__(self, rate, data_format=None, seed=None, **kwargs):
        super().__init__(rate, data_format=data_format, seed=seed, **kwargs)


# ----------------------------------------------------------------------------- noise
class GaussianNoise(_Identity):
    """Adds zero-centred Gaussian noise of standard deviation ``stddev`` during training.

    Args:
        stddev: float >= 0.
        seed: optional int.

    Example:
        >>> layer = GaussianNoise(0.1)
        >>> y = layer(x, training=True)   # x + N(0, 0.1²) noise; layer(x) is x
    """

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(stddev, bool) or not isinstance(stddev, (int, float)) or not stddev >= 0:
            raise ValueError(
                "Invalid value received for argument `stddev` in GaussianNoise. Expected a non-negative float. "
                f"Received: stddev={stddev!r}")
        self.stddev = float(stddev)
        self.seed = seed
        self._generator = _seed_generator("GaussianNoise", seed)
        self.supports_masking = True

    def call(self, inputs, training=None):
        if not training or self.stddev == 0:
            return inputs
        if self._generator is None:
            return inputs + torch.randn_like(inputs) * self.stddev
        noise = krandom.normal(tuple(inputs.shape), mean=0.0, stddev=self.stddev, dtype=inputs.dtype,
                               seed=self._generator)
        return inputs + noise.to(inputs.device)

    def get_config(self):
        config = super().get_config()
        config.update({"stddev": self.stddev, "seed": self.seed})
        return config

    def extra_repr(self):
        return f"name={self.name!r}, stddev={self.stddev}"


class GaussianDropout(_Identity):
    """Multiplies the input by Gaussian noise of mean 1 and standard deviation
    ``sqrt(rate / (1 - rate))`` during training.

    Args:
        rate: float in [0, 1), the equivalent drop probability.
        seed: optional int.
    """

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = _rate("GaussianDropout", rate, upper_inclusive=False)
        self.seed = seed
        self._generator = _seed_generator("GaussianDropout", seed)
        self.supports_masking = True

    def call(self, inputs, training=None):
        if not training or self.rate == 0:
            return inputs
        stddev = math.sqrt(self.rate / (1.0 - self.rate))
        if self._generator is None:
            return inputs * torch.randn_like(inputs).mul_(stddev).add_(1.0)
        noise = krandom.normal(tuple(inputs.shape), mean=1.0, stddev=stddev, dtype=inputs.dtype,
                               seed=self._generator)
        return inputs * noise.to(inputs.device)

    def get_config(self):
        config = super().get_config()
        config.update({"rate": self.rate, "seed": self.seed})
        return config

    def extra_repr(self):
        return f"name={self.name!r}, rate={self.rate}"


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


class AlphaDropout(_Identity):
    """Dropout for self-normalizing (SELU) networks: dropped units are set to SELU's negative
    saturation value and the result is affinely rescaled so the mean and variance stay the same.

    Args:
        rate: float in [0, 1].
        noise_shape: optional shape of the keep/drop mask (``None`` entries follow the input).
        seed: optional int.
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = _rate("AlphaDropout", rate)
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)
        self.seed = seed
        self._generator = _seed_generator("AlphaDropout", seed)
        self.supports_masking = True

    def call(self, inputs, training=None):
        if not training or self.rate == 0:
            return inputs
        shape = tuple(inputs.shape)
        if self.noise_shape is not None:
            shape = tuple(s if n is None else int(n) for n, s in zip(self.noise_shape, shape))
        if self._generator is None:
            draw = torch.rand(shape, device=inputs.device, dtype=inputs.dtype)
        else:
            draw = krandom.uniform(shape, dtype=inputs.dtype, seed=self._generator).to(inputs.device)
        kept = (draw >= self.rate).to(inputs.dtype)
        alpha_p = -_SELU_ALPHA * _SELU_SCALE
        a = ((1 - self.rate) * (1 + self.rate * alpha_p ** 2)) ** -0.5
        b = -a * alpha_p * self.rate
        return a * (inputs * kept + alpha_p * (1 - kept)) + b

    def get_config(self):
        config = super().get_config()
        config.update({"rate": self.rate, "seed": self.seed,
                       "noise_shape": None if self.noise_shape is None else list(self.noise_shape)})
        return config

    def extra_repr(self):
        return f"name={self.name!r}, rate={self.rate}"


class ActivityRegularization(_Identity):
    """Returns its input unchanged and adds ``(l1 * sum|x| + l2 * sum x²) / batch_size`` to
    ``layer.losses`` (and so to the training loss), as Keras 3 does.

    Args:
        l1: L1 factor (default 0.0).
        l2: L2 factor (default 0.0).
    """

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        super().__init__(**kwargs)
        self._penalty = regularizers.L1L2(l1=l1, l2=l2)
        self.l1 = self._penalty.l1
        self.l2 = self._penalty.l2
        self.supports_masking = True

    def call(self, inputs):
        loss = self._penalty(inputs)
        if inputs.dim() > 0:
            loss = loss / inputs.shape[0]
        self.add_loss(loss)
        return inputs

    def get_config(self):
        config = super().get_config()
        config.update({"l1": self.l1, "l2": self.l2})
        return config

    def extra_repr(self):
        return f"name={self.name!r}, l1={self.l1}, l2={self.l2}"
