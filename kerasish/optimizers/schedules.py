"""keras.optimizers.schedules: learning rates as a function of the optimizer step.

Who owns what:
- ``LearningRateSchedule`` is the base class. Built-in schedules implement
  ``_value(step) -> float`` in plain Python maths, which the optimizers call on
  the host every step (no tensors, no device sync). ``__call__(step)`` is the
  public Keras entry point: it accepts an int, a float, a numpy array or a torch
  tensor and returns a float32 torch tensor of the same shape (like Keras on
  the torch backend).
- A user subclass only needs ``__call__(self, step)`` (and ``get_config`` for
  saving), as in Keras; the optimizer then calls it with a 0-d int64 CPU tensor.
- ``serialize`` / ``deserialize`` use Keras's ``{"module", "class_name",
  "config", "registered_name"}`` dicts; the Keras 2 form without ``module`` is
  read too.
"""
import math
import numbers

import numpy as np
import torch

__all__ = [
    "LearningRateSchedule", "ExponentialDecay", "PiecewiseConstantDecay", "PolynomialDecay",
    "InverseTimeDecay", "CosineDecay", "CosineDecayRestarts", "serialize", "deserialize",
]


def _step_to_numpy(step):
    """Any step spelling (int, float, HostVariable, numpy, tensor) → float64 numpy value."""
    if isinstance(step, torch.Tensor):
        return step.detach().cpu().double().numpy()
    if isinstance(step, numbers.Number):
        return np.float64(step)
    try:
        return np.asarray(step, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(
            "A learning rate schedule expects `step` to be a number, an array or a tensor. "
            f"Received: step={step!r} of type {type(step).__name__}") from None


def _check_positive(cls_name, arg, value):
    if not isinstance(value, numbers.Real) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"{cls_name}: argument `{arg}` must be > 0. Received: {arg}={value!r}")


class LearningRateSchedule:
    """Base class of learning rate schedules.

    Subclass it and implement ``__call__(self, step)`` (returning the learning
    rate for the integer optimizer ``step``) and ``get_config()``; pass an
    instance as any optimizer's ``learning_rate``.

    Example:

    ```python
    class HalfEveryTen(keras.optimizers.schedules.LearningRateSchedule):
        def __init__(self, lr):
            self.lr = lr
        def __call__(self, step):
            return self.lr * 0.5 ** (step // 10)
        def get_config(self):
            return {"lr": self.lr}

    opt = keras.optimizers.SGD(learning_rate=HalfEveryTen(0.1))
    ```
    """

    def __call__(self, step):
        if type(self)._value is LearningRateSchedule._value:
            raise NotImplementedError(
                f"Learning rate schedule '{type(self).__name__}' must override `__call__(self, step)`.")
        steps = _step_to_numpy(step)
        if steps.ndim == 0:
            return torch.tensor(self._value(float(steps)), dtype=torch.float32)
        values = np.array([self._value(float(s)) for s in steps.ravel()], dtype=np.float32)
        return torch.from_numpy(values.reshape(steps.shape))

    def _value(self, step):
        """The learning rate at ``step`` (a Python number) as a Python float."""
        raise NotImplementedError

    def get_config(self):
        raise NotImplementedError(
            f"Learning rate schedule '{type(self).__name__}' must override `get_config()` "
            "in order to be serializable.")

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        try:
            args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        except NotImplementedError:
            args = ""
        return f"{type(self).__name__}({args})"


