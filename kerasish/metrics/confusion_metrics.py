"""Confusion-matrix metrics: TP/FP/TN/FN counts, Precision, Recall, AUC and the
"X at fixed Y" metrics.

All of them accumulate weighted counts per threshold with device ops only.
Evenly spaced thresholds (AUC's default) use bucketing (one scatter-add and a
reversed cumulative sum) instead of comparing every prediction with every threshold.
"""
import numpy as np
import torch

from kerasish import backend
from kerasish import losses as losses_module
from kerasish.metrics.base import Metric, _as_float

NEG_INF = -1e10
_KEYS = ("tp", "fp", "tn", "fn")


def _to_list(x):
    if isinstance(x, (list, tuple)):
        return list(x)
    if isinstance(x, np.ndarray):
        return x.tolist()
    return [x]


def parse_init_thresholds(thresholds, default_threshold=0.5, owner="metric"):
    if thresholds is not None:
        bad = [t for t in _to_list(thresholds) if t is None or t < 0 or t > 1]
        if bad:
            raise ValueError(f"{owner}: threshold values must be in [0, 1]. Received: {bad}")
    return [float(t) for t in _to_list(default_threshold if thresholds is None else thresholds)]


def is_evenly_distributed_thresholds(thresholds):
    n = len(thresholds)
    if n < 3:
        return False
    even = np.arange(n, dtype=np.float32) / (n - 1)
    return bool(np.allclose(np.asarray(thresholds), even, atol=backend.epsilon()))


def _filter_top_k(x, k):
    """Keep the k largest scores of the last axis; the others become NEG_INF."""
    idx = torch.topk(x, min(int(k), x.shape[-1]), dim=-1).indices
    keep = torch.zeros_like(x).scatter_(-1, idx, 1.0)
    return x * keep + NEG_INF * (1 - keep)


def update_confusion_matrix(variables, y_true, y_pred, thresholds, evenly=False, top_k=None,
                            class_id=None, sample_weight=None, multi_label=False, label_weights=None,
                            owner="metric"):
    """Add this batch's weighted confusion counts to ``variables`` ({'tp': tensor, ...}).

    ``thresholds`` is a Python list; a prediction counts as positive above a threshold
    when it is strictly greater than it. Each variable has shape (num_thresholds,) or
    (num_thresholds, num_labels) with ``multi_label``.
    """
    first = next(iter(variables.values()))
    dtype, device = first.dtype, first.device
    y_pred = _as_float(y_pred, dtype, device)
    y_true = _as_float(y_true, dtype, device)
    y_pred, y_true = losses_module.squeeze_or_expand_to_same_rank(y_pred, y_true)
    if sample_weight is not None:
        sample_weight = _as_float(sample_weight, dtype, device).unsqueeze(-1)
        _, sample_weight = losses_module.squeeze_or_expand_to_same_rank(y_true, sample_weight,
                                                                        expand_rank_1=False)
    if top_k is not None:
        y_pred = _filter_top_k(y_pred, top_k)
    if class_id is not None:
        if y_pred.dim() == 1:
            raise ValueError(
                f"{owner}: when class_id is given, y_pred must be 2D (num_samples, num_classes). "
                f"Received: y_pred.shape={tuple(y_pred.shape)}")
        y_true = y_true[..., class_id:class_id + 1]
        y_pred = y_pred[..., class_id:class_id + 1]
    if y_true.shape != y_pred.shape:
        try:
            y_true = y_true.expand(y_pred.shape)
        except RuntimeError:
            raise ValueError(f"{owner}: y_true of shape {tuple(y_true.shape)} does not fit y_pred of "
                             f"shape {tuple(y_pred.shape)}.") from None
    weights = None
    if sample_weight is not None:
        try:
            weights = sample_weight.expand(y_pred.shape)
        except RuntimeError:
            raise ValueError(f"{owner}: sample_weight of shape {tuple(sample_weight.shape)} does not "
                             f"fit y_pred of shape {tuple(y_pred.shape)}.") from None
    if label_weights is not None:
        lw = label_weights.to(device=device, dtype=dtype).expand(y_pred.shape)
        weights = lw if weights is None else weights * lw
    if evenly:
        _update_bucketed(variables, y_true, y_pred, len(thresholds), weights, multi_label,
                         with_epsilon=thresholds[0] < 0.0 or thresholds[-1] > 1.0)
    else:
        _update_compared(variables, y_true, y_pred, thresholds, weights, multi_label)


