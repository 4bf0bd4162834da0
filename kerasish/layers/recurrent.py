"""Recurrent layers: RNN, SimpleRNN, LSTM, GRU (the cells live in ``rnn_cells.py``, the
Bidirectional and TimeDistributed wrappers in ``rnn_wrappers.py``).

Who owns what:
- ``RNN.call`` resolves the initial states (zeros, ``initial_state=``, or the stored states of a
  ``stateful`` layer), then runs the sequence in one of two ways and applies
  ``return_sequences`` / ``return_state``.
- The fused path (``_run_fused``) hands the whole sequence to torch's LSTM/GRU/RNN kernels
  (cuDNN on CUDA) when the cell is a built-in one with Keras's default activations, no
  recurrent dropout in training and, for GRU, ``reset_after=True``. A mask is supported when
  every row's unmasked timesteps form one contiguous run (right padding, left padding, or
  both; see ``_fused_masked``): the outputs are put back where Keras's step loop leaves them
  (zeros before the run, the last output repeated after it, or zeros with
  ``zero_output_for_mask``). Checking the mask's shape costs one host sync per call, and only
  when a mask is present.
- The step loop (``_run_loop``) calls the cell once per timestep with Keras's exact mask
  semantics (a masked step keeps the previous states and output); it serves custom cells,
  other activations, recurrent dropout, ``GRU(reset_after=False)`` and masks with holes.
"""
import inspect
import warnings

import numpy as np
import torch
import torch.nn.functional as F

from kerasish import activations, backend, regularizers
from kerasish.engine import tree
from kerasish.layers.base import Layer
from kerasish.layers.rnn_cells import (  # noqa: F401  (re-exported)
    DropoutRNNCell, GRUCell, LSTMCell, SimpleRNNCell, StackedRNNCells,
)

_TANH = (activations.tanh, torch.tanh, F.tanh)
_SIGMOID = (activations.sigmoid, torch.sigmoid, F.sigmoid)
_RELU = (activations.relu, torch.relu, F.relu)
_SATURATE = 1e4  # sigmoid(±1e4) is exactly 1 / 0 in float16/32/64


# ---------------------------------------------------------------------- (de)serialization
def serialize_layer(obj):
    """A layer or cell → its Keras 3 config dict (``{'module', 'class_name', 'config', ...}``)."""
    from kerasish.saving import serialization
    return serialization.serialize_keras_object(obj)


def deserialize_layer(config, custom_objects=None):
    """The inverse of :func:`serialize_layer` (objects pass through)."""
    if not isinstance(config, dict):
        return config
    from kerasish.saving import serialization
    return serialization.deserialize_keras_object(config, custom_objects=custom_objects)


def _clone_layer(layer, **overrides):
    """A new, unbuilt layer with ``layer``'s config (and ``overrides``); cells are cloned with
    their own classes, so custom cells defined anywhere work."""
    config = layer.get_config()
    config.update(overrides)
    if isinstance(layer, RNN) and "cell" in config:
        config["cell"] = _clone_cell(layer.cell)
    return type(layer).from_config(config)


def _clone_cell(cell):
    if isinstance(cell, StackedRNNCells):
        config = cell.get_config()
        config.pop("cells", None)
        return StackedRNNCells([_clone_cell(c) for c in cell.cells], **config)
    if hasattr(cell, "get_config"):
        return type(cell).from_config(cell.get_config())
    return cell


# ---------------------------------------------------------------------- masks
def _mask_runs(mask):
    """For a ``(batch, time)`` bool mask whose True entries form one contiguous run per row:
    ``(starts, lengths, shifted, full)``: device tensors of the run starts and lengths, and
    whether any run starts after t = 0 / whether nothing is masked. ``None`` when some row has
    a hole. Costs one host sync."""
    m = mask if mask.dtype == torch.bool else mask.to(torch.bool)
    t = m.shape[1]
    lengths = m.sum(dim=1)
    starts = torch.where(lengths > 0, m.to(torch.uint8).argmax(dim=1), 0)
    ar = torch.arange(t, device=m.device)
    expected = (ar >= starts[:, None]) & (ar < (starts + lengths)[:, None])
    flags = torch.stack([(expected == m).all(), (starts > 0).any(), m.all()]).tolist()
    if not flags[0]:
        return None
    return starts, lengths, flags[1], flags[2]


