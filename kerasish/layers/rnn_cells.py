"""RNN cells: SimpleRNNCell, LSTMCell, GRUCell and StackedRNNCells.

A cell computes one timestep: ``output, new_states = cell(inputs_t, states)``. The
``keras.layers.RNN`` layer (``recurrent.py``) runs it over a sequence; for the built-in
cells it hands the whole sequence to torch's fused kernels instead when the configuration
allows it (see ``RNN._fused_kind``), using :meth:`_fused_params` to map the Keras weights
onto torch's layout without copying:

- LSTM: Keras gates ``i, f, c, o`` are torch's ``i, f, g, o``: ``weight_ih = kernel.T``,
  ``weight_hh = recurrent_kernel.T``, ``bias_ih = bias``, ``bias_hh = 0``.
- GRU (``reset_after=True``): Keras gates ``z, r, h`` are torch's ``r, z, n`` reordered;
  Keras's bias ``(2, 3u)`` holds the input bias (row 0) and the recurrent bias (row 1), which
  is exactly torch's ``bias_ih`` / ``bias_hh`` split (torch applies the reset gate to
  ``W_hn h + b_hn``, as Keras's reset_after does).
- SimpleRNN: ``weight_ih = kernel.T``, ``weight_hh = recurrent_kernel.T``.

Weights are stored in Keras layout, so ``get_weights()`` and ``cell.kernel`` match Keras.
"""
import torch

from kerasish import activations, backend, constraints, initializers, regularizers
from kerasish.layers.base import Layer


def _check_units(cls, units):
    if isinstance(units, bool) or not isinstance(units, int) or units <= 0:
        try:
            if not isinstance(units, bool) and int(units) == units and units > 0:
                return int(units)
        except (TypeError, ValueError):
            pass
        raise ValueError(
            f"Received an invalid value for argument `units` in {cls}, expected a positive integer. "
            f"Received: units={units!r}")
    return units


def _clip_rate(value):
    return min(1.0, max(0.0, float(value)))


def _dropout_mask(like, rate, generator=None):
    """Keras dropout on a tensor of ones: 0 or ``1 / (1 - rate)``."""
    if rate >= 1.0:
        return torch.zeros_like(like)
    keep = torch.empty_like(like).bernoulli_(1.0 - rate, generator=generator)
    return keep.div_(1.0 - rate)


class DropoutRNNCell:
    """Dropout masks for a cell, drawn once per sequence and reused at every timestep (Keras's
    protocol: the RNN layer draws them on the first step and resets them at the end)."""

    dropout = 0.0
    recurrent_dropout = 0.0
    dropout_mask_count = None

    def _generator(self, device):
        seed = getattr(self, "seed", None)
        if seed is None:
            return None
        gen = self.__dict__.get("_torch_generator")
        if gen is None or gen.device != device:
            gen = torch.Generator(device=device)
            gen.manual_seed(int(seed))
            self.__dict__["_torch_generator"] = gen
        return gen

    def _create_dropout_mask(self, step_input, rate):
        gen = self._generator(step_input.device)
        count = self.dropout_mask_count
        if count is None:
            return _dropout_mask(step_input, rate, gen)
        return [_dropout_mask(step_input, rate, gen) for _ in range(count)]

    def get_dropout_mask(self, step_input):
        if self.__dict__.get("_dropout_mask") is None and self.dropout > 0:
            self.__dict__["_dropout_mask"] = self._create_dropout_mask(step_input, self.dropout)
        return self.__dict__.get("_dropout_mask")

    def get_recurrent_dropout_mask(self, step_input):
        if self.__dict__.get("_recurrent_dropout_mask") is None and self.recurrent_dropout > 0:
            self.__dict__["_recurrent_dropout_mask"] = self._create_dropout_mask(step_input,
                                                                                 self.recurrent_dropout)
        return self.__dict__.get("_recurrent_dropout_mask")

    def reset_dropout_mask(self):
        self.__dict__["_dropout_mask"] = None

    def reset_recurrent_dropout_mask(self):
        self.__dict__["_recurrent_dropout_mask"] = None


