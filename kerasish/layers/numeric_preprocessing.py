"""Numeric preprocessing layers: Normalization (with ``adapt``), Discretization (with
``adapt``) and CategoryEncoding, plus the categorical encoder shared with the lookup
layers (``encode_categorical``)."""
import itertools
import math

import numpy as np
import torch

from kerasish import backend
from kerasish.layers.base import Layer

_ENCODE_MODES = ("int", "one_hot", "multi_hot", "count")


# ---------------------------------------------------------------------------- shared helpers
def first_of_batch(batch):
    """``x`` from an ``(x, y)`` or ``(x, y, w)`` batch; the batch itself otherwise."""
    if isinstance(batch, tuple) and batch:
        return batch[0]
    return batch


def _to_numpy(x):
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    return np.asarray(x)


def _is_array_like(data):
    return isinstance(data, (np.ndarray, torch.Tensor))


def set_weights_exact(layer, weights):
    """``Layer.set_weights`` that also handles 0-d weights (the base version turns them into
    shape (1,) through ``np.ascontiguousarray``); delegates to it for every error case."""
    own, weights = layer.weights, list(weights)
    values = [np.asarray(w.detach().cpu().numpy() if isinstance(w, torch.Tensor) else w) for w in weights]
    if len(values) != len(own) or any(v.shape != tuple(var.shape) or getattr(var, "_keras_perm", None)
                                       for v, var in zip(values, own)):
        return Layer.set_weights(layer, weights)
    with torch.no_grad():
        for var, v in zip(own, values):
            var.copy_(torch.as_tensor(np.array(v), dtype=var.dtype).reshape(var.shape))
    return None


def check_output_mode(layer, output_mode, allowed):
    if output_mode not in allowed:
        raise ValueError(
            f"Unknown value for `output_mode` argument of {layer}. Allowed values are: {allowed}. "
            f"Received: output_mode={output_mode!r}")


def encode_categorical(ids, output_mode, depth, dtype, count_weights=None, layer=None, check_range=False):
    """Encode integer ids as Keras does: ``one_hot`` adds a ``depth`` axis (a trailing axis
    of size 1 is replaced); ``multi_hot``/``count`` reduce axis 1 (axis 0 for rank 1) into
    a ``depth`` axis. Negative ids (and ids >= depth unless ``check_range``) count as nothing."""
    if output_mode == "int":
        return ids.to(dtype)
    if ids.is_floating_point():
        ids = ids.to(torch.int64)
    if ids.dim() == 0:
        ids = ids.reshape(1)
    if check_range and ids.numel():
        hi = int(ids.max())  # one host sync
        if hi >= depth:
            raise ValueError(
                f"{layer}: input values must be in the range [0, {depth}) (`num_tokens`={depth}); "
                f"received a value of {hi}.")
    if output_mode == "one_hot":
        if ids.dim() > 1 and ids.shape[-1] == 1:
            ids = ids.squeeze(-1)
        return (ids.unsqueeze(-1) == torch.arange(depth, device=ids.device)).to(dtype)
    axis = 1 if ids.dim() > 1 else 0
    ids = ids.movedim(axis, -1)
    valid = (ids >= 0) & (ids < depth)
    index = torch.where(valid, ids, torch.zeros_like(ids))
    if count_weights is not None:
        weights = count_weights.to(dtype).movedim(axis, -1) if count_weights.dim() == ids.dim() else count_weights
        dtype = weights.dtype
        src = torch.where(valid, weights, torch.zeros((), dtype=dtype, device=ids.device))
    else:
        src = valid.to(torch.float32 if dtype.is_floating_point else torch.int64)
    out = torch.zeros(ids.shape[:-1] + (depth,), dtype=src.dtype, device=ids.device)
    out.scatter_add_(-1, index, src)
    if output_mode == "multi_hot":
        out = out > 0
    return out.to(dtype)


