"""Core layers: Dense, Activation, Dropout, Flatten, Reshape, Permute, RepeatVector,
Lambda, Identity."""
import base64
import marshal
import types

import torch
import torch.nn.functional as F

from kerasish import activations, backend, constraints, initializers, regularizers
from kerasish.layers.base import Layer

_PROBABILISTIC = ("softmax", "sigmoid")


def _check_positive_int(layer, arg, value):
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        try:
            if int(value) == value and value > 0:
                return int(value)
        except (TypeError, ValueError):
            pass
        raise ValueError(
            f"Received an invalid value for `{arg}` in {layer}, expected a positive integer. "
            f"Received: {arg}={value!r}")
    return value


class Dense(Layer):
    """Densely connected layer: ``activation(inputs @ kernel + bias)``.

    The kernel is stored in Keras layout ``(input_dim, units)``.

    Args:
        units: dimensionality of the output.
        activation: activation name or callable (default: linear).
        use_bias: whether to add a bias.
        kernel_initializer: default ``'glorot_uniform'``; bias_initializer: default ``'zeros'``.
        kernel_regularizer, bias_regularizer, kernel_constraint, bias_constraint.

    Input shape: ``(batch, ..., input_dim)``. Output shape: ``(batch, ..., units)``.
    """

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, lora_rank=None,
                 **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.units = _check_positive_int("Dense", "units", units)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.supports_masking = True
        self._set_activation_flags()

    def _set_activation_flags(self):
        name = getattr(self.activation, "__name__", "")
        self._emit_logits = name in _PROBABILISTIC
        self._logits_kind = name
        self._linear = name == "linear"

    def build(self, input_shape):
        if input_shape is None or len(input_shape) < 2:
            raise ValueError(
                f"Input 0 of layer '{self.name}' (Dense) is incompatible with the layer: expected min_ndim=2, "
                f"found ndim={0 if input_shape is None else len(input_shape)}. Full shape received: "
                f"{None if input_shape is None else tuple(input_shape)}")
        in_dim = input_shape[-1]
        if in_dim is None:
            raise ValueError(
                f"The last dimension of the inputs to Dense layer '{self.name}' should be defined. "
                f"Found None. Full input shape received: {tuple(input_shape)}")
        self.input_dim = int(in_dim)
        self.kernel = self.add_weight(name="kernel", shape=(self.input_dim, self.units),
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        if self.use_bias:
            self.bias = self.add_weight(name="bias", shape=(self.units,), initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        else:
            self.bias = None

    def call(self, inputs):
        params = self._parameters  # direct lookups: this runs once per layer per step
        kernel = params["kernel"]
        bias = params.get("bias")
        if not inputs.is_floating_point():
            inputs = inputs.to(kernel.dtype)
        if not torch.is_grad_enabled() and inputs.dim() == 2 and not torch.jit.is_tracing() \
                and not torch.compiler.is_compiling():
            # Inference: GEMM is faster with the (out, in) layout torch's Linear uses; keep a copy of the
            # kernel in that layout, refreshed whenever the kernel changes (its version counter moves).
            cache = self.__dict__.get("_kernel_t")
            if cache is None or cache[0] is not kernel or cache[1] != kernel._version:
                cache = (kernel, kernel._version, kernel.detach().t().contiguous())
                self.__dict__["_kernel_t"] = cache
            y = F.linear(inputs, cache[2], bias)
        elif bias is not None and inputs.dim() == 2:
            y = torch.addmm(bias, inputs, kernel)
        else:
            y = torch.matmul(inputs, kernel)
            if bias is not None:
                y = y + bias
        if self._linear:
            return y
        out = self.activation(y)
        if self._emit_logits:
            out._keras_logits = y
            out._keras_logits_kind = self._logits_kind
        return out

    def _explain_error(self, error, args):
        x = args[0] if args else None
        if self.built and isinstance(x, torch.Tensor) and x.shape[-1] != self.input_dim:
            return ValueError(
                f"Input 0 of layer '{self.name}' (Dense) is incompatible with the layer: expected axis -1 "
                f"of input shape to have value {self.input_dim}, but received input with shape "
                f"{tuple(x.shape)}.")
        return super()._explain_error(error, args)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        config = super().get_config()
        config.update({
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        })
        return config

    def extra_repr(self):
        return (f"name={self.name!r}, units={self.units}, activation={getattr(self.activation, '__name__', '?')}, "
                f"use_bias={self.use_bias}")


class Activation(Layer):
    """Applies an activation function: ``layers.Activation('relu')``."""

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)
        self._logits_kind = getattr(self.activation, "__name__", "")
        self._emit_logits = self._logits_kind in _PROBABILISTIC
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        out = self.activation(inputs)
        if self._emit_logits and isinstance(out, torch.Tensor):
            out._keras_logits = inputs
            out._keras_logits_kind = self._logits_kind
        return out

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["activation"] = activations.serialize(self.activation)
        return config

    def extra_repr(self):
        return f"name={self.name!r}, activation={getattr(self.activation, '__name__', '?')}"


class Dropout(Layer):
    """Randomly sets input units to 0 with frequency ``rate`` during training, scaling the
    others by ``1 / (1 - rate)``. Does nothing at inference."""

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate <= 1:
            raise ValueError(
                "Invalid value received for argument `rate` in Dropout. Expected a float value between "
                f"0 and 1. Received: rate={rate!r}")
        self.rate = float(rate)
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)
        self.seed = seed
        self.supports_masking = True
        self.built = True

    def call(self, inputs, training=None):
        if not training or self.rate == 0:
            return inputs
        if self.noise_shape is None:
            return F.dropout(inputs, self.rate, True)
        shape = tuple(s if n is None else n for n, s in zip(self.noise_shape, inputs.shape))
        keep = torch.empty(shape, device=inputs.device, dtype=inputs.dtype).bernoulli_(1 - self.rate)
        return inputs * keep / (1 - self.rate)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"rate": self.rate, "noise_shape": list(self.noise_shape) if self.noise_shape else None,
                       "seed": self.seed})
        return config

    def extra_repr(self):
        return f"name={self.name!r}, rate={self.rate}"


