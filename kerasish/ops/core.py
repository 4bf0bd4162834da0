"""keras.ops core: tensor conversion, Keras dtype promotion, casting, shapes,
control flow (cond / while_loop / fori_loop / vectorized_map) and scatter/slice.

Who owns what:
- ``convert_to_tensor`` turns Python numbers, lists, numpy arrays and tensors
  into torch tensors on ``backend.get_device()`` with the dtypes Keras 3 (torch
  backend) gives them: Python ``int`` → int32, ``float`` → floatx, lists by
  ``result_type`` of their elements, numpy arrays keep their dtype.
- ``result_type`` is Keras's type-promotion lattice (JAX-style, with weakly
  typed Python scalars; 64-bit results are narrowed to 32-bit as Keras does on
  torch).
- ``op`` is the decorator every public op goes through: it turns torch's
  ``RuntimeError`` into a ``ValueError`` naming the op and the input shapes,
  and routes calls on symbolic ``KerasTensor`` inputs into a functional graph.
"""
import builtins
import functools
import inspect

import numpy as np
import torch

from kerasish import backend

__all__ = [
    "cast", "cond", "convert_to_numpy", "convert_to_tensor", "dtype", "fori_loop", "is_tensor",
    "saturate_cast", "scatter", "scatter_update", "shape", "slice", "slice_update", "stop_gradient",
    "unstack", "vectorized_map", "while_loop", "map", "switch", "custom_gradient",
]

# ----------------------------------------------------------------------------- dtypes
# Keras on torch stores uint16/uint32 in wider signed ints (torch lacks the arithmetic).
_TORCH = {
    "bool": torch.bool, "uint8": torch.uint8, "uint16": torch.int32, "uint32": torch.int64,
    "int8": torch.int8, "int16": torch.int16, "int32": torch.int32, "int64": torch.int64,
    "bfloat16": torch.bfloat16, "float16": torch.float16, "float32": torch.float32,
    "float64": torch.float64, "complex64": torch.complex64, "complex128": torch.complex128,
}


def standardize_dtype(dtype):
    """Keras dtype name for any spelling; ``None`` → floatx, Python ``int`` → int32."""
    if dtype is None:
        return backend.floatx()
    if dtype is int:
        return "int32"
    if dtype is float:
        return "float32"
    if dtype is bool:
        return "bool"
    if dtype is complex:
        return "complex64"
    return backend.standardize_dtype(dtype)


def to_torch_dtype(dtype):
    """Keras dtype (any spelling) → the torch dtype Keras's torch backend uses for it."""
    if isinstance(dtype, torch.dtype):
        return dtype
    name = standardize_dtype(dtype)
    try:
        return _TORCH[name]
    except KeyError:
        raise ValueError(f"Unsupported dtype for PyTorch: {dtype!r}") from None


# Each type and the types directly above it in the promotion lattice. "int" and
# "float" are the weak types of Python scalars: they yield to any tensor dtype.
_LATTICE = {
    "bool": ("int",),
    "int": ("uint8", "int8", "complex64"),
    "uint8": ("int16", "uint16"), "uint16": ("int32", "uint32"),
    "uint32": ("int64", "uint64"), "uint64": ("float",),
    "int8": ("int16",), "int16": ("int32",), "int32": ("int64",), "int64": ("float",),
    "float": ("bfloat16", "float16"),
    "bfloat16": ("float32",), "float16": ("float32",),
    "float32": ("float64", "complex64"), "float64": ("complex128",),
    "complex64": ("complex128",), "complex128": (),
}


def _reachable(node, memo={}):
    if node not in memo:
        above = {node}
        for up in _LATTICE[node]:
            above |= _reachable(up)
        memo[node] = frozenset(above)
    return memo[node]


@functools.lru_cache(maxsize=1024)
def _join(nodes):
    """Smallest lattice element above every one of ``nodes``."""
    for n in nodes:
        if n not in _LATTICE:
            raise ValueError(f"dtype={n!r} is not a valid dtype for Keras type promotion.")
    common = frozenset.intersection(*(_reachable(n) for n in nodes))
    least = [c for c in common if common <= _reachable(c)]
    if len(least) != 1:
        raise ValueError(
            f"Input dtypes {tuple(nodes)} have no available implicit dtype promotion path. "
            "Try explicitly casting inputs to the desired output type.")
    return least[0]