# ---------------------------------------------------------------------------- Normalization
class Normalization(Layer):
    """Standardizes features: ``(x - mean) / sqrt(variance)`` (``invert=True`` undoes it).

    The statistics are given (``mean``/``variance``) or learned with :meth:`adapt`, over
    every axis except ``axis``.

    Args:
        axis: the axis (or axes) that keep their own statistics; default -1 (per feature);
            None for one mean and variance over everything.
        mean, variance: the statistics, broadcastable to the kept axes.
        invert: apply ``mean + x * sqrt(variance)`` instead.

    The denominator is ``max(sqrt(variance), epsilon())`` as in Keras.
    Calling the layer before ``adapt`` (and without ``mean``/``variance``) raises a
    ValueError (Keras silently returns the inputs unchanged).

    Example:
        >>> norm = Normalization()
        >>> norm.adapt(np.array([[0., 7.], [2., 9.]]))
        >>> norm(np.array([[1., 8.]]))   # [[0., 0.]]
    """

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        if axis is None:
            axis = ()
        elif isinstance(axis, (int, np.integer)):
            axis = (int(axis),)
        else:
            axis = tuple(int(a) for a in axis)
        self.axis = axis
        self.input_mean = mean
        self.input_variance = variance
        self.invert = bool(invert)
        self.supports_masking = True
        self.mean = self.variance = None
        self._adapted = mean is not None
        self._symbolic = False
        if (mean is not None) != (variance is not None):
            raise ValueError(
                "Normalization: when setting values directly, both `mean` and `variance` must be set. "
                f"Received: mean={mean} and variance={variance}")
        if mean is not None:
            if np.shape(mean) != np.shape(variance):
                raise ValueError(
                    "Normalization: `mean` and `variance` must have the same shape. Received: mean shape "
                    f"{np.shape(mean)} and variance shape {np.shape(variance)}")
            if len(np.shape(mean)) > len(self.axis):
                raise ValueError(
                    f"Normalization: the rank of `mean` must be less than or equal to the number of axes "
                    f"({len(self.axis)}). Received: mean shape {np.shape(mean)} for axis {self.axis}")

    def build(self, input_shape):
        if input_shape is None:
            return
        ndim = len(input_shape)
        self._build_input_shape = tuple(input_shape)
        if any(a < -ndim or a >= ndim for a in self.axis):
            raise ValueError(
                f"Normalization layer '{self.name}': all `axis` values must be in the range [-ndim, ndim). "
                f"Received inputs with ndim={ndim}, while axis={self.axis}")
        self._keep_axis = tuple(sorted(a % ndim for a in self.axis))
        for d in self._keep_axis:
            if input_shape[d] is None:
                raise ValueError(
                    f"Normalization layer '{self.name}': all `axis` values to be kept must have a known shape. "
                    f"Received axis={self.axis}, inputs.shape={tuple(input_shape)}, with unknown axis at index {d}")
        self._reduce_axis = tuple(d for d in range(ndim) if d not in self._keep_axis)
        self._broadcast_shape = [input_shape[d] if d in self._keep_axis else 1 for d in range(ndim)]
        self._stats_shape = tuple(input_shape[d] for d in self._keep_axis)
        dev = backend.get_device()
        if self.input_mean is None:
            self.adapt_mean = self.add_weight(name="mean", shape=self._stats_shape, initializer="zeros",
                                              trainable=False)
            self.adapt_variance = self.add_weight(name="variance", shape=self._stats_shape, initializer="ones",
                                                  trainable=False)
            self.count = self.add_weight(name="count", shape=(), dtype="int32", initializer="zeros",
                                         trainable=False)
        else:
            mean = torch.as_tensor(np.asarray(self.input_mean, dtype=np.float64), device=dev)
            variance = torch.as_tensor(np.asarray(self.input_variance, dtype=np.float64), device=dev)
            if mean.dim() > 0:
                expanded = [1] * ndim
                for i in range(1, mean.dim() + 1):
                    expanded[self._keep_axis[-i]] = mean.shape[-i]
                mean, variance = mean.reshape(expanded), variance.reshape(expanded)
            self.mean = mean.broadcast_to(self._broadcast_shape).to(self._compute_dtype)
            self.variance = variance.broadcast_to(self._broadcast_shape).to(self._compute_dtype)

    # ------------------------------------------------------------------ adapt
    def adapt(self, data):
        """Learn the mean and variance of ``data`` (an array/tensor, or an iterable of
        batches such as a generator, a DataLoader or ``tf.data``-like ``(x, y)`` batches)."""
        batches = None
        if _is_array_like(data):
            shape = tuple(data.shape)
        elif hasattr(data, "__iter__") and not isinstance(data, (str, bytes)):
            iterator = iter(data)
            first = next(iterator, None)
            if first is None:
                raise ValueError(
                    f"Normalization layer '{self.name}': adapt() received an empty iterable (no batches). "
                    "Pass an array, or a non-empty iterable of batches, e.g. layer.adapt(x).")
            first = first_of_batch(first)
            if not hasattr(first, "shape"):
                raise TypeError(
                    f"Normalization layer '{self.name}': adapt() expects arrays/tensors or an iterable of "
                    f"batches with a `.shape`; got an element of type {type(first).__name__}.")
            shape = tuple(first.shape)
            batches = itertools.chain([first], iterator)
        else:
            raise TypeError(
                f"Normalization layer '{self.name}': adapt() supports numpy arrays, tensors and iterables of "
                f"batches. Received: {type(data).__name__}")
        if math.prod(shape) == 0:
            raise ValueError(f"Normalization layer '{self.name}': adapt() received empty data of shape {shape}.")
        if self.input_mean is not None:
            raise ValueError(
                f"Normalization layer '{self.name}' was given `mean` and `variance`; it cannot be adapted.")
        if not self.built:
            self.build(shape)
            self.built = True
        else:
            for d in self._keep_axis:
                if shape[d] != self._build_input_shape[d]:
                    raise ValueError(
                        f"Normalization layer '{self.name}' was built with input_shape={self._build_input_shape}, "
                        f"but adapt() is being called with data of an incompatible shape {shape}")
        if batches is None:
            if isinstance(data, np.ndarray):
                mean, var = np.mean(data, axis=self._reduce_axis), np.var(data, axis=self._reduce_axis)
            else:
                x = data.to(self._compute_dtype)
                mean = x.mean(dim=self._reduce_axis) if self._reduce_axis else x
                var = x.var(dim=self._reduce_axis, unbiased=False) if self._reduce_axis else torch.zeros_like(x)
        else:
            mean, var = self._streaming_moments(batches)
        with torch.no_grad():
            self.adapt_mean.copy_(torch.as_tensor(np.asarray(_to_numpy(mean), dtype=np.float32)))
            self.adapt_variance.copy_(torch.as_tensor(np.asarray(_to_numpy(var), dtype=np.float32)))
        self._adapted = True

    def _streaming_moments(self, batches):
        mean = torch.zeros(self._stats_shape)
        var = torch.zeros(self._stats_shape)
        total = 0
        for batch in batches:
            batch = first_of_batch(batch)
            x = torch.as_tensor(_to_numpy(batch)).to(self._compute_dtype)
            for d in self._keep_axis:
                if x.shape[d] != self._build_input_shape[d]:
                    raise ValueError(
                        f"Normalization layer '{self.name}': adapt() yielded a batch of incompatible shape "
                        f"{tuple(x.shape)}; expected {self._build_input_shape}.")
            if self._reduce_axis:
                b_mean = x.mean(dim=self._reduce_axis)
                b_var = x.var(dim=self._reduce_axis, unbiased=False)
                count = math.prod(x.shape[d] for d in self._reduce_axis)
            else:
                b_mean, b_var, count = x, torch.zeros_like(x), 1
            total += count
            w_new = float(count) / total
            w_old = 1.0 - w_new
            merged = mean * w_old + b_mean * w_new
            var = (var + (mean - merged) ** 2) * w_old + (b_var + (b_mean - merged) ** 2) * w_new
            mean = merged
        return mean, var

    # ------------------------------------------------------------------ call
    def _symbolic_call(self, args, kwargs):
        self._symbolic = True
        try:
            return super()._symbolic_call(args, kwargs)
        finally:
            self._symbolic = False

    def _stats(self, device):
        if self.input_mean is not None:
            if self.mean.device != device:
                self.mean, self.variance = self.mean.to(device), self.variance.to(device)
            return self.mean, self.variance
        if not self._adapted and not self._symbolic:
            # Weights restored by set_weights/load_state_dict count as adapted.
            if not (bool((self.adapt_mean == 0).all()) and bool((self.adapt_variance == 1).all())):
                self._adapted = True
            else:
                raise ValueError(
                    f"Normalization layer '{self.name}' has no statistics: call `layer.adapt(data)` first, or "
                    "pass `mean` and `variance` to the constructor.")
        return (self.adapt_mean.reshape(self._broadcast_shape), self.adapt_variance.reshape(self._broadcast_shape))

    def call(self, inputs):
        x = inputs if inputs.dtype == self._compute_dtype else inputs.to(self._compute_dtype)
        mean, variance = self._stats(x.device)
        scale = torch.clamp(torch.sqrt(variance), min=backend.epsilon())
        if self.invert:
            return mean + x * scale
        return (x - mean) / scale

    def set_weights(self, weights):
        set_weights_exact(self, weights)
        self._adapted = True

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"axis": self.axis, "invert": self.invert,
                       "mean": np.array(self.input_mean).tolist() if self.input_mean is not None else None,
                       "variance": (np.array(self.input_variance).tolist() if self.input_variance is not None
                                    else None)})
        return config

    def extra_repr(self):
        return f"name={self.name!r}, axis={self.axis}, invert={self.invert}"


