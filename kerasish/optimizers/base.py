"""The Keras optimizer base class, run with torch multi-tensor (``_foreach``) ops.

Who owns what:
- ``Optimizer`` holds the Keras arguments (learning rate, clipping, weight decay,
  EMA, gradient accumulation, loss scale factor), the step counter, the bound
  variables and their slot tensors. ``build(variables)`` binds the parameters;
  ``step()`` (torch style, reads ``.grad``) and ``apply``/``apply_gradients``
  (Keras style) both end in ``_apply_update``, which runs, in Keras's order:
  unscale → accumulate → clip → decoupled weight decay → the algorithm's
  ``_foreach_update`` → EMA → constraints → ``iterations += 1``.
- Subclasses (sgd.py, adam.py, others.py) create their slots in ``build`` with
  ``add_optimizer_variables`` and implement ``_foreach_update(params, grads, lr, idx)``.
  A user subclass may instead implement Keras's per-variable
  ``update_step(gradient, variable, learning_rate)``.
- The step counter and the learning rate live on the host as Python numbers
  (``HostVariable``): learning rates, schedules and bias corrections are Python
  floats, so a step never waits for the device.
"""
import numbers
import re
import warnings

import numpy as np
import torch

from kerasish import backend
from kerasish.optimizers import schedules as schedules_module

# Keras 2 config keys that carry no meaning here (read from old files, dropped).
_IGNORED_KWARGS = ("jit_compile", "is_legacy_optimizer", "mesh", "_use_legacy_optimizer")


class HostVariable:
    """A scalar optimizer variable (``iterations``, ``learning_rate``) kept on the host.

    It behaves like the Keras scalar variable users read and write:
    ``int(opt.iterations)``, ``float(opt.learning_rate)``, ``.numpy()``,
    ``keras.backend.get_value(...)``, arithmetic, comparisons, ``assign(v)``.
    Reading it never touches the device.
    """

    __slots__ = ("_value", "_dtype", "name", "path", "_readonly", "__weakref__")

    def __init__(self, value, dtype="float32", name="variable", path=None, readonly=False):
        self._dtype = dtype
        self.name = name
        self.path = path or name
        self._readonly = readonly
        self._value = self._coerce(value)

    def _coerce(self, value):
        if isinstance(value, HostVariable):
            value = value._value
        elif isinstance(value, torch.Tensor):
            if value.numel() != 1:
                raise ValueError(
                    f"Cannot assign a tensor of shape {tuple(value.shape)} to the scalar "
                    f"optimizer variable '{self.path}'.")
            value = value.item()
        elif isinstance(value, np.ndarray):
            if value.size != 1:
                raise ValueError(
                    f"Cannot assign an array of shape {value.shape} to the scalar "
                    f"optimizer variable '{self.path}'.")
            value = value.reshape(()).item()
        if not isinstance(value, numbers.Real):
            raise TypeError(
                f"The optimizer variable '{self.path}' holds a {self._dtype} scalar. "
                f"Received: {value!r} of type {type(value).__name__}")
        if self._dtype.startswith("int"):
            return int(value)
        return float(np.asarray(value, dtype=self._np_dtype))

    @property
    def _np_dtype(self):
        return "float32" if self._dtype == "bfloat16" else self._dtype

    # -- Keras variable API --------------------------------------------------------------
    @property
    def value(self):
        return self._value

    @property
    def dtype(self):
        return self._dtype

    shape = ()
    ndim = 0
    trainable = False

    def numpy(self):
        return np.asarray(self._value, dtype=self._np_dtype)

    def __array__(self, dtype=None, copy=None):
        a = self.numpy()
        return a if dtype is None else a.astype(dtype)

    def item(self):
        return self._value

    def assign(self, value):
        if self._readonly:
            raise TypeError(f"The optimizer variable '{self.path}' is read-only: {self._readonly}")
        self._value = self._coerce(value)
        return self

    def assign_add(self, value):
        return self.assign(self._value + self._coerce(value))

    def assign_sub(self, value):
        return self.assign(self._value - self._coerce(value))

    def to_tensor(self, device=None):
        return torch.tensor(self._value, dtype=backend.to_torch_dtype(self._dtype), device=device)

    # -- Python number protocol ----------------------------------------------------------
    def __float__(self):
        return float(self._value)

    def __int__(self):
        return int(self._value)

    def __index__(self):
        if not isinstance(self._value, int):
            raise TypeError(f"'{self.path}' is a float variable; it cannot be used as an index.")
        return self._value

    def __bool__(self):
        return bool(self._value)

    def __round__(self, ndigits=None):
        return round(self._value, ndigits)

    def __format__(self, spec):
        return format(self._value, spec)

    def __repr__(self):
        return (f"<Variable path={self.path}, shape=(), dtype={self._dtype}, "
                f"value={self._value!r}>")

    def __str__(self):
        return str(self._value)

    def __hash__(self):
        return id(self)

    def __neg__(self):
        return -self._value

    def __pos__(self):
        return self._value

    def __abs__(self):
        return abs(self._value)