_NARROW = {"int64": "int32", "uint64": "uint32", "float64": "float32", "complex128": "complex64"}


def _weak_name(name):
    if name == "bool":
        return name
    if "float" in name:
        return "float"
    if "int" in name:
        return "int"
    return name


def _resolve_weak(name):
    bits = backend.floatx()[-2:]
    if name == "bool":
        return "bool"
    if name.startswith("uint"):
        return f"uint{bits}"
    if name.startswith("int"):
        return f"int{bits}"
    if name.startswith("complex"):
        return name
    return f"float{bits}"


def result_type(*dtypes):
    """The dtype Keras's type promotion gives to these dtypes (``int``/``float`` are weak)."""
    if not dtypes:
        return backend.floatx()
    try:
        return _cached_result_type(dtypes, backend.floatx())
    except TypeError:  # an unhashable dtype spelling
        return _result_type(dtypes)


@functools.lru_cache(maxsize=4096)
def _cached_result_type(dtypes, _floatx):
    return _result_type(dtypes)


def _result_type(dtypes):
    parsed = []
    for d in dtypes:
        weak = d is int or d is float
        parsed.append((standardize_dtype(d), weak))
    names = tuple(p[0] for p in parsed)
    weaks = tuple(p[1] for p in parsed)
    if len(parsed) == 1:
        out, out_weak = parsed[0]
    elif len(set(names)) == 1 and not builtins.all(weaks):
        out, out_weak = names[0], False
    elif builtins.all(weaks):
        out, out_weak = _join(tuple(sorted(set(names)))), True
    else:
        keyed = {(_weak_name(n) if w else n) for n, w in parsed}
        out = _join(tuple(sorted(keyed)))
        out_weak = out in ("int", "float")
    if out_weak and out != "bool":
        out = _resolve_weak(out)
    return _NARROW.get(out, out)


def _dtype_of(x):
    """``x.dtype`` for arrays/tensors, the Python type for scalars (weak for promotion)."""
    d = getattr(x, "dtype", None)
    return type(x) if d is None else d


# ----------------------------------------------------------------------------- conversion
class _SymbolicInput(Exception):
    """Raised by ``convert_to_tensor`` on a KerasTensor; ``op`` builds a graph node instead."""


def _is_keras_tensor(x):
    return type(x).__name__ == "KerasTensor" and hasattr(x, "_keras_history")


def _flatten(x):
    if isinstance(x, (list, tuple)):
        for item in x:
            yield from _flatten(item)
    else:
        yield x


def _python_scalar_tensor(x, tdtype, device):
    if tdtype is None:
        if isinstance(x, bool):
            tdtype = torch.bool
        elif isinstance(x, int):
            tdtype = torch.int64 if x < -(2 ** 31) or x >= 2 ** 31 else torch.int32
        elif isinstance(x, float):
            tdtype = _TORCH[backend.floatx()]
        else:
            tdtype = torch.complex64
    # a fill kernel, not a host-to-device copy: no sync when the device is a GPU
    return torch.full((), x, dtype=tdtype, device=device)


def _array_to_tensor(arr, tdtype, device):
    name = arr.dtype.name
    if name == "bfloat16":  # ml_dtypes' bfloat16: numpy kind 'V', torch cannot read it directly
        t = torch.from_numpy(arr.astype(np.float32))
        return t.to(device=device, dtype=tdtype or torch.bfloat16)
    if arr.dtype.kind in "USOV":
        raise TypeError(
            f"convert_to_tensor: expected numbers, received a numpy array of dtype {arr.dtype}"
            + (f" (first value {arr.flat[0]!r})." if arr.size else "."))
    if name in ("uint16", "uint32"):
        arr = arr.astype(np.int32 if name == "uint16" else np.int64)
    elif name == "uint64":
        raise ValueError("Unsupported dtype for PyTorch: uint64")
    if not (arr.flags.c_contiguous and arr.flags.writeable):
        arr = np.array(arr, order="C", copy=True)  # (np.ascontiguousarray would make 0-d arrays 1-d)
    return torch.from_numpy(arr).to(device=device, dtype=tdtype)


