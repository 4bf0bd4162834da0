"""RMSprop, Adagrad, Adadelta, Lion, Ftrl, Lamb and Adafactor: Keras's formulas on torch
``_foreach`` ops (Adafactor loops per variable: its factored moments need reductions)."""
import numbers

import numpy as np
import torch

from kerasish.optimizers import base


def _common(kwargs, **given):
    given.update(kwargs)
    return given


class RMSprop(base.Optimizer):
    """RMSprop (Keras's formulation; torch's defaults differ).

    ``v = rho v + (1 - rho) g²``; with ``centered=True`` also
    ``a = rho a + (1 - rho) g`` and the denominator uses ``v - a²``;
    ``step = lr · g / √(v [- a²] + epsilon)``; with ``momentum > 0``,
    ``mom = momentum · mom + step`` and ``var -= mom``, else ``var -= step``.

    Args:
        learning_rate: float, schedule or callable (default 0.001; torch: 0.01).
        rho: decay of the squared-gradient average (default 0.9; torch alpha 0.99).
        momentum: (default 0.0).
        epsilon: added inside the square root (default 1e-7).
        centered: normalise by the estimated variance of the gradient.
        weight_decay, clipnorm, ...: see ``Optimizer``.
    """

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(**_common(
            kwargs, learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
            clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
            ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps, name=name))
        self.rho = rho
        self.momentum = momentum
        self.epsilon = epsilon
        self.centered = centered

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        self._velocities = self.add_optimizer_variables(self._vars, "velocity")
        self._momentums = []
        if self.momentum > 0:
            self._momentums = self.add_optimizer_variables(self._vars, "momentum")
        self._average_gradients = []
        if self.centered:
            self._average_gradients = self.add_optimizer_variables(self._vars, "average_gradient")

    def _foreach_update(self, params, grads, lr, idx):
        rho = self.rho
        velocities = self._select(self._velocities, idx)
        torch._foreach_mul_(velocities, rho)
        torch._foreach_addcmul_(velocities, grads, grads, 1.0 - rho)
        if self.centered:
            averages = self._select(self._average_gradients, idx)
            torch._foreach_mul_(averages, rho)
            torch._foreach_add_(averages, grads, alpha=1.0 - rho)
            denom = torch._foreach_addcmul(velocities, averages, averages, -1.0)
            torch._foreach_add_(denom, self.epsilon)
        else:
            denom = torch._foreach_add(velocities, self.epsilon)
        torch._foreach_sqrt_(denom)
        if self.momentum > 0:
            momentums = self._select(self._momentums, idx)
            torch._foreach_mul_(momentums, self.momentum)
            torch._foreach_addcdiv_(momentums, grads, denom, lr)
            torch._foreach_sub_(params, momentums)
        else:
            torch._foreach_addcdiv_(params, grads, denom, -lr)

    def get_config(self):
        config = super().get_config()
        config.update({"rho": self.rho, "momentum": self.momentum, "epsilon": self.epsilon,
                       "centered": self.centered})
        return config


class Adagrad(base.Optimizer):
    """Adagrad: ``acc += g²``; ``var -= lr · g / √(acc + epsilon)``.

    Args:
        learning_rate: float, schedule or callable (default 0.001).
        initial_accumulator_value: starting value of ``acc`` (default 0.1).
        epsilon: (default 1e-7).
        weight_decay, clipnorm, ...: see ``Optimizer``.
    """

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(**_common(
            kwargs, learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
            clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
            ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps, name=name))
        self.initial_accumulator_value = initial_accumulator_value
        self.epsilon = epsilon

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        self._accumulators = self.add_optimizer_variables(
            self._vars, "accumulator", initializer=float(self.initial_accumulator_value))

    def _foreach_update(self, params, grads, lr, idx):
        accumulators = self._select(self._accumulators, idx)
        torch._foreach_addcmul_(accumulators, grads, grads)
        denom = torch._foreach_add(accumulators, self.epsilon)
        torch._foreach_sqrt_(denom)
        torch._foreach_addcdiv_(params, grads, denom, -lr)

    def get_config(self):
        config = super().get_config()
        config.update({"initial_accumulator_value": self.initial_accumulator_value,
                       "epsilon": self.epsilon})
        return config