def _binary(op):
    def forward(self, other):
        return op(self._value, other._value if isinstance(other, HostVariable) else other)

    def reverse(self, other):
        return op(other, self._value)
    return forward, reverse


for _name, _op in {
        "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
        "truediv": lambda a, b: a / b, "floordiv": lambda a, b: a // b, "mod": lambda a, b: a % b,
        "pow": lambda a, b: a ** b}.items():
    _f, _r = _binary(_op)
    setattr(HostVariable, f"__{_name}__", _f)
    setattr(HostVariable, f"__r{_name}__", _r)
for _name, _op in {
        "eq": lambda a, b: a == b, "ne": lambda a, b: a != b, "lt": lambda a, b: a < b,
        "le": lambda a, b: a <= b, "gt": lambda a, b: a > b, "ge": lambda a, b: a >= b}.items():
    setattr(HostVariable, f"__{_name}__", _binary(_op)[0])


def _check_non_negative(cls_name, arg, value, allow_none=True):
    if value is None and allow_none:
        return None
    if not isinstance(value, numbers.Real) or isinstance(value, bool) or value < 0:
        raise ValueError(
            f"{cls_name}: argument `{arg}` must be a non-negative number"
            f"{' or None' if allow_none else ''}. Received: {arg}={value!r}")
    return value


