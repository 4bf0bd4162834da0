"""Functional models: a graph of layer calls from ``keras.Input`` tensors to outputs.

The graph is traced once at construction into a flat schedule (nodes ordered from the
inputs, each with the slots it reads and writes), so a call just walks that list.
"""
import torch

from kerasish import backend
from kerasish.engine import keras_tensor as kt_lib
from kerasish.engine import tree
from kerasish.layers.base import Layer, _to_tensor
from kerasish.layers.input import InputLayer
from kerasish.models.model import Model


def _safe_module_name(name, taken, owner=None):
    key = name.replace(".", "_") or "layer"
    if owner is not None and hasattr(type(owner), key):
        key = key + "_"
    base, i = key, 1
    while key in taken:
        key = f"{base}_{i}"
        i += 1
    return key


def map_graph(flat_inputs, flat_outputs):
    """Nodes and layers of the graph between ``flat_inputs`` and ``flat_outputs``, ordered
    like Keras: by depth from the outputs (deepest first), ties in discovery order."""
    input_ids = {id(t) for t in flat_inputs}
    nodes_in_order, finished, visiting = [], set(), set()
    layer_index = {}

    def visit(tensor):
        layer, node, _ = tensor._keras_history
        if layer not in layer_index:
            layer_index[layer] = len(layer_index)
        if id(node) in finished:
            return
        if id(node) in visiting:
            raise ValueError("The functional graph has a cycle.")
        visiting.add(id(node))
        if id(tensor) not in input_ids:
            if isinstance(layer, InputLayer):
                raise ValueError(
                    f"Output tensors of a Functional model must be the output of a layer that depends on the "
                    f"model's inputs, but '{tensor.name}' depends on the Input '{layer.name}' that is not "
                    f"among the model's inputs {[t.name for t in flat_inputs]}.")
            for t in node.input_tensors:
                if t._keras_history is None:
                    raise ValueError(f"Tensor {t} is not the output of a Keras layer.")
                visit(t)
        visiting.discard(id(node))
        finished.add(id(node))
        nodes_in_order.append(node)

    for t in flat_outputs:
        if not isinstance(t, kt_lib.KerasTensor) or t._keras_history is None:
            raise ValueError(
                "All `outputs` of a functional Model must be KerasTensors produced by layers called on "
                f"`keras.Input` tensors. Received: {t!r} (of type {type(t).__name__})")
        visit(t)

    depth = {}
    for node in reversed(nodes_in_order):
        d = depth.setdefault(id(node), 0)
        for parent in node.parent_nodes:
            depth[id(parent)] = max(depth.get(id(parent), 0), d + 1)
    nodes = sorted(nodes_in_order, key=lambda n: -depth[id(n)])
    layer_depth = {}
    for n in nodes:
        layer_depth[n.layer] = max(layer_depth.get(n.layer, 0), depth[id(n)])
    layers = sorted(layer_depth, key=lambda l: (-layer_depth[l], layer_index[l]))
    return nodes, layers


