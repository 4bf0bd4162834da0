"""Activation layers: ReLU, LeakyReLU, ELU, PReLU, Softmax."""
import torch
import torch.nn.functional as F

from kerasish import constraints, initializers, regularizers
from kerasish.layers.base import Layer


class _Elementwise(Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.built = True  # as Keras: weightless activation layers are built at construction

    def compute_output_shape(self, input_shape):
        return input_shape


class ReLU(_Elementwise):
    """``max(x, 0)``, optionally capped at ``max_value``, with ``negative_slope`` below ``threshold``."""

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        if max_value is not None and max_value < 0:
            raise ValueError(f"max_value of a ReLU layer cannot be a negative value. Received: max_value={max_value}")
        if negative_slope is None or negative_slope < 0:
            raise ValueError(f"negative_slope of a ReLU layer cannot be a negative value. Received: negative_slope={negative_slope}")
        self.max_value = max_value
        self.negative_slope = float(negative_slope)
        self.threshold = float(threshold)

    def call(self, inputs):
        if self.negative_slope == 0 and self.threshold == 0:
            out = torch.relu(inputs)
        else:
            out = torch.where(inputs >= self.threshold, inputs, self.negative_slope * (inputs - self.threshold))
        if self.max_value is not None:
            out = torch.clamp(out, max=self.max_value)
        return out

    def get_config(self):
        config = super().get_config()
        config.update({"max_value": self.max_value, "negative_slope": self.negative_slope,
                       "threshold": self.threshold})
        return config


class LeakyReLU(_Elementwise):
    """``x if x > 0 else negative_slope * x``; default slope 0.3 (``alpha`` is the Keras 2 name)."""

    def __init__(self, negative_slope=0.3, **kwargs):
        if "alpha" in kwargs:
            negative_slope = kwargs.pop("alpha")
        super().__init__(**kwargs)
        if negative_slope is None or negative_slope < 0:
            raise ValueError(
                "The negative_slope value of a Leaky ReLU layer cannot be None or negative. "
                f"Received: negative_slope={negative_slope}")
        self.negative_slope = float(negative_slope)

    @property
    def alpha(self):
        return self.negative_slope

    def call(self, inputs):
        return F.leaky_relu(inputs, self.negative_slope)

    def get_config(self):
        config = super().get_config()
        config["negative_slope"] = self.negative_slope
        return config


class ELU(_Elementwise):
    """``x if x > 0 else alpha * (exp(x) - 1)``."""

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = float(alpha)

    def call(self, inputs):
        return F.elu(inputs, self.alpha)

    def get_config(self):
        config = super().get_config()
        config["alpha"] = self.alpha
        return config


class Softmax(_Elementwise):
    """Softmax over ``axis``; masked positions get probability 0."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def call(self, inputs, mask=None):
        if mask is not None:
            inputs = inputs.masked_fill(~mask.bool(), -1e9) if mask.shape == inputs.shape else inputs
        axes = self.axis if isinstance(self.axis, (list, tuple)) else None
        if axes is not None:
            out = torch.exp(inputs - torch.logsumexp(inputs, dim=tuple(axes), keepdim=True))
        else:
            out = torch.softmax(inputs, dim=self.axis)
        if mask is None and self.axis in (-1, inputs.dim() - 1):
            out._keras_logits = inputs
            out._keras_logits_kind = "softmax"
        return out

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config


class PReLU(Layer):
    """Parametric ReLU: ``x if x > 0 else alpha * x`` with a learned ``alpha`` per feature."""

    def __init__(self, alpha_initializer="zeros", alpha_regularizer=None, alpha_constraint=None,
                 shared_axes=None, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        if shared_axes is None:
            self.shared_axes = None
        elif isinstance(shared_axes, (list, tuple)):
            self.shared_axes = list(shared_axes)
        else:
            self.shared_axes = [shared_axes]

    def build(self, input_shape):
        param_shape = list(input_shape[1:])
        if self.shared_axes is not None:
            for i in self.shared_axes:
                param_shape[i - 1] = 1
        self.alpha = self.add_weight(shape=tuple(param_shape), name="alpha", initializer=self.alpha_initializer,
                                     regularizer=self.alpha_regularizer, constraint=self.alpha_constraint)

    def call(self, inputs):
        pos = torch.relu(inputs)
        neg = -self.alpha * torch.relu(-inputs)
        return pos + neg

    def get_config(self):
        config = super().get_config()
        config.update({"alpha_initializer": initializers.serialize(self.alpha_initializer),
                       "alpha_regularizer": regularizers.serialize(self.alpha_regularizer),
                       "alpha_constraint": constraints.serialize(self.alpha_constraint),
                       "shared_axes": self.shared_axes})
        return config
