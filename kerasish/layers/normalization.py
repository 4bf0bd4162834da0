"""Normalization layers: BatchNormalization, LayerNormalization, GroupNormalization,
UnitNormalization.

Inputs are channels_last as in Keras. BatchNormalization with the channel axis last runs
torch's fused kernels on a ``(rows, channels)`` view of the input (a reshape, no copy), and
updates the moving statistics with the *biased* batch variance, as Keras does (torch's own
running variance uses the unbiased one, so the update is done here, on the device).
"""
import warnings

import numpy as np
import torch
import torch.nn.functional as F

from kerasish import constraints, initializers, regularizers
from kerasish.layers.base import Layer


def _check_axis_int(layer, axis):
    if isinstance(axis, (list, tuple)) and len(axis) == 1:
        axis = axis[0]
    if isinstance(axis, bool) or not isinstance(axis, int):
        try:
            if int(axis) == axis:
                return int(axis)
        except (TypeError, ValueError):
            pass
        raise TypeError(f"{layer}: expected an integer for the argument `axis`. Received: axis={axis!r}")
    return axis


def _check_axes(layer, axis):
    """An int or a list/tuple of ints (returned as a list)."""
    if isinstance(axis, (list, tuple)):
        if not axis or not all(isinstance(a, int) and not isinstance(a, bool) for a in axis):
            raise TypeError(f"{layer}: expected an int or a list/tuple of ints for the argument `axis`. "
                            f"Received: axis={axis!r}")
        return list(axis)
    if isinstance(axis, bool) or not isinstance(axis, int):
        raise TypeError(f"{layer}: expected an int or a list/tuple of ints for the argument `axis`. "
                        f"Received: axis={axis!r}")
    return axis


def _positive_axes(layer_name, cls, axes, ndim, input_shape):
    out = []
    for a in ([axes] if isinstance(axes, int) else axes):
        if a >= ndim or a < -ndim:
            raise ValueError(
                f"{cls} '{layer_name}': axis {a} is out of bounds for input shape {tuple(input_shape)}. "
                f"Received: axis={axes}")
        out.append(a % ndim)
    return sorted(set(out))


def _check_rate(layer, arg, value):
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{layer}: expected a float for `{arg}`. Received: {arg}={value!r}") from None
    return value


