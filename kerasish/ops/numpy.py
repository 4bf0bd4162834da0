"""keras.ops numpy-style ops on torch tensors.

Each op converts its inputs with ``core.convert_to_tensor`` (Keras dtypes for
Python numbers and lists), calls one torch function, and gives the result the
dtype Keras 3 gives it on the torch backend (checked against real Keras in
``tests/test_ops.py``). Results stay on the default device and keep autograd.
"""
import builtins
import math

import numpy as np
import torch

from kerasish import backend
from kerasish.ops import core
from kerasish.ops.core import op, result_type, standardize_dtype

_t = core._convert
_tdtype = core.to_torch_dtype


def _to(x, dtype):
    """Cast a tensor to a Keras dtype name (no-op when it already has it)."""
    d = _tdtype(dtype)
    return x if x.dtype == d else x.to(d)


def _name(x):
    return standardize_dtype(x.dtype)


def _is_intlike(x):
    return not x.dtype.is_floating_point and not x.dtype.is_complex


def _on_cpu():
    return backend.get_device().type == "cpu"


def _axes(axis):
    """``axis`` as torch wants it: None, an int or a tuple."""
    if axis is None or isinstance(axis, int):
        return axis
    if isinstance(axis, torch.Tensor):
        return tuple(int(a) for a in axis.reshape(-1).tolist())
    return tuple(int(a) for a in axis)


def _empty_axis(axis):
    return isinstance(axis, (list, tuple)) and len(axis) == 0


def _canon(axis, ndim, op_name="op"):
    if not -ndim <= axis < ndim:
        raise ValueError(f"ops.{op_name}: axis {axis} is out of bounds for a tensor of rank {ndim}.")
    return axis % ndim if ndim else 0


def _scalar_or_tensor(x):
    """Python numbers stay Python numbers (torch treats them as weak); the rest is converted."""
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        return x
    return _t(x)


# ============================================================================ arithmetic
@op
def add(x1, x2):
    return torch.add(_t(x1), _t(x2))


@op
def subtract(x1, x2):
    x1, x2 = _t(x1), _t(x2)
    if x1.dtype == torch.bool:
        x1 = x1.to(x2.dtype)
    if x2.dtype == torch.bool:
        x2 = x2.to(x1.dtype)
    return torch.subtract(x1, x2)


@op
def multiply(x1, x2):
    return torch.multiply(_t(x1), _t(x2))


@op
def divide(x1, x2):
    x1, x2 = _scalar_or_tensor(x1), _scalar_or_tensor(x2)
    if not isinstance(x1, torch.Tensor) and not isinstance(x2, torch.Tensor):
        x1 = _t(x1)
    return torch.divide(x1, x2)


@op
def true_divide(x1, x2):
    return divide.raw(x1, x2)


@op
def divide_no_nan(x1, x2):
    x1, x2 = _t(x1), _t(x2)
    safe = torch.where(x2 == 0, torch.ones_like(x2), x2)
    return torch.where(x2 == 0, torch.zeros((), dtype=torch.result_type(x1, x2), device=x1.device),
                       torch.divide(x1, safe))


@op
def floor_divide(x1, x2):
    x1, x2 = _scalar_or_tensor(x1), _scalar_or_tensor(x2)
    dtype = result_type(core._dtype_of(x1), core._dtype_of(x2))
    if not isinstance(x1, torch.Tensor) and not isinstance(x2, torch.Tensor):
        x1 = _t(x1)
    return _to(torch.floor_divide(x1, x2), dtype)


@op
def mod(x1, x2):
    x1, x2 = _t(x1), _t(x2)
    if result_type(x1.dtype, x2.dtype) == "bool":
        x1, x2 = x1.to(torch.int32), x2.to(torch.int32)
    return torch.remainder(x1, x2)


@op
def power(x1, x2):
    return torch.pow(_t(x1), _t(x2))


@op
def negative(x):
    return torch.negative(_t(x))


@op
def square(x):
    x = _t(x)
    if x.dtype == torch.bool:
        x = x.to(torch.int32)
    return torch.square(x)


@op
def sqrt(x):
    x = _t(x)
    if x.dtype == torch.int64:
        x = _to(x, backend.floatx())
    return torch.sqrt(x)


@op
def rsqrt(x):
    return torch.rsqrt(_t(x))


@op
def reciprocal(x):
    return torch.reciprocal(_t(x))


def _float_if_int(x):
    if _is_intlike(x):
        return _to(x, backend.floatx())
    return x


@op
def exp(x):
    return torch.exp(_float_if_int(_t(x)))


@op
def exp2(x):
    return torch.exp2(_float_if_int(_t(x)))


