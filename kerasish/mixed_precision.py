"""keras.mixed_precision: dtype policies run with ``torch.autocast``.

``set_global_policy('mixed_float16')`` or ``'mixed_bfloat16'``: variables stay float32,
``fit``/``evaluate``/``predict`` run the forward pass under ``torch.autocast`` in the
policy's compute dtype (float16 also uses ``torch.amp.GradScaler``), and losses are
computed in float32 (softmax outputs are float32 under autocast). ``mixed_float16`` on a
CPU warns and runs in bfloat16, since CPU float16 autocast is slow and poorly supported.
"""
import warnings

import torch

from kerasish import backend

_GLOBAL = ["float32"]
_VALID = ("float32", "float16", "bfloat16", "float64", "mixed_float16", "mixed_bfloat16")


class Policy:
    """A dtype policy: ``Policy('mixed_float16')``."""

    def __init__(self, name="float32"):
        if isinstance(name, Policy):
            name = name.name
        if name not in _VALID and not (isinstance(name, str) and name in ("int8", "int16", "int32", "int64",
                                                                          "uint8", "bool")):
            raise ValueError(f"Cannot convert '{name}' to a mixed precision policy. Valid policies: {list(_VALID)}")
        self.name = name

    @property
    def compute_dtype(self):
        return self.name.replace("mixed_", "") if self.name.startswith("mixed_") else self.name

    @property
    def variable_dtype(self):
        return "float32" if self.name.startswith("mixed_") else self.name

    def get_config(self):
        return {"name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f'<Policy "{self.name}">'

    def __eq__(self, other):
        return isinstance(other, Policy) and other.name == self.name


DTypePolicy = Policy


def set_global_policy(policy):
    """Set the policy used by layers and training (``'mixed_float16'``, ``'mixed_bfloat16'``, ...)."""
    policy = Policy(policy if policy is not None else "float32")
    _GLOBAL[0] = policy.name


def global_policy():
    return Policy(_GLOBAL[0])


def dtype_policy():
    return global_policy()


def set_dtype_policy(policy):
    set_global_policy(policy)


def autocast_dtype(device):
    """The autocast dtype for ``device`` under the global policy, or None (no autocast)."""
    name = _GLOBAL[0]
    if not name.startswith("mixed_"):
        return None
    dtype = torch.float16 if name == "mixed_float16" else torch.bfloat16
    if dtype == torch.float16 and device.type == "cpu":
        warnings.warn("mixed_float16 is not supported on CPU; running in bfloat16 instead "
                      "(use 'mixed_bfloat16' to silence this warning).", stacklevel=3)
        dtype = torch.bfloat16
    return dtype


from kerasish.optimizers.loss_scale_optimizer import LossScaleOptimizer  # noqa: E402  (Keras name)
