"""The monitor/mode/min_delta logic shared by EarlyStopping, ModelCheckpoint and
ReduceLROnPlateau (KERAS-SPEC C9, C10)."""
import operator
import warnings

import numpy as np

from kerasish.callbacks.base import Callback


def resolve_mode(mode, monitor, owner, rule="name"):
    if mode not in ("auto", "min", "max"):
        warnings.warn(f"{owner} mode {mode} is unknown, fallback to auto mode.", stacklevel=3)
        mode = "auto"
    if mode == "min":
        return np.less
    if mode == "max":
        return np.greater
    name = monitor.lower()
    if rule == "checkpoint":  # Keras 2 ModelCheckpoint: 'acc' anywhere, or fmeasure
        return np.greater if ("acc" in name or name.startswith("fmeasure")) else np.less
    base = name[4:] if name.startswith("val_") else name
    if base.endswith("acc") or base.endswith("accuracy") or base.endswith("auc") or base in (
            "precision", "recall", "auc") or base.endswith("_precision") or base.endswith("_recall"):
        return np.greater
    return np.less


class MonitorCallback(Callback):
    def __init__(self, monitor="val_loss", mode="auto", min_delta=0.0, rule="name"):
        super().__init__()
        self.monitor = monitor
        self.monitor_op = resolve_mode(mode, monitor, type(self).__name__, rule)
        self.mode = mode
        self.min_delta = abs(min_delta) if self.monitor_op is np.greater else -abs(min_delta)

    def _is_improvement(self, current, reference):
        if reference is None:
            return True
        return bool(self.monitor_op(current - self.min_delta, reference))

    def _get_monitor_value(self, logs):
        logs = logs or {}
        value = logs.get(self.monitor)
        if value is None:
            warnings.warn(
                f"{type(self).__name__} is conditioned on metric `{self.monitor}` which is not available. "
                f"Available metrics are: {','.join(logs.keys())}", stacklevel=3)
        return value