# ---------------------------------------------------------------------------- Discretization
def _quantile_sketch(values, epsilon):
    """A weighted sample of the sorted values: every ``step``-th value, weight ``step``."""
    values = np.sort(np.reshape(values, [-1]))
    step = max(values.size / (1.0 / epsilon), 1)
    picked = values[int(step - 1)::int(step)]
    return np.stack([picked, np.ones_like(picked) * step])


def _compress_sketch(sketch, epsilon):
    """Re-sample a sketch at the cumulative-weight quantiles ``epsilon, 2 epsilon, ..., 1``."""
    if sketch.shape[1] * epsilon < 1:
        return sketch
    targets = epsilon + np.arange(0.0, 1.0, epsilon)
    cumulative = sketch[1].cumsum()
    fractions = cumulative / cumulative[-1]
    points = np.interp(targets, fractions, sketch[0])
    new_cumulative = np.interp(targets, fractions, cumulative)
    weights = new_cumulative - np.concatenate((np.array([0]), new_cumulative[:-1]))
    return np.stack((points, weights)).astype("float32")


def _merge_sketches(a, b, epsilon):
    merged = np.concatenate((a, b), axis=1)
    merged = np.take(merged, np.argsort(merged[0]), axis=1)
    return _compress_sketch(merged, epsilon)