@op
def expm1(x):
    return torch.expm1(_float_if_int(_t(x)))


@op
def log(x):
    return torch.log(_t(x))


@op
def log1p(x):
    return torch.log1p(_t(x))


@op
def log2(x):
    return torch.log2(_t(x))


@op
def log10(x):
    return torch.log10(_t(x))


@op
def logaddexp(x1, x2):
    x1, x2 = _t(x1), _t(x2)
    dtype = result_type(x1.dtype, x2.dtype, float)
    return torch.logaddexp(_to(x1, dtype), _to(x2, dtype))


@op
def absolute(x):
    x = _t(x)
    if x.dtype == torch.bool:
        return x
    return torch.abs(x)


@op
def abs(x):
    return absolute.raw(x)


@op
def sign(x):
    return torch.sign(_t(x))


@op
def maximum(x1, x2):
    x1, x2 = _scalar_or_tensor(x1), _scalar_or_tensor(x2)
    dtype = result_type(core._dtype_of(x1), core._dtype_of(x2))
    return torch.maximum(_t(x1, dtype), _t(x2, dtype))


@op
def minimum(x1, x2):
    x1, x2 = _scalar_or_tensor(x1), _scalar_or_tensor(x2)
    dtype = result_type(core._dtype_of(x1), core._dtype_of(x2))
    return torch.minimum(_t(x1, dtype), _t(x2, dtype))


@op
def clip(x, x_min, x_max):
    x, lo, hi = _t(x), _t(x_min), _t(x_max)
    if x.dtype == torch.float16 and _on_cpu():
        return torch.clip(x.float(), min=lo, max=hi).to(torch.float16)
    if x.dtype == torch.bool:
        x = x.to(torch.int32)
    return torch.clip(x, min=lo, max=hi)


@op
def floor(x):
    x = _t(x)
    dtype = backend.floatx() if x.dtype == torch.int64 else result_type(x.dtype, float)
    return torch.floor(_to(x, dtype))


@op
def ceil(x):
    x = _t(x)
    dtype = backend.floatx() if x.dtype == torch.int64 else result_type(x.dtype, float)
    if x.dtype == torch.float16 and _on_cpu():
        return torch.ceil(x.float()).to(torch.float16)
    return torch.ceil(_to(x, dtype))


@op
def trunc(x):
    x = _t(x)
    if _is_intlike(x):
        return x
    return torch.trunc(x)


@op
def round(x, decimals=0):
    x = _t(x)
    name = _name(x)
    if "int" in name:
        return _to(torch.round(_to(x, backend.floatx()), decimals=decimals), name)
    return torch.round(x, decimals=decimals)


# ============================================================================ trig / special
def _unary(torch_fn, name, doc):
    def fn(x):
        return torch_fn(_t(x))
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return op(fn)


sin = _unary(torch.sin, "sin", "Element-wise sine.")
cos = _unary(torch.cos, "cos", "Element-wise cosine.")
tan = _unary(torch.tan, "tan", "Element-wise tangent.")
arcsin = _unary(torch.arcsin, "arcsin", "Element-wise inverse sine.")
arccos = _unary(torch.arccos, "arccos", "Element-wise inverse cosine.")
arctan = _unary(torch.arctan, "arctan", "Element-wise inverse tangent.")
sinh = _unary(torch.sinh, "sinh", "Element-wise hyperbolic sine.")
cosh = _unary(torch.cosh, "cosh", "Element-wise hyperbolic cosine.")
tanh = _unary(torch.tanh, "tanh", "Element-wise hyperbolic tangent.")
arcsinh = _unary(torch.arcsinh, "arcsinh", "Element-wise inverse hyperbolic sine.")
arccosh = _unary(torch.arccosh, "arccosh", "Element-wise inverse hyperbolic cosine.")
arctanh = _unary(torch.arctanh, "arctanh", "Element-wise inverse hyperbolic tangent.")
erf = _unary(torch.erf, "erf", "Element-wise error function.")
erfinv = _unary(torch.erfinv, "erfinv", "Element-wise inverse error function.")
isnan = _unary(torch.isnan, "isnan", "Element-wise test for NaN.")
isinf = _unary(torch.isinf, "isinf", "Element-wise test for +/-inf.")
isfinite = _unary(torch.isfinite, "isfinite", "Element-wise test for finite values.")
logical_not = _unary(torch.logical_not, "logical_not", "Element-wise logical NOT.")


@op
def arctan2(x1, x2):
    x1, x2 = _t(x1), _t(x2)
    dtype = result_type(x1.dtype, x2.dtype, float)
    compute = "float32" if dtype == "float16" and _on_cpu() else dtype
    return _to(torch.arctan2(_to(x1, compute), _to(x2, compute)), dtype)