def _expand_like(m, t):
    return m.view(m.shape + (1,) * (t.dim() - m.dim()))


def _check_use_cudnn(layer, value):
    if value not in ("auto", True, False):
        raise ValueError(f"{layer}: invalid value for argument `use_cudnn`. Expected one of {{'auto', True, "
                         f"False}}. Received: use_cudnn={value!r}")
    return value


# ---------------------------------------------------------------------- RNN
class RNN(Layer):
    """Runs a cell over the time axis of ``(batch, timesteps, features)`` inputs.

    Args:
        cell: a cell (``call(inputs, states) -> (output, new_states)`` and ``state_size``), or a
            list of cells (stacked).
        return_sequences: return the output of every timestep (``(batch, timesteps, units)``)
            instead of the last one.
        return_state: also return the final states: ``[output, *states]``.
        go_backwards: process the sequence in reverse (the returned sequence is in processing
            order, as in Keras).
        stateful: keep the final states of each batch as the initial states of the next one
            (fixed batch size; ``reset_states()`` zeroes them).
        unroll: accepted; it does not change the results.
        zero_output_for_mask: masked timesteps output zeros instead of the previous output.

    Call arguments: ``inputs``, ``initial_state`` (a list of tensors), ``mask`` (``(batch,
    timesteps)`` booleans, usually from ``Embedding(mask_zero=True)`` or ``Masking``),
    ``training``.
    """

    _input_ndim = None  # exact rank required (3 for the built-in layers)

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False, stateful=False,
                 unroll=False, zero_output_for_mask=False, **kwargs):
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        if not hasattr(cell, "call"):
            raise ValueError(f"Argument `cell` should have a `call` method. Received: cell={cell!r}")
        if not hasattr(cell, "state_size"):
            raise ValueError(
                "The RNN cell should have a `state_size` attribute (single integer or list of integers, one "
                f"integer per RNN state). Received: cell={cell!r}")
        if kwargs.pop("time_major", False):
            raise ValueError(f"{type(self).__name__}: `time_major=True` is not supported (it was removed in "
                             "Keras 3). Pass inputs of shape (batch, timesteps, features).")
        kwargs.pop("input_length", None)
        use_cudnn = kwargs.pop("use_cudnn", "auto")
        super().__init__(**kwargs)
        state_size = cell.state_size
        if state_size is None or not isinstance(state_size, (int, list, tuple)):
            raise ValueError(
                "state_size must be an integer, or a list/tuple of integers (one for each state tensor). "
                f"Received: state_size={state_size!r}")
        self.cell = cell
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self.unroll = bool(unroll)
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self.use_cudnn = _check_use_cudnn(type(self).__name__, use_cudnn)
        self.supports_masking = True
        self.states = None
        self._expected_batch_size = None

    @property
    def state_size(self):
        size = self.cell.state_size
        return [size] if isinstance(size, int) else list(size)

    @property
    def single_state(self):
        return isinstance(self.cell.state_size, int)

    # ------------------------------------------------------------------ building
    def build(self, sequences_shape, initial_state_shape=None):
        if isinstance(sequences_shape, list) and sequences_shape and isinstance(sequences_shape[0], (tuple, list)):
            sequences_shape = sequences_shape[0]  # [sequences, *initial_states]
        sequences_shape = tuple(sequences_shape)
        self._check_rank(len(sequences_shape), sequences_shape)
        step_shape = (sequences_shape[0],) + sequences_shape[2:]
        if isinstance(self.cell, Layer) and not self.cell.built:
            self.cell.build(step_shape)
            self.cell.built = True
        if self.stateful:
            if sequences_shape[0] is None:
                raise ValueError(
                    "When using `stateful=True` in a RNN, the batch size must be static. Found dynamic batch "
                    f"size: sequence.shape={sequences_shape}. Pass `batch_size=` to `keras.Input` (or "
                    "`batch_input_shape=` to the first layer).")
            self._expected_batch_size = int(sequences_shape[0])
            self.states = self.get_initial_state(self._expected_batch_size)

    def _check_rank(self, ndim, shape):
        if (self._input_ndim is not None and ndim != self._input_ndim) or ndim < 3:
            expected = f"ndim={self._input_ndim}" if self._input_ndim else "ndim>=3"
            raise ValueError(
                f"Input 0 of layer '{self.name}' ({type(self).__name__}) is incompatible with the layer: expected "
                f"{expected}, found ndim={ndim}. Full shape received: {tuple(shape)} (inputs must be "
                "(batch, timesteps, features)).")

    # ------------------------------------------------------------------ states
    def get_initial_state(self, batch_size):
        fn = getattr(self.cell, "get_initial_state", None)
        if fn is not None:
            init = fn(batch_size=batch_size)
            return list(init) if isinstance(init, (list, tuple)) else [init]
        dtype = getattr(self.cell, "_compute_dtype", self._compute_dtype)
        return [torch.zeros((batch_size,) + ((d,) if isinstance(d, int) else tuple(d)), dtype=dtype,
                            device=backend.get_device()) for d in self.state_size]

    def reset_state(self):
        """Zero the stored states of a stateful layer (Keras 3 name)."""
        if self.states is not None:
            self.states = tree.map_structure(torch.zeros_like, self.states)

    def reset_states(self, states=None):
        """Zero the stored states, or set them to ``states`` (a list of arrays, Keras 2)."""
        if states is None:
            self.reset_state()
            return
        if not self.stateful:
            raise AttributeError(f"Layer '{self.name}' must be stateful to set its states.")
        current = tree.flatten(self.states) if self.states is not None else None
        values = tree.flatten(states if isinstance(states, (list, tuple)) else [states])
        if current is None or len(values) != len(current):
            raise ValueError(
                f"Layer '{self.name}' expects {0 if current is None else len(current)} state values, but received "
                f"{len(values)} (the layer must be built, and one value per state is needed).")
        new = []
        for cur, v in zip(current, values):
            t = backend.convert_to_tensor(v).to(device=cur.device, dtype=cur.dtype)
            if tuple(t.shape) != tuple(cur.shape):
                raise ValueError(f"Layer '{self.name}': state has shape {tuple(cur.shape)}, but the value given "
                                 f"has shape {tuple(t.shape)}.")
            new.append(t)
        self.states = tree.pack_like(self.states, new)

    def _resolve_states(self, initial_state, x):
        batch = x.shape[0]
        if initial_state is None:
            if self.stateful:
                if self.states is None:
                    self._expected_batch_size = batch
                    self.states = self.get_initial_state(batch)
                if self._expected_batch_size is not None and batch != self._expected_batch_size:
                    raise ValueError(
                        f"If an RNN is stateful, the batch size of the input sequences must be the same as the "
                        f"batch size of the initial state (layer '{self.name}').\n- Expected batch size: "
                        f"{self._expected_batch_size}\n- Received batch size: {batch}")
                states = self.states
            else:
                states = self.get_initial_state(batch)
        else:
            states = list(initial_state) if isinstance(initial_state, (list, tuple)) else [initial_state]
            n_expected = len(tree.flatten(self.get_initial_state(1))) if isinstance(self.cell, StackedRNNCells) \
                else len(self.state_size)
            if len(tree.flatten(states)) != n_expected:
                raise ValueError(
                    f"Layer '{self.name}' has {n_expected} state(s) (state_size={self.cell.state_size}), but it "
                    f"received {len(tree.flatten(states))} initial state tensor(s).")
        dtype = x.dtype

        def fix(s):
            if not isinstance(s, torch.Tensor):
                s = backend.convert_to_tensor(s)
            if s.device != x.device or s.dtype != dtype:
                s = s.to(device=x.device, dtype=dtype)
            return s
        return tree.map_structure(fix, states)

    # ------------------------------------------------------------------ calling
    def call(self, sequences, initial_state=None, mask=None, training=False):
        if isinstance(sequences, (list, tuple)):
            if initial_state is None and len(sequences) > 1:
                initial_state = list(sequences[1:])
            sequences = sequences[0]
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        x = sequences
        if not x.is_floating_point():
            x = x.to(self._compute_dtype)
        self._check_input(x)
        if mask is not None:
            if not isinstance(mask, torch.Tensor):
                mask = torch.as_tensor(np.asarray(mask), device=x.device)
            if mask.dim() == 3 and mask.shape[-1] == 1:
                mask = mask[..., 0]
            if mask.dtype != torch.bool:
                mask = mask.to(torch.bool)
            if tuple(mask.shape) != tuple(x.shape[:2]):
                raise ValueError(f"Layer '{self.name}': the mask must have shape (batch, timesteps) = "
                                 f"{tuple(x.shape[:2])}. Received: mask.shape={tuple(mask.shape)}")
        states = self._resolve_states(initial_state, x)
        result = None
        kind = self._fused_kind(training)
        if kind is not None:
            result = self._run_fused(kind, x, states, mask, training)
        if result is None:
            if self.use_cudnn is True and kind is None and type(self) is not RNN:
                raise ValueError(
                    f"Layer '{self.name}': use_cudnn=True was specified, but the fused kernel does not support "
                    "this layer configuration. Pass use_cudnn='auto' to fall back to the step loop.")
            result = self._run_loop(x, states, mask, training)
        last, outputs, new_states = result
        if self.stateful:
            self.states = tree.map_structure(lambda s: s.detach(), new_states)
        output = outputs if self.return_sequences else last
        if self.return_state:
            if mask is not None and self.return_sequences:
                output._keras_mask = mask
            return (output, *new_states)
        return output

    def _check_input(self, x):
        self._check_rank(x.dim(), tuple(x.shape))
        kernel = getattr(self.cell, "kernel", None)
        if isinstance(self.cell, (SimpleRNNCell, LSTMCell, GRUCell)) and kernel is not None \
                and x.shape[-1] != kernel.shape[0]:
            raise ValueError(
                f"Input 0 of layer '{self.name}' ({type(self).__name__}) is incompatible with the layer: expected "
                f"axis -1 of input shape to have value {kernel.shape[0]}, but received input with shape "
                f"{tuple(x.shape)}")

    # ------------------------------------------------------------------ fused kernels
    def _fused_kind(self, training):
        """Which of torch's fused kernels computes this layer exactly, or None."""
        if self.use_cudnn is False:
            return None
        cell = self.cell
        t = type(cell)
        if t is LSTMCell:
            ok = cell.activation in _TANH and cell.recurrent_activation in _SIGMOID
            if training and cell.implementation == 1 and 0.0 < cell.dropout < 1.0:
                ok = False
            kind = "lstm"
        elif t is GRUCell:
            ok = cell.reset_after and cell.activation in _TANH and cell.recurrent_activation in _SIGMOID
            if training and cell.implementation == 1 and 0.0 < cell.dropout < 1.0:
                ok = False
            kind = "gru"
        elif t is SimpleRNNCell:
            ok = cell.activation in _TANH or cell.activation in _RELU
            kind = "rnn_tanh" if cell.activation in _TANH else "rnn_relu"
        else:
            return None
        if training and 0.0 < cell.recurrent_dropout < 1.0:
            return None
        return kind if ok else None

    def _run_fused(self, kind, x, states, mask, training):
        cell = self.cell
        flat0 = tree.flatten(states)
        if x.shape[1] == 0 or any(s.dim() != 2 for s in flat0):
            return None
        if self.go_backwards:
            x = x.flip(1)
            if mask is not None:
                mask = mask.flip(1)
        runs = None
        if mask is not None:
            runs = _mask_runs(mask)
            if runs is None:  # the mask has holes: Keras's step semantics need the loop
                return None
            if runs[3]:
                runs = None  # nothing is masked
        if training and 0.0 < cell.dropout < 1.0:
            dp = cell._create_dropout_mask(x[:, 0], cell.dropout)
            dp = dp[0] if isinstance(dp, list) else dp
            x = x * dp.unsqueeze(1)
        params = cell._fused_params()
        h0 = flat0[0]
        c0 = flat0[1] if kind == "lstm" else None
        if runs is None:
            out, new = _fused_call(kind, x, h0, c0, params, cell.use_bias)
            return new[0], out, tree.pack_like(states, new)
        return self._fused_masked(kind, x, h0, c0, params, runs, states)

    def _fused_masked(self, kind, x, h0, c0, params, runs, states):
        """The fused kernel under a mask whose unmasked steps are one run per row.

        Each row's run is moved to t = 0 (a gather), the kernel runs over the whole padded
        sequence (on CPU this beats packed sequences by ~10x), and the results are read at
        each row's last valid step: outputs are causal, so steps after the run cannot change
        them. For the LSTM carry, the padded steps are made exact no-ops by an extra input
        feature that saturates the input gate to 0 and the forget gate to 1 there, so the
        kernel's final carry is the carry at the last valid step (also for the gradients).
        """
        starts, lengths, shifted, _ = runs
        b, t = x.shape[:2]
        ar = torch.arange(t, device=x.device)
        if shifted:
            idx = (ar[None, :] + starts[:, None]).clamp(max=t - 1)
            x = x.gather(1, idx.unsqueeze(-1).expand(-1, -1, x.shape[-1]))
        need_carry = kind == "lstm" and (self.return_state or self.stateful)
        if need_carry:
            u = self.cell.units
            pad = (ar[None, :] >= lengths[:, None]).to(x.dtype).unsqueeze(-1)
            x = torch.cat([x, pad], dim=-1)
            col = torch.zeros((4 * u, 1), dtype=params[0].dtype, device=params[0].device)
            col[:u] = -_SATURATE  # input gate → 0
            col[u:2 * u] = _SATURATE  # forget gate → 1
            params = [torch.cat([params[0], col], dim=1)] + list(params[1:])
        out, new = _fused_call(kind, x, h0, c0, params, self.cell.use_bias)
        valid = lengths > 0
        last_idx = (lengths - 1).clamp(min=0)
        h_last = out.gather(1, last_idx.view(b, 1, 1).expand(-1, 1, out.shape[-1]))[:, 0]
        new[0] = torch.where(valid[:, None], h_last, h0)  # fully masked rows keep their states
        zero = torch.zeros((), dtype=out.dtype, device=out.device)
        last = torch.where(valid[:, None], h_last, zero)
        if self.zero_output_for_mask:
            last = torch.where(((starts + lengths) == t)[:, None], last, zero)
        seq = None
        if self.return_sequences:
            j = ar[None, :] - starts[:, None]
            jc = torch.minimum(j.clamp(min=0), last_idx[:, None])
            seq = out.gather(1, jc.unsqueeze(-1).expand(-1, -1, out.shape[-1]))
            if self.zero_output_for_mask:
                keep = (j >= 0) & (j < lengths[:, None])
            else:
                keep = (j >= 0) & valid[:, None]
            seq = torch.where(keep.unsqueeze(-1), seq, zero)
        return last, seq, tree.pack_like(states, new)

    # ------------------------------------------------------------------ step loop
    def _run_loop(self, x, states, mask, training):
        cell = self.cell
        if type(cell) in (SimpleRNNCell, LSTMCell, GRUCell, StackedRNNCells):
            step, has_training = cell.call, True
        elif isinstance(cell, Layer):
            step, has_training = cell, cell._call_has_training or cell._call_has_kwargs
        else:
            step = cell if callable(cell) else cell.call
            try:
                has_training = "training" in inspect.signature(cell.call).parameters
            except (TypeError, ValueError):
                has_training = False
        kwargs = {"training": training} if has_training else {}
        if self.go_backwards:
            x = x.flip(1)
            if mask is not None:
                mask = mask.flip(1)
        steps = x.unbind(1)
        masks = mask.unbind(1) if mask is not None else None
        _reset_dropout(cell)
        outputs, prev_out = [], None
        try:
            for i, x_t in enumerate(steps):
                out, new_states = step(x_t, tuple(states), **kwargs)
                if not isinstance(new_states, (list, tuple)):
                    new_states = [new_states]
                if masks is not None:
                    m = masks[i]
                    if prev_out is None:
                        prev_out = torch.zeros_like(out)
                    fill = torch.zeros_like(out) if self.zero_output_for_mask else prev_out
                    out = torch.where(_expand_like(m, out), out, fill)
                    flat_new = [torch.where(_expand_like(m, n), n, o)
                                for n, o in zip(tree.flatten(new_states), tree.flatten(states))]
                    new_states = tree.pack_like(new_states, flat_new)
                states = list(new_states)
                prev_out = out
                if self.return_sequences:
                    outputs.append(out)
        finally:
            _reset_dropout(cell)
        if prev_out is None:
            raise ValueError(f"Layer '{self.name}' received a sequence with 0 timesteps: shape {tuple(x.shape)}")
        seq = torch.stack(outputs, dim=1) if self.return_sequences else None
        return prev_out, seq, states

    # ------------------------------------------------------------------ misc
    def _infer_outputs(self, args, kwargs):
        saved = self.states  # shape inference must not touch the states of a stateful layer
        try:
            return super()._infer_outputs(args, kwargs)
        finally:
            self.states = saved

    def _explain_error(self, error, args):
        return ValueError(
            f"Exception encountered when calling {type(self).__name__} '{self.name}': {error}. Received inputs "
            f"with shapes {[tuple(a.shape) for a in tree.flatten(list(args)) if isinstance(a, torch.Tensor)]}.")

    def compute_mask(self, inputs, previous_mask=None):
        mask = previous_mask[0] if isinstance(previous_mask, (list, tuple)) else previous_mask
        out_mask = mask if self.return_sequences else None
        if self.return_state:
            return [out_mask] + [None] * len(tree.flatten(self.state_size))
        return out_mask

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        batch, length = sequences_shape[0], sequences_shape[1]
        out = getattr(self.cell, "output_size", None)
        if out is None:
            out = self.state_size[0]
        output_shape = (batch, length, out) if self.return_sequences else (batch, out)
        if not self.return_state:
            return output_shape
        states = [(batch, s) if isinstance(s, int) else [(batch, d) for d in s] for s in self.state_size]
        return (output_shape, *states)

    def get_config(self):
        config = super().get_config()
        config.update({
            "return_sequences": self.return_sequences,
            "return_state": self.return_state,
            "go_backwards": self.go_backwards,
            "stateful": self.stateful,
            "unroll": self.unroll,
            "zero_output_for_mask": self.zero_output_for_mask,
        })
        config["cell"] = serialize_layer(self.cell)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        if "cell" in config:
            config["cell"] = deserialize_layer(config["cell"], custom_objects)
        return cls(**config)

    def extra_repr(self):
        flags = [f for f in ("return_sequences", "return_state", "go_backwards", "stateful") if getattr(self, f)]
        units = getattr(self.cell, "units", None)
        return f"name={self.name!r}" + (f", units={units}" if units else "") + "".join(f", {f}=True" for f in flags)