def _convert(x, dtype=None, sparse=None, ragged=None):
    """Array-like → torch tensor on ``backend.get_device()``, with Keras's dtypes.

    Args:
        x: a tensor, numpy array, Python number or (nested) list of those.
        dtype: optional target dtype (any spelling).
        sparse, ragged: accepted for API compatibility; ``True`` is unsupported.

    Python ``int`` becomes int32 (int64 when out of int32 range), ``float``
    becomes ``floatx()``, a list takes the promoted dtype of its elements and a
    numpy array keeps its own dtype (``float64`` stays ``float64``).
    """
    if sparse:
        raise ValueError("convert_to_tensor: `sparse=True` is not supported with the torch backend.")
    if ragged:
        raise ValueError("convert_to_tensor: `ragged=True` is not supported with the torch backend.")
    device = backend.get_device()
    tdtype = None if dtype is None else to_torch_dtype(dtype)
    if isinstance(x, torch.Tensor):
        if x.device != device:
            x = x.to(device)
        if tdtype is not None and x.dtype != tdtype:
            x = x.to(tdtype)
        return x
    if isinstance(x, (bool, int, float, complex)):
        return _python_scalar_tensor(x, tdtype, device)
    if isinstance(x, np.ndarray):
        return _array_to_tensor(x, tdtype, device)
    if isinstance(x, (list, tuple)):
        leaves = list(_flatten(x))
        if builtins.any(_is_keras_tensor(v) for v in leaves):
            raise _SymbolicInput()
        if x and builtins.any(isinstance(v, torch.Tensor) for v in x):
            t = torch.stack([_convert(v) for v in x])
            return t if tdtype is None else t.to(tdtype)
        if tdtype is None:
            tdtype = to_torch_dtype(result_type(*(_dtype_of(v) for v in leaves)))
        arr = np.asarray(x)
        if arr.dtype.kind in "USO":
            raise TypeError(f"convert_to_tensor: expected numbers, received {x!r}")
        if arr.dtype.name == "bfloat16":
            arr = arr.astype(np.float32)
        return torch.as_tensor(arr, device=device).to(tdtype)
    if _is_keras_tensor(x):
        raise _SymbolicInput()
    value = getattr(x, "value", None)  # Keras-style Variable wrappers
    if isinstance(value, torch.Tensor):
        return _convert(value, dtype=dtype)
    if isinstance(x, str):
        raise TypeError(f"convert_to_tensor: expected a number or an array, received the string {x!r}")
    try:
        arr = np.asarray(x)
    except Exception:
        raise TypeError(
            f"convert_to_tensor: cannot convert an object of type {type(x).__name__} to a tensor. "
            f"Received: {x!r}") from None
    if arr.dtype == object:
        raise TypeError(
            f"convert_to_tensor: cannot convert an object of type {type(x).__name__} to a tensor. "
            f"Received: {x!r}")
    return _array_to_tensor(arr, tdtype, device)


def convert_to_numpy(x):
    """Tensor / array-like → numpy array (bfloat16 as ``ml_dtypes.bfloat16`` when that is installed)."""
    if isinstance(x, (list, tuple)) and builtins.any(isinstance(v, torch.Tensor) for v in x):
        x = _convert(x)
    if not isinstance(x, torch.Tensor):
        return np.asarray(x)
    out = backend.convert_to_numpy(x)
    if x.dtype == torch.bfloat16:
        try:
            import ml_dtypes
        except ImportError:
            return out
        out = out.astype(ml_dtypes.bfloat16)
    return out


def is_tensor(x):
    return isinstance(x, torch.Tensor)