class ExponentialDecay(LearningRateSchedule):
    """``initial_learning_rate * decay_rate ** (step / decay_steps)``.

    Args:
        initial_learning_rate: the learning rate at step 0.
        decay_steps: positive number of steps per ``decay_rate`` factor.
        decay_rate: the factor applied every ``decay_steps`` steps.
        staircase: if True, ``step / decay_steps`` is floored (decay in jumps).
        name: name of the schedule.

    Example:

    >>> s = ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
    >>> float(s(10))
    0.05000000074505806
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="ExponentialDecay"):
        _check_positive("ExponentialDecay", "decay_steps", decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def _value(self, step):
        p = step / self.decay_steps
        if self.staircase:
            p = math.floor(p)
        return self.initial_learning_rate * self.decay_rate ** p

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "decay_rate": self.decay_rate, "staircase": self.staircase, "name": self.name}


class PiecewiseConstantDecay(LearningRateSchedule):
    """A step function: ``values[0]`` while ``step <= boundaries[0]``, ``values[i]``
    while ``boundaries[i-1] < step <= boundaries[i]``, ``values[-1]`` after the last.

    Args:
        boundaries: increasing list of step numbers.
        values: list of learning rates, one longer than ``boundaries``.
        name: name of the schedule.
    """

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        boundaries, values = list(boundaries), list(values)
        if len(boundaries) != len(values) - 1:
            raise ValueError(
                "PiecewiseConstantDecay: `boundaries` must have one element less than `values`. "
                f"Received: boundaries={boundaries} (length {len(boundaries)}), "
                f"values={values} (length {len(values)})")
        self.boundaries = boundaries
        self.values = values
        self.name = name

    def _value(self, step):
        for bound, value in zip(self.boundaries, self.values):
            if step <= bound:
                return float(value)
        return float(self.values[-1])

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class PolynomialDecay(LearningRateSchedule):
    """Decays from ``initial_learning_rate`` to ``end_learning_rate`` over
    ``decay_steps`` as ``(initial - end) * (1 - step / decay_steps) ** power + end``.

    Args:
        initial_learning_rate: the learning rate at step 0.
        decay_steps: positive number of steps of the decay.
        end_learning_rate: the final learning rate (default 1e-4).
        power: the polynomial's power (default 1.0, linear).
        cycle: if True, restart the decay with a longer period (the next multiple
            of ``decay_steps``) instead of staying at ``end_learning_rate``.
        name: name of the schedule.
    """

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0,
                 cycle=False, name="PolynomialDecay"):
        _check_positive("PolynomialDecay", "decay_steps", decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = cycle
        self.name = name

    def _value(self, step):
        decay_steps = float(self.decay_steps)
        if self.cycle:
            decay_steps *= 1.0 if step == 0 else math.ceil(step / self.decay_steps)
        else:
            step = min(step, decay_steps)
        frac = step / decay_steps
        return ((self.initial_learning_rate - self.end_learning_rate) * (1.0 - frac) ** self.power
                + self.end_learning_rate)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "end_learning_rate": self.end_learning_rate, "power": self.power, "cycle": self.cycle,
                "name": self.name}


class InverseTimeDecay(LearningRateSchedule):
    """``initial_learning_rate / (1 + decay_rate * step / decay_steps)`` (the ratio
    floored when ``staircase=True``).

    Args:
        initial_learning_rate: the learning rate at step 0.
        decay_steps: positive number of steps per unit of decay.
        decay_rate: the decay rate.
        staircase: decay in jumps every ``decay_steps`` steps.
        name: name of the schedule.
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="InverseTimeDecay"):
        _check_positive("InverseTimeDecay", "decay_steps", decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def _value(self, step):
        p = step / self.decay_steps
        if self.staircase:
            p = math.floor(p)
        return self.initial_learning_rate / (1.0 + self.decay_rate * p)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "decay_rate": self.decay_rate, "staircase": self.staircase, "name": self.name}


def _cosine(step, decay_steps, alpha):
    cosine = 0.5 * (1.0 + math.cos(math.pi * step / decay_steps))
    return (1.0 - alpha) * cosine + alpha


class CosineDecay(LearningRateSchedule):
    """Optional linear warmup, then a cosine decay (SGDR without restarts).

    Without ``warmup_target`` the rate goes from ``initial_learning_rate`` to
    ``initial_learning_rate * alpha`` along half a cosine over ``decay_steps``.
    With it, the rate first rises linearly from ``initial_learning_rate`` to
    ``warmup_target`` over ``warmup_steps``, then decays from ``warmup_target``
    to ``warmup_target * alpha``.

    Args:
        initial_learning_rate: the learning rate at step 0.
        decay_steps: positive number of decay steps.
        alpha: the final rate as a fraction of the starting one (default 0).
        name: name of the schedule.
        warmup_target: the rate reached at the end of the warmup, or None.
        warmup_steps: the number of warmup steps.
    """

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay",
                 warmup_target=None, warmup_steps=0):
        _check_positive("CosineDecay", "decay_steps", decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.alpha = alpha
        self.name = name
        self.warmup_steps = warmup_steps
        self.warmup_target = warmup_target

    def _value(self, step):
        if self.warmup_target is None:
            step = min(step, self.decay_steps)
            return self.initial_learning_rate * _cosine(step, self.decay_steps, self.alpha)
        step = min(step, self.decay_steps + self.warmup_steps)
        if step < self.warmup_steps:
            delta = self.warmup_target - self.initial_learning_rate
            return delta * (step / self.warmup_steps) + self.initial_learning_rate
        return self.warmup_target * _cosine(step - self.warmup_steps, self.decay_steps, self.alpha)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "alpha": self.alpha, "name": self.name, "warmup_target": self.warmup_target,
                "warmup_steps": self.warmup_steps}


