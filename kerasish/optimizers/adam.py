"""The Adam family: Adam (with AMSGrad), AdamW, Adamax and Nadam.

Keras's formulas, which differ from torch.optim's: epsilon is added to
``sqrt(v)`` *before* the bias correction is folded into the step size, Adam's
default epsilon is 1e-7, and Nadam uses Keras's momentum-cache schedule
``u_t = beta_1 * (1 - 0.5 * 0.96 ** t)``. Bias corrections are Python floats.
"""
import numpy as np
import torch

from kerasish.optimizers import base


class Adam(base.Optimizer):
    """Adam (Keras's formulation).

    ``m = beta_1 m + (1 - beta_1) g``; ``v = beta_2 v + (1 - beta_2) g²``;
    ``var -= lr · √(1 - beta_2^t) / (1 - beta_1^t) · m / (√v + epsilon)``.
    With ``amsgrad=True`` the running maximum of ``v`` is used instead of ``v``.

    Args:
        learning_rate: float, schedule or callable (default 0.001).
        beta_1: decay of the first moment (default 0.9).
        beta_2: decay of the second moment (default 0.999).
        epsilon: added to ``√v`` (default 1e-7; torch's Adam uses 1e-8).
        amsgrad: use the AMSGrad variant.
        weight_decay, clipnorm, clipvalue, global_clipnorm, use_ema, ema_momentum,
        ema_overwrite_frequency, loss_scale_factor, gradient_accumulation_steps,
        name: see ``Optimizer``.

    Example:

    >>> model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3), loss="mse")
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(
            learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
            clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
            ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.amsgrad = amsgrad

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        self._momentums, self._velocities = self.add_optimizer_variables(
            self._vars, ["momentum", "velocity"])
        if self.amsgrad:
            self._velocity_hats = self.add_optimizer_variables(self._vars, "velocity_hat")

    def _foreach_update(self, params, grads, lr, idx):
        f = self._scalar_type()
        t = f(self._local_step())
        one = f(1.0)
        alpha = float(f(lr) * np.sqrt(one - f(self.beta_2) ** t) / (one - f(self.beta_1) ** t))
        m = self._select(self._momentums, idx)
        v = self._select(self._velocities, idx)
        torch._foreach_lerp_(m, grads, 1.0 - self.beta_1)
        torch._foreach_mul_(v, self.beta_2)
        torch._foreach_addcmul_(v, grads, grads, 1.0 - self.beta_2)
        if self.amsgrad:
            v_hat = self._select(self._velocity_hats, idx)
            torch._foreach_maximum_(v_hat, v)
            v = v_hat
        denom = torch._foreach_sqrt(v)
        torch._foreach_add_(denom, self.epsilon)
        torch._foreach_addcdiv_(params, m, denom, -alpha)

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon,
                       "amsgrad": self.amsgrad})
        return config


class AdamW(Adam):
    """Adam with decoupled weight decay (default ``weight_decay=0.004``).

    Each step first does ``var -= var * weight_decay * learning_rate``, then the
    Adam update. Arguments as ``Adam``; ``weight_decay`` must be a float.
    """

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-7, amsgrad=False, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None, **kwargs):
        if weight_decay is None:
            raise ValueError("AdamW: argument `weight_decay` must be a float. Received: weight_decay=None")
        super().__init__(
            learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon,
            amsgrad=amsgrad, weight_decay=weight_decay, clipnorm=clipnorm, clipvalue=clipvalue,
            global_clipnorm=global_clipnorm, use_ema=use_ema, ema_momentum=ema_momentum,
            ema_overwrite_frequency=ema_overwrite_frequency, loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)


class Adamax(base.Optimizer):
    """Adamax: Adam with the infinity norm.

    ``m = beta_1 m + (1 - beta_1) g``; ``u = max(beta_2 u, |g|)``;
    ``var -= lr · m / ((1 - beta_1^t) (u + epsilon))``.

    Args:
        learning_rate: float, schedule or callable (default 0.001).
        beta_1: (default 0.9). beta_2: (default 0.999). epsilon: (default 1e-7).
        weight_decay, clipnorm, ...: see ``Optimizer``.
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(
            learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
            clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
            ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        self._m, self._u = self.add_optimizer_variables(self._vars, ["momentum", "norm"])

    def _foreach_update(self, params, grads, lr, idx):
        f = self._scalar_type()
        correction = float(f(1.0) - f(self.beta_1) ** f(self._local_step()))
        m = self._select(self._m, idx)
        u = self._select(self._u, idx)
        torch._foreach_lerp_(m, grads, 1.0 - self.beta_1)
        torch._foreach_mul_(u, self.beta_2)
        torch._foreach_maximum_(u, torch._foreach_abs(grads))
        denom = torch._foreach_add(u, self.epsilon)
        torch._foreach_addcdiv_(params, m, denom, -lr / correction)

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config


class Nadam(base.Optimizer):
    """Nesterov-accelerated Adam with Keras's momentum schedule.

    With ``u_t = beta_1 (1 - 0.5 · 0.96^t)`` and ``P_t = u_1 ⋯ u_t``:
    ``m̂ = u_{t+1} m / (1 - P_t u_{t+1}) + (1 - u_t) g / (1 - P_t)``,
    ``v̂ = v / (1 - beta_2^t)``, ``var -= lr · m̂ / (√v̂ + epsilon)``.

    Args:
        learning_rate: float, schedule or callable (default 0.001).
        beta_1: (default 0.9). beta_2: (default 0.999). epsilon: (default 1e-7).
        weight_decay, clipnorm, ...: see ``Optimizer``.
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(
            learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
            clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
            ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        self._momentums, self._velocities = self.add_optimizer_variables(
            self._vars, ["momentum", "velocity"])
        # the running product of the momentum schedule (a Keras variable named 'variable')
        dtype = "float64" if self._vars and self._vars[0].dtype == torch.float64 else "float32"
        self._u_product = base.HostVariable(1.0, dtype, name="variable")
        self._optimizer_variables.append(self._u_product)

    def _foreach_update(self, params, grads, lr, idx):
        f = self._scalar_type()
        t = self._local_step()
        beta_1, decay, one, half = f(self.beta_1), f(0.96), f(1.0), f(0.5)
        u_t = beta_1 * (one - half * decay ** f(t))
        u_next = beta_1 * (one - half * decay ** f(t + 1))
        u_product = f(self._u_product.value) * u_t
        self._u_product.assign(float(u_product))
        u_product_next = u_product * u_next
        u_t, u_next, u_product, u_product_next = map(float, (u_t, u_next, u_product, u_product_next))
        m = self._select(self._momentums, idx)
        v = self._select(self._velocities, idx)
        torch._foreach_lerp_(m, grads, 1.0 - self.beta_1)
        torch._foreach_mul_(v, self.beta_2)
        torch._foreach_addcmul_(v, grads, grads, 1.0 - self.beta_2)
        m_hat = torch._foreach_mul(m, u_next / (1.0 - u_product_next))
        torch._foreach_add_(m_hat, grads, alpha=(1.0 - u_t) / (1.0 - u_product))
        denom = torch._foreach_div(v, float(one - f(self.beta_2) ** f(t)))
        torch._foreach_sqrt_(denom)
        torch._foreach_add_(denom, self.epsilon)
        torch._foreach_addcdiv_(params, m_hat, denom, -lr)

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config
