"""TensorFlow-tensor manners for torch tensors, while the shim is installed.

TensorFlow tutorials call ``.numpy()`` on any tensor (one that takes part in a
gradient, or one on the GPU) and mix numpy arrays with tensors freely
(``targets - predictions``). torch refuses both. While the shim is installed:

- ``Tensor.numpy()`` detaches and copies to the host when needed (torch's
  ``numpy(force=True)``); ``np.asarray(tensor)`` and matplotlib go through it.
- arithmetic and ordering operators accept a numpy array on either side; a
  float array takes the tensor's float dtype and device, as TensorFlow converts
  it, instead of promoting the result to float64.

``apply()`` and ``remove()`` are called by ``kerasish.shim.install()`` /
``uninstall()``; ``remove()`` restores torch exactly.
"""
import numpy as np
import torch

_BINARY_OPS = (
    "__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__",
    "__truediv__", "__rtruediv__", "__floordiv__", "__rfloordiv__", "__mod__", "__rmod__",
    "__pow__", "__rpow__", "__matmul__", "__rmatmul__",
    "__lt__", "__le__", "__gt__", "__ge__",
)
_MISSING = object()
_saved = None  # {name: previous entry in torch.Tensor.__dict__ or _MISSING}


def _adopt(tensor, array):
    """A numpy array as a tensor next to ``tensor`` (TensorFlow's conversion rule)."""
    dtype = None
    if tensor.is_floating_point() and array.dtype.kind in "fiub":
        dtype = tensor.dtype
    return torch.as_tensor(array, dtype=dtype, device=tensor.device)


def _wrap(original):
    def op(self, other):
        if isinstance(other, np.ndarray):
            other = _adopt(self, other)
        return original(self, other)

    op.__name__ = getattr(original, "__name__", "op")
    op.__doc__ = getattr(original, "__doc__", None)
    op._kerasish_original = original
    return op


def _numpy(self, *, force=False):
    """Tensor → numpy array, detached and on the host (TensorFlow's ``Tensor.numpy``)."""
    return torch._C.TensorBase.numpy(self, force=True)


def apply():
    global _saved
    if _saved is not None:
        return
    saved = {}
    for name in _BINARY_OPS + ("numpy",):
        saved[name] = torch.Tensor.__dict__.get(name, _MISSING)
    for name in _BINARY_OPS:
        setattr(torch.Tensor, name, _wrap(getattr(torch.Tensor, name)))
    torch.Tensor.numpy = _numpy
    _saved = saved


def remove():
    global _saved
    if _saved is None:
        return
    for name, previous in _saved.items():
        if previous is _MISSING:
            delattr(torch.Tensor, name)
        else:
            setattr(torch.Tensor, name, previous)
    _saved = None


def is_applied():
    return _saved is not None
