"""Regression metrics: running means of the regression losses, RMSE, cosine similarity, R2."""
import warnings

import torch

from kerasish import losses as losses_module
from kerasish.metrics.base import Mean, MeanMetricWrapper, Metric, _as_float


def cosine_similarity(y_true, y_pred, axis=-1):
    """Cosine similarity along ``axis`` (1 = same direction); the loss is its negative."""
    return -losses_module.cosine_similarity(y_true, y_pred, axis=axis)


class MeanSquaredError(MeanMetricWrapper):
    """Running mean of ``mean_squared_error``."""

    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(losses_module.mean_squared_error, name=name, dtype=dtype)
        self._direction = "down"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


class MeanAbsoluteError(MeanMetricWrapper):
    """Running mean of ``mean_absolute_error``."""

    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(losses_module.mean_absolute_error, name=name, dtype=dtype)
        self._direction = "down"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


class MeanAbsolutePercentageError(MeanMetricWrapper):
    """Running mean of ``mean_absolute_percentage_error``."""

    def __init__(self, name="mean_absolute_percentage_error", dtype=None):
        super().__init__(losses_module.mean_absolute_percentage_error, name=name, dtype=dtype)
        self._direction = "down"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


class MeanSquaredLogarithmicError(MeanMetricWrapper):
    """Running mean of ``mean_squared_logarithmic_error``."""

    def __init__(self, name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(losses_module.mean_squared_logarithmic_error, name=name, dtype=dtype)
        self._direction = "down"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


class CosineSimilarity(MeanMetricWrapper):
    """Running mean of the cosine similarity between labels and predictions along ``axis``."""

    def __init__(self, name="cosine_similarity", dtype=None, axis=-1):
        super().__init__(cosine_similarity, name=name, dtype=dtype, axis=axis)
        self.axis = axis
        self._direction = "up"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "axis": self.axis}


class LogCoshError(MeanMetricWrapper):
    """Running mean of ``log_cosh`` (default name ``'logcosh'``, as in Keras)."""

    def __init__(self, name="logcosh", dtype=None):
        super().__init__(losses_module.log_cosh, name=name, dtype=dtype)
        self._direction = "down"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


class RootMeanSquaredError(Mean):
    """Square root of the running (weighted) mean of squared errors."""

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "down"

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = _as_float(y_pred, self._tdtype)
        y_true = _as_float(y_true, self._tdtype, y_pred.device)
        y_true, y_pred = losses_module.squeeze_or_expand_to_same_rank(y_true, y_pred)
        self._accumulate(torch.square(y_pred - y_true), sample_weight)

    def result(self):
        total, count = self.total.value, self.count.value
        return torch.sqrt(torch.where(count != 0, total / count, torch.zeros_like(total)))


class R2Score(Metric):
    """Coefficient of determination over everything seen since the last reset.

    Args:
        class_aggregation: 'uniform_average' (default), 'variance_weighted_average' or
            None (one score per output column).
        num_regressors: number of regressors for the adjusted R2 (0 = plain R2).
        name, dtype: as for every metric.

    Inputs are 2D: ``(batch_size, output_dim)``.
    """

    _AGGREGATIONS = (None, "uniform_average", "variance_weighted_average")

    def __init__(self, class_aggregation="uniform_average", num_regressors=0, name="r2_score", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        if class_aggregation not in self._AGGREGATIONS:
            raise ValueError(
                "R2Score: invalid value for argument `class_aggregation`. Expected one of "
                f"{self._AGGREGATIONS}. Received: class_aggregation={class_aggregation!r}")
        if num_regressors < 0:
            raise ValueError("R2Score: argument `num_regressors` must be >= 0. "
                             f"Received: num_regressors={num_regressors}")
        self.class_aggregation = class_aggregation
        self.num_regressors = num_regressors
        self.num_samples = self.add_variable(shape=(), name="num_samples")
        self._built = False

    def _build(self, y_true_shape, y_pred_shape):
        if len(y_pred_shape) != 2 or len(y_true_shape) != 2:
            raise ValueError(
                "R2Score expects 2D inputs with shape (batch_size, output_dim). Received input "
                f"shapes: y_pred.shape={tuple(y_pred_shape)} and y_true.shape={tuple(y_true_shape)}.")
        n = y_pred_shape[-1]
        self.squared_sum = self.add_variable(shape=(n,), name="squared_sum")
        self.sum = self.add_variable(shape=(n,), name="sum")
        self.total_mse = self.add_variable(shape=(n,), name="residual")
        self.count = self.add_variable(shape=(n,), name="count")
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = _as_float(y_pred, self._tdtype)
        y_true = _as_float(y_true, self._tdtype, y_pred.device)
        y_true, y_pred = losses_module.squeeze_or_expand_to_same_rank(y_true, y_pred)
        if not self._built:
            self._build(y_true.shape, y_pred.shape)
        self._follow_device(y_pred.device)
        if sample_weight is None:
            weight = torch.ones_like(y_true)
        else:
            weight = _as_float(sample_weight, self._tdtype, y_pred.device)
            if weight.dim() == 1:
                weight = weight.unsqueeze(1)
            weight = weight.expand(y_true.shape)
        weighted = y_true * weight
        self.sum.value.add_(weighted.sum(dim=0))
        self.squared_sum.value.add_((y_true * weighted).sum(dim=0))
        self.total_mse.value.add_((torch.square(y_true - y_pred) * weight).sum(dim=0))
        self.count.value.add_(weight.sum(dim=0))
        self.num_samples.value.add_(y_true.numel())

    def result(self):
        if not self._built:
            return torch.zeros((), dtype=self._tdtype, device=self.num_samples.value.device)
        s, count = self.sum.value, self.count.value
        mean = s / count
        total = self.squared_sum.value - s * mean
        raw = 1 - self.total_mse.value / total
        raw = torch.where(torch.isinf(raw), torch.zeros_like(raw), raw)
        if self.class_aggregation == "uniform_average":
            score = raw.mean()
        elif self.class_aggregation == "variance_weighted_average":
            score = (total * raw).sum() / total.sum()
        else:
            score = raw
        if self.num_regressors != 0:
            n = float(self.num_samples.value)  # syncs; only for the adjusted score
            p = float(self.num_regressors)
            if p > n - 1:
                warnings.warn("More independent predictors than datapoints in adjusted R2 score. "
                              "Falling back to standard R2 score.", stacklevel=2)
            elif p == n - 1:
                warnings.warn("Division by zero in Adjusted R2 score. Falling back to standard R2 score.",
                              stacklevel=2)
            else:
                score = 1.0 - (1.0 - score) * (n - 1.0) / (n - p - 1.0)
        return score

    def reset_state(self):
        with torch.no_grad():
            for v in self.variables:
                v.value.zero_()

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "class_aggregation": self.class_aggregation,
                "num_regressors": self.num_regressors}