class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay with warm restarts (SGDR).

    The first period lasts ``first_decay_steps``; each later one is ``t_mul``
    times longer and starts from ``m_mul`` times the previous starting rate.
    Within a period the multiplier falls from 1 to ``alpha`` along half a cosine.

    Args:
        initial_learning_rate: the learning rate at step 0.
        first_decay_steps: positive length of the first period.
        t_mul: period growth factor (default 2.0).
        m_mul: restart rate factor (default 1.0).
        alpha: the minimum rate as a fraction of the period's start.
        name: name of the schedule.
    """

    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0, alpha=0.0,
                 name="SGDRDecay"):
        _check_positive("CosineDecayRestarts", "first_decay_steps", first_decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.first_decay_steps = first_decay_steps
        self._t_mul = t_mul
        self._m_mul = m_mul
        self.alpha = alpha
        self.name = name

    def _value(self, step):
        frac = step / self.first_decay_steps
        t_mul = float(self._t_mul)
        if t_mul == 1.0:
            restart = math.floor(frac)
            frac -= restart
        else:
            restart = math.floor(math.log(1.0 - frac * (1.0 - t_mul)) / math.log(t_mul))
            done = (1.0 - t_mul ** restart) / (1.0 - t_mul)
            frac = (frac - done) / t_mul ** restart
        cosine = 0.5 * self._m_mul ** restart * (1.0 + math.cos(math.pi * frac))
        return self.initial_learning_rate * ((1.0 - self.alpha) * cosine + self.alpha)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "first_decay_steps": self.first_decay_steps, "t_mul": self._t_mul,
                "m_mul": self._m_mul, "alpha": self.alpha, "name": self.name}


_BUILTINS = {cls.__name__: cls for cls in (
    ExponentialDecay, PiecewiseConstantDecay, PolynomialDecay, InverseTimeDecay, CosineDecay,
    CosineDecayRestarts)}


def serialize(learning_rate_schedule):
    """A schedule → ``{"module", "class_name", "config", "registered_name"}`` (Keras's layout)."""
    if not isinstance(learning_rate_schedule, LearningRateSchedule):
        raise TypeError(
            "schedules.serialize expects a LearningRateSchedule instance. "
            f"Received: {learning_rate_schedule!r} of type {type(learning_rate_schedule).__name__}")
    cls = type(learning_rate_schedule)
    builtin = _BUILTINS.get(cls.__name__) is cls
    return {
        "module": "keras.optimizers.schedules" if builtin else cls.__module__,
        "class_name": cls.__name__,
        "config": learning_rate_schedule.get_config(),
        "registered_name": None if builtin else cls.__name__,
    }


def _lookup_custom(name, custom_objects):
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    try:  # the global Keras registry, when kerasish.saving provides one
        from kerasish import saving
        registry = getattr(saving, "get_custom_objects", None)
        if registry is not None:
            objects = registry()
            for key in (name, f"Custom>{name}"):
                if key in objects:
                    return objects[key]
    except ImportError:
        pass
    return None


def deserialize(config, custom_objects=None):
    """``serialize``'s output (or a Keras 2 ``{"class_name", "config"}`` dict) → a schedule."""
    if isinstance(config, LearningRateSchedule):
        return config
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(
            "schedules.deserialize expects a dict with 'class_name' and 'config' keys. "
            f"Received: config={config!r}")
    name = config["class_name"]
    cls = _lookup_custom(config.get("registered_name") or name, custom_objects) or _lookup_custom(
        name, custom_objects) or _BUILTINS.get(name)
    if cls is None:
        raise ValueError(
            f"Unknown decay: '{name}'. Please ensure it is a built-in schedule "
            f"({sorted(_BUILTINS)}) or pass it in `custom_objects`.")
    return cls.from_config(dict(config.get("config", {})))