# ----------------------------------------------------------------------------- the op wrapper
def _describe(value):
    if isinstance(value, (torch.Tensor, np.ndarray)):
        return f"shape {tuple(value.shape)} ({standardize_dtype(value.dtype)})"
    if isinstance(value, (list, tuple)) and value and builtins.all(
            isinstance(v, (torch.Tensor, np.ndarray)) for v in value):
        return "shapes " + ", ".join(str(tuple(v.shape)) for v in value)
    if hasattr(value, "shape"):
        return f"shape {tuple(value.shape)}"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _explain(name, fn, args, kwargs, error, kind=ValueError):
    try:
        bound = inspect.signature(fn).bind(*args, **kwargs).arguments
    except TypeError:
        bound = {f"arg{i}": a for i, a in enumerate(args)} | kwargs
    arrays = {k: v for k, v in bound.items()
              if isinstance(v, (torch.Tensor, np.ndarray, list, tuple)) and not isinstance(v, str)}
    described = ", ".join(f"{k} with {_describe(v)}" for k, v in (arrays or bound).items())
    detail = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    verb = "incompatible inputs" if len(arrays) > 1 else "invalid input"
    return kind(f"ops.{name}: {verb}: {described}. (torch: {detail})")


def _symbolic_call(name, fn, args, kwargs):
    """Record ``fn(*args, **kwargs)`` on KerasTensors as a node of a functional graph."""
    from kerasish.layers import core_ops
    leaves = []

    def strip(s):
        if _is_keras_tensor(s):
            leaves.append(s)
            return _Slot(len(leaves) - 1)
        if isinstance(s, (list, tuple)):
            return type(s)(strip(v) for v in s)
        if isinstance(s, dict):
            return {k: strip(v) for k, v in s.items()}
        return s

    t_args, t_kwargs = strip(list(args)), strip(dict(kwargs))

    def fill(s, values):
        if isinstance(s, _Slot):
            return values[s.index]
        if isinstance(s, (list, tuple)):
            return type(s)(fill(v, values) for v in s)
        if isinstance(s, dict):
            return {k: fill(v, values) for k, v in s.items()}
        return s

    def replay(*tensors):
        return fn(*fill(t_args, tensors), **fill(t_kwargs, tensors))

    try:
        layer = core_ops.TorchOp(replay, op_name=name, autocast=False)
    except TypeError:
        layer = core_ops.TorchOp(replay, op_name=name)
    return layer(*leaves)


class _Slot:
    __slots__ = ("index",)

    def __init__(self, index):
        self.index = index


def op(fn=None, *, name=None):
    """Decorator for public ops: readable errors and functional-graph support.

    torch ``RuntimeError``s become ``ValueError``s (``IndexError``s stay ``IndexError``s)
    whose message names the op and the shapes and dtypes of its inputs.
    """
    if fn is None:
        return functools.partial(op, name=name)
    op_name = name or fn.__name__

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except _SymbolicInput:
            return _symbolic_call(op_name, fn, args, kwargs)
        except (torch.OutOfMemoryError, NotImplementedError):
            raise
        except RuntimeError as e:
            raise _explain(op_name, fn, args, kwargs, e) from None
        except IndexError as e:  # out-of-range axis or index: keep the type, add the context
            raise _explain(op_name, fn, args, kwargs, e, IndexError) from None

    wrapper.raw = fn
    return wrapper


# ----------------------------------------------------------------------------- ops
@op
def convert_to_tensor(x, dtype=None, sparse=None, ragged=None):
    """Array-like → torch tensor on ``backend.get_device()``, with Keras's dtypes.

    Python ``int`` → int32 (int64 beyond the int32 range), ``float`` → ``floatx()``,
    lists → the promoted dtype of their elements; numpy arrays keep their dtype.
    """
    return _convert(x, dtype=dtype, sparse=sparse, ragged=ragged)


@op
def cast(x, dtype):
    """Cast ``x`` to ``dtype`` (any Keras spelling)."""
    tdtype = to_torch_dtype(dtype)
    if isinstance(x, torch.Tensor):
        return x if x.dtype == tdtype else x.to(tdtype)
    return _convert(x, dtype=tdtype)


