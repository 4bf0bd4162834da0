"""``TorchOp``: the layer behind operators on KerasTensors (``x + y``, ``x[:, 0]``)."""
from kerasish.layers.base import Layer


class TorchOp(Layer):
    """Applies a torch function to its inputs; created by KerasTensor operators."""

    def __init__(self, fn, op_name="op", **kwargs):
        from kerasish import backend
        super().__init__(name=kwargs.pop("name", None) or backend.unique_name(op_name), **kwargs)
        self.fn = fn
        self.op_name = op_name
        self.built = True

    def call(self, *inputs):
        return self.fn(*inputs)

    def get_config(self):
        raise NotImplementedError(
            f"Layer '{self.name}' applies a Python operator ({self.op_name}) to a KerasTensor and cannot be "
            "serialized; use a layer (e.g. keras.layers.Add) or a Lambda layer instead.")
