"""Symbolic tensors for the functional API.

``keras.Input(shape=(8,))`` returns a :class:`KerasTensor`: a shape with ``None``
for unknown dimensions, a dtype and a name, and a ``_keras_history`` pointing at
the :class:`Node` (a layer call) that produced it. Functional models are graphs
of Nodes; they are traced once, when the model is built.
"""
import itertools

import torch

from kerasish import backend
from kerasish.engine import tree

_COUNTER = itertools.count(1)


class KerasTensor:
    """A symbolic placeholder: shape (``None`` = unknown), dtype and name."""

    __array_priority__ = 100

    def __init__(self, shape, dtype="float32", name=None, has_mask=False):
        self.shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype = backend.to_torch_dtype(dtype) if not isinstance(dtype, torch.dtype) else dtype
        self.name = name if name is not None else f"keras_tensor_{next(_COUNTER)}"
        self._keras_history = None  # (layer, node, tensor_index)
        self._has_mask = has_mask

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def keras_dtype(self):
        return backend.standardize_dtype(self.dtype)

    def __repr__(self):
        return f"<KerasTensor shape={self.shape}, dtype={self.keras_dtype}, sparse=False, name={self.name}>"

    def __len__(self):
        if not self.shape or self.shape[0] is None:
            raise TypeError("len() of a KerasTensor with an unknown first dimension is undefined.")
        return self.shape[0]

    def __iter__(self):
        raise TypeError(
            "A KerasTensor is symbolic: it has no values to iterate over. It only describes the inputs and "
            "outputs of a functional model. Call the model on real data instead.")

    def __bool__(self):
        raise TypeError("A KerasTensor is symbolic and cannot be used as a Python bool.")

    def numpy(self):
        raise TypeError("A KerasTensor is symbolic and has no value; call the model on data to get one.")

    # Operators build small op layers so `x + y`, `x * 2`, `x[:, 0]` work in functional graphs.
    def _op(self, name, fn, *others):
        from kerasish.layers import core_ops
        return core_ops.TorchOp(fn, op_name=name)(self, *others)

    def __add__(self, o): return self._op("add", torch.add, o)
    def __radd__(self, o): return self._op("add", lambda a, b: torch.add(b, a), o)
    def __sub__(self, o): return self._op("subtract", torch.sub, o)
    def __rsub__(self, o): return self._op("subtract", lambda a, b: torch.sub(b, a), o)
    def __mul__(self, o): return self._op("multiply", torch.mul, o)
    def __rmul__(self, o): return self._op("multiply", lambda a, b: torch.mul(b, a), o)
    def __truediv__(self, o): return self._op("divide", torch.true_divide, o)
    def __rtruediv__(self, o): return self._op("divide", lambda a, b: torch.true_divide(b, a), o)
    def __matmul__(self, o): return self._op("matmul", torch.matmul, o)
    def __pow__(self, o): return self._op("power", torch.pow, o)
    def __neg__(self): return self._op("negative", torch.neg)
    def __abs__(self): return self._op("absolute", torch.abs)
    def __getitem__(self, idx): return self._op("get_item", lambda a: a[idx])


class Node:
    """One call of a layer inside a functional graph."""

    def __init__(self, layer, call_args, call_kwargs, outputs):
        self.layer = layer
        self.call_args = call_args
        self.call_kwargs = call_kwargs
        self.outputs = outputs
        self.input_tensors = [t for t in tree.flatten((call_args, call_kwargs)) if isinstance(t, KerasTensor)]
        self.output_tensors = tree.flatten(outputs)

    @property
    def parent_nodes(self):
        return [t._keras_history[1] for t in self.input_tensors if t._keras_history is not None]

    @property
    def is_input(self):
        return not self.input_tensors


def any_symbolic(struct):
    if isinstance(struct, KerasTensor):
        return True
    if isinstance(struct, (list, tuple)):
        return any(any_symbolic(s) for s in struct)
    if isinstance(struct, dict):
        return any(any_symbolic(s) for s in struct.values())
    return False
