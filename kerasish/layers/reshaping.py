"""Spatial reshaping layers: UpSampling1D/2D/3D, ZeroPadding1D/2D/3D, Cropping1D/2D/3D.

Who owns what:
- Nearest-neighbour upsampling repeats rows/columns exactly (a broadcast view reshaped
  once, no interpolation arithmetic); ``UpSampling2D(interpolation='bilinear'|'bicubic')``
  resizes with half-pixel centres, the values Keras gives.
- Padding and cropping work directly on the input's own layout (channels_last or
  channels_first): ``F.pad`` / a slice view, no permutes.
(Flatten, Reshape, Permute and RepeatVector live in ``core.py``.)
"""
import torch.nn.functional as F

from kerasish.layers.base import Layer
from kerasish.layers.conv import _ShapeInference, _data_format_arg, _int_tuple, _pair_tuple, _rank_error

__all__ = ["UpSampling1D", "UpSampling2D", "UpSampling3D", "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D",
           "Cropping1D", "Cropping2D", "Cropping3D"]

_INTERPOLATIONS = {"nearest": None, "bilinear": "bilinear", "bicubic": "bicubic"}


class _Spatial(_ShapeInference, Layer):
    """Shared: the rank check and the positions of the spatial axes."""

    _rank = 2

    def _set_format(self, data_format):
        self.data_format = _data_format_arg(type(self).__name__, data_format)
        r = self._rank
        self._axes = tuple(range(1, r + 1)) if self.data_format == "channels_last" else tuple(range(2, r + 2))

    def _check(self, shape):
        if len(shape) != self._rank + 2:
            raise _rank_error(self, self._rank + 2, tuple(shape))

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        self._check(input_shape)
        out = list(input_shape)
        for i, axis in enumerate(self._axes):
            out[axis] = None if input_shape[axis] is None else self._new_size(input_shape[axis], i, input_shape)
        return tuple(out)


# ----------------------------------------------------------------------------- upsampling
class _UpSampling(_Spatial):
    def _init_size(self, size, data_format, interpolation="nearest"):
        owner = type(self).__name__
        self.size = _int_tuple(owner, "size", size, self._rank)
        self._set_format(data_format)
        if not isinstance(interpolation, str) or interpolation.lower() not in _INTERPOLATIONS:
            raise ValueError(
                f"{owner}: the `interpolation` argument must be one of {sorted(_INTERPOLATIONS)}. Received: "
                f"interpolation={interpolation!r}")
        self.interpolation = interpolation.lower()

    def _new_size(self, n, i, input_shape):
        return n * self.size[i]

    def call(self, inputs):
        x = inputs
        self._check(x.shape)
        if self.interpolation == "nearest":
            # a broadcast axis after each spatial axis, expanded to the factor, then merged: one copy
            view, expanded, out = [], [], []
            for axis, n in enumerate(x.shape):
                view.append(n)
                expanded.append(n)
                if axis in self._axes:
                    factor = self.size[self._axes.index(axis)]
                    view.append(1)
                    expanded.append(factor)
                    out.append(n * factor)
                else:
                    out.append(n)
            return x.reshape(view).expand(expanded).reshape(out)
        channels_last = self.data_format == "channels_last"
        if channels_last:
            x = x.permute(0, 3, 1, 2)
        size = (x.shape[2] * self.size[0], x.shape[3] * self.size[1])
        y = F.interpolate(x, size=size, mode=_INTERPOLATIONS[self.interpolation], align_corners=False)
        return y.permute(0, 2, 3, 1) if channels_last else y


class UpSampling1D(_UpSampling):
    """Repeats each step ``size`` times: ``(batch, steps, features)`` → ``(batch, steps * size, features)``.

    Args:
        size: positive int. Default 2.
    """

    _rank = 1

    def __init__(self, size=2, **kwargs):
        super().__init__(**kwargs)
        if isinstance(size, bool) or not isinstance(size, int):
            raise TypeError(f"UpSampling1D: expected an integer value for `size`. Received: size={size!r}")
        self._init_size(size, "channels_last")

    def get_config(self):
        config = super().get_config()
        config["size"] = self.size[0]
        return config

    def extra_repr(self):
        return f"name={self.name!r}, size={self.size[0]}"


class UpSampling2D(_UpSampling):
    """Upsamples images by ``size`` (rows, columns).

    Args:
        size: int or tuple of 2 ints. Default ``(2, 2)``.
        data_format: ``'channels_last'`` (default) or ``'channels_first'``.
        interpolation: ``'nearest'`` (default, repeats pixels), ``'bilinear'`` or ``'bicubic'``.

    Example:
        >>> tuple(UpSampling2D(2)(np.zeros((1, 7, 7, 8), "float32")).shape)
        (1, 14, 14, 8)
    """

    _rank = 2

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(**kwargs)
        self._init_size(size, data_format, interpolation)

    def get_config(self):
        config = super().get_config()
        config.update({"size": self.size, "data_format": self.data_format, "interpolation": self.interpolation})
        return config

    def extra_repr(self):
        return f"name={self.name!r}, size={self.size}, interpolation={self.interpolation!r}"