def _reset_dropout(cell):
    if isinstance(cell, DropoutRNNCell):
        cell.reset_dropout_mask()
        cell.reset_recurrent_dropout_mask()
    elif isinstance(cell, StackedRNNCells):
        for c in cell.cells:
            _reset_dropout(c)


def _fused_call(kind, x, h0, c0, params, has_bias):
    """Run torch's fused ``kind`` kernel ('lstm', 'gru', 'rnn_tanh', 'rnn_relu') over the
    batch-first ``x``. Returns ``(outputs (batch, time, units), [h_n(, c_n)])``."""
    if x.is_cuda:
        # cuDNN wants contiguous weights and copies them into its own buffer every call, and
        # says so (a warning aimed at nn.LSTM users, who can call flatten_parameters()). The
        # copies are a few hundred KB, against a whole sequence of work.
        params = [p.contiguous() for p in params]
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="RNN module weights are not part")
            return _fused_call_impl(kind, x, h0, c0, params, has_bias)
    return _fused_call_impl(kind, x, h0, c0, params, has_bias)


def _fused_call_impl(kind, x, h0, c0, params, has_bias):
    train = torch.is_grad_enabled()
    hx = h0.unsqueeze(0)
    if kind == "lstm":
        out, h, c = torch._VF.lstm(x, (hx, c0.unsqueeze(0)), params, has_bias, 1, 0.0, train, False, True)
        return out, [h[0], c[0]]
    out, h = getattr(torch._VF, kind)(x, hx, params, has_bias, 1, 0.0, train, False, True)
    return out, [h[0]]


