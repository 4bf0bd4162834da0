"""keras.utils.to_categorical and keras.utils.normalize.

numpy in → numpy out; torch tensor in → torch tensor out (same device). Neither runs per
training step, so reading a maximum back to the host here is fine.
"""
import numpy as np
import torch

from kerasish import backend

__all__ = ["to_categorical", "normalize"]


class _LabelOutOfRangeError(ValueError, IndexError):
    """A class index outside ``[-num_classes, num_classes)``.

    Keras lets numpy raise an IndexError here; this error is also a ValueError so that it
    reads like the rest of kerasish's input checks. Either ``except`` clause catches it.
    """


def _check_num_classes(num_classes):
    if num_classes is None:
        return None
    if isinstance(num_classes, (bool, np.bool_)) or not isinstance(num_classes, (int, np.integer)) \
            or num_classes < 1:
        raise ValueError(
            "to_categorical: `num_classes` must be a positive integer or None. "
            f"Received: num_classes={num_classes!r}")
    return int(num_classes)


def to_categorical(x, num_classes=None, dtype="float32"):
    """Converts a vector of class indices to a one-hot matrix.

    Args:
        x: array-like (list, numpy array or torch tensor) of integer class indices.
            A trailing axis of size 1, as in labels of shape ``(N, 1)``, is dropped.
        num_classes: total number of classes; ``None`` infers ``max(x) + 1``.
        dtype: dtype of the result (``'float32'``; tf.keras 2 spelling, accepted).

    Returns:
        An array of shape ``x.shape + (num_classes,)`` (without the size-1 axis): a
        numpy array for numpy or list input, a torch tensor for a tensor input.

    Example:

    >>> to_categorical([0, 2, 1], num_classes=3)
    array([[1., 0., 0.],
           [0., 0., 1.],
           [0., 1., 0.]], dtype=float32)
    """
    num_classes = _check_num_classes(num_classes)
    if isinstance(x, torch.Tensor):
        return _to_categorical_torch(x, num_classes, dtype)
    try:
        labels = np.array(x, dtype="int64")
    except (TypeError, ValueError) as e:
        raise ValueError(
            "to_categorical: expected an array-like of integer class indices. "
            f"Received: x of type {type(x).__name__} ({e})") from None
    shape = labels.shape
    if len(shape) > 1 and shape[-1] == 1:
        shape = shape[:-1]
    flat = labels.reshape(-1)
    if num_classes is None:
        if flat.size == 0:
            raise ValueError(
                "to_categorical: cannot infer `num_classes` from an empty `x`; pass `num_classes`.")
        num_classes = int(flat.max()) + 1
    if flat.size and (flat.max() >= num_classes or flat.min() < -num_classes):
        bad = flat[(flat >= num_classes) | (flat < -num_classes)][0]
        raise _LabelOutOfRangeError(
            f"to_categorical: class index {bad} is out of range for num_classes={num_classes} "
            f"(expected values in [0, {num_classes})).")
    out = np.zeros((flat.size, num_classes), dtype=backend.standardize_dtype(dtype))
    out[np.arange(flat.size), flat] = 1
    return out.reshape(shape + (num_classes,))


def _to_categorical_torch(x, num_classes, dtype):
    if x.is_complex():
        raise ValueError(
            f"to_categorical: expected integer class indices. Received dtype={x.dtype}")
    if x.dim() > 1 and x.shape[-1] == 1:
        x = x.squeeze(-1)
    x = x.long()
    if num_classes is None:
        if x.numel() == 0:
            raise ValueError(
                "to_categorical: cannot infer `num_classes` from an empty `x`; pass `num_classes`.")
        num_classes = int(x.max()) + 1
    if x.numel() and int(x.max()) >= num_classes:
        raise _LabelOutOfRangeError(
            f"to_categorical: class index {int(x.max())} is out of range for "
            f"num_classes={num_classes} (expected values in [0, {num_classes})).")
    # Like Keras on torch: a negative index gives an all-zero row.
    one_hot = torch.nn.functional.one_hot(x.clamp(min=0), num_classes)
    one_hot = one_hot * (x >= 0).unsqueeze(-1)
    return one_hot.to(backend.to_torch_dtype(dtype))


def normalize(x, axis=-1, order=2):
    """Divides ``x`` by its ``order``-norm along ``axis``.

    Args:
        x: numpy array (or list) or torch tensor.
        axis: axis along which the norm is taken (``None``: the whole array).
        order: the norm order (2 for L2).

    Returns:
        A normalized copy: numpy for numpy/list input, torch for torch input. With numpy,
        all-zero slices are left at zero; with torch the norm is clamped at
        ``backend.epsilon()``.
    """
    if isinstance(x, torch.Tensor):
        return _normalize_torch(x, axis, order)
    x = np.asarray(x)
    if x.dtype.kind not in "fiub":
        raise TypeError(f"normalize: expected a numeric array. Received: dtype={x.dtype}")
    norm = np.atleast_1d(np.linalg.norm(x, order, axis))
    norm[norm == 0] = 1
    return x / np.expand_dims(norm, -1 if axis is None else axis)


def _normalize_torch(x, axis, order):
    if isinstance(order, bool) or not isinstance(order, int) or order < 1:
        raise ValueError(
            f"normalize: `order` must be an int >= 1 for tensors. Received: order={order}")
    if not x.is_floating_point():
        x = x.to(backend.to_torch_dtype(backend.floatx()))
    if x.dim() == 0:
        x = x.unsqueeze(0)
    eps = backend.epsilon()
    if order == 2:
        inv = torch.rsqrt(torch.sum(x * x, dim=axis, keepdim=True)).clamp(max=1.0 / eps)
        return x * inv
    norm = torch.linalg.vector_norm(x, ord=order, dim=axis, keepdim=True)
    return x / norm.clamp(min=eps)