class Flatten(Layer):
    """Flattens all but the batch dimension, in channels_last order."""

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = backend.standardize_data_format(data_format)

    def call(self, inputs):
        if self.data_format == "channels_first" and inputs.dim() > 2:
            inputs = inputs.movedim(1, -1)
        if inputs.dim() == 1:
            return inputs.unsqueeze(1)
        return torch.flatten(inputs, 1)

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        n = None if any(d is None for d in rest) else int(torch.tensor(rest).prod().item()) if rest else 1
        return (input_shape[0], n)

    def get_config(self):
        config = super().get_config()
        config["data_format"] = self.data_format
        return config


class Reshape(Layer):
    """Reshapes the non-batch dimensions to ``target_shape`` (one entry may be -1)."""

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = tuple(int(d) for d in target_shape)
        if sum(1 for d in self.target_shape if d == -1) > 1 or any(d < -1 or d == 0 for d in self.target_shape):
            raise ValueError(
                "Reshape: `target_shape` may contain at most one unknown dimension (-1) and otherwise positive "
                f"sizes. Received: target_shape={self.target_shape}")
        self.built = True

    def call(self, inputs):
        try:
            return inputs.reshape((inputs.shape[0],) + self.target_shape)
        except RuntimeError:
            raise ValueError(
                f"Reshape layer '{self.name}': cannot reshape an input of shape {tuple(inputs.shape)} "
                f"to target_shape={self.target_shape} (the total size of the non-batch dimensions must "
                f"match).") from None

    def get_config(self):
        config = super().get_config()
        config["target_shape"] = list(self.target_shape)
        return config


class Permute(Layer):
    """Permutes the non-batch dimensions: ``Permute((2, 1))`` swaps them (1-based, as Keras)."""

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        self.dims = tuple(dims)
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise ValueError(
                "Invalid permutation argument `dims` for Permute Layer. The set of indices in `dims` must "
                f"be consecutive and start from 1. Received dims={self.dims}")

    def call(self, inputs):
        return inputs.permute(0, *self.dims)

    def get_config(self):
        config = super().get_config()
        config["dims"] = list(self.dims)
        return config


