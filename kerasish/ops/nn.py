"""keras.ops.nn: activations, convolution and pooling in Keras layouts, one-hot
encodings, normalization and cross-entropies, on torch.

Layouts follow Keras: inputs are channels_last by default (``N, *spatial, C``)
and conv kernels are ``(*kernel_size, in_channels, out_channels)``;
``data_format='channels_first'`` takes ``N, C, *spatial``. ``padding='same'``
puts the odd extra pixel at the bottom/right, as TensorFlow and JAX do.
"""
import warnings

import torch
import torch.nn.functional as F

from kerasish import backend
from kerasish.ops import core
from kerasish.ops.core import op, standardize_dtype

_t = core._convert
_tdtype = core.to_torch_dtype


def _on_cpu():
    return backend.get_device().type == "cpu"


# ============================================================================ activations
@op
def relu(x):
    return F.relu(_t(x))


@op
def relu6(x):
    return F.relu6(_t(x))


@op
def sigmoid(x):
    return torch.sigmoid(_t(x))


@op
def softplus(x):
    return F.softplus(_t(x))


@op
def softsign(x):
    return F.softsign(_t(x))


@op
def silu(x):
    return F.silu(_t(x))


@op
def swish(x):
    return F.silu(_t(x))


@op
def log_sigmoid(x):
    return F.logsigmoid(_t(x))


@op
def leaky_relu(x, negative_slope=0.2):
    return F.leaky_relu(_t(x), negative_slope=negative_slope)


@op
def hard_sigmoid(x):
    return F.hardsigmoid(_t(x))


@op
def hard_silu(x):
    return F.hardswish(_t(x))


@op
def hard_swish(x):
    return F.hardswish(_t(x))


@op
def hard_tanh(x):
    return F.hardtanh(_t(x), min_val=-1.0, max_val=1.0)


@op
def elu(x, alpha=1.0):
    return F.elu(_t(x), alpha)


@op
def selu(x):
    return F.selu(_t(x))


@op
def celu(x, alpha=1.0):
    return F.celu(_t(x), alpha=alpha)


@op
def gelu(x, approximate=True):
    return F.gelu(_t(x), approximate="tanh" if approximate else "none")


@op
def glu(x, axis=-1):
    return F.glu(_t(x), dim=axis)


def _softmax_like(fn, x, axis, name):
    x = _t(x)
    if isinstance(axis, int) and -x.ndim <= axis < x.ndim and x.shape[axis] == 1:
        warnings.warn(
            f"You are using a {name} over axis {axis} of a tensor of shape {tuple(x.shape)}. This axis has "
            f"size 1. The {name} operation will always return the value {1 if name == 'softmax' else 0}, which "
            "is likely not what you intended. Did you mean to use a sigmoid instead?", stacklevel=3)
    dtype = x.dtype
    if dtype == torch.float16 and _on_cpu():
        x = x.float()
    if axis is None or isinstance(axis, (tuple, list)):
        dims = tuple(range(x.ndim)) if axis is None else tuple(axis)
        log_p = x - torch.logsumexp(x, dim=dims, keepdim=True)
        out = torch.exp(log_p) if fn is F.softmax else log_p
    else:
        out = fn(x, dim=axis)
    return out if out.dtype == dtype else out.to(dtype)


@op
def softmax(x, axis=-1):
    return _softmax_like(F.softmax, x, axis, "softmax")


@op
def log_softmax(x, axis=-1):
    return _softmax_like(F.log_softmax, x, axis, "log_softmax")


# ============================================================================ encodings
@op
def one_hot(x, num_classes, axis=-1, dtype=None, sparse=False):
    """One-hot encode integer ``x``; negative or out-of-range entries give all-zero rows."""
    if sparse:
        raise ValueError("Unsupported value `sparse=True` with torch backend")
    x = _t(x).long()
    classes = torch.arange(int(num_classes), device=x.device)
    out = (x.unsqueeze(-1) == classes).to(_tdtype(dtype))
    if axis != -1 and axis != out.ndim - 1:
        out = torch.movedim(out, -1, axis)
    return out