def _update_bucketed(variables, y_true, y_pred, num_thresholds, weights, multi_label, with_epsilon):
    y_pred = torch.clamp(y_pred, 0.0, 1.0)
    y_true = (y_true != 0).to(y_pred.dtype)
    if not multi_label:
        y_true, y_pred = y_true.reshape(-1), y_pred.reshape(-1)
        weights = weights.reshape(-1) if weights is not None else None
    true_labels = y_true if weights is None else y_true * weights
    false_labels = (1.0 - y_true) if weights is None else (1.0 - y_true) * weights
    # Prediction p falls in bucket ceil(p * (T - 1)) - 1: above thresholds 0..bucket.
    bucket = torch.ceil(y_pred * (num_thresholds - 1)) - 1
    if with_epsilon:
        bucket = torch.relu(bucket)
    bucket = bucket.long()
    bucket = torch.where(bucket < 0, num_thresholds, bucket)  # below every threshold: dropped
    shape = (num_thresholds + 1,) + tuple(true_labels.shape[1:])
    tp_b = torch.zeros(shape, dtype=y_pred.dtype, device=y_pred.device).scatter_add_(0, bucket, true_labels)
    fp_b = torch.zeros(shape, dtype=y_pred.dtype, device=y_pred.device).scatter_add_(0, bucket, false_labels)
    tp = torch.flip(torch.cumsum(torch.flip(tp_b[:num_thresholds], (0,)), 0), (0,))
    fp = torch.flip(torch.cumsum(torch.flip(fp_b[:num_thresholds], (0,)), 0), (0,))
    if "tp" in variables:
        variables["tp"].add_(tp)
    if "fp" in variables:
        variables["fp"].add_(fp)
    if "tn" in variables:
        variables["tn"].add_(false_labels.sum(dim=0) - fp)
    if "fn" in variables:
        variables["fn"].add_(true_labels.sum(dim=0) - tp)


_THRESHOLD_TENSORS = {}


def _thresholds_tensor(thresholds, dtype, device):
    """Threshold lists become device tensors once (a copy per step would sync)."""
    key = (tuple(thresholds), dtype, device)
    t = _THRESHOLD_TENSORS.get(key)
    if t is None:
        if len(_THRESHOLD_TENSORS) > 256:
            _THRESHOLD_TENSORS.clear()
        t = _THRESHOLD_TENSORS[key] = torch.tensor(thresholds, dtype=dtype, device=device)
    return t


def _update_compared(variables, y_true, y_pred, thresholds, weights, multi_label):
    thr = _thresholds_tensor(thresholds, y_pred.dtype, y_pred.device)
    if multi_label:
        preds, labels = y_pred.unsqueeze(0), y_true.bool().unsqueeze(0)
        thr = thr.reshape(-1, 1, 1)
        weights = weights.unsqueeze(0) if weights is not None else None
    else:
        preds, labels = y_pred.reshape(1, -1), y_true.bool().reshape(1, -1)
        thr = thr.reshape(-1, 1)
        weights = weights.reshape(1, -1) if weights is not None else None
    pred_pos = preds > thr
    label_pos = labels

    def count(cond):
        if weights is None:
            return cond.sum(dim=1).to(y_pred.dtype)
        return torch.where(cond, weights, 0.0).sum(dim=1)

    if "tp" in variables:
        variables["tp"].add_(count(label_pos & pred_pos))
    if "fp" in variables:
        variables["fp"].add_(count(~label_pos & pred_pos))
    if "tn" in variables:
        variables["tn"].add_(count(~label_pos & ~pred_pos))
    if "fn" in variables:
        variables["fn"].add_(count(label_pos & ~pred_pos))


def _divide_no_nan(a, b):
    return torch.where(b != 0, a / b, 0.0)