# ============================================================================ comparisons
def _binary(torch_fn, name, doc):
    def fn(x1, x2):
        return torch_fn(_t(x1), _t(x2))
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return op(fn)


equal = _binary(torch.eq, "equal", "Element-wise ``x1 == x2``.")
not_equal = _binary(torch.ne, "not_equal", "Element-wise ``x1 != x2``.")
greater = _binary(torch.gt, "greater", "Element-wise ``x1 > x2``.")
greater_equal = _binary(torch.ge, "greater_equal", "Element-wise ``x1 >= x2``.")
less = _binary(torch.lt, "less", "Element-wise ``x1 < x2``.")
less_equal = _binary(torch.le, "less_equal", "Element-wise ``x1 <= x2``.")
logical_and = _binary(torch.logical_and, "logical_and", "Element-wise logical AND.")
logical_or = _binary(torch.logical_or, "logical_or", "Element-wise logical OR.")
logical_xor = _binary(torch.logical_xor, "logical_xor", "Element-wise logical XOR.")


@op
def isclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
    x1, x2 = _t(x1), _t(x2)
    dtype = result_type(x1.dtype, x2.dtype)
    x1, x2 = _to(x1, dtype), _to(x2, dtype)
    if "float" in dtype:
        return torch.isclose(x1, x2, rtol=rtol, atol=atol, equal_nan=equal_nan)
    return torch.eq(x1, x2)


@op
def allclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
    return torch.all(isclose.raw(x1, x2, rtol=rtol, atol=atol, equal_nan=equal_nan))


# ============================================================================ linear algebra
@op
def matmul(x1, x2):
    """Matrix product with numpy broadcasting rules."""
    x1, x2 = _t(x1), _t(x2)
    if x1.dtype == x2.dtype and x1.dtype in (torch.float32, torch.bfloat16):
        return torch.matmul(x1, x2)
    if x1.dtype == torch.int8 and x2.dtype == torch.int8:
        dtype = "int32"
    else:
        dtype = result_type(x1.dtype, x2.dtype)
    compute = dtype
    if compute == "bool":
        compute = backend.floatx()
    dev = backend.get_device().type
    if dev == "cpu" and compute == "float16":
        compute = "float32"
    if dev == "cuda" and "int" in compute:
        compute = backend.floatx()
    return _to(torch.matmul(_to(x1, compute), _to(x2, compute)), dtype)


@op
def dot(x1, x2):
    x1, x2 = _t(x1), _t(x2)
    dtype = result_type(x1.dtype, x2.dtype)
    compute = result_type(dtype, float)
    if compute == "float16" and _on_cpu():
        compute = "float32"
    x1, x2 = _to(x1, compute), _to(x2, compute)
    if x1.ndim == 0 or x2.ndim == 0:
        return _to(torch.multiply(x1, x2), dtype)
    return _to(torch.matmul(x1, x2), dtype)


@op
def tensordot(x1, x2, axes=2):
    x1, x2 = _t(x1), _t(x2)
    dtype = result_type(x1.dtype, x2.dtype)
    compute = result_type(dtype, float)
    if compute == "float16" and _on_cpu():
        compute = "float32"
    if isinstance(axes, (list, tuple)):
        a, b = axes
        a = tuple(a) if isinstance(a, (list, tuple)) else (a,)
        b = tuple(b) if isinstance(b, (list, tuple)) else (b,)
        axes = (a, b)
    return _to(torch.tensordot(_to(x1, compute), _to(x2, compute), dims=axes), dtype)


@op
def einsum(subscripts, *operands, **kwargs):
    operands = [_t(o) for o in operands]
    if operands and builtins.all(o.dtype == torch.int8 for o in operands):
        compute = backend.floatx() if backend.get_device().type == "cuda" else "int32"
        return _to(torch.einsum(subscripts, *[_to(o, compute) for o in operands]), "int32")
    return torch.einsum(subscripts, *operands)


@op
def outer(x1, x2):
    x1, x2 = _t(x1), _t(x2)
    return torch.outer(x1.flatten(), x2.flatten())


@op
def inner(x1, x2):
    x1, x2 = _t(x1), _t(x2)
    dtype = result_type(x1.dtype, x2.dtype)
    compute = result_type(dtype, float)
    if compute == "float16" and _on_cpu():
        compute = "float32"
    return _to(torch.inner(_to(x1, compute), _to(x2, compute)), dtype)


@op
def norm(x, ord=None, axis=None, keepdims=False):
    """Vector or matrix norm (``keras.ops.norm``)."""
    x = _t(x)
    dtype = backend.floatx() if x.dtype == torch.int64 else result_type(x.dtype, float)
    return torch.linalg.norm(_to(x, dtype), ord=ord, dim=_axes(axis), keepdim=keepdims)


