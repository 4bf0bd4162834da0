"""Merge layers: Concatenate, Add, Subtract, Multiply, Average, Maximum, Minimum, Dot,
and their functional forms (``layers.concatenate([a, b])``)."""
import functools

import torch
import torch.nn.functional as F

from kerasish.layers.base import Layer


class _Merge(Layer):
    _op_name = "merge"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def build(self, input_shape):
        if not isinstance(input_shape, (list, tuple)) or not input_shape or not isinstance(input_shape[0], (list, tuple)):
            raise ValueError(
                f"A merge layer ({type(self).__name__} '{self.name}') should be called on a list of inputs. "
                f"Received: input_shape={input_shape}")
        if len(input_shape) < 2 and self._min_inputs > 1:
            raise ValueError(
                f"A merge layer ({type(self).__name__} '{self.name}') should be called on a list of at least "
                f"{self._min_inputs} inputs. Got {len(input_shape)} inputs.")
        self._check_shapes([tuple(s) for s in input_shape])
        self.built = True

    _min_inputs = 1

    def _check_shapes(self, shapes):
        # Elementwise merges broadcast like Keras: trailing dims must be equal or 1.
        for a in shapes[1:]:
            s = shapes[0]
            for da, db in zip(reversed(s), reversed(a)):
                if da is not None and db is not None and da != db and 1 not in (da, db):
                    raise ValueError(
                        f"Inputs to {type(self).__name__} layer '{self.name}' have incompatible shapes. "
                        f"Received: input_shape={shapes}")

    def call(self, inputs):
        return functools.reduce(self._merge, inputs)

    def compute_mask(self, inputs, previous_mask=None):
        return None


class Add(_Merge):
    """Sums a list of inputs of the same shape."""
    _merge = staticmethod(torch.add)


class Subtract(_Merge):
    """``inputs[0] - inputs[1]`` (exactly two inputs)."""
    _min_inputs = 2

    def build(self, input_shape):
        super().build(input_shape)
        if len(input_shape) != 2:
            raise ValueError(
                f"A `Subtract` layer should be called on exactly 2 inputs. Received: input_shape={input_shape}")

    def call(self, inputs):
        return inputs[0] - inputs[1]


class Multiply(_Merge):
    """Elementwise product of a list of inputs."""
    _merge = staticmethod(torch.mul)


class Average(_Merge):
    """Elementwise mean of a list of inputs."""

    def call(self, inputs):
        return functools.reduce(torch.add, inputs) / len(inputs)


class Maximum(_Merge):
    """Elementwise maximum of a list of inputs."""
    _merge = staticmethod(torch.maximum)


class Minimum(_Merge):
    """Elementwise minimum of a list of inputs."""
    _merge = staticmethod(torch.minimum)


class Concatenate(_Merge):
    """Concatenates a list of inputs along ``axis`` (default -1)."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def _check_shapes(self, shapes):
        ranks = {len(s) for s in shapes}
        ok = len(ranks) == 1
        if ok:
            rank = ranks.pop()
            axis = self.axis % rank
            for i in range(rank):
                if i == axis:
                    continue
                dims = {s[i] for s in shapes if s[i] is not None}
                if len(dims) > 1:
                    ok = False
        if not ok:
            raise ValueError(
                f"A `Concatenate` layer ('{self.name}') requires inputs with matching shapes except for the "
                f"concatenation axis (axis={self.axis}). Received: input_shape={shapes}")

    def call(self, inputs):
        return torch.cat(list(inputs), dim=self.axis)

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config


class Dot(_Merge):
    """Dot product between two tensors along ``axes``; ``normalize=True`` gives cosine proximity."""
    _min_inputs = 2

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        self.axes = axes
        self.normalize = normalize

    def _check_shapes(self, shapes):
        if len(shapes) != 2:
            raise ValueError(f"A `Dot` layer should be called on exactly 2 inputs. Received: input_shape={shapes}")

    def call(self, inputs):
        a, b = inputs
        axes = self.axes if isinstance(self.axes, (list, tuple)) else (self.axes, self.axes)
        axes = [ax % t.dim() for ax, t in zip(axes, (a, b))]
        if self.normalize:
            a = F.normalize(a, dim=axes[0])
            b = F.normalize(b, dim=axes[1])
        a = a.movedim(axes[0], -1)
        b = b.movedim(axes[1], 1)
        if a.dim() == 2 and b.dim() == 2:
            return (a * b).sum(-1, keepdim=True)
        out = torch.matmul(a, b)
        return out

    def get_config(self):
        config = super().get_config()
        config.update({"axes": self.axes, "normalize": self.normalize})
        return config


def _functional(cls):
    def fn(inputs, **kwargs):
        return cls(**kwargs)(inputs)
    fn.__name__ = cls.__name__.lower()
    fn.__doc__ = f"Functional form of :class:`{cls.__name__}`: ``{fn.__name__}([a, b])``."
    return fn


add = _functional(Add)
subtract = _functional(Subtract)
multiply = _functional(Multiply)
average = _functional(Average)
maximum = _functional(Maximum)
minimum = _functional(Minimum)
concatenate = _functional(Concatenate)


def dot(inputs, axes=-1, **kwargs):
    """Functional form of :class:`Dot`."""
    return Dot(axes=axes, **kwargs)(inputs)
