"""Convolution layers: Conv1D/2D/3D, SeparableConv1D/2D, DepthwiseConv1D/2D and
Conv1D/2D/3DTranspose, plus their Keras 2 spellings (``Convolution2D`` ...).

Who owns what:
- Inputs and outputs follow Keras: channels_last by default (``data_format`` or
  ``keras.config.image_data_format()`` can say channels_first). Inside, the layers
  compute in torch's channels_first layout: a channels_last input is *viewed* as
  NC... with ``permute`` (no copy; torch then runs its channels_last kernels), and the
  result is permuted back, so consecutive layers hand each other NHWC tensors without
  copies.
- Weights are created in Keras's shape (so initializer fans are Keras's) and stored in
  torch's layout through ``add_weight(layout=...)``; ``get_weights``/``set_weights``
  speak Keras layout.
- ``padding='same'`` follows TensorFlow: the total padding of a dimension is
  ``max((ceil(n / s) - 1) * s + (k - 1) * d + 1 - n, 0)`` and the odd extra element goes
  to the end (bottom/right). Symmetric cases use torch's own ``padding`` argument,
  the others an explicit ``F.pad``.
- Transposed convolutions produce Keras's output shapes for ``'valid'``/``'same'`` and
  ``output_padding`` (the same values as Keras: the full transposed convolution,
  cropped or zero-extended per side).

The small validation/shape helpers at the top are shared with ``pooling.py`` and
``reshaping.py``.
"""
import numpy as np
import torch
import torch.nn.functional as F

from kerasish import activations, backend, constraints, initializers, regularizers
from kerasish.engine import keras_tensor as kt_lib
from kerasish.layers.base import Layer

__all__ = [
    "Conv1D", "Conv2D", "Conv3D", "SeparableConv1D", "SeparableConv2D", "DepthwiseConv1D", "DepthwiseConv2D",
    "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose", "Convolution1D", "Convolution2D",
    "Convolution3D", "SeparableConvolution1D", "SeparableConvolution2D", "Convolution1DTranspose",
    "Convolution2DTranspose", "Convolution3DTranspose",
]

_PROBABILISTIC = ("softmax", "sigmoid")


# ----------------------------------------------------------------------------- shared helpers
def _is_int(value):
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _positive_int(owner, arg, value):
    """``value`` as an int > 0; a ValueError naming ``owner`` and ``arg`` otherwise (floats too)."""
    if not _is_int(value) or value <= 0:
        raise ValueError(
            f"Received an invalid value for `{arg}` in {owner}, expected a positive integer. "
            f"Received: {arg}={value!r}")
    return int(value)


def _int_tuple(owner, arg, value, n, allow_zero=False):
    """An int or a sequence of ``n`` ints → a tuple of ``n`` ints (> 0, or >= 0 with allow_zero)."""
    if _is_int(value):
        values = (int(value),) * n
    elif isinstance(value, (list, tuple, np.ndarray)) and len(value) == n and all(_is_int(v) for v in value):
        values = tuple(int(v) for v in value)
    else:
        values = None
    if values is None or any(v < 0 or (v == 0 and not allow_zero) for v in values):
        kind = "non-negative" if allow_zero else "positive"
        raise ValueError(
            f"{owner}: the `{arg}` argument must be a {kind} integer or a tuple of {n} {kind} integers. "
            f"Received: {arg}={value!r}")
    return values


def _pair_tuple(owner, arg, value, n):
    """ZeroPadding/Cropping style: an int, ``n`` ints (symmetric) or ``n`` pairs → ``n`` (before, after) pairs."""
    if _is_int(value):
        if value < 0:
            raise ValueError(f"{owner}: `{arg}` cannot be negative. Received: {arg}={value!r}")
        return ((int(value), int(value)),) * n
    if isinstance(value, (list, tuple)) and len(value) == n:
        out = []
        for i, v in enumerate(value):
            out.append(_int_tuple(owner, f"{arg}[{i}]", v, 2, allow_zero=True))
        return tuple(out)
    raise ValueError(
        f"{owner}: `{arg}` should be an int, a tuple of {n} ints or a tuple of {n} tuples of 2 ints "
        f"((before, after) for each spatial dimension). Received: {arg}={value!r}")