@op
def multi_hot(inputs, num_classes=None, axis=-1, dtype=None, sparse=False, **kwargs):
    """Multi-hot encode integer ``inputs`` (each row: 1 at every class it contains)."""
    if num_classes is None and "num_tokens" in kwargs:
        num_classes = kwargs.pop("num_tokens")
    if num_classes is None:
        raise ValueError("Argument `num_classes` must be specified.")
    if sparse:
        raise ValueError("Unsupported value `sparse=True` with torch backend")
    x = _t(inputs)
    reduce_dim = 1 if x.ndim > 1 else 0
    encoded = one_hot.raw(x.to(torch.int32), num_classes, axis=axis, dtype=dtype)
    return torch.amax(encoded, dim=reduce_dim)


# ============================================================================ normalization
def _axes_tuple(axes):
    return (axes,) if isinstance(axes, int) else tuple(int(a) for a in axes)


@op
def moments(x, axes, keepdims=False, synchronized=False):
    """``(mean, variance)`` of ``x`` over ``axes``."""
    if synchronized:
        raise NotImplementedError("Argument synchronized=True is not supported with PyTorch.")
    x = _t(x)
    half = x.dtype == torch.float16
    if half:
        x = x.float()
    dims = _axes_tuple(axes)
    mean = torch.mean(x, dim=dims, keepdim=True)
    variance = torch.mean(torch.square(x), dim=dims, keepdim=True) - torch.square(mean)
    if not keepdims:
        mean, variance = torch.squeeze(mean, dims), torch.squeeze(variance, dims)
    if half:
        info = torch.finfo(torch.float16)
        mean = torch.clip(mean, info.min, info.max).half()
        variance = torch.clip(variance, info.min, info.max).half()
    return mean, variance


@op
def batch_normalization(x, mean, variance, axis, offset=None, scale=None, epsilon=1e-3):
    """``(x - mean) / sqrt(variance + epsilon) * scale + offset`` with the stats along ``axis``."""
    x, mean, variance = _t(x), _t(mean), _t(variance)
    shape = [1] * x.ndim
    shape[axis] = mean.shape[0]
    mean, variance = mean.reshape(shape), variance.reshape(shape)
    inv = torch.rsqrt(variance + epsilon)
    if scale is not None:
        inv = inv * _t(scale).reshape(shape)
    out = (x - mean) * inv
    if offset is not None:
        out = out + _t(offset).reshape(shape)
    return out


@op
def normalize(x, axis=-1, order=2, epsilon=None):
    """``x`` divided by its ``order``-norm along ``axis`` (with ``epsilon`` floor)."""
    if not isinstance(order, int) or not order >= 1:
        raise ValueError(f"Argument `order` must be an int >= 1. Received: order={order}")
    x = _t(x)
    if x.ndim == 0:
        x = x.unsqueeze(0)
    if epsilon is None:
        epsilon = backend.epsilon()
    from kerasish.ops import numpy as knp
    if order == 2:
        square_sum = knp.sum.raw(knp.square.raw(x), axis=axis, keepdims=True)
        inv = knp.minimum.raw(torch.rsqrt(square_sum), 1.0 / epsilon)
        return x * inv
    n = knp.norm.raw(x, ord=order, axis=axis, keepdims=True)
    return knp.divide.raw(x, knp.maximum.raw(n, epsilon))


# ============================================================================ losses
@op
def binary_crossentropy(target, output, from_logits=False):
    target, output = _t(target), _t(output)
    if target.shape != output.shape:
        raise ValueError(
            "Arguments `target` and `output` must have the same shape. "
            f"Received: target.shape={tuple(target.shape)}, output.shape={tuple(output.shape)}")
    if target.dtype != output.dtype and output.is_floating_point():
        target = target.to(output.dtype)
    if from_logits:
        return F.binary_cross_entropy_with_logits(output, target, reduction="none")
    eps = backend.epsilon()
    return F.binary_cross_entropy(torch.clip(output, eps, 1.0 - eps), target, reduction="none")