class Discretization(Layer):
    """Buckets numbers into ranges: value ``v`` goes to bucket ``i`` with
    ``bin_boundaries[i-1] <= v < bin_boundaries[i]``.

    Args:
        bin_boundaries: sorted boundaries (``len + 1`` buckets); or
        num_bins: the number of buckets, with boundaries learned by :meth:`adapt`
            (approximate quantiles, as Keras).
        epsilon: the quantile approximation error (default 0.01).
        output_mode: ``'int'`` (bucket ids, int32), ``'one_hot'``, ``'multi_hot'``, ``'count'``.
    """

    def __init__(self, bin_boundaries=None, num_bins=None, epsilon=0.01, output_mode="int", sparse=False,
                 dtype=None, name=None, **kwargs):
        kwargs.pop("trainable", None)
        super().__init__(name=name, dtype=dtype, **kwargs)
        if sparse:
            raise ValueError("Discretization: `sparse=True` cannot be used with the torch backend.")
        check_output_mode("Discretization", output_mode, _ENCODE_MODES)
        if num_bins is not None and num_bins < 0:
            raise ValueError(f"Discretization: `num_bins` must be greater than or equal to 0. Received: "
                             f"`num_bins={num_bins}`")
        if num_bins is not None and bin_boundaries is not None:
            raise ValueError("Discretization: both `num_bins` and `bin_boundaries` should not be set. Received: "
                             f"`num_bins={num_bins}` and `bin_boundaries={bin_boundaries}`")
        if num_bins is None and bin_boundaries is None:
            raise ValueError("Discretization: you need to set either `num_bins` or `bin_boundaries`.")
        self.bin_boundaries = list(bin_boundaries) if bin_boundaries is not None else None
        self.num_bins = num_bins
        self.epsilon = epsilon
        self.output_mode = output_mode
        self.sparse = False
        self._sketch = None if self.bin_boundaries else np.array([[], []], dtype="float32")
        self._boundaries_t = None
        self.built = True

    def adapt(self, data, steps=None):
        """Learn ``num_bins - 1`` boundaries from ``data`` (array, tensor or iterable of batches)."""
        if self.num_bins is None:
            raise ValueError(
                f"Discretization layer '{self.name}': cannot adapt a layer initialized with `bin_boundaries`; "
                "use `num_bins` instead.")
        self._sketch = np.array([[], []], dtype="float32")
        if _is_array_like(data) or not hasattr(data, "__iter__"):
            self.update_state(data)
        else:
            for i, batch in enumerate(data):
                if steps is not None and i >= steps:
                    break
                self.update_state(first_of_batch(batch))
        if self._sketch.shape[1] == 0:
            raise ValueError(f"Discretization layer '{self.name}': adapt() received empty data.")
        self.bin_boundaries = _compress_sketch(self._sketch, 1.0 / self.num_bins)[0, :-1].tolist()
        self._boundaries_t = None

    def update_state(self, data):
        values = np.array(_to_numpy(data)).astype("float32")
        if values.size == 0:
            return
        self._sketch = _merge_sketches(_quantile_sketch(values, self.epsilon), self._sketch, self.epsilon)

    def _output_dtype(self):
        return torch.int32 if self.output_mode == "int" else self._compute_dtype

    def call(self, inputs):
        if self.bin_boundaries is None:
            raise ValueError(
                f"Discretization layer '{self.name}': you need to either pass the `bin_boundaries` argument at "
                "construction time or call `adapt(dataset)` before you can start using the layer.")
        b = self._boundaries_t
        if b is None or b.device != inputs.device:
            b = self._boundaries_t = torch.tensor(self.bin_boundaries, dtype=torch.float32, device=inputs.device)
        x = inputs if inputs.is_floating_point() else inputs.to(torch.float32)
        ids = torch.bucketize(x.to(b.dtype) if x.dtype != b.dtype else x, b, right=True)
        return encode_categorical(ids, self.output_mode, len(self.bin_boundaries) + 1, self._output_dtype())

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self.output_mode == "int":
            return input_shape
        depth = len(self.bin_boundaries) + 1 if self.bin_boundaries is not None else self.num_bins
        if self.output_mode == "one_hot":
            if input_shape and input_shape[-1] == 1 and len(input_shape) > 1:
                return input_shape[:-1] + (depth,)
            return input_shape + (depth,)
        if len(input_shape) >= 2:
            return (input_shape[0],) + input_shape[2:] + (depth,)
        return (depth,)

    def get_config(self):
        config = super().get_config()
        config.update({"bin_boundaries": self.bin_boundaries, "num_bins": self.num_bins, "epsilon": self.epsilon,
                       "output_mode": self.output_mode, "sparse": self.sparse})
        config.pop("trainable", None)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if config.get("bin_boundaries") is not None and config.get("num_bins") is not None:
            boundaries = config.pop("bin_boundaries")
            layer = cls(**config)
            layer.bin_boundaries = list(boundaries)
            return layer
        return cls(**config)

    def extra_repr(self):
        return f"name={self.name!r}, bin_boundaries={self.bin_boundaries}, output_mode={self.output_mode!r}"


