"""keras.activations: element-wise (and softmax-like) functions on torch tensors.

Every public function takes a torch tensor (numpy arrays and Python lists are
converted with ``backend.convert_to_tensor``) and returns a torch tensor, using
the matching ``torch`` / ``torch.nn.functional`` kernel. Each function's
``__name__`` is its Keras 3 name, which is what layers write into their
configs (``'swish'`` resolves to ``silu`` and serializes as ``'silu'``, as in
Keras 3).

Resolution: ``get(None)`` is ``linear``; a string is looked up exactly first,
then case- and underscore-insensitively (``'ReLU'`` → ``relu``), and the Keras 2
advanced-activation layer names (``'LeakyReLU'``, ``'PReLU'``...) give a layer
instance when ``kerasish.layers`` has one, as tf.keras 2 did.

Example:
    >>> from kerasish import activations
    >>> activations.relu([-1.0, 2.0, 8.0], max_value=6.0)
    tensor([0., 2., 6.])
    >>> activations.get("swish").__name__
    'silu'
"""
import torch
import torch.nn.functional as F

from kerasish import backend

__all__ = [
    "celu", "elu", "exponential", "gelu", "glu", "hard_shrink", "hard_sigmoid", "hard_silu",
    "hard_swish", "hard_tanh", "leaky_relu", "linear", "log_sigmoid", "log_softmax", "mish",
    "relu", "relu6", "selu", "sigmoid", "silu", "soft_shrink", "softmax", "softplus", "softsign",
    "sparse_plus", "sparse_sigmoid", "sparsemax", "squareplus", "swish", "tanh", "tanh_shrink",
    "threshold", "get", "serialize", "deserialize",
]


# ----------------------------------------------------------------------------- input handling
def _tensor(x):
    """Anything array-like → torch tensor (tensors pass through untouched)."""
    if isinstance(x, torch.Tensor):
        return x
    return backend.convert_to_tensor(x)


def _float_tensor(x):
    """As ``_tensor``, and integer/bool inputs become ``floatx()`` (torch kernels need floats)."""
    if not isinstance(x, torch.Tensor):
        x = backend.convert_to_tensor(x)
    if not (x.is_floating_point() or x.is_complex()):
        x = x.to(backend.to_torch_dtype(backend.floatx()))
    return x


def _pop_alias(fn_name, kwargs, old, new, value, default):
    """Accept a Keras 2 keyword (``alpha``) in place of the Keras 3 one (``negative_slope``)."""
    if old in kwargs:
        if value != default:
            raise TypeError(f"{fn_name}() got both `{new}` and its Keras 2 alias `{old}`. Pass only one.")
        value = kwargs.pop(old)
    if kwargs:
        raise TypeError(f"{fn_name}() got unexpected keyword argument(s): {sorted(kwargs)}")
    return value


def _along_axes(fn, x, axis):
    """Apply a ``dim``-wise torch function over one axis, all axes (None) or several (tuple)."""
    if axis is None:
        return fn(x.reshape(-1), -1).reshape(x.shape)
    if isinstance(axis, int):
        return fn(x, axis)
    axes = sorted({a % x.ndim for a in axis})
    rest = [d for d in range(x.ndim) if d not in axes]
    moved = x.permute(*rest, *axes)
    flat = moved.reshape(*moved.shape[:len(rest)], -1)
    out = fn(flat, -1).reshape(moved.shape)
    inverse = [0] * x.ndim
    for i, d in enumerate(rest + axes):
        inverse[d] = i
    return out.permute(*inverse)