# ----------------------------------------------------------------------------- counts
class _ConfusionMatrixConditionCount(Metric):
    _key = None

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.thresholds = parse_init_thresholds(thresholds, 0.5, type(self).__name__)
        self._evenly = is_evenly_distributed_thresholds(self.thresholds)
        self.accumulator = self.add_variable(shape=(len(self.thresholds),), name="accumulator")

    def update_state(self, y_true, y_pred, sample_weight=None):
        self._follow_device(getattr(y_pred, "device", self.accumulator.value.device))
        update_confusion_matrix({self._key: self.accumulator.value}, y_true, y_pred, self.thresholds,
                                evenly=self._evenly, sample_weight=sample_weight, owner=type(self).__name__)

    def result(self):
        acc = self.accumulator.value
        return (acc[0] if len(self.thresholds) == 1 else acc).clone()

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds}


class TruePositives(_ConfusionMatrixConditionCount):
    """Weighted count of true positives (prediction above ``thresholds``, label true)."""
    _key = "tp"


class FalsePositives(_ConfusionMatrixConditionCount):
    """Weighted count of false positives."""
    _key = "fp"


class TrueNegatives(_ConfusionMatrixConditionCount):
    """Weighted count of true negatives."""
    _key = "tn"


class FalseNegatives(_ConfusionMatrixConditionCount):
    """Weighted count of false negatives."""
    _key = "fn"


class _PrecisionRecall(Metric):
    _second = None  # 'fp' for precision, 'fn' for recall

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        default = 0.5 if top_k is None else NEG_INF
        self.thresholds = parse_init_thresholds(thresholds, default, type(self).__name__)
        self._evenly = is_evenly_distributed_thresholds(self.thresholds)
        n = len(self.thresholds)
        self.true_positives = self.add_variable(shape=(n,), name="true_positives")
        other = "false_positives" if self._second == "fp" else "false_negatives"
        setattr(self, other, self.add_variable(shape=(n,), name=other))
        self._other = getattr(self, other)

    def update_state(self, y_true, y_pred, sample_weight=None):
        self._follow_device(getattr(y_pred, "device", self.true_positives.value.device))
        update_confusion_matrix(
            {"tp": self.true_positives.value, self._second: self._other.value}, y_true, y_pred,
            self.thresholds, evenly=self._evenly, top_k=self.top_k, class_id=self.class_id,
            sample_weight=sample_weight, owner=type(self).__name__)

    def result(self):
        tp = self.true_positives.value
        res = _divide_no_nan(tp, tp + self._other.value)
        return res[0] if len(self.thresholds) == 1 else res

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds, "top_k": self.top_k,
                "class_id": self.class_id}


class Precision(_PrecisionRecall):
    """Precision ``tp / (tp + fp)`` at ``thresholds`` (default 0.5), optionally for the
    ``top_k`` predictions or one ``class_id``."""
    _second = "fp"


class Recall(_PrecisionRecall):
    """Recall ``tp / (tp + fn)`` at ``thresholds`` (default 0.5), optionally for the
    ``top_k`` predictions or one ``class_id``."""
    _second = "fn"


