"""Pooling layers: MaxPooling1D/2D/3D, AveragePooling1D/2D/3D, their global versions and the
short aliases (``MaxPool2D``, ``AvgPool2D``, ``GlobalAvgPool2D`` ...).

Who owns what:
- Like the convolutions (``conv.py``), channels_last inputs are viewed as channels_first
  with ``permute`` (no copy) and handed to ``F.max_poolNd`` / ``F.avg_poolNd``.
- ``padding='same'`` follows TensorFlow: total padding ``max((ceil(n / s) - 1) * s + k - n, 0)``,
  the odd extra element at the end. Average pooling divides by the number of *real*
  elements in each window (padding never counts), also when the padding is asymmetric.
- Global pooling reduces the spatial axes; ``GlobalAveragePooling1D`` averages only the
  unmasked steps when its input carries a mask (e.g. after ``Embedding(mask_zero=True)``).
"""
import torch
import torch.nn.functional as F

from kerasish.layers.base import Layer
from kerasish.layers.conv import (_ShapeInference, _data_format_arg, _int_tuple, _padding_arg, _rank_error,
                                  _same_pads, _to_channels_first, _to_channels_last)

__all__ = [
    "MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D", "AveragePooling2D", "AveragePooling3D",
    "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D", "GlobalAveragePooling1D",
    "GlobalAveragePooling2D", "GlobalAveragePooling3D", "MaxPool1D", "MaxPool2D", "MaxPool3D", "AvgPool1D",
    "AvgPool2D", "AvgPool3D", "GlobalMaxPool1D", "GlobalMaxPool2D", "GlobalMaxPool3D", "GlobalAvgPool1D",
    "GlobalAvgPool2D", "GlobalAvgPool3D",
]

_MAX = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}
_AVG = {1: F.avg_pool1d, 2: F.avg_pool2d, 3: F.avg_pool3d}