# ----------------------------------------------------------------------------- the ReLU family
def relu(x, negative_slope=0.0, max_value=None, threshold=0.0, **kwargs):
    """Rectified linear unit, optionally leaky, capped and shifted.

    ``max(x, 0)`` by default. With other arguments: ``x`` for
    ``threshold < x < max_value``, ``max_value`` above it and
    ``negative_slope * (x - threshold)`` below the threshold.

    Args:
        x: Input tensor.
        negative_slope: Slope below the threshold (Keras 2 name: ``alpha``).
        max_value: Saturation value, or None for no cap.
        threshold: Values at or below this count as "below".
    """
    negative_slope = _pop_alias("relu", kwargs, "alpha", "negative_slope", negative_slope, 0.0)
    x = _tensor(x)
    if negative_slope == 0.0 and max_value is None and threshold == 0.0:
        return torch.relu(x)
    if negative_slope != 0.0 and max_value is None and threshold == 0:
        return F.leaky_relu(_float_tensor(x), negative_slope)
    if negative_slope != 0.0:
        x = _float_tensor(x)
        negative_part = torch.relu(threshold - x) if threshold != 0 else torch.relu(-x)
    clip = max_value is not None
    if threshold != 0:
        y = torch.where(x > threshold, x, torch.zeros((), dtype=x.dtype, device=x.device))
    elif max_value == 6:
        y, clip = F.relu6(x), False
    else:
        y = torch.relu(x)
    if clip:
        y = torch.clamp(y, 0, max_value)
    if negative_slope != 0.0:
        y = y - negative_slope * negative_part
    return y


def leaky_relu(x, negative_slope=0.2, **kwargs):
    """``x`` for ``x >= 0``, ``negative_slope * x`` otherwise (Keras 2 name of the slope: ``alpha``)."""
    negative_slope = _pop_alias("leaky_relu", kwargs, "alpha", "negative_slope", negative_slope, 0.2)
    return F.leaky_relu(_float_tensor(x), negative_slope)


def relu6(x):
    """``min(max(x, 0), 6)``."""
    return F.relu6(_tensor(x))


def elu(x, alpha=1.0):
    """Exponential linear unit: ``x`` for ``x > 0``, ``alpha * (exp(x) - 1)`` otherwise."""
    return F.elu(_float_tensor(x), alpha)


def selu(x):
    """Scaled ELU with the self-normalising constants (alpha≈1.6733, scale≈1.0507)."""
    return F.selu(_float_tensor(x))


def celu(x, alpha=1.0):
    """Continuously differentiable ELU: ``x`` for ``x >= 0``, ``alpha * (exp(x / alpha) - 1)`` otherwise."""
    return F.celu(_float_tensor(x), alpha)


def gelu(x, approximate=False):
    """Gaussian error linear unit ``x * Φ(x)``; ``approximate=True`` uses the tanh formula."""
    return F.gelu(_float_tensor(x), approximate="tanh" if approximate else "none")


def silu(x):
    """Swish / SiLU: ``x * sigmoid(x)``."""
    return F.silu(_float_tensor(x))


def mish(x):
    """``x * tanh(softplus(x))``."""
    return F.mish(_float_tensor(x))


# ----------------------------------------------------------------------------- squashing functions
def sigmoid(x):
    """``1 / (1 + exp(-x))``."""
    return torch.sigmoid(_float_tensor(x))


def tanh(x):
    """Hyperbolic tangent."""
    return torch.tanh(_float_tensor(x))


def softplus(x):
    """``log(exp(x) + 1)``."""
    return F.softplus(_float_tensor(x))


def softsign(x):
    """``x / (abs(x) + 1)``."""
    return F.softsign(_float_tensor(x))


def exponential(x):
    """``exp(x)``."""
    return torch.exp(_float_tensor(x))


def hard_sigmoid(x):
    """Piecewise linear sigmoid, Keras 3 formula ``relu6(x + 3) / 6``.

    (tf.keras 2 used ``clip(0.2 * x + 0.5, 0, 1)``; Keras 3 changed it.)
    """
    return F.hardsigmoid(_float_tensor(x))


def hard_silu(x):
    """Hard swish: ``x * relu6(x + 3) / 6``."""
    return F.hardswish(_float_tensor(x))


def hard_tanh(x):
    """``clip(x, -1, 1)``."""
    return F.hardtanh(_tensor(x), -1.0, 1.0)


def log_sigmoid(x):
    """``log(sigmoid(x))``, computed stably."""
    return F.logsigmoid(_float_tensor(x))


def sparse_sigmoid(x):
    """0 for ``x <= -1``, 1 for ``x >= 1``, ``(x + 1) / 2`` in between."""
    x = _float_tensor(x)
    return torch.clamp(0.5 * (x + 1), 0.0, 1.0)