@op
def trace(x, offset=0, axis1=0, axis2=1):
    x = _t(x)
    name = _name(x)
    if name in ("bool", "int8", "int16", "uint8"):
        name = "int32"
    return torch.sum(torch.diagonal(x, offset, axis1, axis2), dim=-1, dtype=_tdtype(name))


# ============================================================================ reductions
def _stacked(x):
    if isinstance(x, (list, tuple)):
        return stack.raw(x)
    return _t(x)


@op
def sum(x, axis=None, keepdims=False):
    x = _stacked(x)
    if _empty_axis(axis):
        return x
    name = _name(x)
    if name in ("bool", "uint8", "int8", "int16"):
        name = "int32"
    if axis is None:
        out = torch.sum(x)
        if keepdims:
            out = out.reshape((1,) * x.ndim)
    else:
        out = torch.sum(x, dim=_axes(axis), keepdim=keepdims)
    return _to(out, name)


@op
def mean(x, axis=None, keepdims=False):
    x = _stacked(x)
    if _empty_axis(axis):
        return x
    name = _name(x)
    compute = result_type(x.dtype, "float32")
    out_dtype = compute if "int" in name or name == "bool" else name
    x = _to(x, compute)
    if axis is None:
        out = torch.mean(x)
        if keepdims:
            out = out.reshape((1,) * x.ndim)
    else:
        out = torch.mean(x, dim=_axes(axis), keepdim=keepdims)
    return _to(out, out_dtype)


@op
def average(x, axis=None, weights=None):
    x = _t(x)
    kinds = [x.dtype, float]
    if weights is not None:
        weights = _t(weights)
        kinds.append(weights.dtype)
    dtype = result_type(*kinds)
    x = _to(x, dtype)
    if _empty_axis(axis):
        return x
    if weights is None:
        return torch.mean(x) if axis is None else torch.mean(x, dim=_axes(axis))
    weights = _to(weights, dtype)
    if axis is None:
        return torch.sum(x * weights) / torch.sum(weights)
    if weights.ndim == 1 and x.ndim > 1:
        shape = [1] * x.ndim
        shape[axis] = -1
        weights = weights.reshape(shape)
    return torch.sum(x * weights, dim=axis) / torch.sum(weights * torch.ones_like(x), dim=axis)


def _extreme(x, axis, keepdims, initial, reducer, combine, what):
    x = _t(x)
    if x.numel() == 0:
        if initial is None:
            raise ValueError(f"Cannot compute the {what} of an empty tensor.")
        if keepdims:
            return torch.full((1,) * x.ndim, initial, device=x.device)
        return torch.tensor(initial, device=x.device)
    if axis is None:
        out = reducer(x)
        if keepdims:
            out = out.reshape((1,) * x.ndim)
    elif _empty_axis(axis):
        out = x
    else:
        out = reducer(x, dim=_axes(axis), keepdim=keepdims)
    if initial is not None:
        out = combine(out, torch.full(out.shape, initial, dtype=out.dtype, device=out.device))
    return out


@op
def max(x, axis=None, keepdims=False, initial=None):
    return _extreme(x, axis, keepdims, initial, torch.amax, torch.maximum, "max")


@op
def min(x, axis=None, keepdims=False, initial=None):
    return _extreme(x, axis, keepdims, initial, torch.amin, torch.minimum, "min")


@op
def amax(x, axis=None, keepdims=False):
    return _extreme(x, axis, keepdims, None, torch.amax, None, "max")


@op
def amin(x, axis=None, keepdims=False):
    return _extreme(x, axis, keepdims, None, torch.amin, None, "min")


@op
def prod(x, axis=None, keepdims=False, dtype=None):
    x = _t(x)
    if dtype is None:
        dtype = result_type(x.dtype)
        if dtype in ("bool", "int8", "int16", "uint8"):
            dtype = "int32"
    else:
        dtype = standardize_dtype(dtype)
    compute = _tdtype("float32" if dtype == "float16" and _on_cpu() else dtype)
    if axis is None:
        out = _to(torch.prod(x, dtype=compute), dtype)
        return out.reshape((1,) * x.ndim) if keepdims else out
    axes = [axis] if isinstance(axis, int) else list(_axes(axis))
    axes = sorted((_canon(a, x.ndim, "prod") for a in axes), reverse=True)
    for a in axes:
        x = _to(torch.prod(x, dim=a, keepdim=keepdims, dtype=compute), dtype)
    return x