class Adadelta(base.Optimizer):
    """Adadelta (Keras's formulation, which keeps a learning rate).

    ``acc_g = rho acc_g + (1 - rho) g²``;
    ``delta = √(acc_d + epsilon) / √(acc_g + epsilon) · g``;
    ``acc_d = rho acc_d + (1 - rho) delta²``; ``var -= lr · delta``.

    Args:
        learning_rate: float, schedule or callable (default 0.001).
        rho: decay rate (default 0.95). epsilon: (default 1e-7).
        weight_decay, clipnorm, ...: see ``Optimizer``.
    """

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(**_common(
            kwargs, learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
            clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
            ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps, name=name))
        self.rho = rho
        self.epsilon = epsilon

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        self._accumulated_grads, self._accumulated_delta_vars = self.add_optimizer_variables(
            self._vars, ["accumulated_grad", "accumulated_delta_var"])

    def _foreach_update(self, params, grads, lr, idx):
        rho = self.rho
        acc_g = self._select(self._accumulated_grads, idx)
        acc_d = self._select(self._accumulated_delta_vars, idx)
        torch._foreach_mul_(acc_g, rho)
        torch._foreach_addcmul_(acc_g, grads, grads, 1.0 - rho)
        delta = torch._foreach_add(acc_d, self.epsilon)
        torch._foreach_sqrt_(delta)
        denom = torch._foreach_add(acc_g, self.epsilon)
        torch._foreach_sqrt_(denom)
        torch._foreach_mul_(delta, grads)
        torch._foreach_div_(delta, denom)
        torch._foreach_mul_(acc_d, rho)
        torch._foreach_addcmul_(acc_d, delta, delta, 1.0 - rho)
        torch._foreach_add_(params, delta, alpha=-lr)

    def get_config(self):
        config = super().get_config()
        config.update({"rho": self.rho, "epsilon": self.epsilon})
        return config