def sparse_plus(x):
    """0 for ``x <= -1``, ``x`` for ``x >= 1``, ``(x + 1)**2 / 4`` in between."""
    x = _float_tensor(x)
    return torch.where(x <= -1, torch.zeros_like(x), torch.where(x < 1, 0.25 * (x + 1) ** 2, x))


def squareplus(x, b=4):
    """``(x + sqrt(x**2 + b)) / 2``."""
    x = _float_tensor(x)
    return (x + torch.sqrt(x * x + b)) / 2


# ----------------------------------------------------------------------------- shrinkage
def tanh_shrink(x):
    """``x - tanh(x)``."""
    return F.tanhshrink(_float_tensor(x))


def soft_shrink(x, threshold=0.5):
    """``x - threshold`` above it, ``x + threshold`` below ``-threshold``, 0 in between."""
    return F.softshrink(_float_tensor(x), threshold)


def hard_shrink(x, threshold=0.5):
    """``x`` where ``|x| > threshold``, else 0."""
    return F.hardshrink(_float_tensor(x), threshold)


def threshold(x, threshold, default_value):
    """``x`` where ``x > threshold``, else ``default_value``."""
    return F.threshold(_tensor(x), threshold, default_value)


def linear(x):
    """Identity: returns the input unchanged (not even converted)."""
    return x


# ----------------------------------------------------------------------------- normalising functions
def softmax(x, axis=-1):
    """``exp(x) / sum(exp(x))`` along ``axis`` (an int, a tuple of ints, or None for all axes)."""
    return _along_axes(torch.softmax, _float_tensor(x), axis)


def log_softmax(x, axis=-1):
    """``x - logsumexp(x)`` along ``axis`` (an int, a tuple of ints, or None for all axes)."""
    return _along_axes(torch.log_softmax, _float_tensor(x), axis)


def glu(x, axis=-1):
    """Gated linear unit: splits ``x`` in two halves ``a, b`` along ``axis`` → ``a * sigmoid(b)``."""
    x = _float_tensor(x)
    if x.shape[axis] % 2:
        raise ValueError(
            "glu() expects the size of `axis` to be even (it is split in two halves). "
            f"Received: x.shape={tuple(x.shape)}, axis={axis}")
    return F.glu(x, axis)


def _sparsemax_dim(x, dim):
    z, _ = torch.sort(x, dim=dim, descending=True)
    cumsum = z.cumsum(dim)
    ks = torch.arange(1, x.shape[dim] + 1, dtype=x.dtype, device=x.device)
    view = [1] * x.ndim
    view[dim] = -1
    ks = ks.view(view)
    support = (1 + ks * z) > cumsum
    k = support.sum(dim=dim, keepdim=True)
    # tau = (sum of the k largest - 1) / k, k = size of the support
    tau = (torch.where(support, z, torch.zeros((), dtype=x.dtype, device=x.device))
           .sum(dim=dim, keepdim=True) - 1) / k
    return torch.clamp(x - tau, min=0.0)


def sparsemax(x, axis=-1):
    """Euclidean projection of ``x`` onto the probability simplex along ``axis`` (sparse softmax).

    The output sums to 1 along ``axis``. (Keras 3.15 computes the threshold from
    the wrong cumulative sum, keras-team/keras#23425, fixed upstream in #23469;
    this follows the corrected formula.)
    """
    x = _float_tensor(x)
    return _sparsemax_dim(x, axis % x.ndim)


# Keras 3 aliases: the same function objects, so they serialize under the canonical name.
swish = silu
hard_swish = hard_silu

_ALL = (relu, leaky_relu, relu6, softmax, celu, elu, selu, softplus, softsign, squareplus,
        soft_shrink, sparse_plus, silu, gelu, glu, tanh, tanh_shrink, threshold, sigmoid,
        sparse_sigmoid, exponential, hard_sigmoid, hard_silu, hard_tanh, hard_shrink, linear,
        mish, log_softmax, log_sigmoid, sparsemax)
_BY_NAME = {fn.__name__: fn for fn in _ALL}
_BY_NAME.update(swish=silu, hard_swish=hard_silu)
_BUILTIN_IDS = {id(fn) for fn in _ALL}


def _normalize_name(name):
    return name.replace("_", "").lower()