@op
def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    target, output = _t(target), _t(output)
    if target.shape != output.shape:
        raise ValueError(
            "Arguments `target` and `output` must have the same shape. "
            f"Received: target.shape={tuple(target.shape)}, output.shape={tuple(output.shape)}")
    if output.ndim < 1:
        raise ValueError(
            "Arguments `target` and `output` must be at least rank 1. "
            f"Received: target.shape={tuple(target.shape)}, output.shape={tuple(output.shape)}")
    if from_logits:
        log_prob = F.log_softmax(output, dim=axis)
    else:
        eps = backend.epsilon()
        output = output / torch.sum(output, dim=axis, keepdim=True)
        log_prob = torch.log(torch.clip(output, eps, 1.0 - eps))
    return -torch.sum(target * log_prob, dim=axis)


@op
def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    target, output = _t(target).long(), _t(output)
    if output.ndim < 1:
        raise ValueError(f"Argument `output` must be at least rank 1. Received: output.shape={tuple(output.shape)}")
    if target.ndim == output.ndim and target.shape[axis] == 1:
        target = torch.squeeze(target, dim=axis)
    expected = list(output.shape)
    del expected[axis]
    if list(target.shape) != expected:
        raise ValueError(
            "Arguments `target` and `output` must have the same shape up until the last dimension: "
            f"target.shape={tuple(target.shape)}, output.shape={tuple(output.shape)}")
    squeeze = output.ndim == 1
    if squeeze:
        output, target = output.unsqueeze(0), target.unsqueeze(0)
    else:
        class_axis = axis % output.ndim
        if class_axis != 1:
            output = output.movedim(class_axis, 1)
    if from_logits:
        result = F.cross_entropy(output, target, reduction="none")
    else:
        eps = backend.epsilon()
        output = output / torch.sum(output, dim=1, keepdim=True)
        result = F.nll_loss(torch.log(torch.clip(output, eps, 1.0 - eps)), target, reduction="none")
    return result.squeeze(0) if squeeze else result


# ============================================================================ conv / pool
def _tuple(value, n, name, op_name):
    if isinstance(value, int):
        out = (value,) * n
    else:
        try:
            out = tuple(int(v) for v in value)
        except TypeError:
            raise ValueError(
                f"ops.{op_name}: `{name}` must be an int or a tuple of {n} ints. Received: {name}={value!r}") from None
        if len(out) != n:
            raise ValueError(
                f"ops.{op_name}: `{name}` must be an int or a tuple of {n} ints. Received: {name}={value!r}")
    if any(v <= 0 for v in out):
        raise ValueError(f"ops.{op_name}: `{name}` must be positive. Received: {name}={value!r}")
    return out


def _padding_arg(padding, op_name):
    p = str(padding).lower()
    if p not in ("valid", "same"):
        raise ValueError(f"ops.{op_name}: `padding` must be 'valid' or 'same'. Received: padding={padding!r}")
    return p


def _to_channels_first(x, data_format, op_name):
    """Bring the channel axis to position 1 (a view: memory stays channels-last)."""
    if x.ndim not in (3, 4, 5):
        raise ValueError(
            f"ops.{op_name}: inputs must have rank 3, 4 or 5 (1D, 2D or 3D data with batch and channel "
            f"axes). Received input shape: {tuple(x.shape)}")
    if data_format == "channels_last":
        return x.movedim(-1, 1)
    return x


def _from_channels_first(y, data_format):
    return y.movedim(1, -1) if data_format == "channels_last" else y


def _same_pads(sizes, windows, strides, dilations):
    """(left, right) padding per spatial dim for 'same': output = ceil(size / stride)."""
    pads = []
    for n, k, s, d in zip(sizes, windows, strides, dilations):
        eff = (k - 1) * d + 1
        out = -(-n // s)
        total = max(0, (out - 1) * s + eff - n)
        pads.append((total // 2, total - total // 2))
    return pads


def _flat_pads(pads):
    flat = []
    for left, right in reversed(pads):
        flat += [left, right]
    return flat


_CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}
_CONV_T = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}
_MAXPOOL = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}
_AVGPOOL = {1: F.avg_pool1d, 2: F.avg_pool2d, 3: F.avg_pool3d}