class _Pooling(_ShapeInference, Layer):
    _rank = 2
    _mode = "max"

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(**kwargs)
        owner, r = type(self).__name__, self._rank
        self.pool_size = _int_tuple(owner, "pool_size", pool_size, r)
        self.strides = self.pool_size if strides is None else _int_tuple(owner, "strides", strides, r)
        self.padding = _padding_arg(owner, padding)
        self.data_format = _data_format_arg(owner, data_format)
        self._channels_last = self.data_format == "channels_last"
        self._to_cf = _to_channels_first(r)
        self._to_cl = _to_channels_last(r)
        self._fn = _MAX[r] if self._mode == "max" else _AVG[r]
        self._pad_cache = {}
        self.built = True  # no weights: built from the start, as in Keras

    def _padding_for(self, spatial, x):
        """(torch padding, explicit F.pad list, divisor tensor for asymmetric average pooling)."""
        key = (tuple(spatial), x.device, x.dtype)
        cached = self._pad_cache.get(key)
        if cached is not None:
            return cached
        pads = [_same_pads(n, k, s) for n, k, s in zip(spatial, self.pool_size, self.strides)]
        if all(a == b for a, b in pads):
            result = (tuple(a for a, _ in pads), None, None)
        else:
            flat = []
            for a, b in reversed(pads):
                flat.extend((a, b))
            divisor = None
            if self._mode == "average":
                # the number of real elements in each window: the pooled mean of a padded ones map, times area
                ones = F.pad(torch.ones((1, 1) + tuple(spatial), device=x.device, dtype=x.dtype), flat)
                divisor = self._fn(ones, self.pool_size, self.strides)
            result = (0, flat, divisor)
        if len(self._pad_cache) > 64:
            self._pad_cache.clear()
        self._pad_cache[key] = result
        return result

    def call(self, inputs):
        x = inputs
        if x.dim() != self._rank + 2:
            raise _rank_error(self, self._rank + 2, x.shape)
        if self._channels_last:
            x = x.permute(self._to_cf)
        spatial = x.shape[2:]
        if self.padding == "valid":
            for n, k in zip(spatial, self.pool_size):
                if n < k:
                    raise self._too_small(tuple(spatial))
            y = self._fn(x, self.pool_size, self.strides)
        else:
            padding, explicit, divisor = self._padding_for(spatial, x)
            if explicit is None:
                if self._mode == "max":
                    y = self._fn(x, self.pool_size, self.strides, padding)
                else:
                    y = self._fn(x, self.pool_size, self.strides, padding, count_include_pad=False)
            elif self._mode == "max":
                y = self._fn(F.pad(x, explicit, value=float("-inf")), self.pool_size, self.strides)
            else:
                y = self._fn(F.pad(x, explicit), self.pool_size, self.strides) / divisor
        if self._channels_last:
            y = y.permute(self._to_cl)
        return y

    def _too_small(self, spatial):
        return ValueError(
            f"{type(self).__name__} layer '{self.name}' with padding='valid': the pool size {self.pool_size} is "
            f"larger than the input (spatial size {spatial}), so the output would be empty. Use padding='same' "
            "or a larger input.")

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) != self._rank + 2:
            raise _rank_error(self, self._rank + 2, input_shape)
        spatial = input_shape[1:-1] if self._channels_last else input_shape[2:]
        out = []
        for n, k, s in zip(spatial, self.pool_size, self.strides):
            if n is None:
                out.append(None)
            elif self.padding == "valid":
                if n < k:
                    raise self._too_small(tuple(spatial))
                out.append((n - k) // s + 1)
            else:
                out.append(-(-n // s))
        if self._channels_last:
            return (input_shape[0],) + tuple(out) + (input_shape[-1],)
        return input_shape[:2] + tuple(out)

    def get_config(self):
        config = super().get_config()
        config.update({"pool_size": self.pool_size, "padding": self.padding, "strides": self.strides,
                       "data_format": self.data_format})
        return config

    def extra_repr(self):
        return (f"name={self.name!r}, pool_size={self.pool_size}, strides={self.strides}, "
                f"padding={self.padding!r}, data_format={self.data_format!r}")


class MaxPooling1D(_Pooling):
    """Max pooling over steps of ``(batch, steps, features)`` inputs.

    Args:
        pool_size: int, the window. Default 2.
        strides: int or None (default: ``pool_size``).
        padding: ``'valid'`` (default) or ``'same'`` (output ``ceil(steps / strides)``).
        data_format: ``'channels_last'`` (default) or ``'channels_first'``.
    """

    _rank = 1

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, name=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, name=name, **kwargs)


class MaxPooling2D(_Pooling):
    """Max pooling over ``(batch, height, width, channels)`` images.

    Args:
        pool_size: int or tuple of 2 ints. Default ``(2, 2)``.
        strides: int, tuple of 2 ints or None (default: ``pool_size``).
        padding: ``'valid'`` (default) or ``'same'``.
        data_format: ``'channels_last'`` (default) or ``'channels_first'``.

    Example:
        >>> tuple(MaxPooling2D()(np.zeros((1, 28, 28, 32), "float32")).shape)
        (1, 14, 14, 32)
    """

    _rank = 2

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None, name=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, name=name, **kwargs)


class MaxPooling3D(_Pooling):
    """Max pooling over ``(batch, d1, d2, d3, channels)`` volumes; pool_size default ``(2, 2, 2)``."""

    _rank = 3

    def __init__(self, pool_size=(2, 2, 2), strides=None, padding="valid", data_format=None, name=None,
                 **kwargs):
        super().__init__(pool_size, strides, padding, data_format, name=name, **kwargs)


class AveragePooling1D(_Pooling):
    """Average pooling over steps; with ``padding='same'`` padded positions are not counted.
    Arguments as ``MaxPooling1D`` (pool_size defaults to 2, as tf.keras 2)."""

    _rank = 1
    _mode = "average"

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, name=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, name=name, **kwargs)


class AveragePooling2D(_Pooling):
    """Average pooling over images; with ``padding='same'`` each window averages only its real
    pixels. Arguments as ``MaxPooling2D`` (pool_size defaults to ``(2, 2)``, as tf.keras 2)."""

    _rank = 2
    _mode = "average"

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None, name=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, name=name, **kwargs)


class AveragePooling3D(_Pooling):
    """Average pooling over volumes; arguments as ``MaxPooling3D``."""

    _rank = 3
    _mode = "average"

    def __init__(self, pool_size=(2, 2, 2), strides=None, padding="valid", data_format=None, name=None,
                 **kwargs):
        super().__init__(pool_size, strides, padding, data_format, name=name, **kwargs)