class BatchNormalization(Layer):
    """Normalizes each channel with the batch's mean and variance (training) or with moving
    averages of them (inference).

    ``training=True``: ``y = gamma * (x - mean_batch) / sqrt(var_batch + epsilon) + beta`` and
    ``moving = moving * momentum + batch_stat * (1 - momentum)`` (biased variance, as Keras).
    ``training=False``: the moving statistics are used. As in Keras 3, a layer with
    ``trainable=False`` always runs in inference mode and leaves its statistics untouched.

    Args:
        axis: the channel axis (default ``-1``, channels_last).
        momentum: momentum of the moving averages (default 0.99; torch's ``momentum`` is 0.01).
        epsilon: added to the variance (default 1e-3).
        center, scale: whether to learn ``beta`` / ``gamma``.
        beta_initializer, gamma_initializer, moving_mean_initializer, moving_variance_initializer.
        beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint.
        renorm, renorm_clipping, renorm_momentum: Batch Renormalization (Ioffe 2017).
        synchronized: accepted for compatibility; a single process has nothing to synchronize.

    Weights (Keras order): ``gamma``, ``beta``, ``moving_mean``, ``moving_variance`` (the last two
    non-trainable).

    Example:
        >>> bn = BatchNormalization()
        >>> y = bn(np.random.rand(8, 4).astype("float32"), training=True)
    """

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", moving_mean_initializer="zeros",
                 moving_variance_initializer="ones", beta_regularizer=None, gamma_regularizer=None,
                 beta_constraint=None, gamma_constraint=None, renorm=False, renorm_clipping=None,
                 renorm_momentum=0.99, synchronized=False, **kwargs):
        # Keras 2 arguments with no effect here.
        kwargs.pop("fused", None)
        if kwargs.pop("virtual_batch_size", None) is not None:
            raise ValueError("BatchNormalization: `virtual_batch_size` is not supported (it was removed in "
                             "Keras 3). Received a value other than None.")
        if kwargs.pop("adjustment", None) is not None:
            raise ValueError("BatchNormalization: `adjustment` is not supported (it was removed in Keras 3). "
                             "Received a value other than None.")
        super().__init__(**kwargs)
        self.axis = _check_axis_int("BatchNormalization", axis)
        self.momentum = _check_rate("BatchNormalization", "momentum", momentum)
        self.epsilon = _check_rate("BatchNormalization", "epsilon", epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.synchronized = bool(synchronized)
        self.renorm = bool(renorm)
        if self.renorm:
            renorm_clipping = dict(renorm_clipping or {})
            bad = set(renorm_clipping) - {"rmax", "rmin", "dmax"}
            if bad:
                raise ValueError(
                    f"BatchNormalization: received invalid keys for `renorm_clipping`: {sorted(bad)}. "
                    "Supported keys: ['rmax', 'rmin', 'dmax'].")
            rmax, rmin, dmax = (renorm_clipping.get(k) for k in ("rmax", "rmin", "dmax"))
            if rmax is not None and rmin is not None and rmax < rmin:
                raise ValueError(f"BatchNormalization: `renorm_clipping` needs rmax >= rmin. "
                                 f"Received: rmax={rmax}, rmin={rmin}.")
            if dmax is not None and dmax < 0:
                raise ValueError(f"BatchNormalization: `renorm_clipping` needs dmax >= 0. Received: dmax={dmax}.")
        self.renorm_clipping = renorm_clipping
        self.renorm_momentum = float(renorm_momentum)
        self.supports_masking = True

    def build(self, input_shape):
        ndim = len(input_shape)
        if not -ndim <= self.axis < ndim:
            raise ValueError(
                f"BatchNormalization '{self.name}': axis {self.axis} is out of bounds for input shape "
                f"{tuple(input_shape)}. Received: axis={self.axis}")
        self._ndim = ndim
        self._axis = self.axis % ndim
        channels = input_shape[self._axis]
        if channels is None:
            raise ValueError(
                f"BatchNormalization '{self.name}': axis {self.axis} of the input should have a defined "
                f"dimension. Received input with shape {tuple(input_shape)}")
        self._channels = int(channels)
        shape = (self._channels,)
        self.gamma = self.add_weight(name="gamma", shape=shape, initializer=self.gamma_initializer,
                                     regularizer=self.gamma_regularizer,
                                     constraint=self.gamma_constraint) if self.scale else None
        self.beta = self.add_weight(name="beta", shape=shape, initializer=self.beta_initializer,
                                    regularizer=self.beta_regularizer,
                                    constraint=self.beta_constraint) if self.center else None
        self.moving_mean = self.add_weight(name="moving_mean", shape=shape,
                                           initializer=self.moving_mean_initializer, trainable=False)
        self.moving_variance = self.add_weight(name="moving_variance", shape=shape,
                                               initializer=self.moving_variance_initializer, trainable=False)
        if self.renorm:
            with torch.no_grad():
                std = torch.sqrt(self.moving_variance.detach().clone())
            self.moving_stddev = self.add_weight(name="moving_stddev", shape=shape, initializer="ones",
                                                 trainable=False)
            self.renorm_mean = self.add_weight(name="renorm_mean", shape=shape,
                                               initializer=self.moving_mean_initializer, trainable=False)
            self.renorm_stddev = self.add_weight(name="renorm_stddev", shape=shape, initializer="ones",
                                                 trainable=False)
            with torch.no_grad():
                self.moving_stddev.copy_(std)
                self.renorm_stddev.copy_(std)

    # ------------------------------------------------------------------ calling
    def _check_input(self, inputs):
        if inputs.dim() != self._ndim or inputs.shape[self._axis] != self._channels:
            expected = ["None"] * self._ndim
            expected[self._axis] = str(self._channels)
            raise ValueError(
                f"Input 0 of layer '{self.name}' (BatchNormalization) is incompatible with the layer: "
                f"expected an input of rank {self._ndim} with axis {self.axis} of size {self._channels} "
                f"(shape ({', '.join(expected)})), but received input with shape {tuple(inputs.shape)}")

    def _to_rows(self, x):
        """A ``(N, C, ...)`` or ``(rows, C)`` view that torch's kernels accept, and the inverse."""
        if self._axis == self._ndim - 1:
            if self._ndim == 2:
                return x, lambda y: y
            shape = x.shape
            return x.reshape(-1, self._channels), lambda y: y.reshape(shape)
        if self._axis == 1:
            return x, lambda y: y
        return x.movedim(self._axis, 1), lambda y: y.movedim(1, self._axis)

    def call(self, inputs, training=None, mask=None):
        self._check_input(inputs)
        if mask is not None and not isinstance(mask, torch.Tensor):
            mask = torch.as_tensor(np.asarray(mask), device=inputs.device)
        if mask is not None and mask.dim() != inputs.dim() - 1:
            raise ValueError(
                f"BatchNormalization '{self.name}': the mask should have one dimension less than the inputs. "
                f"Received: mask.shape={tuple(mask.shape)}, inputs.shape={tuple(inputs.shape)}")
        x = inputs if inputs.dtype in (torch.float32, torch.float64) else inputs.float()
        out_dtype = inputs.dtype if inputs.is_floating_point() else x.dtype
        use_batch_stats = bool(training) and self.trainable
        xr, back = self._to_rows(x)
        if not use_batch_stats:
            out = F.batch_norm(xr, self.moving_mean, self.moving_variance, self.gamma, self.beta,
                               False, 0.0, self.epsilon)
            return back(out).to(out_dtype)
        if mask is None and not self.renorm:
            if xr.shape[0] == 0:
                return back(xr).to(out_dtype)
            out, mean, invstd = torch.native_batch_norm(xr, self.gamma, self.beta, None, None, True, 0.0,
                                                        self.epsilon)
            with torch.no_grad():
                var = invstd.reciprocal().square_().sub_(self.epsilon).clamp_(min=0)
                self._update_moving(mean, var)
            return back(out).to(out_dtype)
        mean, var = self._moments(x, mask)
        gamma, beta = self.gamma, self.beta
        if self.renorm:
            gamma, beta = self._renorm_transform(mean, var, gamma, beta)
        else:
            with torch.no_grad():
                self._update_moving(mean.detach(), var.detach())
        shape = [1] * x.dim()
        shape[self._axis] = self._channels
        inv = torch.rsqrt(var + self.epsilon)
        if gamma is not None:
            inv = inv * gamma
        out = x * inv.reshape(shape) + (-mean * inv if beta is None else beta - mean * inv).reshape(shape)
        return out.to(out_dtype)

    def _update_moving(self, mean, var):
        m = self.momentum
        self.moving_mean.mul_(m).add_(mean.to(self.moving_mean.dtype), alpha=1.0 - m)
        self.moving_variance.mul_(m).add_(var.to(self.moving_variance.dtype), alpha=1.0 - m)

    def _moments(self, x, mask):
        axes = [d for d in range(x.dim()) if d != self._axis]
        if mask is None:
            var, mean = torch.var_mean(x, dim=axes, correction=0)
            return mean, var
        m = mask.to(torch.bool).unsqueeze(-1).expand(x.shape)
        w = m.to(x.dtype)
        count = w.sum(dim=axes)
        mean = torch.where(m, x, 0).sum(dim=axes) / (count + 1e-7)
        shape = [1] * x.dim()
        shape[self._axis] = self._channels
        diff = torch.where(m, x - mean.reshape(shape), 0)
        var = diff.square().sum(dim=axes) / (count + 1e-7)
        return mean, var

    def _renorm_transform(self, mean, var, gamma, beta):
        eps = self.epsilon
        stddev = torch.sqrt(var + eps)
        renorm_stddev = torch.clamp(self.renorm_stddev, min=eps ** 0.5)
        r = (stddev / renorm_stddev).detach()
        d = ((mean - self.renorm_mean) / renorm_stddev).detach()
        clip = self.renorm_clipping or {}
        if clip.get("rmin") is not None:
            r = r.clamp(min=clip["rmin"])
        if clip.get("rmax") is not None:
            r = r.clamp(max=clip["rmax"])
        if clip.get("dmax") is not None:
            d = d.clamp(-clip["dmax"], clip["dmax"])
        new_gamma = r if gamma is None else r * gamma
        new_beta = d if gamma is None else d * gamma
        if beta is not None:
            new_beta = new_beta + beta
        with torch.no_grad():
            mean, stddev = mean.detach(), stddev.detach()
            rm = self.renorm_momentum
            self.renorm_mean.mul_(rm).add_(mean, alpha=1.0 - rm)
            self.renorm_stddev.mul_(rm).add_(stddev, alpha=1.0 - rm)
            m = self.momentum
            self.moving_mean.mul_(m).add_(mean, alpha=1.0 - m)
            self.moving_stddev.mul_(m).add_(stddev, alpha=1.0 - m)
            self.moving_variance.copy_(torch.relu(self.moving_stddev.square() - eps))
        return new_gamma, new_beta

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({
            "axis": self.axis,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
            "moving_variance_initializer": initializers.serialize(self.moving_variance_initializer),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
            "synchronized": self.synchronized,
            "renorm": self.renorm,
            "renorm_clipping": self.renorm_clipping,
            "renorm_momentum": self.renorm_momentum,
        })
        return config

    def extra_repr(self):
        return f"name={self.name!r}, axis={self.axis}, momentum={self.momentum}, epsilon={self.epsilon}"


class LayerNormalization(Layer):
    """Normalizes each sample over ``axis`` (default the last): ``gamma * (x - mean) /
    sqrt(var + epsilon) + beta``.

    Args:
        axis: an int or a list of ints: the axes to normalize over (``gamma`` and ``beta`` have
            their shape).
        epsilon: added to the variance (default 1e-3).
        center, scale: whether to learn ``beta`` / ``gamma``.
        rms_scaling: deprecated Keras 3 option: ``x * rsqrt(var + epsilon) * gamma`` (no centering).
        beta_initializer, gamma_initializer, beta_regularizer, gamma_regularizer,
        beta_constraint, gamma_constraint.

    Example:
        >>> ln = LayerNormalization()
        >>> y = ln(np.arange(10, dtype="float32").reshape(2, 5))
    """

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None,
                 beta_constraint=None, gamma_constraint=None, **kwargs):
        rms_scaling = bool(kwargs.pop("rms_scaling", False))
        if rms_scaling:
            warnings.warn(
                "LayerNormalization: `rms_scaling=True` is deprecated (as in Keras 3): it divides by the "
                "standard deviation, not by the root mean square. Use RMS normalization instead.",
                stacklevel=2)
        super().__init__(**kwargs)
        self.axis = _check_axes("LayerNormalization", axis)
        self.epsilon = _check_rate("LayerNormalization", "epsilon", epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        self.rms_scaling = rms_scaling
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True

    def build(self, input_shape):
        ndim = len(input_shape)
        self._ndim = ndim
        self._axes = _positive_axes(self.name, "LayerNormalization", self.axis, ndim, input_shape)
        shape = tuple(input_shape[a] for a in self._axes)
        if any(d is None for d in shape):
            raise ValueError(
                f"LayerNormalization '{self.name}': the normalized axes {self.axis} of the input must have "
                f"a defined size. Received input with shape {tuple(input_shape)}")
        self._norm_shape = tuple(int(d) for d in shape)
        # F.layer_norm handles the case where the axes are the trailing ones.
        self._trailing = self._axes == list(range(ndim - len(self._axes), ndim))
        self.gamma = self.add_weight(
            name="gamma", shape=self._norm_shape, initializer=self.gamma_initializer,
            regularizer=self.gamma_regularizer,
            constraint=self.gamma_constraint) if self.scale or self.rms_scaling else None
        self.beta = self.add_weight(
            name="beta", shape=self._norm_shape, initializer=self.beta_initializer,
            regularizer=self.beta_regularizer,
            constraint=self.beta_constraint) if self.center and not self.rms_scaling else None

    def _broadcast(self, v, ndim, shape):
        if v is None or self._trailing:
            return v
        b = [1] * ndim
        for a in self._axes:
            b[a] = shape[a]
        return v.reshape(b)

    def call(self, inputs):
        if inputs.dim() != self._ndim or tuple(inputs.shape[a] for a in self._axes) != self._norm_shape:
            raise ValueError(
                f"Input 0 of layer '{self.name}' (LayerNormalization) is incompatible with the layer: it "
                f"normalizes axes {self.axis} of size {self._norm_shape} in inputs of rank {self._ndim}, but "
                f"received input with shape {tuple(inputs.shape)}")
        x = inputs if inputs.dtype not in (torch.float16, torch.bfloat16) else inputs.float()
        if self.rms_scaling:
            var = torch.var(x, dim=self._axes, keepdim=True, correction=0)
            out = x * torch.rsqrt(var + self.epsilon)
            if self.gamma is not None:
                out = out * self._broadcast(self.gamma, x.dim(), x.shape)
        elif self._trailing:
            out = F.layer_norm(x, self._norm_shape, self.gamma, self.beta, self.epsilon)
        else:
            var, mean = torch.var_mean(x, dim=self._axes, keepdim=True, correction=0)
            inv = torch.rsqrt(var + self.epsilon)
            if self.gamma is not None:
                inv = inv * self._broadcast(self.gamma, x.dim(), x.shape)
            res = -mean * inv
            if self.beta is not None:
                res = res + self._broadcast(self.beta, x.dim(), x.shape)
            out = x * inv + res
        return out.to(inputs.dtype)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({
            "axis": self.axis,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "rms_scaling": self.rms_scaling,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
        })
        return config

    def extra_repr(self):
        return f"name={self.name!r}, axis={self.axis}, epsilon={self.epsilon}"


class GroupNormalization(Layer):
    """Splits the channels (``axis``) into ``groups`` and normalizes each group of each sample
    over the group's channels and all other non-batch axes. ``groups=-1`` is instance
    normalization; ``groups=1`` normalizes over everything but the batch.

    Args:
        groups: number of groups (a divisor of the channel count), default 32.
        axis: the channel axis (default -1).
        epsilon, center, scale, beta/gamma initializers, regularizers and constraints.
    """

    def __init__(self, groups=32, axis=-1, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, **kwargs):
        if isinstance(groups, bool) or not isinstance(groups, int) or (groups <= 0 and groups != -1):
            raise ValueError(
                "GroupNormalization: received an invalid value for argument `groups`, expected a positive "
                f"integer (or -1 for instance normalization). Received: groups={groups!r}")
        super().__init__(**kwargs)
        self.groups = groups
        self.axis = _check_axis_int("GroupNormalization", axis)
        self.epsilon = _check_rate("GroupNormalization", "epsilon", epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True

    def build(self, input_shape):
        ndim = len(input_shape)
        if not -ndim <= self.axis < ndim:
            raise ValueError(
                f"GroupNormalization '{self.name}': axis {self.axis} is out of bounds for input shape "
                f"{tuple(input_shape)}.")
        self._ndim = ndim
        self._axis = self.axis % ndim
        dim = input_shape[self._axis]
        if dim is None:
            raise ValueError(
                f"GroupNormalization '{self.name}': axis {self.axis} of the input should have a defined "
                f"dimension, but the layer received an input with shape {tuple(input_shape)}.")
        dim = int(dim)
        if self.groups == -1:
            self.groups = dim
        if dim < self.groups:
            raise ValueError(
                f"GroupNormalization '{self.name}': the number of groups ({self.groups}) cannot be more than "
                f"the number of channels ({dim}).")
        if dim % self.groups:
            raise ValueError(
                f"GroupNormalization '{self.name}': the number of channels ({dim}) must be a multiple of "
                f"the number of groups ({self.groups}).")
        self._channels = dim
        self.gamma = self.add_weight(name="gamma", shape=(dim,), initializer=self.gamma_initializer,
                                     regularizer=self.gamma_regularizer,
                                     constraint=self.gamma_constraint) if self.scale else None
        self.beta = self.add_weight(name="beta", shape=(dim,), initializer=self.beta_initializer,
                                    regularizer=self.beta_regularizer,
                                    constraint=self.beta_constraint) if self.center else None

    def call(self, inputs):
        if inputs.dim() != self._ndim or inputs.shape[self._axis] != self._channels:
            raise ValueError(
                f"Input 0 of layer '{self.name}' (GroupNormalization) is incompatible with the layer: "
                f"expected rank {self._ndim} with axis {self.axis} of size {self._channels}, but received "
                f"input with shape {tuple(inputs.shape)}")
        x = inputs if inputs.dtype not in (torch.float16, torch.bfloat16) else inputs.float()
        if self._ndim == 2:  # F.group_norm wants at least (N, C, L)
            out = F.group_norm(x.unsqueeze(-1), self.groups, self.gamma, self.beta, self.epsilon).squeeze(-1)
        elif self._axis == 1:
            out = F.group_norm(x, self.groups, self.gamma, self.beta, self.epsilon)
        else:
            out = F.group_norm(x.movedim(self._axis, 1), self.groups, self.gamma, self.beta,
                               self.epsilon).movedim(1, self._axis)
        return out.to(inputs.dtype)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({
            "groups": self.groups,
            "axis": self.axis,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
        })
        return config

    def extra_repr(self):
        return f"name={self.name!r}, groups={self.groups}, axis={self.axis}, epsilon={self.epsilon}"


class UnitNormalization(Layer):
    """Scales each sample to unit L2 norm along ``axis`` (an int or a list of ints):
    ``x * min(1 / ||x||, 1e12)``."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = _check_axes("UnitNormalization", axis)
        self.supports_masking = True
        self.built = True  # no weights; Keras builds it at construction

    def call(self, inputs):
        ndim = inputs.dim()
        axes = [self.axis] if isinstance(self.axis, int) else self.axis
        for a in axes:
            if a >= ndim or a < -ndim:
                raise ValueError(
                    f"UnitNormalization '{self.name}': axis {self.axis} is out of bounds for input shape "
                    f"{tuple(inputs.shape)}.")
        x = inputs if inputs.is_floating_point() else inputs.float()
        inv = torch.rsqrt(x.square().sum(dim=axes, keepdim=True)).clamp(max=1e12)
        return x * inv

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config

    def extra_repr(self):
        return f"name={self.name!r}, axis={self.axis}"