# ----------------------------------------------------------------------------- at-fixed-value
class _SensitivitySpecificityBase(Metric):
    def __init__(self, value, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        if num_thresholds <= 0:
            raise ValueError(f"{type(self).__name__}: argument `num_thresholds` must be an integer > 0. "
                             f"Received: num_thresholds={num_thresholds}")
        self.value = value
        self.class_id = class_id
        if num_thresholds == 1:
            self.thresholds = [0.5]
            self._evenly = False
        else:
            inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self.thresholds = [0.0] + inner + [1.0]
            self._evenly = True
        n = len(self.thresholds)
        self.true_positives = self.add_variable(shape=(n,), name="true_positives")
        self.false_positives = self.add_variable(shape=(n,), name="false_positives")
        self.true_negatives = self.add_variable(shape=(n,), name="true_negatives")
        self.false_negatives = self.add_variable(shape=(n,), name="false_negatives")

    def update_state(self, y_true, y_pred, sample_weight=None):
        self._follow_device(getattr(y_pred, "device", self.true_positives.value.device))
        update_confusion_matrix(
            {"tp": self.true_positives.value, "fp": self.false_positives.value,
             "tn": self.true_negatives.value, "fn": self.false_negatives.value},
            y_true, y_pred, self.thresholds, evenly=self._evenly, class_id=self.class_id,
            sample_weight=sample_weight, owner=type(self).__name__)

    def _rates(self):
        tp, fp = self.true_positives.value, self.false_positives.value
        tn, fn = self.true_negatives.value, self.false_negatives.value
        return {"sensitivity": _divide_no_nan(tp, tp + fn), "specificity": _divide_no_nan(tn, tn + fp),
                "precision": _divide_no_nan(tp, tp + fp)}

    def _max_under_constraint(self, constrained, dependent):
        feasible = constrained >= self.value
        return torch.clamp(torch.where(feasible, dependent, torch.zeros_like(dependent)).max(), min=0.0)

    def get_config(self):
        return {**super().get_config(), "class_id": self.class_id}


def _check_unit(owner, arg, value):
    if value < 0 or value > 1:
        raise ValueError(f"{owner}: argument `{arg}` must be in the range [0, 1]. Received: {arg}={value}")


class SensitivityAtSpecificity(_SensitivitySpecificityBase):
    """Best sensitivity (recall) among thresholds whose specificity is >= ``specificity``."""

    def __init__(self, specificity, num_thresholds=200, class_id=None, name=None, dtype=None):
        _check_unit("SensitivityAtSpecificity", "specificity", specificity)
        self.specificity = specificity
        self.num_thresholds = num_thresholds
        super().__init__(specificity, num_thresholds=num_thresholds, class_id=class_id, name=name, dtype=dtype)

    def result(self):
        r = self._rates()
        return self._max_under_constraint(r["specificity"], r["sensitivity"])

    def get_config(self):
        return {**super().get_config(), "num_thresholds": self.num_thresholds, "specificity": self.specificity}


class SpecificityAtSensitivity(_SensitivitySpecificityBase):
    """Best specificity among thresholds whose sensitivity is >= ``sensitivity``."""

    def __init__(self, sensitivity, num_thresholds=200, class_id=None, name=None, dtype=None):
        _check_unit("SpecificityAtSensitivity", "sensitivity", sensitivity)
        self.sensitivity = sensitivity
        self.num_thresholds = num_thresholds
        super().__init__(sensitivity, num_thresholds=num_thresholds, class_id=class_id, name=name, dtype=dtype)

    def result(self):
        r = self._rates()
        return self._max_under_constraint(r["sensitivity"], r["specificity"])

    def get_config(self):
        return {**super().get_config(), "num_thresholds": self.num_thresholds, "sensitivity": self.sensitivity}


class PrecisionAtRecall(_SensitivitySpecificityBase):
    """Best precision among thresholds whose recall is >= ``recall``."""

    def __init__(self, recall, num_thresholds=200, class_id=None, name=None, dtype=None):
        _check_unit("PrecisionAtRecall", "recall", recall)
        self.recall = recall
        self.num_thresholds = num_thresholds
        super().__init__(recall, num_thresholds=num_thresholds, class_id=class_id, name=name, dtype=dtype)

    def result(self):
        r = self._rates()
        return self._max_under_constraint(r["sensitivity"], r["precision"])

    def get_config(self):
        return {**super().get_config(), "num_thresholds": self.num_thresholds, "recall": self.recall}


class RecallAtPrecision(_SensitivitySpecificityBase):
    """Best recall among thresholds whose precision is >= ``precision``."""

    def __init__(self, precision, num_thresholds=200, class_id=None, name=None, dtype=None):
        _check_unit("RecallAtPrecision", "precision", precision)
        self.precision = precision
        self.num_thresholds = num_thresholds
        super().__init__(precision, num_thresholds=num_thresholds, class_id=class_id, name=name, dtype=dtype)

    def result(self):
        r = self._rates()
        return self._max_under_constraint(r["precision"], r["sensitivity"])

    def get_config(self):
        return {**super().get_config(), "num_thresholds": self.num_thresholds, "precision": self.precision}


# ----------------------------------------------------------------------------- AUC
_CURVES = {"roc": "ROC", "pr": "PR", "prgain": "PRGAIN"}
_SUMMATIONS = ("interpolation", "majoring", "minoring")


class AUC(Metric):
    """Area under the ROC or PR curve, approximated with ``num_thresholds`` thresholds.

    Args:
        num_thresholds: number of evenly spaced thresholds (default 200).
        curve: 'ROC' (default), 'PR' or 'PRGAIN'.
        summation_method: 'interpolation' (default), 'minoring' or 'majoring'.
        name, dtype: as for every metric.
        thresholds: explicit thresholds in [0, 1] (overrides ``num_thresholds``).
        multi_label: treat each column as its own label and average the AUCs.
        num_labels: number of labels when ``multi_label`` (else found on first update).
        label_weights: weights of the labels in the average (or of the columns when not
            multi_label).
        from_logits: apply a sigmoid to ``y_pred`` first.
    """

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation", name=None,
                 dtype=None, thresholds=None, multi_label=False, num_labels=None, label_weights=None,
                 from_logits=False):
        curve_key = str(getattr(curve, "value", curve)).lower()
        if curve_key not in _CURVES:
            raise ValueError(f'AUC: invalid `curve` argument value "{curve}". '
                             'Expected values are ["PR", "ROC", "PRGAIN"]')
        summation = str(getattr(summation_method, "value", summation_method)).lower()
        if summation not in _SUMMATIONS:
            raise ValueError(f'AUC: invalid `summation_method` argument value "{summation_method}". '
                             'Expected values are ["interpolation", "majoring", "minoring"]')
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            thresholds = sorted(parse_init_thresholds(thresholds, owner="AUC"))
            self.num_thresholds = len(thresholds) + 2
            self._evenly = is_evenly_distributed_thresholds([0.0] + thresholds + [1.0])
        else:
            if num_thresholds <= 1:
                raise ValueError("AUC: argument `num_thresholds` must be an integer > 1. "
                                 f"Received: num_thresholds={num_thresholds}")
            self.num_thresholds = int(num_thresholds)
            thresholds = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self._evenly = True
        eps = backend.epsilon()
        self._thresholds = [0.0 - eps] + thresholds + [1.0 + eps]
        self.curve = _CURVES[curve_key]
        self.summation_method = summation
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        self.multi_label = multi_label
        self.num_labels = num_labels
        self._label_weights_init = None if label_weights is None else [float(w) for w in _to_list(
            label_weights.tolist() if hasattr(label_weights, "tolist") else label_weights)]
        self.label_weights = None if label_weights is None else torch.tensor(
            self._label_weights_init, dtype=self._tdtype, device=backend.get_device())
        self._from_logits = from_logits
        self._built = False
        if multi_label:
            if num_labels:
                self._build((None, num_labels))
        else:
            if num_labels:
                raise ValueError("AUC: `num_labels` is needed only when `multi_label` is True.")
            self._build(None)

    @property
    def thresholds(self):
        """The thresholds, including the two end points just outside [0, 1]."""
        return list(self._thresholds)

    def _build(self, shape):
        if self.multi_label:
            if len(shape) != 2:
                raise ValueError("AUC: `y_pred` must have rank 2 when `multi_label=True`. Found rank "
                                 f"{len(shape)}. Full shape received for `y_pred`: {tuple(shape)}")
            self._num_labels = int(shape[1])
            var_shape = (self.num_thresholds, self._num_labels)
        else:
            var_shape = (self.num_thresholds,)
        self.true_positives = self.add_variable(shape=var_shape, name="true_positives")
        self.false_positives = self.add_variable(shape=var_shape, name="false_positives")
        self.true_negatives = self.add_variable(shape=var_shape, name="true_negatives")
        self.false_negatives = self.add_variable(shape=var_shape, name="false_negatives")
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        if not self._built:
            self._build(tuple(y_pred.shape))
        if self._from_logits:
            y_pred = torch.sigmoid(_as_float(y_pred, self.true_positives.value.dtype))
        self._follow_device(getattr(y_pred, "device", self.true_positives.value.device))
        if self.label_weights is not None and self.label_weights.device != self.true_positives.value.device:
            self.label_weights = self.label_weights.to(self.true_positives.value.device)
        update_confusion_matrix(
            {"tp": self.true_positives.value, "fp": self.false_positives.value,
             "tn": self.true_negatives.value, "fn": self.false_negatives.value},
            y_true, y_pred, self._thresholds, evenly=self._evenly, sample_weight=sample_weight,
            multi_label=self.multi_label, label_weights=None if self.multi_label else self.label_weights,
            owner="AUC")

    def _average_labels(self, by_label):
        if self.label_weights is None:
            return by_label.mean()
        lw = self.label_weights.to(by_label.device)
        return _divide_no_nan((by_label * lw).sum(), lw.sum())

    def interpolate_pr_auc(self):
        """PR AUC by Davis & Goadrich interpolation between thresholds."""
        n = self.num_thresholds
        tp, fp, fn = self.true_positives.value, self.false_positives.value, self.false_negatives.value
        dtp = tp[:n - 1] - tp[1:]
        p = tp + fp
        dp = p[:n - 1] - p[1:]
        prec_slope = _divide_no_nan(dtp, torch.clamp(dp, min=0))
        intercept = tp[1:] - prec_slope * p[1:]
        safe_p_ratio = torch.where((p[:n - 1] > 0) & (p[1:] > 0),
                                   _divide_no_nan(p[:n - 1], torch.clamp(p[1:], min=0)),
                                   torch.ones_like(p[1:]))
        increment = _divide_no_nan(prec_slope * (dtp + intercept * torch.log(safe_p_ratio)),
                                   torch.clamp(tp[1:] + fn[1:], min=0))
        if self.multi_label:
            return self._average_labels(increment.sum(dim=0))
        return increment.sum()

    def result(self):
        if not self._built:
            return torch.zeros((), dtype=self._tdtype, device=backend.get_device())
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self.interpolate_pr_auc()
        n = self.num_thresholds
        tp, fp = self.true_positives.value, self.false_positives.value
        tn, fn = self.true_negatives.value, self.false_negatives.value
        recall = _divide_no_nan(tp, tp + fn)
        if self.curve == "ROC":
            x, y = _divide_no_nan(fp, fp + tn), recall
        elif self.curve == "PR":
            x, y = recall, _divide_no_nan(tp, tp + fp)
        else:  # PRGAIN
            scale = _divide_no_nan(tp + fn, tn + fp)
            recall_gain = 1.0 - scale * _divide_no_nan(fn, tp)
            precision_gain = 1.0 - scale * _divide_no_nan(fp, tp)
            no_tp = tp == 0
            recall_gain = torch.clamp(torch.where(no_tp, torch.zeros_like(recall_gain), recall_gain), min=0.0)
            precision_gain = torch.where(no_tp, torch.ones_like(precision_gain), precision_gain)
            x, y = recall_gain, precision_gain
        if self.summation_method == "interpolation":
            heights = (y[:n - 1] + y[1:]) / 2.0
        elif self.summation_method == "minoring":
            heights = torch.minimum(y[:n - 1], y[1:])
        else:
            heights = torch.maximum(y[:n - 1], y[1:])
        terms = (x[:n - 1] - x[1:]) * heights
        if self.multi_label:
            return self._average_labels(terms.sum(dim=0))
        return terms.sum()

    def reset_state(self):
        if self._built:
            with torch.no_grad():
                for v in self._variables:
                    v.value.zero_()

    def get_config(self):
        config = {**super().get_config(), "num_thresholds": self.num_thresholds, "curve": self.curve,
                  "summation_method": self.summation_method, "multi_label": self.multi_label,
                  "num_labels": self.num_labels, "label_weights": self._label_weights_init,
                  "from_logits": self._from_logits}
        if self._init_from_thresholds:
            config["thresholds"] = self.thresholds[1:-1]
        return config
