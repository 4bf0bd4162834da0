"""Recurrent wrappers: Bidirectional (a layer forwards plus a copy backwards, merged) and
TimeDistributed (a layer applied to every timestep)."""
import numpy as np
import torch

from kerasish.engine import tree
from kerasish.layers.base import Layer
from kerasish.layers.recurrent import RNN, _clone_layer, deserialize_layer, serialize_layer


_MERGE_MODES = ("sum", "mul", "ave", "concat", None)


def _strip(name, prefix):
    return name[len(prefix):] if name.startswith(prefix) else name


class Bidirectional(Layer):
    """Runs a recurrent layer forwards and a copy of it backwards, and merges the outputs.

    Args:
        layer: an RNN layer (``LSTM``, ``GRU``, ``SimpleRNN``, ``RNN``); it is copied (with
            its config) into ``forward_layer``; ``backward_layer`` is a copy with
            ``go_backwards=True`` unless given.
        merge_mode: ``'concat'`` (default), ``'sum'``, ``'mul'``, ``'ave'`` or ``None`` (a list of
            both outputs).
        backward_layer: optional explicit backward layer.

    With ``return_sequences``, the backward outputs are flipped back into input order before
    merging, and masked timesteps output zeros (as Keras). ``initial_state`` is the forward
    states followed by the backward states; ``return_state`` returns them in that order.

    Example:
        >>> bi = Bidirectional(LSTM(16, return_sequences=True))
        >>> bi(np.zeros((4, 10, 8), "float32")).shape
        torch.Size([4, 10, 32])
    """

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError("Please initialize `Bidirectional` layer with a `keras.layers.Layer` instance. "
                             f"Received: {layer!r}")
        if backward_layer is not None and not isinstance(backward_layer, Layer):
            raise ValueError(f"`backward_layer` need to be a `keras.layers.Layer` instance. Received: "
                             f"{backward_layer!r}")
        if merge_mode not in _MERGE_MODES:
            raise ValueError(f"Invalid merge mode. Received: {merge_mode!r}. Merge mode should be one of "
                             '{"sum", "mul", "ave", "concat", None}')
        super().__init__(**kwargs)
        self.forward_layer = _clone_layer(layer, name=f"forward_{_strip(layer.name, 'forward_')}")
        if backward_layer is None:
            backward_layer = _clone_layer(layer, go_backwards=True,
                                          name=f"backward_{_strip(layer.name, 'backward_')}")
        self.backward_layer = backward_layer
        if hasattr(layer, "use_cudnn"):
            self.forward_layer.use_cudnn = layer.use_cudnn
            self.backward_layer.use_cudnn = layer.use_cudnn
        self._verify_layer_config()
        for sub in (self.forward_layer, self.backward_layer):
            if getattr(sub, "zero_output_for_mask", None) is not None:
                sub.zero_output_for_mask = sub.return_sequences
        self.merge_mode = merge_mode
        self._initial_weights = list(weights) if weights else None
        self.stateful = layer.stateful
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self.supports_masking = True

    def _verify_layer_config(self):
        fwd, bwd = self.forward_layer, self.backward_layer
        if fwd.go_backwards == bwd.go_backwards:
            raise ValueError(
                "Forward layer and backward layer should have different `go_backwards` value. Received: "
                f"forward_layer.go_backwards={fwd.go_backwards}, backward_layer.go_backwards={bwd.go_backwards}")
        for a in ("stateful", "return_sequences", "return_state"):
            if getattr(fwd, a) != getattr(bwd, a):
                raise ValueError(
                    f'Forward layer and backward layer are expected to have the same value for attribute "{a}", '
                    f'got "{getattr(fwd, a)}" for forward layer and "{getattr(bwd, a)}" for backward layer')

    def build(self, sequences_shape, initial_state_shape=None):
        if isinstance(sequences_shape, list) and sequences_shape and isinstance(sequences_shape[0], (tuple, list)):
            sequences_shape = sequences_shape[0]
        sequences_shape = tuple(sequences_shape)
        for sub in (self.forward_layer, self.backward_layer):
            if not sub.built:
                sub._build_from_shapes(sequences_shape)
        if self._initial_weights:
            self.set_weights(self._initial_weights)
            self._initial_weights = None

    @property
    def states(self):
        f, b = getattr(self.forward_layer, "states", None), getattr(self.backward_layer, "states", None)
        if f and b:
            return tuple(list(f) + list(b))
        return None

    def reset_states(self, states=None):
        self.reset_state()

    def reset_state(self):
        if not self.stateful:
            raise AttributeError("Layer must be stateful.")
        self.forward_layer.reset_state()
        self.backward_layer.reset_state()

    def call(self, sequences, initial_state=None, mask=None, training=None):
        if isinstance(sequences, (list, tuple)):
            if initial_state is None and len(sequences) > 1:
                initial_state = list(sequences[1:])
            sequences = sequences[0]
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        kwargs = {}
        if self.forward_layer._call_has_training or self.forward_layer._call_has_kwargs:
            kwargs["training"] = training
        if mask is not None and (self.forward_layer._call_has_mask or self.forward_layer._call_has_kwargs):
            kwargs["mask"] = mask
        fwd_kwargs, bwd_kwargs = dict(kwargs), dict(kwargs)
        if initial_state is not None:
            initial_state = list(initial_state) if isinstance(initial_state, (list, tuple)) else [initial_state]
            half = len(initial_state) // 2
            fwd_kwargs["initial_state"] = initial_state[:half]
            bwd_kwargs["initial_state"] = initial_state[half:]
        y = self.forward_layer(sequences, **fwd_kwargs)
        y_rev = self.backward_layer(sequences, **bwd_kwargs)
        states = ()
        if self.return_state:
            states = tuple(y[1:]) + tuple(y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        if self.return_sequences:
            y_rev = y_rev.flip(1)
        mode = self.merge_mode
        if mode == "concat":
            output = torch.cat([y, y_rev], dim=-1)
        elif mode == "sum":
            output = y + y_rev
        elif mode == "ave":
            output = (y + y_rev) / 2
        elif mode == "mul":
            output = y * y_rev
        else:
            output = (y, y_rev)
        if self.return_state:
            return (output + states) if mode is None else ((output,) + states)
        return output

    def compute_mask(self, inputs, previous_mask=None):
        mask = previous_mask[0] if isinstance(previous_mask, (list, tuple)) else previous_mask
        if self.return_sequences:
            out = mask if self.merge_mode else (mask, mask)
        else:
            out = None if self.merge_mode else (None, None)
        if self.return_state and self.states is not None:
            n = len(self.states)
            return ((out,) if self.merge_mode else out) + (None,) * (2 * n)
        return out

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        shape = self.forward_layer.compute_output_shape(sequences_shape)
        state_shapes = ()
        if self.return_state:
            shape, state_shapes = shape[0], tuple(shape[1:])
        if self.merge_mode == "concat":
            shape = tuple(shape[:-1]) + (shape[-1] * 2,)
        elif self.merge_mode is None:
            shape = [shape, shape]
        if self.return_state:
            if self.merge_mode is None:
                return tuple(shape) + state_shapes + state_shapes
            return (shape,) + state_shapes + state_shapes
        return tuple(shape) if not isinstance(shape, list) else shape

    def get_config(self):
        config = super().get_config()
        config.update({"merge_mode": self.merge_mode, "layer": serialize_layer(self.forward_layer),
                       "backward_layer": serialize_layer(self.backward_layer)})
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        config["layer"] = deserialize_layer(config["layer"], custom_objects)
        if config.get("backward_layer") is not None:
            config["backward_layer"] = deserialize_layer(config["backward_layer"], custom_objects)
        return cls(**config)

    def extra_repr(self):
        return f"name={self.name!r}, merge_mode={self.merge_mode!r}"


class TimeDistributed(Layer):
    """Applies ``layer`` to every timestep (axis 1) of its input independently.

    The timesteps are folded into the batch (one call of ``layer`` on ``(batch * timesteps,
    ...)``), except when that would change the result: a BatchNormalization inside ``layer`` in
    training mode sees each timestep's batch separately, as in Keras.

    Example:
        >>> td = TimeDistributed(Dense(8))
        >>> td(np.zeros((32, 10, 16), "float32")).shape
        torch.Size([32, 10, 8])
    """

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError("Please initialize `TimeDistributed` layer with a `keras.layers.Layer` instance. "
                             f"Received: {layer!r}")
        super().__init__(**kwargs)
        self.layer = layer
        self.supports_masking = True

    def _child_shape(self, input_shape):
        if not isinstance(input_shape, (tuple, list)) or len(input_shape) < 3:
            raise ValueError(
                f"`TimeDistributed` Layer should be passed an `input_shape` with at least 3 dimensions, received: "
                f"{input_shape}")
        return (input_shape[0],) + tuple(input_shape[2:])

    def build(self, input_shape):
        child = self._child_shape(tuple(input_shape))
        if not self.layer.built:
            self.layer._build_from_shapes(child)

    def _per_step(self, training):
        if not training:
            return False
        from kerasish.layers.normalization import BatchNormalization
        return any(isinstance(m, BatchNormalization) and m.trainable for m in self.layer.modules())

    def call(self, inputs, training=None, mask=None):
        if inputs.dim() < 3:
            raise ValueError(
                f"TimeDistributed '{self.name}' expects inputs with at least 3 dimensions (batch, timesteps, "
                f"...). Received input with shape {tuple(inputs.shape)}")
        kwargs = {}
        if self.layer._call_has_training or self.layer._call_has_kwargs:
            kwargs["training"] = training
        use_mask = mask is not None and self.layer._call_has_mask
        if use_mask and (mask.dim() < 2 or tuple(mask.shape[:2]) != tuple(inputs.shape[:2])):
            raise ValueError(
                f"The `mask` passed to the `TimeDistributed` layer has a shape {tuple(mask.shape)} that is "
                f"incompatible with the input shape {tuple(inputs.shape)}: its first two dimensions must be "
                "(batch_size, timesteps).")
        b, t = inputs.shape[0], inputs.shape[1]
        if self._per_step(training):
            outs = []
            for i in range(t):
                step_kwargs = dict(kwargs, mask=mask[:, i]) if use_mask else kwargs
                outs.append(self.layer(inputs[:, i], **step_kwargs))
            return _stack_steps(outs)
        if use_mask:
            kwargs["mask"] = mask.reshape((b * t,) + tuple(mask.shape[2:]))
        y = self.layer(inputs.reshape((b * t,) + tuple(inputs.shape[2:])), **kwargs)
        return tree.map_structure(lambda o: o.reshape((b, t) + tuple(o.shape[1:])), y)

    def compute_output_shape(self, input_shape):
        child = self._child_shape(tuple(input_shape))
        out = self.layer.compute_output_shape(child)
        if out is NotImplemented:
            return NotImplemented
        return (out[0], input_shape[1]) + tuple(out[1:])

    def get_config(self):
        config = super().get_config()
        config["layer"] = serialize_layer(self.layer)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        layer = deserialize_layer(config.pop("layer"), custom_objects)
        return cls(layer, **config)

    def extra_repr(self):
        return f"name={self.name!r}"


def _stack_steps(outs):
    first = outs[0]
    if isinstance(first, torch.Tensor):
        return torch.stack(outs, dim=1)
    flat = [tree.flatten(o) for o in outs]
    return tree.pack_like(first, [torch.stack(list(parts), dim=1) for parts in zip(*flat)])