@op
def saturate_cast(x, dtype):
    """Cast with clipping to the target dtype's range (no wrap-around)."""
    x = _convert(x)
    tdtype = to_torch_dtype(dtype)
    if tdtype == torch.bool or x.dtype == torch.bool:
        return x.to(tdtype)
    info = torch.finfo(tdtype) if tdtype.is_floating_point else torch.iinfo(tdtype)
    src = torch.finfo(x.dtype) if x.dtype.is_floating_point else torch.iinfo(x.dtype)
    lo, hi = builtins.max(info.min, src.min), builtins.min(info.max, src.max)
    return torch.clamp(x, lo, hi).to(tdtype)


def shape(x):
    """The shape as a tuple of Python ints (``None`` for unknown symbolic dims)."""
    if isinstance(x, torch.Tensor):
        return tuple(x.shape)
    if _is_keras_tensor(x):
        return tuple(x.shape)
    if hasattr(x, "shape") and not isinstance(x, type):
        return tuple(int(d) if d is not None else None for d in x.shape)
    return tuple(_convert(x).shape)


def dtype(x):
    """The Keras dtype name of ``x``."""
    return standardize_dtype(_dtype_of(x) if hasattr(x, "dtype") else _convert(x).dtype)


@op
def stop_gradient(variable):
    """The same values with no gradient flowing back."""
    return _convert(variable).detach()


def cond(pred, true_fn, false_fn):
    """``true_fn()`` if ``pred`` else ``false_fn()`` (eager Python branch)."""
    if isinstance(pred, torch.Tensor):
        pred = bool(pred)
    return true_fn() if pred else false_fn()


def switch(index, branches, *operands):
    """Call ``branches[index](*operands)``; the index is clamped to the valid range."""
    i = int(index)
    i = builtins.min(builtins.max(i, 0), len(branches) - 1)
    return branches[i](*operands)


def while_loop(cond, body, loop_vars, maximum_iterations=None):
    """Run ``loop_vars = body(*loop_vars)`` while ``cond(*loop_vars)`` (eager Python loop)."""
    as_sequence = isinstance(loop_vars, (list, tuple))
    state = tuple(loop_vars) if as_sequence else (loop_vars,)
    state = tuple(_map_structure(convert_to_tensor, v) for v in state)
    steps = 0
    while (maximum_iterations is None or steps < maximum_iterations) and cond(*state):
        state = body(*state)
        if not isinstance(state, (list, tuple)):
            state = (state,)
        state = tuple(state)
        steps += 1
    return state if as_sequence else state[0]


def fori_loop(lower, upper, body_fun, init_val):
    """``val = body_fun(i, val)`` for ``i`` in ``range(lower, upper)``."""
    val = init_val
    for i in range(int(lower), int(upper)):
        val = body_fun(i, val)
    return val


def _map_structure(fn, s):
    if isinstance(s, (list, tuple)):
        return type(s)(_map_structure(fn, v) for v in s)
    if isinstance(s, dict):
        return {k: _map_structure(fn, v) for k, v in s.items()}
    return fn(s)


def vectorized_map(function, elements):
    """``function`` applied to each slice along axis 0 (``torch.vmap``)."""
    elements = _map_structure(convert_to_tensor, elements)
    return torch.vmap(function)(elements)


def map(f, xs):
    """Apply ``f`` to each slice of ``xs`` along axis 0 and stack the results."""
    xs = _map_structure(convert_to_tensor, xs)
    first = xs
    while isinstance(first, (list, tuple)):
        first = first[0]
    if isinstance(first, dict):
        first = next(iter(first.values()))
    n = first.shape[0]

    def pick(i):
        return _map_structure(lambda t: t[i], xs)

    outs = [f(pick(i)) for i in range(n)]
    if not outs:
        raise ValueError("ops.map: `xs` has zero elements along axis 0.")
    if isinstance(outs[0], (list, tuple)):
        return type(outs[0])(torch.stack([o[j] for o in outs]) for j in range(len(outs[0])))
    if isinstance(outs[0], dict):
        return {k: torch.stack([o[k] for o in outs]) for k in outs[0]}
    return torch.stack([_convert(o) for o in outs])


@op
def unstack(x, num=None, axis=0):
    """Split ``x`` along ``axis`` into a list of tensors."""
    x = _convert(x)
    if num is not None and num != x.shape[axis]:
        raise ValueError(
            f"ops.unstack: `num` must match x.shape[{axis}]={x.shape[axis]}. Received: num={num}")
    return list(torch.unbind(x, dim=axis))