class _BuiltinCell(Layer, DropoutRNNCell):
    """Shared arguments, weights and config of the three built-in cells."""

    _gates = 1
    _cls = "Cell"

    def __init__(self, units, activation="tanh", use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros", kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None,
                 **kwargs):
        units = _check_units(self._cls, units)
        super().__init__(**kwargs)
        self.units = units
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = _clip_rate(dropout)
        self.recurrent_dropout = _clip_rate(recurrent_dropout)
        self.seed = seed
        self.output_size = units

    def _build_weights(self, input_shape, bias_shape, bias_initializer):
        input_dim = input_shape[-1]
        if input_dim is None:
            raise ValueError(
                f"{type(self).__name__} '{self.name}': the last dimension of the inputs should be defined. "
                f"Received input shape {tuple(input_shape)}")
        n = self._gates * self.units
        self.kernel = self.add_weight(name="kernel", shape=(int(input_dim), n), initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(name="recurrent_kernel", shape=(self.units, n),
                                                initializer=self.recurrent_initializer,
                                                regularizer=self.recurrent_regularizer,
                                                constraint=self.recurrent_constraint)
        self.bias = self.add_weight(name="bias", shape=bias_shape, initializer=bias_initializer,
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if self.use_bias else None

    def get_initial_state(self, batch_size=None):
        sizes = self.state_size if isinstance(self.state_size, list) else [self.state_size]
        return [torch.zeros((batch_size, d), dtype=self._compute_dtype, device=backend.get_device())
                for d in sizes]

    def _step_dropout(self, inputs, training):
        if training and 0.0 < self.dropout < 1.0:
            return inputs * self.get_dropout_mask(inputs)
        return inputs

    def get_config(self):
        config = super().get_config()
        config.update({
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "recurrent_regularizer": regularizers.serialize(self.recurrent_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "recurrent_constraint": constraints.serialize(self.recurrent_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
            "seed": self.seed,
        })
        return config

    def extra_repr(self):
        return f"name={self.name!r}, units={self.units}"


class SimpleRNNCell(_BuiltinCell):
    """One step of a fully connected RNN: ``h = activation(x @ kernel + h_prev @ recurrent_kernel
    + bias)``.

    Args:
        units: size of the state and output.
        activation: default ``'tanh'``.
        use_bias, kernel/recurrent/bias initializers (glorot_uniform / orthogonal / zeros),
        regularizers and constraints.
        dropout, recurrent_dropout: fraction of the inputs / of the state dropped in training
            (one mask per sequence).
        seed: seed of the dropout masks.
    """

    _gates = 1
    _cls = "SimpleRNNCell"

    def __init__(self, units, activation="tanh", use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros", kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None,
                 **kwargs):
        super().__init__(units, activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
                         recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
                         bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
                         recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
                         dropout=dropout, recurrent_dropout=recurrent_dropout, seed=seed, **kwargs)
        self.state_size = self.units

    def build(self, input_shape):
        self._build_weights(input_shape, (self.units,), self.bias_initializer)

    def call(self, sequence, states, training=False):
        prev = states[0] if isinstance(states, (list, tuple)) else states
        if training and self.dropout > 0:
            sequence = sequence * self.get_dropout_mask(sequence)
        h = torch.matmul(sequence, self.kernel)
        if self.bias is not None:
            h = h + self.bias
        if training and self.recurrent_dropout > 0:
            prev = prev * self.get_recurrent_dropout_mask(prev)
        output = self.activation(h + torch.matmul(prev, self.recurrent_kernel))
        return output, ([output] if isinstance(states, (list, tuple)) else output)

    def _fused_params(self):
        params = [self.kernel.t(), self.recurrent_kernel.t()]
        if self.bias is not None:
            params += [self.bias, torch.zeros_like(self.bias)]
        return params


class LSTMCell(_BuiltinCell):
    """One step of a Long Short-Term Memory layer (Hochreiter 1997), gates ``i, f, c, o``:

    ``c = f * c_prev + i * activation(x W_c + h_prev U_c + b_c)``, ``h = o * activation(c)``,
    with ``i, f, o = recurrent_activation(x W + h_prev U + b)``.

    Args:
        units, activation ('tanh'), recurrent_activation ('sigmoid'), use_bias, initializers,
        unit_forget_bias (default True: the forget-gate bias starts at 1), regularizers,
        constraints, dropout, recurrent_dropout, seed.

    Weights: ``kernel (input_dim, 4 * units)``, ``recurrent_kernel (units, 4 * units)``,
    ``bias (4 * units,)``.
    """

    _gates = 4
    _cls = "LSTMCell"

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, **kwargs):
        implementation = kwargs.pop("implementation", 2)
        super().__init__(units, activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
                         recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
                         bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
                         recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
                         dropout=dropout, recurrent_dropout=recurrent_dropout, seed=seed, **kwargs)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.unit_forget_bias = bool(unit_forget_bias)
        self.implementation = 1 if self.recurrent_dropout else implementation
        if self.implementation == 1:
            self.dropout_mask_count = 4
        self.state_size = [self.units, self.units]

    def build(self, input_shape):
        bias_init = self.bias_initializer
        if self.use_bias and self.unit_forget_bias:
            base_init, u = self.bias_initializer, self.units

            def bias_init(shape, dtype=None):
                parts = [backend.convert_to_tensor(base_init((u,), dtype=dtype)),
                         torch.ones((u,), dtype=backend.to_torch_dtype(dtype or "float32"),
                                    device=backend.get_device()),
                         backend.convert_to_tensor(base_init((2 * u,), dtype=dtype))]
                return torch.cat([p.to(parts[1].device, parts[1].dtype) for p in parts])
        self._build_weights(input_shape, (4 * self.units,), bias_init)

    def call(self, inputs, states, training=False):
        h_tm1, c_tm1 = states[0], states[1]
        split_inputs = training and self.implementation == 1 and 0.0 < self.dropout < 1.0
        split_state = training and 0.0 < self.recurrent_dropout < 1.0
        if split_inputs or split_state:
            u = self.units
            k, rk = self.kernel, self.recurrent_kernel
            dp = self.get_dropout_mask(inputs) if split_inputs else [1.0] * 4
            rdp = self.get_recurrent_dropout_mask(h_tm1) if split_state else [1.0] * 4
            z = [torch.matmul(inputs * dp[g], k[:, g * u:(g + 1) * u])
                 + torch.matmul(h_tm1 * rdp[g], rk[:, g * u:(g + 1) * u]) for g in range(4)]
            if self.bias is not None:
                z = [z[g] + self.bias[g * u:(g + 1) * u] for g in range(4)]
        else:
            if training and 0.0 < self.dropout < 1.0:
                mask = self.get_dropout_mask(inputs)
                inputs = inputs * (mask[0] if isinstance(mask, list) else mask)
            z = torch.matmul(inputs, self.kernel) + torch.matmul(h_tm1, self.recurrent_kernel)
            if self.bias is not None:
                z = z + self.bias
            z = z.chunk(4, dim=-1)
        ra, act = self.recurrent_activation, self.activation
        i, f, o = ra(z[0]), ra(z[1]), ra(z[3])
        c = f * c_tm1 + i * act(z[2])
        h = o * act(c)
        return h, [h, c]

    def _fused_params(self):
        params = [self.kernel.t(), self.recurrent_kernel.t()]
        if self.bias is not None:
            params += [self.bias, torch.zeros_like(self.bias)]
        return params

    def get_config(self):
        config = super().get_config()
        config["recurrent_activation"] = activations.serialize(self.recurrent_activation)
        config["unit_forget_bias"] = self.unit_forget_bias
        return config


class GRUCell(_BuiltinCell):
    """One step of a Gated Recurrent Unit (Cho 2014), gates ``z, r, h``:

    ``h = z * h_prev + (1 - z) * activation(x W_h + r * (h_prev U_h + b_rh) + b_h)``
    with ``reset_after=True`` (the default, cuDNN-compatible), or with the reset gate applied
    to ``h_prev`` before the matmul when ``reset_after=False``.

    Weights: ``kernel (input_dim, 3 * units)``, ``recurrent_kernel (units, 3 * units)``,
    ``bias (2, 3 * units)`` (input and recurrent biases) when reset_after else ``(3 * units,)``.
    """

    _gates = 3
    _cls = "GRUCell"

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0, recurrent_dropout=0.0,
                 reset_after=True, seed=None, **kwargs):
        implementation = kwargs.pop("implementation", 2)
        super().__init__(units, activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
                         recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
                         bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
                         recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
                         dropout=dropout, recurrent_dropout=recurrent_dropout, seed=seed, **kwargs)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.reset_after = bool(reset_after)
        self.implementation = 1 if self.recurrent_dropout else implementation
        if self.implementation == 1:
            self.dropout_mask_count = 3
        self.state_size = self.units

    def build(self, input_shape):
        shape = (2, 3 * self.units) if self.reset_after else (3 * self.units,)
        self._build_weights(input_shape, shape, self.bias_initializer)

    def call(self, inputs, states, training=False):
        h_tm1 = states[0] if isinstance(states, (list, tuple)) else states
        u = self.units
        if self.bias is None:
            input_bias = recurrent_bias = None
        elif self.reset_after:
            input_bias, recurrent_bias = self.bias[0], self.bias[1]
        else:
            input_bias, recurrent_bias = self.bias, None
        split_inputs = training and self.implementation == 1 and 0.0 < self.dropout < 1.0
        split_state = training and 0.0 < self.recurrent_dropout < 1.0
        k, rk = self.kernel, self.recurrent_kernel
        if split_inputs:
            dp = self.get_dropout_mask(inputs)
            x = [torch.matmul(inputs * dp[g], k[:, g * u:(g + 1) * u]) for g in range(3)]
        else:
            if training and 0.0 < self.dropout < 1.0:
                mask = self.get_dropout_mask(inputs)
                inputs = inputs * (mask[0] if isinstance(mask, list) else mask)
            x = list(torch.matmul(inputs, k).chunk(3, dim=-1))
        if input_bias is not None:
            x = [x[g] + input_bias[g * u:(g + 1) * u] for g in range(3)]
        rdp = self.get_recurrent_dropout_mask(h_tm1) if split_state else [1.0] * 3
        if split_state:
            rec = [torch.matmul(h_tm1 * rdp[g], rk[:, g * u:(g + 1) * u]) for g in range(2)]
        else:
            rec = list(torch.matmul(h_tm1, rk[:, :2 * u]).chunk(2, dim=-1))
        if self.reset_after:
            rec_h = torch.matmul(h_tm1 * rdp[2], rk[:, 2 * u:])
            if recurrent_bias is not None:
                rec = [rec[0] + recurrent_bias[:u], rec[1] + recurrent_bias[u:2 * u]]
                rec_h = rec_h + recurrent_bias[2 * u:]
        z = self.recurrent_activation(x[0] + rec[0])
        r = self.recurrent_activation(x[1] + rec[1])
        if self.reset_after:
            hh = self.activation(x[2] + r * rec_h)
        else:
            hh = self.activation(x[2] + torch.matmul(r * (h_tm1 * rdp[2]), rk[:, 2 * u:]))
        h = z * h_tm1 + (1 - z) * hh
        return h, ([h] if isinstance(states, (list, tuple)) else h)

    def _fused_params(self):
        u = self.units
        k, rk = self.kernel, self.recurrent_kernel
        # Keras z, r, h  →  torch r, z, n
        w_ih = torch.cat([k[:, u:2 * u], k[:, :u], k[:, 2 * u:]], dim=1).t()
        w_hh = torch.cat([rk[:, u:2 * u], rk[:, :u], rk[:, 2 * u:]], dim=1).t()
        if self.bias is None:
            return [w_ih, w_hh]
        b = self.bias
        b = torch.cat([b[:, u:2 * u], b[:, :u], b[:, 2 * u:]], dim=1)
        return [w_ih, w_hh, b[0], b[1]]

    def get_config(self):
        config = super().get_config()
        config["recurrent_activation"] = activations.serialize(self.recurrent_activation)
        config["reset_after"] = self.reset_after
        return config


class StackedRNNCells(Layer):
    """Several cells run one after the other at each timestep (the output of one is the
    input of the next), so that an ``RNN`` over them is a stacked RNN in a single loop.

    Args:
        cells: a list of cells.
    """

    def __init__(self, cells, **kwargs):
        cells = list(cells)
        for cell in cells:
            if not hasattr(cell, "call"):
                raise ValueError(f"StackedRNNCells: all cells must have a `call` method. Received cell "
                                 f"without a `call` method: {cell!r}")
            if not hasattr(cell, "state_size"):
                raise ValueError(f"StackedRNNCells: all cells must have a `state_size` attribute. Received "
                                 f"cell without a `state_size`: {cell!r}")
        super().__init__(**kwargs)
        self.cells = cells

    @property
    def state_size(self):
        return [c.state_size for c in self.cells]

    @property
    def output_size(self):
        last = self.cells[-1]
        if getattr(last, "output_size", None) is not None:
            return last.output_size
        if isinstance(last.state_size, (list, tuple)):
            return last.state_size[0]
        return last.state_size

    def get_initial_state(self, batch_size=None):
        states = []
        for cell in self.cells:
            fn = getattr(cell, "get_initial_state", None)
            if fn is not None:
                states.append(fn(batch_size=batch_size))
            elif isinstance(cell.state_size, int):
                states.append(torch.zeros((batch_size, cell.state_size), dtype=self._compute_dtype,
                                          device=backend.get_device()))
            else:
                states.append([torch.zeros((batch_size, d), dtype=self._compute_dtype, device=backend.get_device())
                               for d in cell.state_size])
        return states

    def call(self, inputs, states, training=False):
        new_states = []
        for cell, cell_states in zip(self.cells, states):
            is_list = isinstance(cell_states, (list, tuple))
            cell_states = list(cell_states) if is_list else [cell_states]
            kwargs = {"training": training} if getattr(cell, "_call_has_training", False) else {}
            fn = cell if callable(cell) else cell.call
            inputs, cell_states = fn(inputs, cell_states, **kwargs)
            if isinstance(cell_states, (list, tuple)) and len(cell_states) == 1 and not is_list:
                cell_states = cell_states[0]
            new_states.append(cell_states)
        if len(new_states) == 1:
            new_states = new_states[0]
        return inputs, new_states

    def build(self, input_shape):
        for cell in self.cells:
            if isinstance(cell, Layer) and not cell.built:
                cell.build(input_shape)
                cell.built = True
            if getattr(cell, "output_size", None) is not None:
                out_dim = cell.output_size
            elif isinstance(cell.state_size, (list, tuple)):
                out_dim = cell.state_size[0]
            else:
                out_dim = cell.state_size
            input_shape = (input_shape[0], out_dim)

    def get_config(self):
        from kerasish.layers import recurrent
        config = super().get_config()
        config["cells"] = [recurrent.serialize_layer(c) for c in self.cells]
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from kerasish.layers import recurrent
        config = dict(config)
        cells = [recurrent.deserialize_layer(c, custom_objects) for c in config.pop("cells")]
        return cls(cells, **config)