# ----------------------------------------------------------------------------- global pooling
class _GlobalPooling(_ShapeInference, Layer):
    _rank = 2
    _mode = "max"

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.data_format = _data_format_arg(type(self).__name__, data_format)
        self.keepdims = bool(keepdims)
        r = self._rank
        self._axes = tuple(range(1, r + 1)) if self.data_format == "channels_last" else tuple(range(2, r + 2))
        self.built = True

    def _check(self, x):
        if x.dim() != self._rank + 2:
            raise _rank_error(self, self._rank + 2, x.shape)

    def call(self, inputs):
        self._check(inputs)
        if self._mode == "max":
            return torch.amax(inputs, dim=self._axes, keepdim=self.keepdims)
        return torch.mean(inputs, dim=self._axes, keepdim=self.keepdims)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) != self._rank + 2:
            raise _rank_error(self, self._rank + 2, input_shape)
        if self.keepdims:
            return tuple(1 if i in self._axes else d for i, d in enumerate(input_shape))
        return tuple(d for i, d in enumerate(input_shape) if i not in self._axes)

    def get_config(self):
        config = super().get_config()
        config.update({"data_format": self.data_format, "keepdims": self.keepdims})
        return config

    def extra_repr(self):
        return f"name={self.name!r}, data_format={self.data_format!r}, keepdims={self.keepdims}"


class GlobalMaxPooling1D(_GlobalPooling):
    """Maximum over the steps of ``(batch, steps, features)`` → ``(batch, features)``
    (``keepdims=True`` keeps ``(batch, 1, features)``)."""

    _rank = 1


class GlobalMaxPooling2D(_GlobalPooling):
    """Maximum over height and width → ``(batch, channels)`` (``keepdims=True``: ``(batch, 1, 1, channels)``)."""

    _rank = 2


class GlobalMaxPooling3D(_GlobalPooling):
    """Maximum over the three spatial dimensions → ``(batch, channels)``."""

    _rank = 3


class GlobalAveragePooling1D(_GlobalPooling):
    """Mean over the steps of ``(batch, steps, features)`` → ``(batch, features)``.

    Call arguments:
        mask: optional ``(batch, steps)`` boolean mask (passed automatically after a masking
            layer): only the unmasked steps are averaged. The output carries no mask.
    """

    _rank = 1
    _mode = "average"

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(data_format=data_format, keepdims=keepdims, **kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        self._check(inputs)
        if mask is None:
            return torch.mean(inputs, dim=self._axes, keepdim=self.keepdims)
        axis = self._axes[0]
        weights = mask.to(inputs.dtype).unsqueeze(2 if axis == 1 else 1)
        total = torch.sum(torch.where(weights > 0, inputs, torch.zeros_like(inputs)), dim=axis,
                          keepdim=self.keepdims)
        return total / torch.sum(weights, dim=axis, keepdim=self.keepdims)

    def compute_mask(self, inputs, previous_mask=None):
        return None


class GlobalAveragePooling2D(_GlobalPooling):
    """Mean over height and width → ``(batch, channels)`` (``keepdims=True``: ``(batch, 1, 1, channels)``).

    Example:
        >>> tuple(GlobalAveragePooling2D()(np.zeros((2, 7, 7, 64), "float32")).shape)
        (2, 64)
    """

    _rank = 2
    _mode = "average"


class GlobalAveragePooling3D(_GlobalPooling):
    """Mean over the three spatial dimensions → ``(batch, channels)``."""

    _rank = 3
    _mode = "average"


# Short spellings (the same classes, as in Keras)
MaxPool1D, MaxPool2D, MaxPool3D = MaxPooling1D, MaxPooling2D, MaxPooling3D
AvgPool1D, AvgPool2D, AvgPool3D = AveragePooling1D, AveragePooling2D, AveragePooling3D
GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPool3D = GlobalMaxPooling1D, GlobalMaxPooling2D, GlobalMaxPooling3D
GlobalAvgPool1D, GlobalAvgPool2D, GlobalAvgPool3D = (GlobalAveragePooling1D, GlobalAveragePooling2D,
                                                     GlobalAveragePooling3D)