class Functional(Model):
    """``keras.Model(inputs=..., outputs=...)``: one or many inputs and outputs, as a
    tensor, list or dict."""

    def __init__(self, inputs, outputs, name=None, trainable=True, **kwargs):
        Layer.__init__(self, name=name or backend.unique_name("functional"), trainable=trainable, **kwargs)
        self._init_model_state()
        if isinstance(inputs, dict):
            inputs = {k: v for k, v in inputs.items()}
        self._inputs_struct = inputs
        self._outputs_struct = outputs
        flat_inputs = tree.flatten(inputs)
        flat_outputs = tree.flatten(outputs)
        for t in flat_inputs:
            if not isinstance(t, kt_lib.KerasTensor) or t._keras_history is None \
                    or not isinstance(t._keras_history[0], InputLayer):
                raise ValueError(
                    "All `inputs` of a functional Model must come from `keras.Input`. "
                    f"Received: {t!r} (of type {type(t).__name__})")
        self._flat_inputs = flat_inputs
        self._flat_outputs = flat_outputs
        nodes, layers = map_graph(flat_inputs, flat_outputs)
        self._graph_layers = layers
        taken = set()
        for layer in layers:
            key = _safe_module_name(layer.name, taken, self)
            taken.add(key)
            self.add_module(key, layer)
        self._compile_schedule(nodes)
        self._input_names = [t._keras_history[0].name for t in flat_inputs]
        self._input_dtypes = [t.dtype for t in flat_inputs]
        self._input_ranks = [len(t.shape) for t in flat_inputs]
        self._input_last = [t.shape[-1] if t.shape else None for t in flat_inputs]
        self._single_output = not isinstance(outputs, (list, tuple, dict))
        self.built = True

    def _compile_schedule(self, nodes):
        slot = {}
        for i, t in enumerate(self._flat_inputs):
            slot[id(t)] = i
        n_slots = len(self._flat_inputs)
        schedule = []
        input_node_ids = {id(t._keras_history[1]) for t in self._flat_inputs}
        for node in nodes:
            if id(node) in input_node_ids or isinstance(node.layer, InputLayer):
                continue
            in_slots = [slot[id(t)] for t in node.input_tensors]
            simple = (len(node.call_args) == 1 and isinstance(node.call_args[0], kt_lib.KerasTensor)
                      and not node.call_kwargs)
            out_slots = []
            for t in node.output_tensors:
                slot[id(t)] = n_slots
                out_slots.append(n_slots)
                n_slots += 1
            struct = None if simple else (node.call_args, node.call_kwargs)
            single_out = isinstance(node.outputs, kt_lib.KerasTensor)
            schedule.append((node.layer, in_slots, struct, out_slots, single_out))
        self._schedule = schedule
        self._n_slots = n_slots
        self._output_slots = [slot[id(t)] for t in self._flat_outputs]

    # ------------------------------------------------------------------ running
    def _standardize_inputs(self, inputs):
        flat_in = self._flat_inputs
        if isinstance(inputs, dict):
            expected = list(self._inputs_struct.keys()) if isinstance(self._inputs_struct, dict) \
                else self._input_names
            extra = [k for k in inputs if k not in expected]
            if extra:
                import warnings
                warnings.warn(
                    f"The structure of `inputs` doesn't match the expected structure of model '{self.name}': "
                    f"unexpected keys {extra} (expected {expected}); they are ignored.", stacklevel=4)
            missing = [n for n in self._input_names if n not in inputs]
            if isinstance(self._inputs_struct, dict):
                keys = list(self._inputs_struct.keys())
                missing = [k for k in keys if k not in inputs]
                if missing:
                    raise ValueError(
                        f"Model '{self.name}' expects inputs under the keys {keys}; missing {missing}. "
                        f"Received keys: {list(inputs.keys())}")
                return [inputs[k] for k in keys]
            if missing:
                raise ValueError(
                    f"Model '{self.name}' expects inputs named {self._input_names}; missing {missing}. "
                    f"Received keys: {list(inputs.keys())}")
            return [inputs[n] for n in self._input_names]
        if isinstance(inputs, (list, tuple)):
            if len(inputs) != len(flat_in):
                if len(flat_in) == 1:
                    return [inputs]
                raise ValueError(
                    f"Model '{self.name}' expects {len(flat_in)} input(s) {self._input_names}, but it received "
                    f"{len(inputs)} input tensors.")
            return list(inputs)
        if len(flat_in) != 1:
            raise ValueError(
                f"Model '{self.name}' expects {len(flat_in)} inputs {self._input_names}, but it received a "
                f"single input tensor. Pass a list or a dict of inputs.")
        return [inputs]

    def _convert_inputs(self, args):
        if not args:
            return args
        xs = self._standardize_inputs(args[0])
        out = []
        for x, dt, rank, last, name in zip(xs, self._input_dtypes, self._input_ranks, self._input_last,
                                           self._input_names):
            x = _to_tensor(x, None)
            if not isinstance(x, torch.Tensor):
                raise TypeError(f"Model '{self.name}': input '{name}' must be an array or tensor. "
                                f"Received: {type(x).__name__}")
            if x.dtype != dt and (dt.is_floating_point or not x.is_floating_point()):
                x = x.to(dt)
            if x.dim() == rank - 1 and last == 1:
                x = x.unsqueeze(-1)
            elif x.dim() == rank + 1 and x.shape[-1] == 1:
                x = x.squeeze(-1)
            out.append(x)
        return (out,) + tuple(args[1:])

    def call(self, inputs, training=None, mask=None):
        values = [None] * self._n_slots
        if isinstance(inputs, (list, tuple)) and len(inputs) == len(self._flat_inputs):
            values[:len(inputs)] = inputs
        else:
            xs = self._standardize_inputs(inputs)
            values[:len(xs)] = xs
        for layer, in_slots, struct, out_slots, single_out in self._schedule:
            if struct is None:
                y = layer(values[in_slots[0]])
            else:
                it = iter([values[i] for i in in_slots])
                args, kwargs = tree.map_structure(
                    lambda t: next(it) if isinstance(t, kt_lib.KerasTensor) else t, struct)
                y = layer(*args, **kwargs)
            if single_out:
                values[out_slots[0]] = y
            else:
                for i, t in zip(out_slots, tree.flatten(y)):
                    values[i] = t
        if self._single_output:
            return values[self._output_slots[0]]
        return tree.pack_like(self._outputs_struct, [values[i] for i in self._output_slots])

    # ------------------------------------------------------------------ introspection
    @property
    def layers(self):
        return list(self._graph_layers)

    @property
    def inputs(self):
        return list(self._flat_inputs)

    @property
    def outputs(self):
        return list(self._flat_outputs)

    @property
    def input(self):
        return self._inputs_struct

    @property
    def output(self):
        return self._outputs_struct

    @property
    def input_shape(self):
        shapes = [t.shape for t in self._flat_inputs]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def output_shape(self):
        shapes = [t.shape for t in self._flat_outputs]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def output_names(self):
        return [t._keras_history[0].name for t in self._flat_outputs]

    @property
    def input_names(self):
        return list(self._input_names)

    def _node_key(self, node):
        return node

    def get_config(self):
        from kerasish.models import graph_config
        return graph_config.functional_config(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from kerasish.models import graph_config
        return graph_config.functional_from_config(cls, config, custom_objects)