# ---------------------------------------------------------------------------- CategoryEncoding
class CategoryEncoding(Layer):
    """Encodes integer ids in ``[0, num_tokens)`` as dense vectors.

    Args:
        num_tokens: the number of ids.
        output_mode: ``'multi_hot'`` (default; one vector per row), ``'one_hot'`` (one vector
            per id) or ``'count'`` (per-row counts; ``count_weights`` in ``call`` weighs them).

    Example:
        >>> CategoryEncoding(num_tokens=4)([[0, 1], [3, 3]])   # [[1,1,0,0], [0,0,0,1]]
    """

    def __init__(self, num_tokens=None, output_mode="multi_hot", sparse=False, **kwargs):
        super().__init__(**kwargs)
        if output_mode == "binary":
            output_mode = "multi_hot"
        check_output_mode("CategoryEncoding", output_mode, ("count", "one_hot", "multi_hot"))
        if num_tokens is None:
            raise ValueError(
                "CategoryEncoding: `num_tokens` must be set to use this layer. If the number of tokens is not "
                "known beforehand, use the IntegerLookup layer instead.")
        if isinstance(num_tokens, bool) or not isinstance(num_tokens, (int, np.integer)) or num_tokens < 1:
            raise ValueError(f"CategoryEncoding: `num_tokens` must be >= 1. Received: num_tokens={num_tokens!r}.")
        if sparse:
            raise ValueError("CategoryEncoding: `sparse=True` cannot be used with the torch backend.")
        self.num_tokens = int(num_tokens)
        self.output_mode = output_mode
        self.sparse = False
        self.autocast = False
        self.built = True

    def call(self, inputs, count_weights=None):
        if count_weights is not None:
            if self.output_mode != "count":
                raise ValueError(
                    f"CategoryEncoding layer '{self.name}': `count_weights` is not used when `output_mode` is not "
                    f"'count'. Received `count_weights={count_weights}`.")
            count_weights = torch.as_tensor(_to_numpy(count_weights) if not isinstance(count_weights, torch.Tensor)
                                            else count_weights, device=inputs.device).to(self._compute_dtype)
        return encode_categorical(inputs, self.output_mode, self.num_tokens, self._compute_dtype,
                                  count_weights=count_weights, layer=f"CategoryEncoding layer '{self.name}'",
                                  check_range=True)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if not input_shape:
            return (self.num_tokens,)
        if self.output_mode == "one_hot" and (input_shape[-1] != 1 or len(input_shape) == 1):
            return input_shape + (self.num_tokens,)
        return input_shape[:-1] + (self.num_tokens,)

    def get_config(self):
        config = super().get_config()
        config.update({"num_tokens": self.num_tokens, "output_mode": self.output_mode})
        return config

    def extra_repr(self):
        return f"name={self.name!r}, num_tokens={self.num_tokens}, output_mode={self.output_mode!r}"