_BY_NORMALIZED = {_normalize_name(n): fn for n, fn in _BY_NAME.items()}
# tf.keras 2 let these layer class names stand for an activation (an instance of the layer).
_K2_LAYER_NAMES = ("ReLU", "LeakyReLU", "PReLU", "ELU", "ThresholdedReLU", "Softmax")


def _valid_names():
    return sorted(_BY_NAME)


def _custom_objects(custom_objects):
    """User objects: ``custom_objects`` first, then the global registry if kerasish has one."""
    found = {}
    try:
        from kerasish import saving
        registry = getattr(saving, "get_custom_objects", None)
        if registry is not None:
            found.update(registry())
    except ImportError:
        pass
    found.update(custom_objects or {})
    return found


def _k2_layer(name, config=None):
    try:
        from kerasish import layers
    except ImportError:
        return None
    cls = getattr(layers, name, None)
    if cls is None:
        return None
    return cls.from_config(config) if config and hasattr(cls, "from_config") else cls(**(config or {}))


def _lookup(name, custom_objects=None):
    """A name → activation callable, or None."""
    custom = _custom_objects(custom_objects)
    if name in custom:
        return custom[name]
    if name in _BY_NAME:
        return _BY_NAME[name]
    if name in _K2_LAYER_NAMES:
        layer = _k2_layer(name)
        if layer is not None:
            return layer
    return _BY_NORMALIZED.get(_normalize_name(name))


def _unknown(identifier):
    return ValueError(f"Unknown activation: {identifier!r}. Valid names: {_valid_names()}")


# ----------------------------------------------------------------------------- get / serialize
def serialize(activation):
    """An activation → its config: the Keras name for built-ins, a dict for other objects.

    >>> serialize(relu)
    'relu'
    """
    if activation is None:
        return "linear"
    if id(activation) in _BUILTIN_IDS:
        return activation.__name__
    if hasattr(activation, "get_config"):
        cls = type(activation)
        return {"module": cls.__module__, "class_name": cls.__name__,
                "config": activation.get_config(), "registered_name": None}
    name = getattr(activation, "__name__", None)
    if name is None or name == "<lambda>":
        raise ValueError(
            f"activations.serialize() cannot serialize {activation!r}: it has no usable name. "
            "Use a built-in activation name or a named function registered as a custom object.")
    return {"module": getattr(activation, "__module__", None), "class_name": "function",
            "config": name, "registered_name": name}


def deserialize(config, custom_objects=None):
    """A name or config dict (Keras 2 or Keras 3 form) → the activation function."""
    if isinstance(config, str):
        fn = _lookup(config, custom_objects)
        if fn is None:
            raise _unknown(config)
        return fn
    if isinstance(config, dict):
        if "class_name" not in config:
            raise ValueError(
                "activations.deserialize() expects a name or a dict with a 'class_name' key. "
                f"Received: config={config!r}")
        class_name, inner = config["class_name"], config.get("config")
        if class_name == "function" or (class_name in _BY_NAME and not isinstance(inner, dict)):
            name = inner if class_name == "function" else class_name
            if not isinstance(name, str):
                raise ValueError(f"activations.deserialize() cannot read config={config!r}")
            registered = config.get("registered_name")
            fn = _lookup(name, custom_objects)
            if fn is None and registered:
                fn = _lookup(registered, custom_objects)
            if fn is None:
                raise _unknown(name)
            return fn
        custom = _custom_objects(custom_objects)
        cls = custom.get(class_name) or custom.get(config.get("registered_name"))
        if cls is not None:
            return cls.from_config(inner or {}) if hasattr(cls, "from_config") else cls(**(inner or {}))
        layer = _k2_layer(class_name, inner)
        if layer is not None:
            return layer
        raise _unknown(class_name)
    raise ValueError(
        "activations.deserialize() expects a name string or a config dict. "
        f"Received: config={config!r} of type {type(config).__name__}")


def get(identifier):
    """None / name / config dict / callable → an activation callable.

    >>> get(None) is linear
    True
    >>> get("relu") is relu
    True
    """
    if identifier is None:
        return linear
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError(
        f"Could not interpret activation function identifier: {identifier!r}. "
        "Expected None, a name string, a config dict or a callable.")