@op
def std(x, axis=None, keepdims=False):
    x = _t(x)
    if _is_intlike(x):
        x = x.to(torch.float32)
    if axis is None:
        out = torch.std(x, unbiased=False)
        return out.reshape((1,) * x.ndim) if keepdims else out
    return torch.std(x, dim=_axes(axis), keepdim=keepdims, unbiased=False)


@op
def var(x, axis=None, keepdims=False):
    x = _t(x)
    compute = result_type(x.dtype, "float32")
    out_dtype = result_type(x.dtype, float)
    if _empty_axis(axis):
        return torch.zeros_like(x, dtype=_tdtype(out_dtype))
    x = _to(x, compute)
    if axis is None:
        out = torch.var(x, correction=0)
        if keepdims:
            out = out.reshape((1,) * x.ndim)
    else:
        out = torch.var(x, dim=_axes(axis), keepdim=keepdims, correction=0)
    return _to(out, out_dtype)


def _logical_reduce(fn, x, axis, keepdims):
    x = _t(x)
    if _empty_axis(axis):
        return x.to(torch.bool)
    if axis is None:
        out = fn(x)
        if keepdims:
            out = out.reshape((1,) * x.ndim)
    else:
        out = fn(x, dim=_axes(axis), keepdim=keepdims)
    return out.to(torch.bool)


@op
def all(x, axis=None, keepdims=False):
    return _logical_reduce(torch.all, x, axis, keepdims)


@op
def any(x, axis=None, keepdims=False):
    return _logical_reduce(torch.any, x, axis, keepdims)


@op
def logsumexp(x, axis=None, keepdims=False):
    x = _t(x)
    dims = tuple(range(x.ndim)) if axis is None else _axes(axis)
    return torch.logsumexp(x, dim=dims, keepdim=keepdims)


@op
def count_nonzero(x, axis=None):
    x = _t(x)
    if _empty_axis(axis):
        return torch.ne(x, 0).to(torch.int32)
    return torch.count_nonzero(x, dim=_axes(axis)).to(torch.int32)


def _cumulative(torch_fn, x, axis, dtype):
    x = _t(x)
    if axis is None:
        x = x.flatten()
        axis = 0
    dtype = result_type(dtype or x.dtype)
    if dtype == "bool":
        dtype = "int32"
    elif dtype == "float16" and _on_cpu():
        return torch_fn(x, dim=axis, dtype=torch.float32).to(torch.float16)
    return torch_fn(x, dim=axis, dtype=_tdtype(dtype))


@op
def cumsum(x, axis=None, dtype=None):
    return _cumulative(torch.cumsum, x, axis, dtype)


@op
def cumprod(x, axis=None, dtype=None):
    return _cumulative(torch.cumprod, x, axis, dtype)


# ============================================================================ index / sort
@op
def argmax(x, axis=None, keepdims=False):
    x = _t(x)
    if x.dtype == torch.bool:
        x = x.to(torch.uint8)
    return torch.argmax(x, dim=axis, keepdim=keepdims).to(torch.int32)


@op
def argmin(x, axis=None, keepdims=False):
    x = _t(x)
    if x.dtype == torch.bool:
        x = x.to(torch.uint8)
    return torch.argmin(x, dim=axis, keepdim=keepdims).to(torch.int32)


@op
def argsort(x, axis=-1):
    x = _t(x)
    if x.dtype == torch.bool:
        x = x.to(torch.uint8)
    if axis is None:
        x, axis = x.reshape(-1), -1
    return torch.argsort(x, dim=axis, stable=True).to(torch.int32)


@op
def sort(x, axis=-1):
    x = _t(x)
    if axis is None:
        x, axis = x.reshape(-1), 0
    if x.dtype == torch.bool and backend.get_device().type == "cuda":
        return torch.sort(x.to(torch.uint8), dim=axis).values.to(torch.bool)
    return torch.sort(x, dim=axis).values


@op
def top_k(x, k, sorted=True):
    """The ``k`` largest entries along the last axis: ``(values, indices)``."""
    return torch.topk(_t(x), int(k), sorted=sorted)


@op
def in_top_k(targets, predictions, k):
    targets = _t(targets).long()[:, None]
    predictions = _t(predictions)
    kth = torch.topk(predictions, int(k)).values
    hit = torch.take_along_dim(predictions, targets, dim=-1) >= kth
    return torch.any(hit, dim=-1)


def _fix_negative(indices, size):
    return torch.where(indices < 0, indices + size, indices)