def _torch_kernel(kernel):
    """Keras ``(*k, in, out)`` → torch ``(out, in, *k)``."""
    n = kernel.ndim - 2
    k = kernel.permute(n + 1, n, *range(n))
    if n == 2:
        k = k.contiguous(memory_format=torch.channels_last)
    return k


def _conv(x, kernel, strides, padding, data_format, dilation_rate, op_name, groups=None):
    data_format = backend.standardize_data_format(data_format)
    padding = _padding_arg(padding, op_name)
    given_shape = tuple(x.shape)
    x = _to_channels_first(x, data_format, op_name)
    n = x.ndim - 2
    if kernel.ndim != x.ndim:
        raise ValueError(
            f"ops.{op_name}: kernel must have rank {x.ndim} for inputs of rank {x.ndim} (layout "
            f"(*kernel_size, in_channels, out_channels)). Received: kernel.shape={tuple(kernel.shape)}")
    strides = _tuple(strides, n, "strides", op_name)
    dilation = _tuple(dilation_rate, n, "dilation_rate", op_name)
    w = _torch_kernel(kernel)
    in_channels, kernel_in = x.shape[1], w.shape[1]
    if groups is None:
        if kernel_in == 0 or in_channels % kernel_in != 0:
            raise ValueError(
                f"ops.{op_name}: the number of input channels ({in_channels}) must be divisible by the kernel's "
                f"input channels ({kernel_in}). Received: inputs.shape={given_shape}, "
                f"kernel.shape={tuple(kernel.shape)}")
        groups = in_channels // kernel_in
    torch_pad = 0
    if padding == "same":
        pads = _same_pads(x.shape[2:], w.shape[2:], strides, dilation)
        if all(left == right for left, right in pads):
            torch_pad = tuple(left for left, _ in pads)
        else:
            x = F.pad(x, _flat_pads(pads))
    y = _CONV[n](x, w, stride=strides, padding=torch_pad, dilation=dilation, groups=groups)
    return _from_channels_first(y, data_format)


@op
def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """N-D convolution; kernel layout ``(*kernel_size, in_channels // groups, out_channels)``."""
    return _conv(_t(inputs), _t(kernel), strides, padding, data_format, dilation_rate, "conv")


@op
def depthwise_conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """Depthwise convolution; kernel layout ``(*kernel_size, in_channels, depth_multiplier)``."""
    x, kernel = _t(inputs), _t(kernel)
    data_format = backend.standardize_data_format(data_format)
    channels = x.shape[-1] if data_format == "channels_last" else x.shape[1]
    if kernel.shape[-2] != channels:
        raise ValueError(
            "The number of input channels must match the number of channels of the kernel. "
            f"Received: inputs.shape={tuple(x.shape)}, kernel.shape={tuple(kernel.shape)}")
    kernel = kernel.reshape(tuple(kernel.shape[:-2]) + (1, kernel.shape[-2] * kernel.shape[-1]))
    return _conv(x, kernel, strides, padding, data_format, dilation_rate, "depthwise_conv", groups=channels)


@op
def separable_conv(inputs, depthwise_kernel, pointwise_kernel, strides=1, padding="valid", data_format=None,
                   dilation_rate=1):
    y = depthwise_conv.raw(inputs, depthwise_kernel, strides, padding, data_format, dilation_rate)
    return _conv(y, _t(pointwise_kernel), 1, "valid", data_format, dilation_rate, "separable_conv")


