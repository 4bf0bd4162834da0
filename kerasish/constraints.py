"""keras.constraints: projections applied to a weight after each optimizer update.

``constraint(w)`` takes the weight in **Keras layout** (a Dense kernel is
``(in, out)``, a Conv2D kernel ``(kh, kw, in, out)``) and returns the projected
tensor; ``axis`` counts in that layout. With the default ``axis=0`` a Dense
kernel is constrained per output unit (each column). A layer that stores a
transposed weight hands the Keras-layout view in and copies the result back.

Example:
    >>> from kerasish import constraints
    >>> constraints.MaxNorm(2.0)(torch.tensor([[3.0], [4.0]]))   # column norm 5 → 2
    tensor([[1.2000],
            [1.6000]])
"""
import torch

from kerasish import backend
from kerasish.initializers import _Family

__all__ = ["Constraint", "MaxNorm", "NonNeg", "UnitNorm", "MinMaxNorm", "max_norm", "non_neg",
           "unit_norm", "min_max_norm", "get", "serialize", "deserialize"]


def _weight(w):
    return w if isinstance(w, torch.Tensor) else backend.convert_to_tensor(w)


def _dims(axis):
    return tuple(axis) if isinstance(axis, (list, tuple)) else axis


def _norms(w, axis):
    return torch.sqrt(torch.sum(torch.square(w), dim=_dims(axis), keepdim=True))


class Constraint:
    """Base class: subclasses implement ``__call__(w)`` returning the projected weight."""

    def __call__(self, w):
        return w

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class MaxNorm(Constraint):
    """Rescales slices along ``axis`` whose L2 norm exceeds ``max_value``.

    Args:
        max_value: Largest allowed norm. Default 2.
        axis: Axis (or list of axes) the norm is taken over. Default 0; use
            ``[0, 1, 2]`` for a Conv2D kernel ``(kh, kw, in, out)``.
    """

    def __init__(self, max_value=2, axis=0):
        self.max_value = max_value
        self.axis = axis

    def __call__(self, w):
        w = _weight(w)
        norms = _norms(w, self.axis)
        desired = torch.clamp(norms, 0, self.max_value)
        return w * (desired / (backend.epsilon() + norms))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class NonNeg(Constraint):
    """Sets negative entries to 0."""

    def __call__(self, w):
        return torch.clamp_min(_weight(w), 0)


class UnitNorm(Constraint):
    """Divides slices along ``axis`` by their L2 norm.

    Args:
        axis: Axis (or list of axes) the norm is taken over. Default 0.
    """

    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        w = _weight(w)
        return w / (backend.epsilon() + _norms(w, self.axis))

    def get_config(self):
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    """Moves the L2 norm of slices along ``axis`` into ``[min_value, max_value]``.

    The new norm is ``rate * clip(norm, min_value, max_value) + (1 - rate) * norm``.

    Args:
        min_value: Default 0.0.
        max_value: Default 1.0.
        rate: 1.0 (default) projects fully; smaller values move part of the way.
        axis: Axis (or list of axes) the norm is taken over. Default 0.
    """

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value = min_value
        self.max_value = max_value
        self.rate = rate
        self.axis = axis

    def __call__(self, w):
        w = _weight(w)
        norms = _norms(w, self.axis)
        desired = self.rate * torch.clamp(norms, self.min_value, self.max_value) + (1 - self.rate) * norms
        return w * (desired / (backend.epsilon() + norms))

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate,
                "axis": self.axis}


# Function-like spellings (Keras 2 and 3), plus tf.keras 2's legacy ones
max_norm, non_neg, unit_norm, min_max_norm = MaxNorm, NonNeg, UnitNorm, MinMaxNorm
maxnorm, nonneg, unitnorm = MaxNorm, NonNeg, UnitNorm

_CLASSES = (Constraint, MaxNorm, NonNeg, UnitNorm, MinMaxNorm)
_NAMES = {cls.__name__: cls for cls in _CLASSES}
_NAMES.update({backend.to_snake_case(cls.__name__): cls for cls in _CLASSES})
_FAMILY = _Family("constraint", "keras.constraints", _NAMES)


def serialize(constraint):
    """A constraint → ``{'module', 'class_name', 'config', 'registered_name'}`` (Keras 3 form)."""
    return _FAMILY.serialize(constraint)


def deserialize(config, custom_objects=None):
    """A name or config dict (Keras 2 or 3 form) → a new constraint."""
    return _FAMILY.deserialize(config, custom_objects)


def get(identifier):
    """None / name / config dict / class / callable → a constraint (None stays None)."""
    return _FAMILY.get(identifier)