def _padding_arg(owner, value, allowed=("valid", "same")):
    if isinstance(value, str) and value.lower() in allowed:
        return value.lower()
    raise ValueError(
        f"{owner}: the `padding` argument must be one of {set(allowed)}. Received: padding={value!r}")


def _data_format_arg(owner, value):
    try:
        return backend.standardize_data_format(value)
    except ValueError:
        raise ValueError(
            f"{owner}: the `data_format` argument must be one of {{'channels_first', 'channels_last'}}. "
            f"Received: data_format={value!r}") from None


def _same_pads(size, kernel, stride):
    """TensorFlow's 'same' padding of one dimension as (before, after); ``kernel`` is the dilated size."""
    if stride == 1:
        total = kernel - 1
    else:
        total = max((-(-size // stride) - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def _to_channels_first(rank):
    return (0, rank + 1) + tuple(range(1, rank + 1))


def _to_channels_last(rank):
    return (0,) + tuple(range(2, rank + 2)) + (1,)


def _rank_error(layer, ndim, shape):
    return ValueError(
        f"Input 0 of layer '{layer.name}' is incompatible with the layer: expected ndim={ndim}, "
        f"found ndim={len(shape)}. Full shape received: {tuple(shape)}")


class _ShapeInference:
    """Symbolic calls (functional API) take the output shape from ``compute_output_shape``
    instead of running the layer on small concrete tensors: unknown spatial sizes stay
    ``None`` (a 3x3 'valid' kernel on an input of unknown height must not fail) and no
    computation happens while a graph is built."""

    def _infer_outputs(self, args, kwargs):
        x = args[0] if len(args) == 1 else None
        if not isinstance(x, kt_lib.KerasTensor) or any(isinstance(v, kt_lib.KerasTensor)
                                                         for v in kwargs.values()):
            return super()._infer_outputs(args, kwargs)
        shape = self.compute_output_shape(x.shape)
        dtype = self._compute_dtype if (x.dtype.is_floating_point and self.autocast) else x.dtype
        has_mask = (x._has_mask and self.supports_masking
                    and type(self).compute_mask is Layer.compute_mask)
        return kt_lib.KerasTensor(shape, dtype=dtype, has_mask=has_mask)


# ----------------------------------------------------------------------------- base class
class _BaseConv(_ShapeInference, Layer):
    """What every convolution shares: argument checks, the channels_last ↔ channels_first
    views, 'same'/'causal' padding, the activation, input checks and the config."""

    _rank = 2
    _causal_ok = False

    def _init_spatial(self, kernel_size, strides, padding, data_format, dilation_rate, activation, use_bias):
        owner, r = type(self).__name__, self._rank
        self.kernel_size = _int_tuple(owner, "kernel_size", kernel_size, r)
        self.strides = _int_tuple(owner, "strides", strides, r)
        self.dilation_rate = _int_tuple(owner, "dilation_rate", dilation_rate, r)
        allowed = ("valid", "same", "causal") if self._causal_ok else ("valid", "same")
        self.padding = _padding_arg(owner, padding, allowed)
        self.data_format = _data_format_arg(owner, data_format)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        act_name = getattr(self.activation, "__name__", "")
        self._emit_logits = act_name in _PROBABILISTIC
        self._linear = act_name == "linear"
        self._channels_last = self.data_format == "channels_last"
        self._ndim = r + 2
        self._ch_axis = -1 if self._channels_last else 1
        self._to_cf = _to_channels_first(r)
        self._to_cl = _to_channels_last(r)
        self._eff_kernel = tuple((k - 1) * d + 1 for k, d in zip(self.kernel_size, self.dilation_rate))
        self._pad_cache = {}
        self._in_channels = None

    # --------------------------------------------------------------- input checks
    def _input_channels(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) != self._ndim:
            raise _rank_error(self, self._ndim, input_shape)
        channels = input_shape[self._ch_axis]
        if channels is None:
            raise ValueError(
                f"The channel dimension of the inputs to {type(self).__name__} layer '{self.name}' should be "
                f"defined (axis {self._ch_axis} with data_format='{self.data_format}'). Found None. Full input "
                f"shape received: {input_shape}")
        return int(channels)

    def _check_shape(self, shape):
        """Rank and channel count of a (symbolic or concrete) input shape."""
        shape = tuple(shape)
        if len(shape) != self._ndim:
            raise _rank_error(self, self._ndim, shape)
        if self._in_channels is not None and shape[self._ch_axis] is not None \
                and shape[self._ch_axis] != self._in_channels:
            axis = -1 if self._channels_last else 1
            raise ValueError(
                f"Input 0 of layer '{self.name}' is incompatible with the layer: expected axis {axis} of input "
                f"shape to have value {self._in_channels}, but received input with shape {shape}")

    def _spatial(self, shape):
        return tuple(shape[1:-1]) if self._channels_last else tuple(shape[2:])

    # --------------------------------------------------------------- padding
    def _conv_padding(self, spatial):
        """(torch ``padding`` argument, explicit ``F.pad`` list or None) for input spatial sizes."""
        if self.padding == "valid":
            for n, k in zip(spatial, self._eff_kernel):
                if n < k:
                    raise ValueError(
                        f"{type(self).__name__} layer '{self.name}' with padding='valid': the kernel (size "
                        f"{self.kernel_size}, dilation_rate {self.dilation_rate}) is larger than the input "
                        f"(spatial size {tuple(spatial)}), so the output would be empty. Use padding='same' or a "
                        "larger input.")
            return 0, None
        key = spatial if max(self.strides) > 1 else None
        cached = self._pad_cache.get(key)
        if cached is not None:
            return cached
        if self.padding == "causal":
            pads = [((k - 1), 0) for k in self._eff_kernel]
        else:
            pads = [_same_pads(n, k, s) for n, k, s in zip(spatial, self._eff_kernel, self.strides)]
        if all(a == b for a, b in pads):
            result = (tuple(a for a, _ in pads), None)
        else:
            flat = []
            for a, b in reversed(pads):
                flat.extend((a, b))
            result = (0, flat)
        if len(self._pad_cache) > 64:
            self._pad_cache.clear()
        self._pad_cache[key] = result
        return result

    def _out_len(self, n, i):
        if n is None:
            return None
        k, s = self._eff_kernel[i], self.strides[i]
        if self.padding == "valid":
            out = (n - k) // s + 1
        else:  # 'same' and 'causal' keep ceil(n / s)
            out = -(-n // s)
        if out <= 0:
            raise ValueError(
                f"{type(self).__name__} layer '{self.name}' with padding='{self.padding}': the kernel (size "
                f"{self.kernel_size}, dilation_rate {self.dilation_rate}) is larger than the input (spatial "
                f"dimension {i} has size {n}), so the output would be empty.")
        return out

    # --------------------------------------------------------------- output
    def _finish(self, y):
        if self._channels_last:
            y = y.permute(self._to_cl)
        if self._linear:
            return y
        out = self.activation(y)
        if self._emit_logits:
            out._keras_logits = y
        return out

    def _bad_input(self, x):
        self._check_shape(x.shape)
        raise _rank_error(self, self._ndim, x.shape)  # not reached: _check_shape raised

    def _explain_error(self, error, args):
        x = args[0] if args else None
        if isinstance(x, torch.Tensor):
            try:
                self._check_shape(x.shape)
            except ValueError as e:
                return e
        return super()._explain_error(error, args)

    def _output_shape(self, input_shape, channels, spatial_out):
        if self._channels_last:
            return (input_shape[0],) + tuple(spatial_out) + (channels,)
        return (input_shape[0], channels) + tuple(spatial_out)

    def _base_config(self):
        return {
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
        }

    def _repr_args(self):
        act = getattr(self.activation, "__name__", "?")
        return (f"kernel_size={self.kernel_size}, strides={self.strides}, padding={self.padding!r}, "
                f"data_format={self.data_format!r}, activation={act}, use_bias={self.use_bias}")


def _conv_fn(rank):
    return {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}[rank]


def _conv_transpose_fn(rank):
    return {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}[rank]


def _kernel_layout(rank):
    """Keras (k1..kr, a, b) → torch (b, a, k1..kr): the Conv kernel and the transposed kernel."""
    return (rank + 1, rank) + tuple(range(rank))


# ----------------------------------------------------------------------------- Conv1D/2D/3D
class _Conv(_BaseConv):
    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 groups=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        owner = type(self).__name__
        self.filters = _positive_int(owner, "filters", filters)
        self.groups = _positive_int(owner, "groups", groups)
        if self.filters % self.groups:
            raise ValueError(
                f"{owner}: the number of filters must be evenly divisible by the number of groups. Received: "
                f"groups={self.groups}, filters={self.filters}.")
        self._init_spatial(kernel_size, strides, padding, data_format, dilation_rate, activation, use_bias)
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(
                f"{owner}: `strides > 1` not supported in conjunction with `dilation_rate > 1`. Received: "
                f"strides={self.strides} and dilation_rate={self.dilation_rate}")
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self._fn = _conv_fn(self._rank)

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        if channels % self.groups:
            raise ValueError(
                f"{type(self).__name__} layer '{self.name}': the number of input channels must be evenly "
                f"divisible by the number of groups. Received groups={self.groups}, but the input has "
                f"{channels} channels (full input shape is {tuple(input_shape)}).")
        self._in_channels = channels
        self.compute_output_shape(input_shape)
        self.kernel = self.add_weight(
            name="kernel", shape=self.kernel_size + (channels // self.groups, self.filters),
            initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint, layout=_kernel_layout(self._rank))
        if self.use_bias:
            self.bias = self.add_weight(name="bias", shape=(self.filters,), initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        else:
            self.bias = None

    def call(self, inputs):
        x = inputs
        if x.dim() != self._ndim or x.shape[self._ch_axis] != self._in_channels:
            self._bad_input(x)
        if self._channels_last:
            x = x.permute(self._to_cf)
        padding, explicit = self._conv_padding(x.shape[2:])
        if explicit is not None:
            x = F.pad(x, explicit)
        y = self._fn(x, self.kernel, self.bias, self.strides, padding, self.dilation_rate, self.groups)
        return self._finish(y)

    def compute_output_shape(self, input_shape):
        self._check_shape(input_shape)
        spatial = [self._out_len(n, i) for i, n in enumerate(self._spatial(input_shape))]
        return self._output_shape(tuple(input_shape), self.filters, spatial)

    def get_config(self):
        config = super().get_config()
        config.update({"filters": self.filters})
        config.update(self._base_config())
        config.update({
            "groups": self.groups,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        })
        return config

    def extra_repr(self):
        groups = f", groups={self.groups}" if self.groups != 1 else ""
        return f"name={self.name!r}, filters={self.filters}, {self._repr_args()}{groups}"


class Conv1D(_Conv):
    """1D convolution (temporal convolution) over ``(batch, steps, channels)`` inputs.

    Args:
        filters: number of output channels.
        kernel_size: int or tuple of 1 int, the window length.
        strides: int or tuple of 1 int. Default 1.
        padding: ``'valid'`` (default), ``'same'`` (output length ``ceil(steps / strides)``) or
            ``'causal'`` (left padding only: output ``t`` never sees inputs after ``t``).
        data_format: ``'channels_last'`` (default) or ``'channels_first'`` (``(batch, channels, steps)``).
        dilation_rate: int. Default 1.
        groups: number of channel groups (filters and input channels must be divisible by it).
        activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
        bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint: as ``Dense``.

    Weights: ``kernel`` of Keras shape ``(kernel_size, in_channels // groups, filters)``, ``bias``.

    Example:
        >>> y = Conv1D(8, 3, padding="causal")(np.zeros((2, 10, 4), "float32"))
        >>> tuple(y.shape)
        (2, 10, 8)
    """

    _rank = 1
    _causal_ok = True


class Conv2D(_Conv):
    """2D convolution over images ``(batch, height, width, channels)``.

    Args:
        filters: number of output channels.
        kernel_size: int or tuple of 2 ints.
        strides: int or tuple of 2 ints. Default 1.
        padding: ``'valid'`` (default) or ``'same'`` (TensorFlow rule: output ``ceil(n / strides)``,
            the odd extra padding row/column at the bottom/right).
        data_format: ``'channels_last'`` (default) or ``'channels_first'``.
        dilation_rate: int or tuple of 2 ints. Default 1 (cannot be combined with strides > 1).
        groups: number of channel groups. Default 1.
        activation, use_bias, kernel_initializer ('glorot_uniform'), bias_initializer ('zeros'),
        kernel_regularizer, bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint.

    Weights: ``kernel`` of Keras shape ``(kh, kw, in_channels // groups, filters)`` (stored as torch's
    ``(filters, in // groups, kh, kw)``), ``bias`` ``(filters,)``.

    Example:
        >>> conv = Conv2D(32, 3, padding="same", activation="relu")
        >>> tuple(conv(np.zeros((1, 28, 28, 1), "float32")).shape)
        (1, 28, 28, 32)
    """

    _rank = 2


class Conv3D(_Conv):
    """3D convolution over volumes ``(batch, d1, d2, d3, channels)``; arguments as ``Conv2D``
    with tuples of 3 ints. Kernel Keras shape ``(k1, k2, k3, in_channels // groups, filters)``."""

    _rank = 3


# ----------------------------------------------------------------------------- depthwise / separable
class _DepthwiseMixin:
    """A depthwise kernel of Keras shape ``(k..., channels, depth_multiplier)`` is stored as
    ``(channels, depth_multiplier, k...)`` and viewed as torch's grouped weight
    ``(channels * depth_multiplier, 1, k...)`` (output channel ``c * multiplier + m``, as Keras)."""

    def _depthwise(self, x, bias):
        weight = self._dw_kernel().reshape((-1, 1) + self.kernel_size)
        padding, explicit = self._conv_padding(x.shape[2:])
        if explicit is not None:
            x = F.pad(x, explicit)
        return self._fn(x, weight, bias, self.strides, padding, self.dilation_rate, self._in_channels)

    def _depthwise_layout(self):
        r = self._rank
        return (r, r + 1) + tuple(range(r))


class _DepthwiseConv(_DepthwiseMixin, _BaseConv):
    def __init__(self, kernel_size, strides=1, padding="valid", depth_multiplier=1, data_format=None,
                 dilation_rate=1, activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        owner = type(self).__name__
        self.depth_multiplier = _positive_int(owner, "depth_multiplier", depth_multiplier)
        self._init_spatial(kernel_size, strides, padding, data_format, dilation_rate, activation, use_bias)
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self._fn = _conv_fn(self._rank)

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        self._in_channels = channels
        self.compute_output_shape(input_shape)
        self.kernel = self.add_weight(
            name="kernel", shape=self.kernel_size + (channels, self.depth_multiplier),
            initializer=self.depthwise_initializer, regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint, layout=self._depthwise_layout())
        if self.use_bias:
            self.bias = self.add_weight(name="bias", shape=(channels * self.depth_multiplier,),
                                        initializer=self.bias_initializer, regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
        else:
            self.bias = None

    def _dw_kernel(self):
        return self.kernel

    def call(self, inputs):
        x = inputs
        if x.dim() != self._ndim or x.shape[self._ch_axis] != self._in_channels:
            self._bad_input(x)
        if self._channels_last:
            x = x.permute(self._to_cf)
        return self._finish(self._depthwise(x, self.bias))

    def compute_output_shape(self, input_shape):
        self._check_shape(input_shape)
        channels = input_shape[self._ch_axis]
        spatial = [self._out_len(n, i) for i, n in enumerate(self._spatial(input_shape))]
        out_channels = None if channels is None else channels * self.depth_multiplier
        return self._output_shape(tuple(input_shape), out_channels, spatial)

    def get_config(self):
        config = super().get_config()
        config.update(self._base_config())
        config.update({
            "depth_multiplier": self.depth_multiplier,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "depthwise_regularizer": regularizers.serialize(self.depthwise_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "depthwise_constraint": constraints.serialize(self.depthwise_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        })
        return config

    def extra_repr(self):
        return f"name={self.name!r}, depth_multiplier={self.depth_multiplier}, {self._repr_args()}"


class DepthwiseConv1D(_DepthwiseConv):
    """Depthwise 1D convolution: each input channel is convolved with its own
    ``depth_multiplier`` filters; output channels ``channels * depth_multiplier``.

    Args: kernel_size, strides=1, padding='valid' ('same'; 'causal' as tf.keras 2 allowed),
    depth_multiplier=1, data_format, dilation_rate=1, activation, use_bias,
    depthwise_initializer, bias_initializer, depthwise_regularizer, bias_regularizer,
    activity_regularizer, depthwise_constraint, bias_constraint.

    Weights: ``kernel`` of Keras shape ``(k, channels, depth_multiplier)``, ``bias``.
    """

    _rank = 1
    _causal_ok = True


class DepthwiseConv2D(_DepthwiseConv):
    """Depthwise 2D convolution (the first half of a separable convolution).

    Args: kernel_size, strides=(1, 1), padding='valid', depth_multiplier=1, data_format,
    dilation_rate=(1, 1), activation, use_bias, depthwise_initializer, bias_initializer,
    depthwise_regularizer, bias_regularizer, activity_regularizer, depthwise_constraint,
    bias_constraint.

    Weights: ``kernel`` of Keras shape ``(kh, kw, channels, depth_multiplier)``, ``bias``
    ``(channels * depth_multiplier,)``.

    Example:
        >>> tuple(DepthwiseConv2D(3, depth_multiplier=2)(np.zeros((1, 8, 8, 4), "float32")).shape)
        (1, 6, 6, 8)
    """

    _rank = 2


class _SeparableConv(_DepthwiseMixin, _BaseConv):
    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 depth_multiplier=1, activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 pointwise_initializer="glorot_uniform", bias_initializer="zeros", depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, pointwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        owner = type(self).__name__
        self.filters = _positive_int(owner, "filters", filters)
        self.depth_multiplier = _positive_int(owner, "depth_multiplier", depth_multiplier)
        self._init_spatial(kernel_size, strides, padding, data_format, dilation_rate, activation, use_bias)
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.pointwise_constraint = constraints.get(pointwise_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self._fn = _conv_fn(self._rank)

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        self._in_channels = channels
        self.compute_output_shape(input_shape)
        r = self._rank
        self.depthwise_kernel = self.add_weight(
            name="depthwise_kernel", shape=self.kernel_size + (channels, self.depth_multiplier),
            initializer=self.depthwise_initializer, regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint, layout=self._depthwise_layout())
        self.pointwise_kernel = self.add_weight(
            name="pointwise_kernel", shape=(1,) * r + (channels * self.depth_multiplier, self.filters),
            initializer=self.pointwise_initializer, regularizer=self.pointwise_regularizer,
            constraint=self.pointwise_constraint, layout=_kernel_layout(r))
        if self.use_bias:
            self.bias = self.add_weight(name="bias", shape=(self.filters,), initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        else:
            self.bias = None

    def _dw_kernel(self):
        return self.depthwise_kernel

    def call(self, inputs):
        x = inputs
        if x.dim() != self._ndim or x.shape[self._ch_axis] != self._in_channels:
            self._bad_input(x)
        if self._channels_last:
            x = x.permute(self._to_cf)
        y = self._depthwise(x, None)
        return self._finish(self._fn(y, self.pointwise_kernel, self.bias))

    def compute_output_shape(self, input_shape):
        self._check_shape(input_shape)
        spatial = [self._out_len(n, i) for i, n in enumerate(self._spatial(input_shape))]
        return self._output_shape(tuple(input_shape), self.filters, spatial)

    def get_config(self):
        config = super().get_config()
        config.update({"filters": self.filters})
        config.update(self._base_config())
        config.update({
            "depth_multiplier": self.depth_multiplier,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
            "pointwise_initializer": initializers.serialize(self.pointwise_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "depthwise_regularizer": regularizers.serialize(self.depthwise_regularizer),
            "pointwise_regularizer": regularizers.serialize(self.pointwise_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "depthwise_constraint": constraints.serialize(self.depthwise_constraint),
            "pointwise_constraint": constraints.serialize(self.pointwise_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        })
        return config

    def extra_repr(self):
        return (f"name={self.name!r}, filters={self.filters}, depth_multiplier={self.depth_multiplier}, "
                f"{self._repr_args()}")


class SeparableConv1D(_SeparableConv):
    """Depthwise separable 1D convolution: a depthwise convolution (strides, padding and
    dilation apply here) followed by a pointwise (kernel 1) convolution to ``filters`` channels.

    Weights: ``depthwise_kernel`` ``(k, channels, depth_multiplier)``, ``pointwise_kernel``
    ``(1, channels * depth_multiplier, filters)``, ``bias`` ``(filters,)``.
    """

    _rank = 1
    _causal_ok = True


class SeparableConv2D(_SeparableConv):
    """Depthwise separable 2D convolution (depthwise then pointwise 1x1 convolution).

    Args: filters, kernel_size, strides=(1, 1), padding='valid', data_format,
    dilation_rate=(1, 1), depth_multiplier=1, activation, use_bias, depthwise_initializer,
    pointwise_initializer, bias_initializer, depthwise/pointwise/bias/activity regularizers,
    depthwise/pointwise/bias constraints.

    Weights: ``depthwise_kernel`` ``(kh, kw, channels, depth_multiplier)``, ``pointwise_kernel``
    ``(1, 1, channels * depth_multiplier, filters)``, ``bias`` ``(filters,)``.

    Example:
        >>> tuple(SeparableConv2D(16, 3, padding="same")(np.zeros((1, 8, 8, 4), "float32")).shape)
        (1, 8, 8, 16)
    """

    _rank = 2


# ----------------------------------------------------------------------------- transposed
def _transpose_crops(kernel, stride, dilation, padding, output_padding):
    """How Keras shapes one dimension of a transposed convolution, as (crop_before, crop_after)
    of the full result of length ``(n - 1) * stride + dilated_kernel`` (negative = extend with zeros)."""
    k = (kernel - 1) * dilation + 1
    if padding == "valid":
        extra = max(k, stride) - k if output_padding is None else output_padding
        before, after = k - 1, k - 1 + extra
    else:
        total = stride + k - 2 if output_padding is None else k + k % 2 - 2 + output_padding
        before = min(total // 2 + total % 2, k - 1)
        after = total - before
    return k - 1 - before, k - 1 - after


class _ConvTranspose(_BaseConv):
    def __init__(self, filters, kernel_size, strides=1, padding="valid", output_padding=None, data_format=None,
                 dilation_rate=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        owner = type(self).__name__
        self.filters = _positive_int(owner, "filters", filters)
        self._init_spatial(kernel_size, strides, padding, data_format, dilation_rate, activation, use_bias)
        if output_padding is None:
            self.output_padding = None
        else:
            self.output_padding = _int_tuple(owner, "output_padding", output_padding, self._rank,
                                             allow_zero=True)
            for i, (op, s) in enumerate(zip(self.output_padding, self.strides)):
                if op >= s:
                    raise ValueError(
                        f"{owner}: `output_padding` must be strictly less than `strides` for all dimensions. "
                        f"At dimension {i}, `output_padding` is {op} but `strides` is {s}. Received: "
                        f"output_padding={self.output_padding}, strides={self.strides}")
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(
                f"{owner}: `strides > 1` not supported in conjunction with `dilation_rate > 1`. Received: "
                f"strides={self.strides} and dilation_rate={self.dilation_rate}")
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self._fn = _conv_transpose_fn(self._rank)
        ops = self.output_padding or (None,) * self._rank
        self._crops = [_transpose_crops(k, s, d, self.padding, op) for k, s, d, op in
                       zip(self.kernel_size, self.strides, self.dilation_rate, ops)]
        # torch's own padding/output_padding express "crop p before, p - q after" (0 <= q < stride or
        # dilation); other cases run the full transposed convolution and slice / zero-extend it.
        self._torch_args = None
        pads, out_pads = [], []
        for (before, after), s, d in zip(self._crops, self.strides, self.dilation_rate):
            if after < 0 or before < after or before - after >= max(s, d):
                break
            pads.append(before)
            out_pads.append(before - after)
        else:
            self._torch_args = (tuple(pads), tuple(out_pads))

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        self._in_channels = channels
        self.compute_output_shape(input_shape)
        self.kernel = self.add_weight(
            name="kernel", shape=self.kernel_size + (self.filters, channels),
            initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint, layout=_kernel_layout(self._rank))
        if self.use_bias:
            self.bias = self.add_weight(name="bias", shape=(self.filters,), initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        else:
            self.bias = None

    def call(self, inputs):
        x = inputs
        if x.dim() != self._ndim or x.shape[self._ch_axis] != self._in_channels:
            self._bad_input(x)
        if self._channels_last:
            x = x.permute(self._to_cf)
        if self._torch_args is not None:
            padding, output_padding = self._torch_args
            y = self._fn(x, self.kernel, self.bias, self.strides, padding, output_padding, 1, self.dilation_rate)
            return self._finish(y)
        y = self._fn(x, self.kernel, None, self.strides, 0, 0, 1, self.dilation_rate)
        index = [slice(None), slice(None)]
        extend = []
        for n, (before, after) in zip(y.shape[2:], self._crops):
            index.append(slice(max(before, 0), n - max(after, 0)))
        for before, after in reversed(self._crops):
            extend.extend((max(-before, 0), max(-after, 0)))
        y = y[tuple(index)]
        if any(extend):
            y = F.pad(y, extend)
        if self.bias is not None:
            y = y + self.bias.reshape((1, -1) + (1,) * self._rank)
        return self._finish(y)

    def _out_len(self, n, i):
        if n is None:
            return None
        k = self._eff_kernel[i]
        s = self.strides[i]
        op = None if self.output_padding is None else self.output_padding[i]
        if self.padding == "valid":
            return (n - 1) * s + k + (max(k, s) - k if op is None else op)
        return n * s if op is None else (n - 1) * s + k % 2 + op

    def compute_output_shape(self, input_shape):
        self._check_shape(input_shape)
        spatial = [self._out_len(n, i) for i, n in enumerate(self._spatial(input_shape))]
        return self._output_shape(tuple(input_shape), self.filters, spatial)

    def get_config(self):
        config = super().get_config()
        config.update({"filters": self.filters})
        config.update(self._base_config())
        config.update({
            "output_padding": self.output_padding,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        })
        return config

    def extra_repr(self):
        op = f", output_padding={self.output_padding}" if self.output_padding is not None else ""
        return f"name={self.name!r}, filters={self.filters}, {self._repr_args()}{op}"


class Conv1DTranspose(_ConvTranspose):
    """Transposed 1D convolution ("deconvolution"); output length for ``padding='same'`` is
    ``steps * strides``, for ``'valid'`` ``(steps - 1) * strides + max(kernel, strides)``;
    ``output_padding`` (< strides) sets the extra length explicitly.

    Weights: ``kernel`` of Keras shape ``(k, filters, in_channels)``, ``bias`` ``(filters,)``.
    """

    _rank = 1


class Conv2DTranspose(_ConvTranspose):
    """Transposed 2D convolution, the upsampling layer of decoders and GANs.

    Args: filters, kernel_size, strides=(1, 1), padding='valid', output_padding=None,
    data_format, dilation_rate=(1, 1), activation, use_bias, kernel_initializer,
    bias_initializer, kernel/bias/activity regularizers, kernel/bias constraints.

    Output size per dimension: ``'same'`` → ``n * strides``; ``'valid'`` →
    ``(n - 1) * strides + max(kernel, strides)``; with ``output_padding`` p:
    ``'same'`` → ``(n - 1) * strides + kernel % 2 + p``, ``'valid'`` → ``(n - 1) * strides + kernel + p``.

    Weights: ``kernel`` of Keras shape ``(kh, kw, filters, in_channels)``, ``bias``.

    Example:
        >>> tuple(Conv2DTranspose(8, 3, strides=2, padding="same")(np.zeros((1, 7, 7, 4), "float32")).shape)
        (1, 14, 14, 8)
    """

    _rank = 2


class Conv3DTranspose(_ConvTranspose):
    """Transposed 3D convolution; arguments as ``Conv2DTranspose`` with 3-tuples (Keras's
    positional order here puts ``data_format`` before ``output_padding``)."""

    _rank = 3

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, output_padding=None,
                 dilation_rate=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(filters, kernel_size, strides=strides, padding=padding, output_padding=output_padding,
                         data_format=data_format, dilation_rate=dilation_rate, activation=activation,
                         use_bias=use_bias, kernel_initializer=kernel_initializer,
                         bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                         bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
                         kernel_constraint=kernel_constraint, bias_constraint=bias_constraint, **kwargs)


# Keras 2 spellings (the same classes, as in Keras)
Convolution1D = Conv1D
Convolution2D = Conv2D
Convolution3D = Conv3D
SeparableConvolution1D = SeparableConv1D
SeparableConvolution2D = SeparableConv2D
Convolution1DTranspose = Conv1DTranspose
Convolution2DTranspose = Conv2DTranspose
Convolution3DTranspose = Conv3DTranspose