@op
def take(x, indices, axis=None):
    """Elements of ``x`` at ``indices`` along ``axis`` (flattened when ``axis=None``)."""
    x = _t(x)
    indices = _t(indices).long()
    if axis is None:
        x = x.reshape(-1)
        axis = 0
    axis = _canon(axis, x.ndim, "take")
    indices = _fix_negative(indices, x.shape[axis])
    if x.ndim == 2 and axis == 0:
        return torch.nn.functional.embedding(indices, x)
    out_shape = x.shape[:axis] + indices.shape + x.shape[axis + 1:]
    return torch.index_select(x, axis, indices.reshape(-1)).reshape(out_shape)


@op
def take_along_axis(x, indices, axis=None):
    x = _t(x)
    indices = _t(indices).long()
    if axis is None:
        x, axis = x.reshape(-1), 0
        indices = indices.reshape(-1)
    indices = _fix_negative(indices, x.shape[axis])
    return torch.take_along_dim(x, indices, dim=axis)


@op
def where(condition, x1=None, x2=None):
    if (x1 is None) != (x2 is None):
        raise ValueError("`x1` and `x2` either both should be `None` or both should have non-None value.")
    condition = _t(condition, dtype=torch.bool)
    if x1 is None:
        return torch.stack(torch.where(condition), dim=0)
    return torch.where(condition, _t(x1), _t(x2))


@op
def nonzero(x):
    return torch.nonzero(_t(x)).T.to(torch.int32)


# ============================================================================ creation
def _shape_arg(shape):
    if isinstance(shape, int):
        return (shape,)
    if isinstance(shape, torch.Tensor):
        return tuple(int(s) for s in shape.reshape(-1).tolist())
    return tuple(int(s) for s in shape)


@op
def ones(shape, dtype=None):
    return torch.ones(_shape_arg(shape), dtype=_tdtype(dtype), device=backend.get_device())


@op
def zeros(shape, dtype=None):
    return torch.zeros(_shape_arg(shape), dtype=_tdtype(dtype), device=backend.get_device())


@op
def empty(shape, dtype=None):
    return torch.empty(_shape_arg(shape), dtype=_tdtype(dtype), device=backend.get_device())


@op
def ones_like(x, dtype=None):
    x = _t(x)
    return torch.ones_like(x, dtype=x.dtype if dtype is None else _tdtype(dtype))


@op
def zeros_like(x, dtype=None):
    x = _t(x)
    return torch.zeros_like(x, dtype=x.dtype if dtype is None else _tdtype(dtype))


@op
def empty_like(x, dtype=None):
    x = _t(x)
    return torch.empty_like(x, dtype=x.dtype if dtype is None else _tdtype(dtype))


@op
def full(shape, fill_value, dtype=None):
    tdtype = _tdtype(dtype)
    shape = _shape_arg(shape)
    fill = _t(fill_value, dtype=tdtype)
    if fill.ndim:
        lead = len(shape) - fill.ndim
        return torch.tile(fill, tuple(shape[:lead]) + (1,) * fill.ndim)
    return fill.expand(shape).clone()


@op
def full_like(x, fill_value, dtype=None):
    if not isinstance(x, (torch.Tensor, np.ndarray)):
        x = _t(x)
    return full.raw(tuple(x.shape), fill_value, dtype=dtype if dtype is not None else x.dtype)


def _is_float_arg(v):
    if isinstance(v, float):
        return True
    d = getattr(v, "dtype", None)
    return d is not None and standardize_dtype(d) in ("bfloat16", "float16", "float32", "float64")


@op
def eye(N, M=None, k=0, dtype=None):
    if _is_float_arg(N):
        raise TypeError("Argument `N` must be an integer or an integer tensor.")
    if _is_float_arg(M):
        raise TypeError("Argument `M` must be an integer, an integer tensor, or `None`.")
    tdtype = _tdtype(dtype)
    N = int(N)
    M = N if M is None else int(M)
    k = 0 if k is None else int(k)
    dev = backend.get_device()
    if k == 0:
        if tdtype == torch.bfloat16 and dev.type == "cpu":
            return torch.eye(N, M, dtype=torch.float32, device=dev).to(tdtype)
        return torch.eye(N, M, dtype=tdtype, device=dev)
    size = builtins.max(N, M)
    return torch.diag(torch.ones(size, dtype=tdtype, device=dev), diagonal=k)[:N, :M]


@op
def identity(n, dtype=None):
    return eye.raw(n, dtype=dtype)


@op
def tri(N, M=None, k=0, dtype=None):
    M = N if M is None else M
    return torch.tril(torch.ones((int(N), int(M)), dtype=_tdtype(dtype), device=backend.get_device()), k)


