"""Accuracy metrics: per-sample match functions and their running-mean classes."""
import numpy as np
import torch

from kerasish import backend
from kerasish import losses as losses_module
from kerasish.metrics.base import MeanMetricWrapper


def _pred(y_pred):
    if isinstance(y_pred, torch.Tensor):
        return y_pred
    return backend.convert_to_tensor(y_pred)


def _labels(y_true, device, dtype=None):
    if isinstance(y_true, torch.Tensor):
        if y_true.device != device or (dtype is not None and y_true.dtype != dtype):
            y_true = y_true.to(device=device, dtype=dtype)
        return y_true
    return torch.as_tensor(np.asarray(y_true), dtype=dtype, device=device)


def _floatx():
    return backend.to_torch_dtype(backend.floatx())


def accuracy(y_true, y_pred):
    """1.0 where ``y_true == y_pred`` exactly, else 0.0."""
    y_pred = _pred(y_pred)
    y_true = _labels(y_true, y_pred.device, y_pred.dtype)
    y_true, y_pred = losses_module.squeeze_or_expand_to_same_rank(y_true, y_pred)
    return (y_true == y_pred).to(_floatx())


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """1.0 where ``(y_pred > threshold)`` equals the 0/1 label, else 0.0."""
    y_pred = _pred(y_pred)
    y_true = _labels(y_true, y_pred.device)
    y_true, y_pred = losses_module.squeeze_or_expand_to_same_rank(y_true, y_pred)
    predicted = (y_pred > threshold).to(y_true.dtype)
    return (y_true == predicted).to(_floatx())


def categorical_accuracy(y_true, y_pred):
    """1.0 where ``argmax(y_pred) == argmax(y_true)`` (one-hot labels), else 0.0."""
    y_pred = _pred(y_pred)
    y_true = _labels(y_true, y_pred.device)
    true_idx = torch.argmax(y_true, dim=-1)
    shape = true_idx.shape
    if true_idx.dim() == y_pred.dim():
        true_idx = true_idx.squeeze(-1)
    matches = (true_idx == torch.argmax(y_pred, dim=-1)).to(_floatx())
    return matches.reshape(shape) if matches.shape != shape else matches


def sparse_categorical_accuracy(y_true, y_pred):
    """1.0 where ``argmax(y_pred) == y_true`` (integer labels, int or float), else 0.0.

    Labels may be ``(N,)`` or ``(N, 1)``; ``(N, T)`` against ``(N, T, C)`` for sequences.
    """
    y_pred = _pred(y_pred)
    y_true = _labels(y_true, y_pred.device)
    if y_true.dim() == y_pred.dim() and y_true.shape[-1] == 1:
        y_true = y_true.squeeze(-1)
    predicted = torch.argmax(y_pred, dim=-1)
    if y_true.is_floating_point():
        predicted = predicted.to(y_true.dtype)
    elif y_true.dtype != torch.long:
        y_true = y_true.long()
    matches = (y_true == predicted).to(_floatx())
    if matches.dim() > 1 and matches.shape[-1] == 1:
        matches = matches.squeeze(-1)
    return matches


def _in_top_k(targets, predictions, k):
    k = min(int(k), predictions.shape[-1])
    kth = torch.topk(predictions, k, dim=-1).values[..., -1]
    target_values = torch.take_along_dim(predictions, targets.long().unsqueeze(-1), dim=-1).squeeze(-1)
    return target_values >= kth


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1.0 where the true class (argmax of the one-hot label) is among the ``k`` top scores."""
    y_pred = _pred(y_pred)
    y_true = _labels(y_true, y_pred.device)
    true_idx = torch.argmax(y_true, dim=-1)
    shape = true_idx.shape
    flat_pred = y_pred.reshape(-1, y_pred.shape[-1]) if y_pred.dim() > 2 else y_pred
    matches = _in_top_k(true_idx.reshape(-1), flat_pred, k).to(_floatx())
    return matches.reshape(shape)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5, from_sorted_ids=False):
    """1.0 where the integer label is among the ``k`` top scores.

    With ``from_sorted_ids=True``, ``y_pred`` holds class ids sorted by score instead.
    """
    y_pred = _pred(y_pred)
    y_true = _labels(y_true, y_pred.device)
    if from_sorted_ids:
        y_true = y_true.to(y_pred.dtype)
    elif y_true.dtype != torch.long:
        y_true = y_true.long()
    shape = y_true.shape
    flat_pred = y_pred.reshape(-1, y_pred.shape[-1]) if y_pred.dim() > 2 else y_pred
    flat_true = y_true.reshape(-1) if y_true.dim() > 1 else y_true
    if from_sorted_ids:
        matches = torch.any(flat_true.unsqueeze(1) == flat_pred[:, :k], dim=1)
    else:
        matches = _in_top_k(flat_true, flat_pred, k)
    matches = matches.to(_floatx())
    return matches.reshape(shape) if y_true.dim() > 1 else matches


class Accuracy(MeanMetricWrapper):
    """How often predictions equal labels exactly."""

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(accuracy, name=name, dtype=dtype)
        self._direction = "up"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


class BinaryAccuracy(MeanMetricWrapper):
    """How often ``y_pred > threshold`` matches 0/1 labels."""

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        super().__init__(binary_accuracy, name=name, dtype=dtype, threshold=threshold)
        self.threshold = threshold
        self._direction = "up"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "threshold": self.threshold}


class CategoricalAccuracy(MeanMetricWrapper):
    """How often the top prediction matches the one-hot label."""

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(categorical_accuracy, name=name, dtype=dtype)
        self._direction = "up"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often the top prediction matches the integer label."""

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(sparse_categorical_accuracy, name=name, dtype=dtype)
        self._direction = "up"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the one-hot label's class is among the ``k`` top predictions."""

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        super().__init__(top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
        self.k = k
        self._direction = "up"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "k": self.k}


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the integer label is among the ``k`` top predictions."""

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None, from_sorted_ids=False):
        super().__init__(sparse_top_k_categorical_accuracy, name=name, dtype=dtype, k=k,
                         from_sorted_ids=from_sorted_ids)
        self.k = k
        self.from_sorted_ids = from_sorted_ids
        self._direction = "up"

    def get_config(self):
        config = {"name": self.name, "dtype": self.dtype, "k": self.k}
        if self.from_sorted_ids:
            config["from_sorted_ids"] = True
        return config