class Lion(base.Optimizer):
    """Lion (EvoLved Sign Momentum).

    ``var -= lr · sign(beta_1 m + (1 - beta_1) g)``; then
    ``m = beta_2 m + (1 - beta_2) g``.

    Args:
        learning_rate: float, schedule or callable (default 0.001).
        beta_1: interpolation for the update direction, in (0, 1] (default 0.9).
        beta_2: decay of the momentum (default 0.99).
        weight_decay, clipnorm, ...: see ``Optimizer``.
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.99, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(**_common(
            kwargs, learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
            clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
            ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps, name=name))
        if not isinstance(beta_1, numbers.Real) or beta_1 <= 0 or beta_1 > 1:
            raise ValueError(
                "Lion: argument `beta_1` must be in the (0, 1] range; otherwise the optimizer "
                f"degenerates to SignSGD. Received: beta_1={beta_1!r}")
        self.beta_1 = beta_1
        self.beta_2 = beta_2

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        self._momentums = self.add_optimizer_variables(self._vars, "momentum")

    def _foreach_update(self, params, grads, lr, idx):
        m = self._select(self._momentums, idx)
        direction = torch._foreach_mul(m, self.beta_1)
        torch._foreach_add_(direction, grads, alpha=1.0 - self.beta_1)
        torch._foreach_sign_(direction)
        torch._foreach_add_(params, direction, alpha=-lr)
        torch._foreach_mul_(m, self.beta_2)
        torch._foreach_add_(m, grads, alpha=1.0 - self.beta_2)

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2})
        return config


class Ftrl(base.Optimizer):
    """FTRL-Proximal (Follow The Regularized Leader), Keras's formulation.

    With ``p = -learning_rate_power`` and ``n' = n + g²``:
    ``z += g + 2·l2_shrinkage·var - (n'^p - n^p) / lr · var``;
    ``var = (clip(z, -l1, l1) - z) / (n'^p / lr + 2 (l2 + beta / (2 lr)))``; ``n = n'``.

    Args:
        learning_rate: float, schedule or callable (default 0.001).
        learning_rate_power: <= 0 (default -0.5).
        initial_accumulator_value: >= 0 (default 0.1).
        l1_regularization_strength, l2_regularization_strength,
        l2_shrinkage_regularization_strength: >= 0 (default 0).
        beta: (default 0.0).
        weight_decay, clipnorm, ...: see ``Optimizer``.
    """

    def __init__(self, learning_rate=0.001, learning_rate_power=-0.5, initial_accumulator_value=0.1,
                 l1_regularization_strength=0.0, l2_regularization_strength=0.0,
                 l2_shrinkage_regularization_strength=0.0, beta=0.0, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(**_common(
            kwargs, learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
            clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
            ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps, name=name))
        checks = {
            "initial_accumulator_value": (initial_accumulator_value, 1, "positive or zero"),
            "learning_rate_power": (learning_rate_power, -1, "negative or zero"),
            "l1_regularization_strength": (l1_regularization_strength, 1, "positive or zero"),
            "l2_regularization_strength": (l2_regularization_strength, 1, "positive or zero"),
            "l2_shrinkage_regularization_strength": (l2_shrinkage_regularization_strength, 1,
                                                     "positive or zero"),
        }
        for arg, (value, sign, what) in checks.items():
            if value * sign < 0:
                raise ValueError(f"Ftrl: `{arg}` needs to be {what}. Received: {arg}={value}.")
        self.learning_rate_power = learning_rate_power
        self.initial_accumulator_value = initial_accumulator_value
        self.l1_regularization_strength = l1_regularization_strength
        self.l2_regularization_strength = l2_regularization_strength
        self.l2_shrinkage_regularization_strength = l2_shrinkage_regularization_strength
        self.beta = beta

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        self._accumulators, self._linears = self.add_optimizer_variables(
            self._vars, ["accumulator", "linear"],
            initializer=[float(self.initial_accumulator_value), "zeros"])

    def _foreach_update(self, params, grads, lr, idx):
        power = -self.learning_rate_power
        l1 = self.l1_regularization_strength
        l2 = self.l2_regularization_strength + self.beta / (2.0 * lr)
        accumulators = self._select(self._accumulators, idx)
        linears = self._select(self._linears, idx)
        new_acc = torch._foreach_addcmul(accumulators, grads, grads)
        new_pow = torch._foreach_pow(new_acc, power)
        sigma = torch._foreach_pow(accumulators, power)
        torch._foreach_sub_(sigma, new_pow)          # -(n'^p - n^p)
        torch._foreach_div_(sigma, lr)
        torch._foreach_add_(linears, grads)
        if self.l2_shrinkage_regularization_strength:
            torch._foreach_add_(linears, params, alpha=2.0 * self.l2_shrinkage_regularization_strength)
        torch._foreach_addcmul_(linears, sigma, params)
        quadratic = torch._foreach_div(new_pow, lr)
        torch._foreach_add_(quadratic, 2.0 * l2)
        clipped = torch._foreach_clamp_min(linears, -l1)
        torch._foreach_clamp_max_(clipped, l1)
        torch._foreach_sub_(clipped, linears)
        torch._foreach_div_(clipped, quadratic)
        torch._foreach_copy_(params, clipped)
        torch._foreach_copy_(accumulators, new_acc)

    def get_config(self):
        config = super().get_config()
        config.update({
            "learning_rate_power": self.learning_rate_power,
            "initial_accumulator_value": self.initial_accumulator_value,
            "l1_regularization_strength": self.l1_regularization_strength,
            "l2_regularization_strength": self.l2_regularization_strength,
            "l2_shrinkage_regularization_strength": self.l2_shrinkage_regularization_strength,
            "beta": self.beta,
        })
        return config


class Lamb(base.Optimizer):
    """LAMB: Adam's direction rescaled per variable by a trust ratio.

    ``m``, ``v`` as in Adam; ``u = (m / (1 - beta_1^t)) / (√(v / (1 - beta_2^t)) + epsilon)``;
    ``var -= lr · (‖var‖ / ‖u‖) · u`` (ratio 1 when either norm is 0).

    Args:
        learning_rate: float, schedule or callable (default 0.001).
        beta_1: (default 0.9). beta_2: (default 0.999). epsilon: (default 1e-7).
        weight_decay, clipnorm, ...: see ``Optimizer``.
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(**_common(
            kwargs, learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
            clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
            ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps, name=name))
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        self._momentums, self._velocities = self.add_optimizer_variables(
            self._vars, ["momentum", "velocity"])

    def _foreach_update(self, params, grads, lr, idx):
        f = self._scalar_type()
        t, one = f(self._local_step()), f(1.0)
        m = self._select(self._momentums, idx)
        v = self._select(self._velocities, idx)
        torch._foreach_lerp_(m, grads, 1.0 - self.beta_1)
        torch._foreach_mul_(v, self.beta_2)
        torch._foreach_addcmul_(v, grads, grads, 1.0 - self.beta_2)
        denom = torch._foreach_div(v, float(one - f(self.beta_2) ** t))
        torch._foreach_sqrt_(denom)
        torch._foreach_add_(denom, self.epsilon)
        update = torch._foreach_div(m, float(one - f(self.beta_1) ** t))
        torch._foreach_div_(update, denom)
        w_norms = torch._foreach_norm(params)
        u_norms = torch._foreach_norm(update)
        ratios = [torch.where((w > 0) & (u > 0), w / u, torch.ones_like(w))
                  for w, u in zip(w_norms, u_norms)]
        torch._foreach_mul_(update, ratios)
        torch._foreach_add_(params, update, alpha=-lr)

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config


class Adafactor(base.Optimizer):
    """Adafactor: Adam-like steps with a factored second moment for matrices.

    For variables of rank >= 2 the second moment is kept as row and column means
    (``r``, ``c``); smaller variables keep a full ``v``. With
    ``rho = min(lr, 1/√t)``, ``beta = 1 - t^beta_2_decay`` and
    ``u = g / √v̂`` clipped to RMS ``clip_threshold``:
    ``var -= max(epsilon_2, rms(var)) · rho · u``.

    Args:
        learning_rate: float, schedule or callable (default 0.001).
        beta_2_decay: (default -0.8). epsilon_1: added to g² (default 1e-30).
        epsilon_2: floor of the relative step (default 1e-3).
        clip_threshold: (default 1.0). relative_step: (default True).
        weight_decay, clipnorm, ...: see ``Optimizer``.
    """

    def __init__(self, learning_rate=0.001, beta_2_decay=-0.8, epsilon_1=1e-30, epsilon_2=0.001,
                 clip_threshold=1.0, relative_step=True, weight_decay=None, clipnorm=None,
                 clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(**_common(
            kwargs, learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
            clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
            ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps, name=name))
        self.beta_2_decay = beta_2_decay
        self.epsilon_1 = epsilon_1
        self.epsilon_2 = epsilon_2
        self.clip_threshold = clip_threshold
        self.relative_step = relative_step

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        self._r, self._c, self._v = [], [], []
        for var in self._vars:
            if var.ndim < 2:  # Keras keeps unused int scalars here; so do we (file layout)
                for store in (self._r, self._c):
                    placeholder = base.HostVariable(0, "int64", name=self._variable_label(var))
                    self._optimizer_variables.append(placeholder)
                    store.append(None)
            else:
                self._r.append(self.add_variable(var.shape[:-1], dtype=var.dtype, device=var.device))
                self._c.append(self.add_variable(var.shape[:-2] + var.shape[-1:], dtype=var.dtype,
                                                 device=var.device))
            self._v.append(self.add_variable_from_reference(var, "velocity"))

    def _foreach_update(self, params, grads, lr, idx):
        f = self._scalar_type()
        t = f(self._local_step())
        rho = float(min(f(lr), f(1.0) / np.sqrt(t)))
        beta = float(f(1.0) - t ** f(self.beta_2_decay))
        rows, cols, vels = (self._select(s, idx) for s in (self._r, self._c, self._v))
        for p, g, r, c, v in zip(params, grads, rows, cols, vels):
            reg = g * g + self.epsilon_1
            if p.ndim >= 2:
                r.mul_(beta).add_(reg.mean(-1), alpha=1.0 - beta)
                c.mul_(beta).add_(reg.mean(-2), alpha=1.0 - beta)
                v.copy_((r / r.mean(-1, keepdim=True)).unsqueeze(-1) * c.unsqueeze(-2))
            else:
                v.mul_(beta).add_(reg, alpha=1.0 - beta)
            u = g / v.sqrt()
            u = u / torch.clamp(u.square().mean().sqrt() / self.clip_threshold, min=1.0)
            alpha = torch.clamp(p.square().mean().sqrt(), min=self.epsilon_2) * rho
            p.sub_(alpha * u)

    def get_config(self):
        config = super().get_config()
        config.update({"beta_2_decay": self.beta_2_decay, "epsilon_1": self.epsilon_1,
                       "epsilon_2": self.epsilon_2, "clip_threshold": self.clip_threshold,
                       "relative_step": self.relative_step})
        return config