class RepeatVector(Layer):
    """Repeats a ``(batch, features)`` input ``n`` times: ``(batch, n, features)``."""

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        self.n = _check_positive_int("RepeatVector", "n", n)

    def call(self, inputs):
        if inputs.dim() != 2:
            raise ValueError(
                f"RepeatVector '{self.name}' expects a 2D input (batch, features). Received input with shape "
                f"{tuple(inputs.shape)}")
        return inputs.unsqueeze(1).repeat(1, self.n, 1)

    def get_config(self):
        config = super().get_config()
        config["n"] = self.n
        return config


class Identity(Layer):
    """Returns its inputs unchanged."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        return inputs


class Lambda(Layer):
    """Wraps a Python function as a layer: ``Lambda(lambda x: x ** 2)``.

    Saving stores the function's bytecode; loading it needs ``safe_mode=False``, as in Keras.
    """

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(f"Lambda: `function` must be callable. Received: function={function!r}")
        self.function = function
        self.arguments = arguments or {}
        self._output_shape = output_shape
        self.mask = mask
        self.supports_masking = mask is not None

    def call(self, inputs, mask=None, training=None):
        kwargs = dict(self.arguments)
        import inspect
        try:
            params = inspect.signature(self.function).parameters
        except (TypeError, ValueError):
            params = {}
        if "mask" in params:
            kwargs["mask"] = mask
        if "training" in params:
            kwargs["training"] = training
        return self.function(inputs, **kwargs)

    def compute_mask(self, inputs, previous_mask=None):
        if callable(self.mask):
            return self.mask(inputs, previous_mask)
        return self.mask

    def get_config(self):
        config = super().get_config()
        fn = self.function
        if isinstance(fn, types.FunctionType) and fn.__name__ != "<lambda>" and fn.__module__ not in ("__main__",) \
                and "." not in fn.__qualname__:
            function = {"class_name": "function", "config": f"{fn.__module__}.{fn.__name__}"}
        else:
            code = base64.b64encode(marshal.dumps(fn.__code__)).decode("ascii")
            function = {"class_name": "__lambda__", "config": {"code": code,
                                                                "defaults": None, "closure": None}}
        config.update({"function": function, "arguments": self.arguments,
                       "output_shape": self._output_shape})
        return config

    @classmethod
    def from_config(cls, config, safe_mode=None):
        from kerasish.saving import object_registration
        config = dict(config)
        fn = config.pop("function")
        if isinstance(fn, dict) and fn.get("class_name") == "__lambda__":
            if object_registration.in_safe_mode(safe_mode):
                raise ValueError(
                    "Requested the deserialization of a `Lambda` layer whose `function` is a Python lambda. "
                    "This carries a potential risk of arbitrary code execution and thus it is disallowed by "
                    "default. If you trust the source of the artifact, you can override this error by passing "
                    "`safe_mode=False` to the loading function, or calling "
                    "`keras.config.enable_unsafe_deserialization()`.")
            code = marshal.loads(base64.b64decode(fn["config"]["code"]))
            fn = types.FunctionType(code, globals())
        elif isinstance(fn, dict) and fn.get("class_name") == "function":
            registered = object_registration.get_registered_object(fn["config"].rpartition(".")[2]) \
                if hasattr(object_registration, "get_registered_object") else None
            if registered is None and object_registration.in_safe_mode(safe_mode):
                raise ValueError(
                    f"Lambda layer '{config.get('name')}' refers to the function '{fn['config']}'. Loading it "
                    "would import that module, which is disallowed in safe mode. Register the function with "
                    "`@keras.saving.register_keras_serializable()`, or pass `safe_mode=False` if you trust the file.")
            if registered is not None:
                fn = registered
            else:
                import importlib
                module, _, name = fn["config"].rpartition(".")
                fn = getattr(importlib.import_module(module), name)
        return cls(fn, **config)