class Optimizer:
    """Base class of Keras optimizers on torch tensors.

    Args:
        learning_rate: a float, a ``keras.optimizers.schedules.LearningRateSchedule``,
            or a zero-argument callable returning the rate.
        weight_decay: if set, each step first shrinks the variables:
            ``var -= var * weight_decay * learning_rate`` (decoupled decay).
        clipnorm: clip each gradient to this L2 norm.
        clipvalue: clip each gradient element to ``[-clipvalue, clipvalue]``.
        global_clipnorm: clip all gradients together to this global L2 norm.
        use_ema: keep an exponential moving average of the variables.
        ema_momentum: the EMA momentum (default 0.99).
        ema_overwrite_frequency: overwrite the variables with their EMA every
            this many steps (None: only in ``finalize_variable_values``).
        loss_scale_factor: the loss is multiplied by this (``scale_loss``) and the
            gradients are divided by it.
        gradient_accumulation_steps: update only every this many steps, with the
            mean of the accumulated gradients.
        name: the optimizer's name (default: the snake-cased class name, made unique).
        lr: Keras 2 spelling of ``learning_rate``.
        decay: Keras 2 time decay: the rate used at step ``t`` is
            ``learning_rate / (1 + decay * t)``.

    Usage with torch-style training code:

    ```python
    opt = keras.optimizers.Adam(1e-3)
    opt.build(model.trainable_weights)
    loss.backward(); opt.step(); opt.zero_grad()
    ```
    """

    def __init__(self, learning_rate, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        cls_name = type(self).__name__
        lr_alias = kwargs.pop("lr", None)
        if lr_alias is not None:
            learning_rate = lr_alias
        decay = kwargs.pop("decay", None)
        for key in _IGNORED_KWARGS:
            kwargs.pop(key, None)
        if kwargs:
            raise ValueError(f"{cls_name}: argument(s) not recognized: {kwargs}")
        self.decay = float(_check_non_negative(cls_name, "decay", decay) or 0.0)
        self.name = name if name is not None else backend.unique_name(backend.to_snake_case(cls_name))
        self.weight_decay = _check_non_negative(cls_name, "weight_decay", weight_decay)
        self.clipnorm = _check_non_negative(cls_name, "clipnorm", clipnorm)
        self.clipvalue = _check_non_negative(cls_name, "clipvalue", clipvalue)
        self.global_clipnorm = _check_non_negative(cls_name, "global_clipnorm", global_clipnorm)
        given = [n for n, v in (("clipnorm", clipnorm), ("clipvalue", clipvalue),
                                ("global_clipnorm", global_clipnorm)) if v is not None]
        if len(given) > 1:
            raise ValueError(
                f"{cls_name}: only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. "
                f"Received: clipnorm={clipnorm}, clipvalue={clipvalue}, "
                f"global_clipnorm={global_clipnorm}")
        if gradient_accumulation_steps is not None and (
                not isinstance(gradient_accumulation_steps, numbers.Integral)
                or gradient_accumulation_steps < 2):
            raise ValueError(
                f"{cls_name}: `gradient_accumulation_steps` must be an integer >= 2. "
                f"Received: gradient_accumulation_steps={gradient_accumulation_steps}")
        if use_ema:
            if not isinstance(ema_momentum, numbers.Real) or not 0 <= ema_momentum <= 1:
                raise ValueError(
                    f"{cls_name}: `ema_momentum` must be in the range [0, 1]. "
                    f"Received: ema_momentum={ema_momentum}")
            if ema_overwrite_frequency and (not isinstance(ema_overwrite_frequency, numbers.Integral)
                                            or ema_overwrite_frequency < 1):
                raise ValueError(
                    f"{cls_name}: `ema_overwrite_frequency` must be an integer >= 1 or None. "
                    f"Received: ema_overwrite_frequency={ema_overwrite_frequency}")
        if loss_scale_factor is not None and (not isinstance(loss_scale_factor, numbers.Real)
                                              or loss_scale_factor <= 0):
            raise ValueError(
                f"{cls_name}: `loss_scale_factor` must be a positive number or None. "
                f"Received: loss_scale_factor={loss_scale_factor}")
        self.use_ema = bool(use_ema)
        self.ema_momentum = ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.loss_scale_factor = loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps

        self.built = False
        self._vars = []                  # the bound parameters, in build order
        self._index = {}                 # id(param) -> position
        self._optimizer_variables = []   # slots in Keras's `variables` order (tensors / HostVariables)
        self._wd_mask = None             # per-param bool, None = decay everything
        self._exclude_ids = set()
        self._exclude_pattern = None
        self._pending_state = None
        self._constrained = []
        self._iterations = HostVariable(0, "int64", name="iteration", path=f"{self.name}/iteration")
        self._learning_rate = None
        self._set_learning_rate(learning_rate, initial=True)

    # ------------------------------------------------------------------ learning rate
    def _set_learning_rate(self, value, initial=False):
        if isinstance(value, schedules_module.LearningRateSchedule) or (
                callable(value) and not isinstance(value, (HostVariable, torch.Tensor, np.ndarray))):
            self._learning_rate = value
            return
        if isinstance(self._learning_rate, schedules_module.LearningRateSchedule):
            raise TypeError(
                "This optimizer was created with a `LearningRateSchedule` as its `learning_rate`, "
                "so its learning rate cannot be set to a number. Create the optimizer with a float "
                "`learning_rate` to make it settable.")
        if isinstance(value, (torch.Tensor, np.ndarray)) and getattr(value, "ndim", 0) == 0:
            value = value.item()
        if isinstance(value, HostVariable):
            value = value.value
        if not isinstance(value, numbers.Real) or isinstance(value, bool):
            raise ValueError(
                f"{type(self).__name__}: `learning_rate` must be a float, a LearningRateSchedule "
                f"or a callable returning the rate. Received: learning_rate={value!r}")
        if value < 0:
            raise ValueError(
                f"{type(self).__name__}: Argument `learning_rate` should be a non-negative float. "
                f"Received instead: learning_rate={value!r}")
        if isinstance(self._learning_rate, HostVariable) and not initial:
            self._learning_rate.assign(value)
        else:
            self._learning_rate = HostVariable(
                value, backend.floatx(), name="learning_rate",
                path=f"{self.name}/learning_rate")

    @property
    def learning_rate(self):
        """The learning rate: a settable scalar variable, or (with a schedule) the
        read-only value at the current step."""
        lr = self._learning_rate
        if isinstance(lr, HostVariable):
            return lr
        return HostVariable(self._schedule_value(self._iterations._value), backend.floatx(),
                            name="learning_rate", path=f"{self.name}/learning_rate",
                            readonly="it is computed by the learning rate schedule. Create the "
                                     "optimizer with a float `learning_rate` to make it settable.")

    @learning_rate.setter
    def learning_rate(self, value):
        self._set_learning_rate(value)

    # Keras 2 spelling.
    lr = learning_rate

    def _schedule_value(self, step):
        lr = self._learning_rate
        if isinstance(lr, schedules_module.LearningRateSchedule) and (
                type(lr).__call__ is schedules_module.LearningRateSchedule.__call__):
            return float(lr._value(step))
        if isinstance(lr, schedules_module.LearningRateSchedule):
            value = lr(torch.tensor(step, dtype=torch.int64))
        else:
            value = lr()
        if isinstance(value, HostVariable):
            return float(value.value)
        return float(value)  # a user schedule's tensor: one host read per step

    def _current_learning_rate(self):
        """The rate the next update uses, as a Python float (no device access)."""
        lr = self._learning_rate
        step = self._iterations._value
        value = lr._value if type(lr) is HostVariable else self._schedule_value(step)
        if self.decay:
            value = value / (1.0 + self.decay * step)
        return value

    # ------------------------------------------------------------------ iterations
    @property
    def iterations(self):
        """The number of steps applied so far (a scalar variable: ``int()``, ``numpy()``,
        ``assign()``). With gradient accumulation, the number of real updates."""
        if self.gradient_accumulation_steps:
            return HostVariable(self._iterations._value // self.gradient_accumulation_steps, "int64",
                                name="iteration", path=self._iterations.path,
                                readonly="with gradient accumulation it is derived from the step count.")
        return self._iterations

    @iterations.setter
    def iterations(self, value):
        self._iterations.assign(value)

    def _local_step(self):
        """1-based index of the update being applied (bias corrections use it)."""
        step = self._iterations._value
        if self.gradient_accumulation_steps:
            step //= self.gradient_accumulation_steps
        return step + 1

    # ------------------------------------------------------------------ building
    def build(self, variables):
        """Bind ``variables`` (a list of torch parameters; order matters) and create
        the slot tensors next to them. Calling it again does nothing."""
        if self.built:
            return
        variables = self._check_variables(variables)
        self._vars = variables
        self._index = {id(v): i for i, v in enumerate(variables)}
        if self.use_ema:
            self._averages = self.add_optimizer_variables(variables, "average")
        if self.gradient_accumulation_steps:
            self._accumulators = self.add_optimizer_variables(variables, "gradient_accumulator")
        self._update_weight_decay_mask()
        # variables carrying a Keras `constraint` (re-read each step: it may be replaced)
        self._constrained = [i for i, v in enumerate(variables)
                             if getattr(v, "constraint", None) is not None]
        self.built = True

    def _check_variables(self, variables):
        if isinstance(variables, torch.Tensor):
            variables = [variables]
        try:
            variables = list(variables)
        except TypeError:
            raise TypeError(
                f"{type(self).__name__}.build expects a list of torch tensors (parameters). "
                f"Received: {variables!r}") from None
        seen, out = set(), []
        for v in variables:
            if not isinstance(v, torch.Tensor):
                raise TypeError(
                    f"{type(self).__name__}.build expects a list of torch tensors (parameters). "
                    f"Received an element of type {type(v).__name__}: {v!r}")
            if not (v.is_floating_point() or v.is_complex()):
                raise TypeError(
                    f"{type(self).__name__}.build: only floating point variables can be optimized. "
                    f"Received a variable of dtype {v.dtype} with shape {tuple(v.shape)}")
            if id(v) not in seen:
                seen.add(id(v))
                out.append(v)
        return out

    @staticmethod
    def _variable_label(variable):
        label = getattr(variable, "path", None) or getattr(variable, "name", None)
        return str(label) if label else "variable"

    def add_variable(self, shape, initializer="zeros", dtype=None, aggregation="none", layout=None,
                     name=None, device=None):
        """Create an optimizer variable (a tensor) and track it in ``variables``."""
        tdtype = backend.to_torch_dtype(dtype) if dtype is not None else backend.to_torch_dtype(
            backend.floatx())
        dev = device if device is not None else backend.get_device()
        if isinstance(initializer, numbers.Number):
            value = torch.full(tuple(shape), initializer, dtype=tdtype, device=dev)
        elif initializer in ("zeros", "zero", None):
            value = torch.zeros(tuple(shape), dtype=tdtype, device=dev)
        elif initializer in ("ones", "one"):
            value = torch.ones(tuple(shape), dtype=tdtype, device=dev)
        else:
            from kerasish import initializers
            value = torch.as_tensor(initializers.get(initializer)(tuple(shape), dtype=dtype),
                                    dtype=tdtype, device=dev)
        self._optimizer_variables.append(value)
        return value

    def add_variable_from_reference(self, reference_variable, name=None, initializer="zeros"):
        """Create and track a slot with ``reference_variable``'s shape, dtype and device."""
        if isinstance(initializer, numbers.Number) and not isinstance(initializer, bool):
            value = torch.full_like(reference_variable, initializer, memory_format=torch.preserve_format)
        elif initializer in ("zeros", "zero", None):
            value = torch.zeros_like(reference_variable, memory_format=torch.preserve_format)
        else:
            return self.add_variable(reference_variable.shape, initializer, reference_variable.dtype,
                                     name=name, device=reference_variable.device)
        value = value.detach()
        self._optimizer_variables.append(value)
        return value

    def add_optimizer_variables(self, trainable_variables, name, initializer="zeros"):
        """One slot per variable for each name in ``name`` (a string or a list), created
        interleaved per variable like Keras. Returns a list, or a tuple of lists."""
        names = [name] if isinstance(name, str) else list(name)
        inits = initializer if isinstance(initializer, (list, tuple)) else [initializer] * len(names)
        if len(inits) != len(names):
            raise ValueError(
                "add_optimizer_variables: the number of names and initializers must match. "
                f"Received name={name!r}, initializer={initializer!r}")
        lists = tuple([] for _ in names)
        for v in trainable_variables:
            for i, (n, init) in enumerate(zip(names, inits)):
                lists[i].append(self.add_variable_from_reference(v, n, init))
        return lists[0] if isinstance(name, str) else lists

    def _scalar_type(self):
        """numpy scalar type of the variables' float dtype: Keras computes its bias
        corrections in that dtype, and so do we (on the host) to match it bit for bit."""
        if self._vars and self._vars[0].dtype == torch.float64:
            return np.float64
        return np.float32

    def _get_variable_index(self, variable):
        return self._index[id(variable)]

    @property
    def variables(self):
        """Keras's optimizer variables: iteration, learning rate (unless scheduled),
        then the slots in Keras's order, as tensors. The two scalars are snapshots:
        change them with ``iterations.assign`` / ``learning_rate``, ``set_weights`` or
        ``load_own_variables``."""
        self._apply_pending_state()
        out = [self._iterations.to_tensor()]
        if isinstance(self._learning_rate, HostVariable):
            out.append(self._learning_rate.to_tensor())
        for v in self._optimizer_variables:
            out.append(v.to_tensor() if isinstance(v, HostVariable) else v)
        return out

    def _scalar_slots(self):
        """The writable targets matching ``variables`` one to one."""
        out = [self._iterations]
        if isinstance(self._learning_rate, HostVariable):
            out.append(self._learning_rate)
        return out + list(self._optimizer_variables)

    # ------------------------------------------------------------------ weight decay
    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Exclude variables from weight decay: those in ``var_list``, and those whose
        name (or path) contains any of the strings in ``var_names``."""
        self._exclude_ids = {id(v) for v in (var_list or [])}
        self._exclude_pattern = re.compile("|".join(map(re.escape, var_names))) if var_names else None
        if self.built:
            self._update_weight_decay_mask()

    def _use_weight_decay(self, variable):
        if id(variable) in self._exclude_ids:
            return False
        if self._exclude_pattern is not None:
            for attr in ("name", "path"):
                label = getattr(variable, attr, None)
                if isinstance(label, str) and self._exclude_pattern.search(label):
                    return False
        return True

    def _update_weight_decay_mask(self):
        mask = [self._use_weight_decay(v) for v in self._vars]
        self._wd_mask = None if all(mask) else mask

    @property
    def param_groups(self):
        """torch-style view of the bound variables, so torch utilities that walk
        ``optimizer.param_groups`` (``torch.amp.GradScaler.unscale_``/``step``) work.
        ``lr`` is informational: set ``learning_rate`` to change the rate."""
        return [{"params": list(self._vars), "lr": self._current_learning_rate()}]

    # ------------------------------------------------------------------ training API
    def zero_grad(self, set_to_none=True):
        """Clear the ``.grad`` of the built variables."""
        for p in self._vars:
            if p.grad is not None:
                if set_to_none:
                    p.grad = None
                else:
                    p.grad.detach_()
                    p.grad.zero_()

    def step(self, closure=None):
        """One update of the built variables from their ``.grad`` (torch style).

        Variables whose ``.grad`` is None are skipped. Returns ``closure()``'s
        loss when a closure is given.
        """
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        if not self.built:
            raise ValueError(
                f"{type(self).__name__}.step() needs the optimizer to be built on the variables "
                "first: call `optimizer.build(model.trainable_weights)`.")
        grads = [p.grad for p in self._vars]
        idx = None
        if any(g is None for g in grads):
            idx = [i for i, g in enumerate(grads) if g is not None]
            if not idx:
                return loss
            grads = [grads[i] for i in idx]
        self._apply_update(grads, idx)
        return loss

    def apply(self, grads, trainable_variables=None):
        """Update variables from the given gradients (Keras 3 API).

        ``grads`` lines up with ``trainable_variables`` (which builds the optimizer on
        first use), or, when that is None, with the variables the optimizer was built on.
        None gradients are skipped with a warning.
        """
        grads = list(grads)
        if not grads:
            return
        if trainable_variables is None:
            if not self.built:
                raise ValueError(
                    "When passing `grads` without `variables`, the optimizer must already be built "
                    "on a list of variables. Call `optimizer.build(trainable_variables)` first.")
            if len(grads) != len(self._vars):
                raise ValueError(
                    "When passing `grads` as a list of gradient tensors, the gradients must match "
                    f"the optimizer's variables one to one. Received {len(grads)} gradients, but the "
                    f"optimizer is tracking {len(self._vars)} trainable variables.")
            idx = list(range(len(grads)))
        else:
            trainable_variables = list(trainable_variables)
            if len(trainable_variables) != len(grads):
                raise ValueError(
                    f"{type(self).__name__}.apply: got {len(grads)} gradients for "
                    f"{len(trainable_variables)} variables; they must match one to one.")
            if not self.built:
                self.build(trainable_variables)
            idx = []
            for v in trainable_variables:
                i = self._index.get(id(v))
                if i is None:
                    raise ValueError(
                        f"Unknown variable: {self._variable_label(v)} with shape "
                        f"{tuple(getattr(v, 'shape', ()))}. This optimizer can only be called for the "
                        "variables it was originally built with. When working with a new set of "
                        "variables, you should recreate a new optimizer instance.")
                idx.append(i)
        missing = [self._variable_label(self._vars[i]) for i, g in zip(idx, grads) if g is None]
        if missing:
            if len(missing) == len(grads):
                raise ValueError("No gradients provided for any variable.")
            warnings.warn(
                f"Gradients do not exist for variables {missing} when minimizing the loss. "
                "If using `model.compile()`, did you forget to provide a `loss` argument?",
                stacklevel=2)
            pairs = [(i, g) for i, g in zip(idx, grads) if g is not None]
            idx, grads = [i for i, _ in pairs], [g for _, g in pairs]
        clean = []
        for i, g in zip(idx, grads):
            var = self._vars[i]
            if not isinstance(g, torch.Tensor):
                g = backend.convert_to_tensor(g, dtype=var.dtype, device=var.device)
            elif g.dtype != var.dtype or g.device != var.device:
                g = g.to(device=var.device, dtype=var.dtype)
            clean.append(g.detach())
        if len(idx) == len(self._vars) and idx == list(range(len(self._vars))):
            idx = None
        self._apply_update(clean, idx)

    def apply_gradients(self, grads_and_vars):
        """Keras 2/3 API: ``apply_gradients(zip(grads, vars))``. Returns ``iterations``."""
        pairs = list(grads_and_vars)
        if pairs:
            grads, variables = zip(*pairs)
            self.apply(list(grads), list(variables))
        return self.iterations

    def minimize(self, loss, var_list, tape=None):
        """Keras 2 API: compute the gradients of ``loss`` (a tensor, or a callable
        returning one) with respect to ``var_list`` and apply them."""
        var_list = list(var_list() if callable(var_list) else var_list)
        if callable(loss):
            with torch.enable_grad():
                loss = loss()
        grads = torch.autograd.grad(loss, var_list, allow_unused=True)
        self.apply_gradients(zip(grads, var_list))
        return self.iterations

    def scale_loss(self, loss):
        """Multiply the loss by ``loss_scale_factor`` when one is set."""
        if self.loss_scale_factor is not None:
            return loss * self.loss_scale_factor
        return loss

    # ------------------------------------------------------------------ the update
    def _select(self, items, idx):
        return items if idx is None else [items[i] for i in idx]

    def _apply_update(self, grads, idx):
        if self._pending_state is not None:
            self._apply_pending_state()
        with torch.no_grad():
            if self.loss_scale_factor is not None:
                grads = torch._foreach_div(grads, self.loss_scale_factor)
            steps = self.gradient_accumulation_steps
            if steps:
                accumulators = self._select(self._accumulators, idx)
                if (self._iterations._value + 1) % steps == 0:
                    grads = torch._foreach_add(grads, accumulators)
                    torch._foreach_div_(grads, steps)
                    self._update(grads, idx)
                    torch._foreach_zero_(accumulators)
                else:
                    torch._foreach_add_(accumulators, grads)
            else:
                self._update(grads, idx)
            if self.use_ema:
                self._update_ema()
            if self._constrained:
                self._apply_constraints(idx)
        self._iterations._value += 1

    def _apply_constraints(self, idx):
        updated = None if idx is None else set(idx)
        for i in self._constrained:
            var = self._vars[i]
            constraint = getattr(var, "constraint", None)
            if constraint is not None and (updated is None or i in updated):
                var.copy_(constraint(var))

    def _update(self, grads, idx):
        params = self._select(self._vars, idx)
        grads = self._clip_gradients(grads)
        lr = self._current_learning_rate()
        if self.weight_decay:
            if self._wd_mask is not None:
                mask = self._select(self._wd_mask, idx)
                decayed = [p for p, m in zip(params, mask) if m]
            else:
                decayed = params
            if decayed:
                f = self._scalar_type()  # Keras computes the factor in the variables' dtype
                torch._foreach_mul_(decayed, float(f(1.0) - f(self.weight_decay) * f(lr)))
        self._foreach_update(params, grads, lr, idx)

    def _clip_gradients(self, grads):
        if self.clipnorm:
            norms = torch._foreach_norm(grads)
            scales = torch._foreach_clamp_min(norms, self.clipnorm)
            torch._foreach_reciprocal_(scales)
            torch._foreach_mul_(scales, self.clipnorm)
            return torch._foreach_mul(grads, scales)
        if self.global_clipnorm:
            norms = torch._foreach_norm(grads)
            total = torch.linalg.vector_norm(torch.stack([n.to(norms[0].device) for n in norms]))
            clip = self.global_clipnorm
            # clip / max(total, clip), and NaN when the norm is not finite (like Keras)
            scale = clip * torch.minimum(1.0 / total, torch.full_like(total, 1.0 / clip)) + (total - total)
            return torch._foreach_mul(grads, scale)
        if self.clipvalue:
            clipped = torch._foreach_clamp_min(grads, -self.clipvalue)
            torch._foreach_clamp_max_(clipped, self.clipvalue)
            return clipped
        return grads

    def _foreach_update(self, params, grads, lr, idx):
        """The algorithm. The default runs Keras's per-variable ``update_step``."""
        for g, v in zip(grads, params):
            self.update_step(g, v, lr)

    def update_step(self, gradient, variable, learning_rate):
        raise NotImplementedError(
            f"{type(self).__name__} must implement `update_step(gradient, variable, learning_rate)`.")

    # Keras's helpers for custom `update_step` code.
    def assign(self, variable, value):
        variable.copy_(value)

    def assign_add(self, variable, value):
        variable.add_(value)

    def assign_sub(self, variable, value):
        variable.sub_(value)

    # ------------------------------------------------------------------ EMA
    def _update_ema(self):
        step = self._iterations._value
        if self.gradient_accumulation_steps:
            step //= self.gradient_accumulation_steps
        momentum = self.ema_momentum if step != 0 else 0.0
        torch._foreach_mul_(self._averages, momentum)
        torch._foreach_add_(self._averages, self._vars, alpha=1.0 - momentum)
        if self.ema_overwrite_frequency and (step + 1) % self.ema_overwrite_frequency == 0:
            torch._foreach_copy_(self._vars, self._averages)

    def finalize_variable_values(self, var_list):
        """With ``use_ema``, overwrite ``var_list`` with the moving averages."""
        if not self.use_ema:
            return
        var_list = list(var_list)
        if len(var_list) != len(self._averages):
            raise ValueError(
                f"The length of model variables ({len(var_list)}) to override does not match the "
                f"number of averaged variables in the optimizer ({len(self._averages)}).")
        with torch.no_grad():
            torch._foreach_copy_(var_list, self._averages)

    # ------------------------------------------------------------------ state
    def state_dict(self):
        """``{'iterations': int, 'learning_rate': float or None, 'slots': [tensors]}``;
        ``slots`` follows ``variables`` after the iteration and learning rate."""
        self._apply_pending_state()
        lr = self._learning_rate
        return {
            "iterations": int(self._iterations._value),
            "learning_rate": lr.value if isinstance(lr, HostVariable) else None,
            "slots": [v.to_tensor() if isinstance(v, HostVariable) else v
                      for v in self._optimizer_variables],
        }

    def load_state_dict(self, state_dict):
        """Restore ``state_dict()``'s output. Slots are copied onto the built
        variables' devices; before ``build`` the state is kept and applied then."""
        if not isinstance(state_dict, dict) or "slots" not in state_dict or "iterations" not in state_dict:
            raise ValueError(
                f"{type(self).__name__}.load_state_dict expects the dict made by state_dict() "
                f"(keys 'iterations' and 'slots'). Received: {type(state_dict).__name__} with keys "
                f"{sorted(state_dict) if isinstance(state_dict, dict) else None}")
        self._pending_state = state_dict
        if self.built:
            self._apply_pending_state()

    def _apply_pending_state(self):
        state = self._pending_state
        if state is None or not self.built:
            return
        self._pending_state = None
        slots = list(state["slots"])
        if len(slots) != len(self._optimizer_variables):
            raise ValueError(
                f"{type(self).__name__}.load_state_dict: the state has {len(slots)} slot tensors but "
                f"this optimizer has {len(self._optimizer_variables)}. Was it saved from a different "
                "optimizer or model?")
        self._iterations.assign(int(state["iterations"]))
        lr = state.get("learning_rate")
        if lr is not None and isinstance(self._learning_rate, HostVariable):
            self._learning_rate.assign(lr)
        self._assign_slots(slots)

    def _assign_slots(self, values):
        with torch.no_grad():
            for target, value in zip(self._optimizer_variables, values):
                if isinstance(target, HostVariable):
                    target.assign(value)
                    continue
                value = torch.as_tensor(np.asarray(value)) if not isinstance(value, torch.Tensor) else value
                if tuple(value.shape) != tuple(target.shape):
                    raise ValueError(
                        f"Optimizer slot of shape {tuple(target.shape)} cannot take a saved value of "
                        f"shape {tuple(value.shape)}.")
                target.copy_(value.detach().to(device=target.device, dtype=target.dtype))

    def get_weights(self):
        """The values of ``variables`` as numpy arrays."""
        return [backend.convert_to_numpy(v) for v in self.variables]

    def set_weights(self, weights):
        """Set ``variables`` from a list of arrays (same order as ``variables``)."""
        if not self.built:
            raise ValueError(
                "You are calling `set_weights()` on an optimizer that has not yet been built. "
                "Call `optimizer.build(trainable_variables)` first.")
        weights = list(weights)
        targets = self._scalar_slots()
        if len(weights) != len(targets):
            raise ValueError(
                f"{type(self).__name__}.set_weights: expected {len(targets)} arrays, "
                f"received {len(weights)}.")
        n_scalars = len(targets) - len(self._optimizer_variables)
        for target, w in zip(targets[:n_scalars], weights[:n_scalars]):
            target.assign(w)
        self._assign_slots(weights[n_scalars:])

    def save_own_variables(self, store):
        """Keras saving hook: ``store['0'], store['1'], ...`` = ``variables``."""
        for i, v in enumerate(self.variables):
            store[str(i)] = backend.convert_to_numpy(v)

    def load_own_variables(self, store):
        """Keras saving hook: the reverse of ``save_own_variables`` (warns and skips on a
        count mismatch, like Keras)."""
        targets = self._scalar_slots() if self.built else []
        if len(store.keys()) != len(targets) or not self.built:
            msg = (f"Skipping variable loading for optimizer '{self.name}', because it has "
                   f"{len(self.variables)} variables whereas the saved optimizer has "
                   f"{len(store.keys())} variables. ")
            if not self.built:
                msg += "This is likely because the optimizer has not been called/built yet."
            warnings.warn(msg, stacklevel=2)
            return
        self.set_weights([np.asarray(store[str(i)]) for i in range(len(targets))])

    # ------------------------------------------------------------------ config
    def _learning_rate_config(self):
        lr = self._learning_rate
        if isinstance(lr, HostVariable):
            return lr.value
        if isinstance(lr, schedules_module.LearningRateSchedule):
            return schedules_module.serialize(lr)
        return lr  # a plain callable: kept as is (not JSON-able)

    def get_config(self):
        """The constructor arguments as a dict (``from_config`` rebuilds it)."""
        config = {
            "name": self.name,
            "learning_rate": self._learning_rate_config(),
            "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm,
            "global_clipnorm": self.global_clipnorm,
            "clipvalue": self.clipvalue,
            "use_ema": self.use_ema,
            "ema_momentum": self.ema_momentum,
            "ema_overwrite_frequency": self.ema_overwrite_frequency,
            "loss_scale_factor": self.loss_scale_factor,
            "gradient_accumulation_steps": self.gradient_accumulation_steps,
        }
        if self.decay:
            config["decay"] = self.decay
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = schedules_module.deserialize(
                config["learning_rate"], custom_objects=custom_objects)
        return cls(**config)

    def __repr__(self):
        lr = self._learning_rate
        lr_text = lr.value if isinstance(lr, HostVariable) else type(lr).__name__
        return f"<{type(self).__name__} name={self.name}, learning_rate={lr_text}, built={self.built}>"