def _transpose_crops(size_k, stride, dilation, padding, output_padding):
    """(left, right) amounts to cut from torch's full transposed-conv output (negative = add zeros)."""
    eff = (size_k - 1) * dilation + 1
    if padding == "valid":
        extra = max(eff, stride) - eff if output_padding is None else output_padding
        left, right = eff - 1, eff - 1 + extra
    else:
        total = stride + eff - 2 if output_padding is None else eff + eff % 2 - 2 + output_padding
        left = min(total // 2 + total % 2, eff - 1)
        right = total - left
    return eff - 1 - left, eff - 1 - right


@op
def conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None, data_format=None,
                   dilation_rate=1):
    """Transposed convolution; kernel layout ``(*kernel_size, out_channels, in_channels)``."""
    x, kernel = _t(inputs), _t(kernel)
    data_format = backend.standardize_data_format(data_format)
    padding = _padding_arg(padding, "conv_transpose")
    given_shape = tuple(x.shape)
    x = _to_channels_first(x, data_format, "conv_transpose")
    n = x.ndim - 2
    if kernel.ndim != x.ndim:
        raise ValueError(
            f"ops.conv_transpose: kernel must have rank {x.ndim} for inputs of rank {x.ndim}. "
            f"Received: kernel.shape={tuple(kernel.shape)}")
    if kernel.shape[-1] != x.shape[1]:
        raise ValueError(
            "The number of input channels must match the last dimension of the kernel "
            f"(layout (*kernel_size, out_channels, in_channels)). Received: inputs.shape={given_shape}, "
            f"kernel.shape={tuple(kernel.shape)}")
    strides = _tuple(strides, n, "strides", "conv_transpose")
    dilation = _tuple(dilation_rate, n, "dilation_rate", "conv_transpose")
    if output_padding is None or isinstance(output_padding, int):
        out_pads = [output_padding] * n
    else:
        out_pads = list(output_padding)
    w = kernel.permute(n + 1, n, *range(n))  # (in, out, *k)
    y = _CONV_T[n](x, w, stride=strides, padding=0, output_padding=0, dilation=dilation)
    crops = [_transpose_crops(kernel.shape[i], strides[i], dilation[i], padding, out_pads[i]) for i in range(n)]
    index = [slice(None), slice(None)]
    for left, right in crops:
        index.append(slice(max(left, 0), -right if right > 0 else None))
    y = y[tuple(index)]
    if any(left < 0 or right < 0 for left, right in crops):
        y = F.pad(y, _flat_pads([(max(-left, 0), max(-right, 0)) for left, right in crops]))
    return _from_channels_first(y, data_format)


def _pool_setup(inputs, pool_size, strides, padding, data_format, op_name):
    x = _t(inputs)
    data_format = backend.standardize_data_format(data_format)
    padding = _padding_arg(padding, op_name)
    x = _to_channels_first(x, data_format, op_name)
    n = x.ndim - 2
    window = _tuple(pool_size, n, "pool_size", op_name)
    strides = window if strides is None else _tuple(strides, n, "strides", op_name)
    pads = _same_pads(x.shape[2:], window, strides, (1,) * n) if padding == "same" else [(0, 0)] * n
    return x, data_format, n, window, strides, pads


@op
def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    x, data_format, n, window, strides, pads = _pool_setup(inputs, pool_size, strides, padding, data_format,
                                                           "max_pool")
    torch_pad = 0
    if all(left == right for left, right in pads):
        torch_pad = tuple(left for left, _ in pads)
    else:
        x = F.pad(x, _flat_pads(pads), value=float("-inf"))
    y = _MAXPOOL[n](x, kernel_size=window, stride=strides, padding=torch_pad)
    return _from_channels_first(y, data_format)


@op
def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Average pooling; with ``padding='same'`` the padded cells are not counted (as in TF/JAX)."""
    x, data_format, n, window, strides, pads = _pool_setup(inputs, pool_size, strides, padding, data_format,
                                                           "average_pool")
    pool = _AVGPOOL[n]
    if all(left == right for left, right in pads):
        y = pool(x, kernel_size=window, stride=strides, padding=tuple(left for left, _ in pads),
                 count_include_pad=False)
    else:
        flat = _flat_pads(pads)
        summed = pool(F.pad(x, flat), kernel_size=window, stride=strides)
        ones = torch.ones((1, 1) + tuple(x.shape[2:]), dtype=x.dtype, device=x.device)
        counted = pool(F.pad(ones, flat), kernel_size=window, stride=strides)
        y = summed / counted
    return _from_channels_first(y, data_format)


__all__ = sorted(
    name for name, value in list(globals().items())
    if not name.startswith("_") and callable(value) and getattr(value, "__module__", None) == __name__
)


def __getattr__(name):
    raise AttributeError(
        f"kerasish.ops.nn has no op {name!r}. The covered ops are listed in kerasish/ops/README.md; "
        "see ops/README.md")