@op
def scatter(indices, values, shape):
    """Zeros of ``shape`` with ``values`` added at ``indices`` (duplicates accumulate)."""
    indices = _convert(indices).long()
    values = _convert(values)
    shape = tuple(int(s) for s in shape)
    depth = indices.shape[-1]
    flat_idx = indices.reshape(-1, depth)
    flat_vals = values.reshape((-1,) + shape[depth:])
    out = torch.zeros(shape, dtype=values.dtype, device=values.device)
    return out.index_put(tuple(flat_idx.T), flat_vals, accumulate=True)


@op
def scatter_update(inputs, indices, updates, reduction=None):
    """A copy of ``inputs`` with ``updates`` written (or reduced) at ``indices``."""
    if reduction is not None:
        reduction = str(reduction).lower()
        if reduction not in ("add", "max", "min", "mul"):
            raise ValueError(
                f"Invalid reduction: {reduction}. Supported values are: None, 'add', 'max', 'min', 'mul'.")
    inputs = _convert(inputs)
    indices = _convert(indices).long()
    updates = _convert(updates, dtype=inputs.dtype)
    idx = tuple(indices.T)
    if reduction is None:
        return inputs.index_put(idx, updates)
    if reduction == "add":
        return inputs.index_put(idx, updates, accumulate=True)
    out = inputs.clone()
    for i in range(indices.shape[0]):
        where = tuple(indices[i])
        if reduction == "max":
            out[where] = torch.maximum(out[where], updates[i])
        elif reduction == "min":
            out[where] = torch.minimum(out[where], updates[i])
        else:
            out[where] = out[where] * updates[i]
    return out


def _ints(values, what, op_name):
    if isinstance(values, torch.Tensor):
        values = values.tolist()
    try:
        return [int(v) for v in values]
    except TypeError:
        raise TypeError(
            f"ops.{op_name}: `{what}` must be a sequence of ints. Received: {what}={values!r}") from None


@op
def slice(inputs, start_indices, shape):
    """The block of ``inputs`` starting at ``start_indices`` with the given ``shape``."""
    inputs = _convert(inputs)
    starts = _ints(start_indices, "start_indices", "slice")
    sizes = _ints(shape, "shape", "slice")
    if len(starts) != inputs.ndim or len(sizes) != inputs.ndim:
        raise ValueError(
            f"ops.slice: `start_indices` and `shape` need one entry per dimension of inputs "
            f"(rank {inputs.ndim}). Received: start_indices={list(starts)}, shape={list(sizes)}")
    out = inputs
    for dim, (s, n) in enumerate(zip(starts, sizes)):
        out = out.narrow(dim, s, out.shape[dim] - s if n == -1 else n)
    return out


@op
def slice_update(inputs, start_indices, updates):
    """A copy of ``inputs`` with the block at ``start_indices`` replaced by ``updates``."""
    inputs = _convert(inputs)
    updates = _convert(updates, dtype=inputs.dtype)
    starts = _ints(start_indices, "start_indices", "slice_update")
    region = tuple(builtins.slice(s, s + n) for s, n in zip(starts, updates.shape))
    out = inputs.clone()
    out[region] = updates
    return out


class _CustomGradient(torch.autograd.Function):
    @staticmethod
    def forward(ctx, f, *inputs):
        ctx.save_for_backward(*inputs)
        out, ctx.grad_fn = f(*inputs)
        return out

    @staticmethod
    def backward(ctx, upstream):
        grads = ctx.grad_fn(*ctx.saved_tensors, upstream=upstream)
        if not isinstance(grads, tuple):
            grads = (grads,)
        return (None,) + grads


def custom_gradient(f):
    """Decorator for a function returning ``(output, grad_fn)``; on the backward pass
    ``grad_fn(*inputs, upstream=upstream_gradient)`` gives the input gradients (as in Keras on torch)."""

    @functools.wraps(f)
    def wrapped(*args):
        return _CustomGradient.apply(f, *[_convert(a) for a in args])

    return wrapped
