"""keras.regularizers: penalties on a weight, ``reg(weight) -> scalar tensor`` added to the loss.

A regularizer receives the weight as a torch tensor and returns a 0-d tensor
of the same dtype and device, differentiable with respect to the weight. The
penalties of L1/L2/L1L2 do not depend on the weight's layout; the rows/columns
of ``OrthogonalRegularizer`` refer to the **Keras layout** (a Dense kernel is
``(in, out)``), so a layer keeping a transposed weight passes the Keras view.

Names: ``'l1'``, ``'l2'``, ``'orthogonal_regularizer'`` and the class names, as
Keras 3. ``'l1_l2'`` (and the function ``l1_l2()``) keep tf.keras 2's defaults
``l1=0.01, l2=0.01``; the class ``L1L2()`` defaults to 0.0 for both.

Example:
    >>> from kerasish import regularizers
    >>> regularizers.l2(0.01)(torch.ones(2, 3))
    tensor(0.0600)
"""
import math

import torch

from kerasish import backend
from kerasish.initializers import _Family

__all__ = ["Regularizer", "L1", "L2", "L1L2", "OrthogonalRegularizer", "l1", "l2", "l1_l2",
           "orthogonal_regularizer", "get", "serialize", "deserialize"]


def _factor(value, name, owner):
    """A non-negative finite float (None → the default, handled by the caller)."""
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        value = value.item()
    try:
        is_number = not isinstance(value, (bool, str)) and float(value) == float(value)
    except (TypeError, ValueError):
        is_number = False
    if not is_number or math.isinf(float(value)) or float(value) < 0:
        raise ValueError(f"{owner}: invalid value for argument `{name}`, expected a non-negative float. "
                         f"Received: {name}={value!r}")
    return float(value)


def _weight(x):
    return x if isinstance(x, torch.Tensor) else backend.convert_to_tensor(x)


class Regularizer:
    """Base class: subclasses implement ``__call__(x)`` returning a scalar penalty and ``get_config``."""

    def __call__(self, x):
        return 0.0

    def get_config(self):
        raise NotImplementedError(f"{type(self).__name__} does not implement get_config()")

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        try:
            args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        except NotImplementedError:
            args = ""
        return f"{type(self).__name__}({args})"


class L1L2(Regularizer):
    """``l1 * sum(|x|) + l2 * sum(x²)``.

    Args:
        l1: L1 factor. Default 0.0.
        l2: L2 factor. Default 0.0.
    """

    def __init__(self, l1=0.0, l2=0.0):
        self.l1 = _factor(0.0 if l1 is None else l1, "l1", "L1L2")
        self.l2 = _factor(0.0 if l2 is None else l2, "l2", "L1L2")

    def __call__(self, x):
        x = _weight(x)
        penalty = None
        if self.l1:
            penalty = self.l1 * torch.sum(torch.abs(x))
        if self.l2:
            term = self.l2 * torch.sum(torch.square(x))
            penalty = term if penalty is None else penalty + term
        if penalty is None:
            return torch.zeros((), dtype=x.dtype, device=x.device)
        return penalty

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


class L1(Regularizer):
    """``l1 * sum(|x|)``.

    Args:
        l1: Factor. Default 0.01 (tf.keras 2 also accepted ``l=``).
    """

    def __init__(self, l1=0.01, **kwargs):
        l1 = kwargs.pop("l", l1)
        if kwargs:
            raise TypeError(f"L1() got unexpected keyword argument(s): {sorted(kwargs)}")
        self.l1 = _factor(0.01 if l1 is None else l1, "l1", "L1")

    def __call__(self, x):
        return self.l1 * torch.sum(torch.abs(_weight(x)))

    def get_config(self):
        return {"l1": self.l1}


class L2(Regularizer):
    """``l2 * sum(x²)``.

    Args:
        l2: Factor. Default 0.01 (tf.keras 2 also accepted ``l=``).
    """

    def __init__(self, l2=0.01, **kwargs):
        l2 = kwargs.pop("l", l2)
        if kwargs:
            raise TypeError(f"L2() got unexpected keyword argument(s): {sorted(kwargs)}")
        self.l2 = _factor(0.01 if l2 is None else l2, "l2", "L2")

    def __call__(self, x):
        return self.l2 * torch.sum(torch.square(_weight(x)))

    def get_config(self):
        return {"l2": self.l2}


class OrthogonalRegularizer(Regularizer):
    """Pushes the rows (or columns) of a 2-D weight towards orthogonality.

    Penalty: ``factor * mean over pairs i<j of |<u_i, u_j>|`` where ``u`` are the
    L2-normalised rows (``mode='rows'``) or columns (``mode='columns'``).

    Args:
        factor: Default 0.01.
        mode: ``'rows'`` (default) or ``'columns'``.
    """

    def __init__(self, factor=0.01, mode="rows"):
        self.factor = _factor(factor, "factor", "OrthogonalRegularizer")
        if mode not in ("rows", "columns"):
            raise ValueError("OrthogonalRegularizer: invalid value for argument `mode`, expected "
                             f"'rows' or 'columns'. Received: mode={mode!r}")
        self.mode = mode

    def __call__(self, x):
        x = _weight(x)
        if x.ndim != 2:
            raise ValueError("Inputs to OrthogonalRegularizer must have rank 2. "
                             f"Received: inputs.shape={tuple(x.shape)}")
        if self.mode == "columns":
            x = x.T
        eps = backend.epsilon()
        inv_norm = torch.clamp(torch.rsqrt(torch.sum(x * x, dim=1, keepdim=True)), max=1.0 / eps)
        u = x * inv_norm
        product = u @ u.T
        size = u.shape[0]
        off_diagonal = product * (1.0 - torch.eye(size, dtype=u.dtype, device=u.device))
        pairs = size * (size - 1.0) / 2.0
        return self.factor * 0.5 * torch.sum(torch.abs(off_diagonal)) / pairs

    def get_config(self):
        return {"factor": self.factor, "mode": self.mode}


def l1_l2(l1=0.01, l2=0.01):
    """tf.keras 2's ``l1_l2``: an ``L1L2`` with both factors defaulting to 0.01."""
    return L1L2(l1=l1, l2=l2)


# Function-like spellings: keras.regularizers.l2(0.01)
l1, l2, orthogonal_regularizer = L1, L2, OrthogonalRegularizer

_CLASSES = (Regularizer, L1, L2, L1L2, OrthogonalRegularizer)
_NAMES = {cls.__name__: cls for cls in _CLASSES}
_NAMES.update({backend.to_snake_case(cls.__name__): cls for cls in _CLASSES})  # l1, l2, l1l2, ...
_NAMES["l1_l2"] = l1_l2
_FAMILY = _Family("regularizer", "keras.regularizers", _NAMES)


def serialize(regularizer):
    """A regularizer → ``{'module', 'class_name', 'config', 'registered_name'}`` (Keras 3 form)."""
    return _FAMILY.serialize(regularizer)


def deserialize(config, custom_objects=None):
    """A name or config dict (Keras 2 or 3 form) → a new regularizer."""
    return _FAMILY.deserialize(config, custom_objects)


def get(identifier):
    """None / name / config dict / class / callable → a regularizer (None stays None)."""
    return _FAMILY.get(identifier)
