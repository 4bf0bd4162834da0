"""Embedding (integer ids → dense vectors) and Masking (skip padded timesteps)."""
import torch
import torch.nn.functional as F

from kerasish import constraints, initializers, regularizers
from kerasish.layers import base
from kerasish.layers.base import Layer


def _check_dim(arg, value):
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        try:
            if not isinstance(value, bool) and int(value) == value and value > 0:
                return int(value)
        except (TypeError, ValueError):
            pass
        raise ValueError(
            f"Embedding: `{arg}` must be a positive integer. Received: {arg}={value!r} "
            f"(of type {type(value).__name__}).")
    return value


class Embedding(Layer):
    """Turns non-negative integer ids into dense vectors: row ``i`` of a trainable
    ``(input_dim, output_dim)`` matrix for id ``i``.

    Args:
        input_dim: vocabulary size (ids must be in ``[0, input_dim)``).
        output_dim: size of each vector.
        embeddings_initializer: default ``'uniform'`` (U(-0.05, 0.05)).
        embeddings_regularizer, embeddings_constraint.
        mask_zero: treat id 0 as padding and emit a mask for the following layers (an RNN then
            skips those timesteps); ``input_dim`` should count the padding id.
        weights: optional initial ``[embeddings]`` value.
        input_length: Keras 2 argument, accepted and ignored (as Keras 3 does).

    Input shape: ``(batch, ...)`` integers. Output shape: ``(batch, ..., output_dim)``.

    Ids out of range raise a ValueError naming the layer (one reduction and one host sync
    per call, instead of an index error, or a device-side assert on CUDA).

    Example:
        >>> emb = Embedding(1000, 64)
        >>> emb(np.array([[4, 20, 0]])).shape
        torch.Size([1, 3, 64])
    """

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform", embeddings_regularizer=None,
                 embeddings_constraint=None, mask_zero=False, weights=None, lora_rank=None, lora_alpha=None,
                 **kwargs):
        input_dim = _check_dim("input_dim", input_dim)
        output_dim = _check_dim("output_dim", output_dim)
        kwargs.pop("input_length", None)
        kwargs.pop("quantization_config", None)
        if lora_rank:
            raise NotImplementedError("Embedding: LoRA (`lora_rank`) is not supported by kerasish.")
        super().__init__(**kwargs)
        self.input_dim = input_dim
        self.output_dim = output_dim
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = bool(mask_zero)
        self.supports_masking = self.mask_zero
        self._creates_mask = self.mask_zero
        if self.mask_zero:
            base._MASKING[0] += 1
        self.autocast = False
        if weights is not None:
            self.build()
            if not (isinstance(weights, list) and len(weights) == 1):
                weights = [weights]
            self.set_weights(weights)

    def build(self, input_shape=None):
        if self.built:
            return
        self.embeddings = self.add_weight(name="embeddings", shape=(self.input_dim, self.output_dim),
                                          initializer=self.embeddings_initializer,
                                          regularizer=self.embeddings_regularizer,
                                          constraint=self.embeddings_constraint)
        self.built = True

    def _check_ids(self, ids):
        if ids.numel() == 0:
            return
        lo, hi = (int(v) for v in torch.stack(torch.aminmax(ids)).tolist())  # one host sync
        if lo < 0 or hi >= self.input_dim:
            bad = hi if hi >= self.input_dim else lo
            hint = ("Make `input_dim` larger than the largest id (vocabulary size + 1 when 0 is padding)."
                    if bad >= self.input_dim else "Ids cannot be negative.")
            raise ValueError(
                f"Embedding layer '{self.name}': input ids must be in the range [0, input_dim={self.input_dim}); "
                f"received an id of {bad} (the inputs have min {lo}, max {hi}). {hint}")

    def call(self, inputs):
        ids = inputs
        if ids.dtype not in (torch.int32, torch.int64):
            if ids.dtype == torch.bool or ids.is_complex():
                raise TypeError(
                    f"Embedding layer '{self.name}' expects integer ids. Received inputs of dtype {ids.dtype}.")
            ids = ids.to(torch.int64)
        self._check_ids(ids)
        return F.embedding(ids, self.embeddings)

    def compute_mask(self, inputs, previous_mask=None):
        if not self.mask_zero:
            return None
        return inputs != 0

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (self.output_dim,)

    def get_config(self):
        config = super().get_config()
        config.update({
            "input_dim": self.input_dim,
            "output_dim": self.output_dim,
            "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
            "embeddings_regularizer": regularizers.serialize(self.embeddings_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "embeddings_constraint": constraints.serialize(self.embeddings_constraint),
            "mask_zero": self.mask_zero,
        })
        return config

    def extra_repr(self):
        extra = ", mask_zero=True" if self.mask_zero else ""
        return f"name={self.name!r}, input_dim={self.input_dim}, output_dim={self.output_dim}{extra}"


class Masking(Layer):
    """Masks the timesteps whose features all equal ``mask_value``: their outputs are set to
    zero and a ``(batch, timesteps)`` mask is attached for mask-aware layers (RNNs skip them).

    Args:
        mask_value: the padding value (default 0.0).

    Example:
        >>> x = np.random.rand(2, 5, 3).astype("float32"); x[:, 3] = 0.0
        >>> y = Masking()(x)      # y._keras_mask[:, 3] is False
    """

    _creates_mask = True

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        if isinstance(mask_value, dict) and mask_value.get("config") is not None:
            mask_value = mask_value["config"].get("value", mask_value)
        self.mask_value = mask_value
        self.supports_masking = True
        base._MASKING[0] += 1
        self.built = True  # no weights; Keras builds it at construction

    def _keep(self, inputs):
        return torch.any(inputs != self.mask_value, dim=-1, keepdim=True)

    def call(self, inputs):
        return torch.where(self._keep(inputs), inputs, torch.zeros((), dtype=inputs.dtype, device=inputs.device))

    def compute_mask(self, inputs, previous_mask=None):
        return torch.any(inputs != self.mask_value, dim=-1)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        mv = self.mask_value
        config["mask_value"] = float(mv) if isinstance(mv, (int, float)) and not isinstance(mv, bool) else mv
        return config

    def extra_repr(self):
        return f"name={self.name!r}, mask_value={self.mask_value}"