# ---------------------------------------------------------------------- built-in layers
class _BuiltinRNN(RNN):
    """Keras's SimpleRNN / LSTM / GRU: an RNN over its own cell, configured by the cell's
    arguments (exposed as properties, and flattened into ``get_config``)."""

    _input_ndim = 3

    def get_config(self):
        config = super().get_config()
        config.pop("cell", None)
        cell_config = self.cell.get_config()
        for key in ("name", "trainable", "dtype"):
            cell_config.pop(key, None)
        config.update(cell_config)
        config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return cls(**config)

    units = property(lambda self: self.cell.units)
    activation = property(lambda self: self.cell.activation)
    use_bias = property(lambda self: self.cell.use_bias)
    kernel_initializer = property(lambda self: self.cell.kernel_initializer)
    recurrent_initializer = property(lambda self: self.cell.recurrent_initializer)
    bias_initializer = property(lambda self: self.cell.bias_initializer)
    kernel_regularizer = property(lambda self: self.cell.kernel_regularizer)
    recurrent_regularizer = property(lambda self: self.cell.recurrent_regularizer)
    bias_regularizer = property(lambda self: self.cell.bias_regularizer)
    kernel_constraint = property(lambda self: self.cell.kernel_constraint)
    recurrent_constraint = property(lambda self: self.cell.recurrent_constraint)
    bias_constraint = property(lambda self: self.cell.bias_constraint)
    dropout = property(lambda self: self.cell.dropout)
    recurrent_dropout = property(lambda self: self.cell.recurrent_dropout)