@op
def arange(start, stop=None, step=None, dtype=None):
    if dtype is None:
        kinds = [core._dtype_of(start)]
        if stop is not None:
            kinds.append(core._dtype_of(stop))
        if step is not None:
            kinds.append(core._dtype_of(step))
        dtype = result_type(*kinds)
    tdtype = _tdtype(dtype)
    if stop is None:
        start, stop = 0, start
    if step is None:
        step = 1
    return torch.arange(start, stop, step, dtype=tdtype, device=backend.get_device())


@op
def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    if axis != 0:
        raise ValueError(f"ops.linspace: only axis=0 is supported. Received axis={axis}")
    if dtype is None:
        dtype = result_type(core._dtype_of(start), core._dtype_of(stop), float)
    tdtype = _tdtype(dtype)
    dev = backend.get_device()
    step = float("nan")
    if endpoint:
        if num > 1:
            step = (stop - start) / (num - 1)
    else:
        if num > 0:
            step = (stop - start) / num
        if num > 1:
            stop = stop - ((stop - start) / num)
    if hasattr(start, "__len__") and hasattr(stop, "__len__"):
        start_t, stop_t = _t(start, tdtype), _t(stop, tdtype)
        frac = torch.arange(num, dtype=tdtype, device=dev) / (num - 1)
        frac = frac.reshape((-1,) + (1,) * start_t.ndim)
        out = start_t[None] + frac * (stop_t - start_t)[None]
    else:
        if isinstance(start, torch.Tensor):
            start = start.item()
        if isinstance(stop, torch.Tensor):
            stop = stop.item()
        out = torch.linspace(start, stop, steps=num, dtype=tdtype, device=dev)
    if retstep:
        return out, step
    return out


@op
def tril(x, k=0):
    return torch.tril(_t(x), diagonal=k)


@op
def triu(x, k=0):
    return torch.triu(_t(x), diagonal=k)


@op
def diag(x, k=0):
    return torch.diag(_t(x), diagonal=k)


@op
def diagonal(x, offset=0, axis1=0, axis2=1):
    return torch.diagonal(_t(x), offset=offset, dim1=axis1, dim2=axis2)


@op
def meshgrid(*x, indexing="xy"):
    return list(torch.meshgrid(*[_t(v) for v in x], indexing=indexing))


@op
def copy(x):
    return torch.clone(_t(x))


@op
def array(x, dtype=None):
    return _t(x, dtype=dtype)


@op
def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    return torch.nan_to_num(_t(x), nan=nan, posinf=posinf, neginf=neginf)


# ============================================================================ shape manipulation
@op
def reshape(x, newshape):
    if isinstance(newshape, torch.Tensor):
        newshape = tuple(int(s) for s in newshape.reshape(-1).tolist())
    elif isinstance(newshape, (list, tuple)):
        newshape = tuple(newshape)
    else:
        newshape = (newshape,)
    unknown = builtins.sum(1 for s in newshape if s is None or s == -1)
    if unknown > 1:
        raise ValueError(
            f"ops.reshape: there can be at most one unknown dimension (-1 or None) in `newshape`. "
            f"Received: newshape={newshape}")
    newshape = tuple(-1 if s is None else int(s) for s in newshape)
    return torch.reshape(_t(x), newshape)


@op
def expand_dims(x, axis):
    x = _t(x)
    axes = [axis] if isinstance(axis, int) else list(axis)
    out_ndim = x.ndim + len(axes)
    for a in sorted(_canon(a, out_ndim, "expand_dims") for a in axes):
        x = torch.unsqueeze(x, a)
    return x


@op
def squeeze(x, axis=None):
    x = _t(x)
    if axis is None:
        return torch.squeeze(x)
    return torch.squeeze(x, dim=_axes(axis))


@op
def transpose(x, axes=None):
    x = _t(x)
    if axes is None:
        return x.permute(tuple(range(x.ndim - 1, -1, -1)))
    return torch.permute(x, _axes(axes))


@op
def swapaxes(x, axis1, axis2):
    return torch.swapaxes(_t(x), axis1, axis2)


@op
def moveaxis(x, source, destination):
    return torch.moveaxis(_t(x), source, destination)


@op
def ravel(x):
    return torch.ravel(_t(x))


@op
def broadcast_to(x, shape):
    return torch.broadcast_to(_t(x), _shape_arg(shape))


@op
def concatenate(xs, axis=0):
    return torch.cat([_t(x) for x in xs], dim=axis)


@op
def append(x1, x2, axis=None):
    x1, x2 = _t(x1), _t(x2)
    if axis is None:
        return torch.cat((x1.flatten(), x2.flatten()))
    return torch.cat((x1, x2), dim=axis)


@op
def stack(x, axis=0):
    return torch.stack([_t(v) for v in x], dim=axis)


@op
def hstack(xs):
    return torch.hstack([_t(x) for x in xs])


