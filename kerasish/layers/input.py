"""``keras.Input`` and ``InputLayer``: the entry points of functional models."""
import torch

from kerasish import backend
from kerasish.engine import keras_tensor as kt_lib
from kerasish.layers.base import Layer


class InputLayer(Layer):
    """The layer behind ``keras.Input``: holds the input's shape, dtype and name.

    Args:
        shape: shape without the batch dimension, e.g. ``(28, 28)``.
        batch_size: optional fixed batch size.
        dtype: Keras dtype string or torch dtype (default ``floatx()``).
        name: the layer's (and the tensor's) name.
    """

    def __init__(self, shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None,
                 input_tensor=None, name=None, ragged=None, optional=False, **kwargs):
        # Keras 2 spellings
        if "input_shape" in kwargs and shape is None:
            shape = kwargs.pop("input_shape")
        if "batch_input_shape" in kwargs and batch_shape is None:
            batch_shape = kwargs.pop("batch_input_shape")
        kwargs.pop("input_shape", None)
        kwargs.pop("batch_input_shape", None)
        super().__init__(name=name, dtype=dtype if dtype is not None and not isinstance(dtype, dict) else None,
                         **kwargs)
        if dtype is not None:
            self._dtype_name = backend.standardize_dtype(dtype)
        if sparse:
            raise ValueError(f"InputLayer '{self.name}': sparse inputs are not supported by kerasish.")
        if shape is not None and batch_shape is not None:
            raise ValueError("You cannot pass both `shape` and `batch_shape` at the same time.")
        if batch_shape is None:
            if shape is None:
                raise ValueError("You must pass a `shape` argument to Input/InputLayer. Received: shape=None")
            if isinstance(shape, int):
                shape = (shape,)
            try:
                shape = tuple(shape)
            except TypeError:
                raise ValueError(f"Input `shape` must be a tuple of integers or None. Received: shape={shape!r}") from None
            batch_shape = (batch_size,) + shape
        for d in batch_shape:
            if d is not None and (not isinstance(d, int) or isinstance(d, bool) or d < 0):
                try:
                    if int(d) == d and d >= 0:
                        continue
                except (TypeError, ValueError):
                    pass
                raise ValueError(
                    f"Input `shape` dimensions must be non-negative integers or None. Received: shape={tuple(batch_shape)[1:]}")
        self._batch_shape = tuple(None if d is None else int(d) for d in batch_shape)
        self.built = True
        self.optional = optional
        tensor = kt_lib.KerasTensor(self._batch_shape, dtype=self._dtype_name, name=self.name)
        node = kt_lib.Node(self, (), {}, tensor)
        self._inbound_nodes.append(node)
        tensor._keras_history = (self, node, 0)
        self._output_tensor = tensor

    @property
    def batch_shape(self):
        return self._batch_shape

    @property
    def output(self):
        return self._output_tensor

    def call(self, inputs):
        return inputs

    def get_config(self):
        return {"batch_shape": list(self._batch_shape), "dtype": self._dtype_name,
                "sparse": False, "name": self.name}

    def extra_repr(self):
        return f"name={self.name!r}, batch_shape={self._batch_shape}, dtype={self._dtype_name}"


def Input(shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None, name=None,
          tensor=None, optional=False, **kwargs):
    """A symbolic input for a functional model: ``keras.Input(shape=(8,), dtype='int32')``.

    Returns a :class:`KerasTensor` of shape ``(batch_size, *shape)`` (``None`` batch by default).
    """
    if isinstance(dtype, torch.dtype) or dtype is None or isinstance(dtype, str):
        pass
    else:
        dtype = backend.standardize_dtype(dtype)
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, sparse=sparse,
                       batch_shape=batch_shape, name=name, optional=optional, **kwargs)
    return layer.output