class SimpleRNN(_BuiltinRNN):
    """Fully connected RNN: ``h_t = activation(x_t @ kernel + h_{t-1} @ recurrent_kernel + bias)``.

    Args: as :class:`SimpleRNNCell` (units, activation='tanh', use_bias, initializers,
    regularizers, constraints, dropout, recurrent_dropout, seed) plus the :class:`RNN`
    arguments (return_sequences, return_state, go_backwards, stateful, unroll).

    Example:
        >>> rnn = SimpleRNN(4, return_sequences=True)
        >>> rnn(np.zeros((32, 10, 8), "float32")).shape
        torch.Size([32, 10, 4])
    """

    def __init__(self, units, activation="tanh", use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros", kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0, recurrent_dropout=0.0,
                 return_sequences=False, return_state=False, go_backwards=False, stateful=False, unroll=False,
                 seed=None, **kwargs):
        cell = SimpleRNNCell(units, activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
                             recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
                             kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
                             bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
                             recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
                             dropout=dropout, recurrent_dropout=recurrent_dropout, seed=seed,
                             dtype=kwargs.get("dtype"), trainable=kwargs.get("trainable", True),
                             name="simple_rnn_cell")
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                         activity_regularizer=activity_regularizer, **kwargs)


class LSTM(_BuiltinRNN):
    """Long Short-Term Memory layer (Hochreiter 1997), Keras gate order ``i, f, c, o``.

    Runs on torch's fused LSTM kernel (cuDNN on CUDA) with the default activations; see the
    module docstring for when the step loop is used instead.

    Args: as :class:`LSTMCell` (units, activation='tanh', recurrent_activation='sigmoid',
    use_bias, kernel/recurrent/bias initializers, unit_forget_bias=True, regularizers,
    constraints, dropout, recurrent_dropout, seed) plus the :class:`RNN` arguments and
    ``use_cudnn`` ('auto', True, False: False always uses the step loop).

    Weights: ``kernel (features, 4 * units)``, ``recurrent_kernel (units, 4 * units)``,
    ``bias (4 * units,)``.

    Example:
        >>> lstm = LSTM(32, return_state=True)
        >>> out, h, c = lstm(np.zeros((8, 20, 16), "float32"))
    """

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout=0.0, recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, use_cudnn="auto", **kwargs):
        cell = LSTMCell(units, activation=activation, recurrent_activation=recurrent_activation, use_bias=use_bias,
                        kernel_initializer=kernel_initializer, unit_forget_bias=unit_forget_bias,
                        recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
                        kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
                        bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
                        recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint, dropout=dropout,
                        recurrent_dropout=recurrent_dropout, dtype=kwargs.get("dtype"),
                        trainable=kwargs.get("trainable", True), name="lstm_cell", seed=seed,
                        implementation=kwargs.pop("implementation", 2))
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                         activity_regularizer=activity_regularizer, use_cudnn=use_cudnn, **kwargs)

    recurrent_activation = property(lambda self: self.cell.recurrent_activation)
    unit_forget_bias = property(lambda self: self.cell.unit_forget_bias)
    implementation = property(lambda self: self.cell.implementation)