@op
def vstack(xs):
    return torch.vstack([_t(x) for x in xs])


@op
def split(x, indices_or_sections, axis=0):
    x = _t(x)
    size = x.shape[axis]
    if isinstance(indices_or_sections, int):
        n = indices_or_sections
        if n <= 0 or size % n != 0:
            raise ValueError(
                f"Received indices_or_sections={n} (interpreted as a number of sections) and axis={axis}, "
                f"but input dimension x.shape[{axis}]={size} is not divisible by {n}. "
                f"Full input shape: x.shape={tuple(x.shape)}")
        if size == 0:
            return [x.clone() for _ in range(n)]
        return list(torch.split(x, size // n, dim=axis))
    cuts = [int(i) for i in (indices_or_sections.tolist() if isinstance(indices_or_sections, torch.Tensor)
                             else indices_or_sections)]
    bounds = [0] + cuts + [size]
    sizes = [builtins.max(b - a, 0) for a, b in zip(bounds[:-1], bounds[1:])]
    return list(torch.split(x, sizes, dim=axis))


@op
def array_split(x, indices_or_sections, axis=0):
    return list(torch.tensor_split(_t(x), indices_or_sections, dim=axis))


@op
def tile(x, repeats):
    if isinstance(repeats, torch.Tensor):
        repeats = tuple(int(r) for r in repeats.reshape(-1).tolist())
    elif isinstance(repeats, int):
        repeats = (repeats,)
    return torch.tile(_t(x), tuple(repeats))


@op
def repeat(x, repeats, axis=None):
    x = _t(x)
    if isinstance(repeats, (list, tuple)) or isinstance(repeats, (torch.Tensor, np.ndarray)):
        repeats = _t(repeats).long()
        if repeats.ndim == 0:
            repeats = int(repeats)
    return torch.repeat_interleave(x, repeats, dim=axis)


@op
def flip(x, axis=None):
    x = _t(x)
    dims = tuple(range(x.ndim)) if axis is None else ((axis,) if isinstance(axis, int) else _axes(axis))
    return torch.flip(x, dims=dims)


@op
def roll(x, shift, axis=None):
    x = _t(x)
    if axis is None:
        return torch.roll(x.reshape(-1), shift).reshape(x.shape)
    return torch.roll(x, shift, dims=axis)


def _pad_index(n, before, after, mode):
    """Source indices along one axis for numpy-style non-constant padding."""
    idx = np.arange(-before, n + after)
    if mode == "edge":
        return np.clip(idx, 0, n - 1)
    if mode == "wrap":
        return idx % n
    period = 2 * n - 2 if mode == "reflect" else 2 * n
    if period == 0:
        return np.zeros_like(idx)
    m = idx % period
    if mode == "reflect":
        return np.where(m < n, m, period - m)
    return np.where(m < n, m, period - 1 - m)


@op
def pad(x, pad_width, mode="constant", constant_values=None):
    """numpy-style padding: ``pad_width`` is an int, ``(before, after)`` or one pair per axis."""
    x = _t(x)
    mode = str(mode).lower()
    if constant_values is not None and mode != "constant":
        raise ValueError(
            f"Argument `constant_values` can only be provided when `mode == 'constant'`. Received: mode={mode}")
    widths = np.broadcast_to(np.asarray(pad_width, dtype=np.int64), (x.ndim, 2)).tolist()
    if mode == "constant":
        flat = []
        for before, after in reversed(widths):
            flat += [before, after]
        value = 0 if constant_values is None else constant_values
        return torch.nn.functional.pad(x, flat, mode="constant", value=value)
    if mode not in ("reflect", "symmetric", "edge", "wrap"):
        raise ValueError(
            f"ops.pad: `mode` must be one of 'constant', 'reflect', 'symmetric', 'edge', 'wrap'. "
            f"Received: mode={mode!r}")
    for axis, (before, after) in enumerate(widths):
        if before == 0 and after == 0:
            continue
        index = torch.as_tensor(_pad_index(x.shape[axis], before, after, mode), device=x.device)
        x = torch.index_select(x, axis, index)
    return x


# ============================================================================ info
def ndim(x):
    """The rank of ``x`` as a Python int."""
    return len(core.shape(x))


@op
def size(x):
    """The number of elements of ``x`` (a 0-d int64 tensor, as in Keras)."""
    if core._is_keras_tensor(x):
        raise core._SymbolicInput()
    return torch.full((), math.prod(core.shape(x)), dtype=torch.int64, device=backend.get_device())


__all__ = sorted(
    name for name, value in list(globals().items())
    if not name.startswith("_") and callable(value) and getattr(value, "__module__", None) == __name__
)