class UpSampling3D(_UpSampling):
    """Repeats each voxel ``size`` times along the three spatial dimensions.

    Args:
        size: int or tuple of 3 ints. Default ``(2, 2, 2)``.
        data_format: ``'channels_last'`` (default) or ``'channels_first'``.
    """

    _rank = 3

    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self._init_size(size, data_format)

    def get_config(self):
        config = super().get_config()
        config.update({"size": self.size, "data_format": self.data_format})
        return config

    def extra_repr(self):
        return f"name={self.name!r}, size={self.size}"


# ----------------------------------------------------------------------------- zero padding
class _ZeroPadding(_Spatial):
    def _init_padding(self, padding, data_format):
        owner = type(self).__name__
        if self._rank == 1:
            self.padding = _int_tuple(owner, "padding", padding, 2, allow_zero=True)
            pairs = (self.padding,)
        else:
            self.padding = _pair_tuple(owner, "padding", padding, self._rank)
            pairs = self.padding
        self._set_format(data_format)
        flat = []
        for axis in reversed(range(self._rank + 2)):  # F.pad lists the last axis first
            if axis in self._axes:
                flat.extend(pairs[self._axes.index(axis)])
            else:
                flat.extend((0, 0))
        while flat and flat[-1] == 0 and flat[-2] == 0:
            flat = flat[:-2]
        self._flat = flat

    def _new_size(self, n, i, input_shape):
        pair = self.padding if self._rank == 1 else self.padding[i]
        return n + pair[0] + pair[1]

    def call(self, inputs):
        self._check(inputs.shape)
        return F.pad(inputs, self._flat)

    def get_config(self):
        config = super().get_config()
        config.update({"padding": self.padding, "data_format": self.data_format})
        return config

    def extra_repr(self):
        return f"name={self.name!r}, padding={self.padding}"


class ZeroPadding1D(_ZeroPadding):
    """Adds zeros at the start and end of the steps axis.

    Args:
        padding: int (both ends) or tuple ``(before, after)``. Default 1.
        data_format: ``'channels_last'`` (default, ``(batch, steps, features)``) or ``'channels_first'``.
    """

    _rank = 1

    def __init__(self, padding=1, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self._init_padding(padding, data_format)


class ZeroPadding2D(_ZeroPadding):
    """Adds rows and columns of zeros around images.

    Args:
        padding: int, ``(sym_rows, sym_cols)`` or ``((top, bottom), (left, right))``. Default ``(1, 1)``.
        data_format: ``'channels_last'`` (default) or ``'channels_first'``.

    Example:
        >>> tuple(ZeroPadding2D(((1, 2), (3, 4)))(np.zeros((1, 5, 5, 3), "float32")).shape)
        (1, 8, 12, 3)
    """

    _rank = 2

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self._init_padding(padding, data_format)


class ZeroPadding3D(_ZeroPadding):
    """Adds zeros around volumes; ``padding`` is an int, 3 ints or 3 ``(before, after)`` pairs
    (default ``((1, 1), (1, 1), (1, 1))``)."""

    _rank = 3

    def __init__(self, padding=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self._init_padding(padding, data_format)


# ----------------------------------------------------------------------------- cropping
class _Cropping(_Spatial):
    def _init_cropping(self, cropping, data_format):
        owner = type(self).__name__
        if self._rank == 1:
            self.cropping = _int_tuple(owner, "cropping", cropping, 2, allow_zero=True)
        else:
            self.cropping = _pair_tuple(owner, "cropping", cropping, self._rank)
        self._set_format(data_format)

    def _pairs(self):
        return (self.cropping,) if self._rank == 1 else self.cropping

    def _new_size(self, n, i, input_shape):
        before, after = self._pairs()[i]
        if before + after >= n:
            raise ValueError(
                f"{type(self).__name__} layer '{self.name}': the values in `cropping` must be smaller than the "
                f"corresponding spatial dimension of the input. Received: input_shape={tuple(input_shape)}, "
                f"cropping={self.cropping}")
        return n - before - after

    def call(self, inputs):
        shape = inputs.shape
        self._check(shape)
        index = [slice(None)] * inputs.dim()
        for i, axis in enumerate(self._axes):
            index[axis] = slice(self._pairs()[i][0], self._new_size(shape[axis], i, shape) + self._pairs()[i][0])
        return inputs[tuple(index)]

    def get_config(self):
        config = super().get_config()
        config["cropping"] = self.cropping
        if self._rank > 1:
            config["data_format"] = self.data_format
        return config

    def extra_repr(self):
        return f"name={self.name!r}, cropping={self.cropping}"


class Cropping1D(_Cropping):
    """Removes steps at the start and end: ``cropping`` is an int or ``(before, after)``
    (default ``(1, 1)``); input ``(batch, steps, features)``."""

    _rank = 1

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(**kwargs)
        self._init_cropping(cropping, "channels_last")


class Cropping2D(_Cropping):
    """Crops images: ``cropping`` is an int, ``(sym_rows, sym_cols)`` or
    ``((top, bottom), (left, right))`` (default no cropping).

    Example:
        >>> tuple(Cropping2D(((2, 2), (4, 4)))(np.zeros((1, 28, 28, 3), "float32")).shape)
        (1, 24, 20, 3)
    """

    _rank = 2

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self._init_cropping(cropping, data_format)


class Cropping3D(_Cropping):
    """Crops volumes: ``cropping`` is an int, 3 ints or 3 ``(before, after)`` pairs
    (default ``((1, 1), (1, 1), (1, 1))``)."""

    _rank = 3

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self._init_cropping(cropping, data_format)