class GRU(_BuiltinRNN):
    """Gated Recurrent Unit (Cho 2014), Keras gate order ``z, r, h``.

    With ``reset_after=True`` (the default) it runs on torch's fused GRU kernel (cuDNN on
    CUDA); ``reset_after=False`` (the Keras 2.0 / TF1 variant) uses the step loop.

    Args: as :class:`GRUCell` (units, activation='tanh', recurrent_activation='sigmoid',
    use_bias, initializers, regularizers, constraints, dropout, recurrent_dropout,
    reset_after=True, seed) plus the :class:`RNN` arguments and ``use_cudnn``.

    Weights: ``kernel (features, 3 * units)``, ``recurrent_kernel (units, 3 * units)``,
    ``bias (2, 3 * units)`` (``(3 * units,)`` when ``reset_after=False``).
    """

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout=0.0, recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, reset_after=True, use_cudnn="auto", **kwargs):
        cell = GRUCell(units, activation=activation, recurrent_activation=recurrent_activation, use_bias=use_bias,
                       kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
                       bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                       recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
                       kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
                       bias_constraint=bias_constraint, dropout=dropout, recurrent_dropout=recurrent_dropout,
                       reset_after=reset_after, dtype=kwargs.get("dtype"), trainable=kwargs.get("trainable", True),
                       name="gru_cell", seed=seed, implementation=kwargs.pop("implementation", 2))
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                         activity_regularizer=activity_regularizer, use_cudnn=use_cudnn, **kwargs)

    recurrent_activation = property(lambda self: self.cell.recurrent_activation)
    reset_after = property(lambda self: self.cell.reset_after)
    implementation = property(lambda self: self.cell.implementation)


# The wrappers live in rnn_wrappers.py; re-exported here for kerasish.layers.
from kerasish.layers.rnn_wrappers import Bidirectional, TimeDistributed  # noqa: E402,F401
