"""Functional graphs ↔ Keras-3 configs, and ``clone_model``.

A functional config lists the model's layers (in ``model.layers`` order), each with the
calls made inside this model (``inbound_nodes``). A call's arguments keep their
structure; every tensor in them is a reference::

    {"class_name": "__keras_tensor__",
     "config": {"shape": [None, 4], "dtype": "float32", "keras_history": ["dense", 0, 0]}}

``keras_history`` is (layer name, index of the call among that layer's calls *in this
model*, index of the output of that call). ``input_layers`` / ``output_layers`` hold the
same triples, in the structure the model was built with (one triple, a list or a dict).

Rebuilding creates each layer from its config, then replays the calls on KerasTensors
(a call waits until the tensors it reads exist), then calls ``cls(inputs, outputs)``.
tf.keras 2 configs (``inbound_nodes`` as ``[[name, node, tensor, kwargs], ...]``) are read too.
"""
import warnings

from kerasish import backend
from kerasish.engine import keras_tensor as kt_lib
from kerasish.engine import tree

_TENSOR = "__keras_tensor__"


# ============================================================================ to config
def _model_nodes(model):
    from kerasish.models.functional import map_graph
    nodes, _ = map_graph(model._flat_inputs, model._flat_outputs)
    return nodes


def _node_indices(model, layers):
    """id(node) -> index of the node among its layer's nodes that belong to ``model``."""
    own = {id(n) for n in _model_nodes(model)}
    index = {}
    for layer in layers:
        k = 0
        for node in getattr(layer, "_inbound_nodes", []):
            if id(node) in own:
                index[id(node)] = k
                k += 1
    return own, index


def _history(tensor, index):
    layer, node, i = tensor._keras_history
    return [layer.name, index.get(id(node), 0), i]


def _io_structure(struct, index):
    if isinstance(struct, kt_lib.KerasTensor):
        return _history(struct, index)
    if isinstance(struct, dict):
        return {str(k): _io_structure(v, index) for k, v in struct.items()}
    return [_io_structure(t, index) for t in tree.flatten(struct)]


def functional_config(model):
    """The Keras-3 config of a functional model (see the module docstring)."""
    from kerasish.layers.input import InputLayer
    from kerasish.saving import serialization
    layers = model.layers
    own, index = _node_indices(model, layers)

    def arg(value):
        if isinstance(value, kt_lib.KerasTensor):
            return {"class_name": _TENSOR,
                    "config": {"shape": list(value.shape), "dtype": backend.standardize_dtype(value.dtype),
                               "keras_history": _history(value, index)}}
        return serialization.serialize_keras_object(value)

    layer_configs = []
    for layer in layers:
        entry = serialization.serialize_keras_object(layer)
        entry["name"] = layer.name
        nodes = []
        if not isinstance(layer, InputLayer):
            for node in layer._inbound_nodes:
                if id(node) not in own:
                    continue
                nodes.append({"args": [tree.map_structure(arg, a) for a in node.call_args],
                              "kwargs": {k: tree.map_structure(arg, v) for k, v in node.call_kwargs.items()}})
        entry["inbound_nodes"] = nodes
        layer_configs.append(entry)
    return {
        "name": model.name,
        "trainable": model.trainable,
        "layers": layer_configs,
        "input_layers": _io_structure(model._inputs_struct, index),
        "output_layers": _io_structure(model._outputs_struct, index),
    }


# ============================================================================ from config
def _is_ref(value):
    return isinstance(value, list) and len(value) in (3, 4) and isinstance(value[0], str) \
        and all(isinstance(v, int) for v in value[1:3])


class _NotReady(Exception):
    pass


class _GraphBuilder:
    """Replays the calls of a functional config on KerasTensors."""

    def __init__(self, custom_objects):
        self.custom_objects = custom_objects
        self.outputs = {}   # (layer name, node index) -> flat output tensors
        self.calls = {}     # layer name -> calls replayed so far

    def tensor(self, name, node_index, tensor_index):
        flat = self.outputs.get((name, node_index))
        if flat is None:
            raise _NotReady()
        try:
            return flat[tensor_index]
        except IndexError:
            raise ValueError(
                f"Invalid functional config: layer '{name}' call #{node_index} has {len(flat)} outputs, "
                f"but output #{tensor_index} is referenced.") from None

    def value(self, value):
        from kerasish.saving import serialization
        if isinstance(value, dict) and value.get("class_name") == _TENSOR:
            history = value["config"]["keras_history"]
            return self.tensor(*history[:3])
        if isinstance(value, list):
            return [self.value(v) for v in value]
        if isinstance(value, dict) and not ("class_name" in value and "config" in value):
            return {k: self.value(v) for k, v in value.items()}
        return serialization.deserialize_keras_object(value, custom_objects=self.custom_objects)

    def node_call(self, data):
        """(args, kwargs) of a stored call, or raise _NotReady."""
        if isinstance(data, dict):
            args = [self.value(a) for a in data.get("args", [])]
            kwargs = {k: self.value(v) for k, v in (data.get("kwargs") or {}).items()}
            return args, kwargs
        # tf.keras 2: [[layer_name, node_index, tensor_index, kwargs], ...]
        refs = [d for d in data if _is_ref(d)]
        if not refs:
            raise ValueError(f"Invalid functional config: cannot read the inbound node {data!r}.")
        tensors = [self.tensor(*r[:3]) for r in refs]
        kwargs = dict(refs[0][3]) if len(refs[0]) > 3 and isinstance(refs[0][3], dict) else {}
        kwargs = {k: self.value(v) for k, v in kwargs.items()}
        return [tensors[0] if len(tensors) == 1 else tensors], kwargs

    def io(self, struct):
        if _is_ref(struct):
            return self.tensor(*struct[:3])
        if isinstance(struct, dict):
            return {k: self.io(v) for k, v in struct.items()}
        if isinstance(struct, (list, tuple)):
            return [self.io(v) for v in struct]
        raise ValueError(f"Invalid functional config: cannot read the input/output reference {struct!r}.")


def functional_from_config(cls, config, custom_objects=None):
    """Rebuild a functional model (class ``cls``) from :func:`functional_config`'s output
    or a tf.keras 2 ``Model``/``Functional`` config."""
    from kerasish.layers.input import InputLayer
    from kerasish.saving import serialization
    for key in ("layers", "input_layers", "output_layers"):
        if key not in config:
            raise ValueError(
                f"Invalid functional model config: the key '{key}' is missing. Received keys: {sorted(config)}")
    builder = _GraphBuilder(custom_objects)
    created, order, pending = {}, [], {}
    for entry in config["layers"]:
        if not isinstance(entry, dict) or "class_name" not in entry:
            raise ValueError(f"Invalid functional model config: cannot read the layer entry {entry!r}.")
        layer_config = {k: v for k, v in entry.items() if k not in ("name", "inbound_nodes")}
        layer = serialization.deserialize_keras_object(layer_config, custom_objects=custom_objects)
        name = entry.get("name") or getattr(layer, "name", None)
        if name in created:
            raise ValueError(f"Invalid functional model config: two layers are named '{name}'.")
        created[name] = layer
        order.append(name)
        nodes = list(entry.get("inbound_nodes") or [])
        if isinstance(layer, InputLayer):
            builder.outputs[(name, 0)] = [layer.output]
            builder.calls[name] = 1
        else:
            builder.calls[name] = 0
            pending[name] = nodes

    while any(pending.values()):
        progressed = False
        for name in order:
            queue = pending.get(name)
            while queue:
                try:
                    args, kwargs = builder.node_call(queue[0])
                except _NotReady:
                    break
                out = created[name](*args, **kwargs)
                builder.outputs[(name, builder.calls[name])] = tree.flatten(out)
                builder.calls[name] += 1
                queue.pop(0)
                progressed = True
        if not progressed:
            stuck = {n: len(q) for n, q in pending.items() if q}
            raise ValueError(
                "Invalid functional model config: the graph has loops or disconnected calls; these layers "
                f"have calls whose inputs never become available: {stuck}")
    try:
        inputs = builder.io(config["input_layers"])
        outputs = builder.io(config["output_layers"])
    except _NotReady:
        raise ValueError(
            "Invalid functional model config: `input_layers`/`output_layers` reference a layer call that "
            f"does not exist. input_layers={config['input_layers']}, output_layers={config['output_layers']}"
        ) from None
    kwargs = {k: v for k, v in config.items() if k not in ("layers", "input_layers", "output_layers")}
    name = kwargs.pop("name", None)
    trainable = kwargs.pop("trainable", True)
    kwargs.pop("dtype", None)
    model = cls(inputs=inputs, outputs=outputs, name=name, trainable=trainable)
    return model


# ============================================================================ clone_model
def clone_model(model, input_tensors=None, clone_function=None, call_function=None, recursive=False, **kwargs):
    """A model with the same architecture as ``model`` and new (freshly initialized) weights.

    Args:
        model: a Sequential, functional or subclassed model.
        input_tensors: (Sequential/functional) new inputs to build the clone on: a
            ``keras.Input`` tensor, or a list/dict matching the model's inputs.
        clone_function: ``fn(layer) -> layer`` used for each layer (default: a new layer
            from ``layer.get_config()``). Returning the layer itself shares it.
        call_function: ``fn(layer, *args, **kwargs)`` replacing each layer call (functional).
        recursive: also clone nested Sequential/functional models layer by layer.
    """
    from kerasish.layers.base import Layer
    from kerasish.models.functional import Functional
    from kerasish.models.model import Model
    from kerasish.models.sequential import Sequential
    if kwargs:
        raise TypeError(f"clone_model() got unexpected keyword arguments: {sorted(kwargs)}")
    if not isinstance(model, Layer):
        raise TypeError(
            f"clone_model expects a keras Model. Received: {model!r} of type {type(model).__name__}")
    if clone_function is None:
        def clone_function(layer):
            return _clone_layer(layer)
    elif not callable(clone_function):
        raise TypeError(f"clone_model: `clone_function` must be callable. Received: {clone_function!r}")

    def wrapped_clone(layer):
        if recursive and isinstance(layer, (Sequential, Functional)):
            return clone_model(layer, clone_function=clone_function, call_function=call_function,
                               recursive=True)
        return clone_function(layer)

    if isinstance(model, Sequential):
        return _clone_sequential(model, input_tensors, wrapped_clone)
    if isinstance(model, Functional):
        return _clone_functional(model, input_tensors, wrapped_clone, call_function)
    if isinstance(model, Model):
        if input_tensors is not None:
            raise ValueError(
                "clone_model: `input_tensors` is only supported for Sequential and functional models. "
                f"Model '{model.name}' is a subclassed model ({type(model).__name__}).")
        clone = clone_function(model) if clone_function is not None else _clone_layer(model)
        from kerasish.saving import serialization
        build_config = serialization._build_config(model)
        if build_config and isinstance(clone, Model):
            serialization.build_from_config(clone, build_config)
        return clone
    raise TypeError(f"clone_model expects a keras Model. Received a layer: {model!r}")


def _clone_layer(layer):
    from kerasish.layers.input import InputLayer
    from kerasish.saving import serialization
    if isinstance(layer, InputLayer):
        return InputLayer.from_config(layer.get_config())
    config = serialization.serialize_keras_object(layer)
    config.pop("build_config", None)
    config.pop("compile_config", None)
    return serialization.deserialize_keras_object(config, safe_mode=False)


def _clone_sequential(model, input_tensors, clone_function):
    from kerasish.layers.input import InputLayer
    from kerasish.models.sequential import Sequential
    layers = list(model._seq_layers)
    new_layers = []
    if input_tensors is not None:
        flat = tree.flatten(input_tensors)
        if len(flat) != 1:
            raise ValueError(
                "clone_model: a Sequential model takes a single input tensor in `input_tensors`. "
                f"Received {len(flat)} tensors.")
        tensor = flat[0]
        if not isinstance(tensor, kt_lib.KerasTensor) or tensor._keras_history is None:
            raise ValueError(
                f"clone_model: `input_tensors` must come from keras.Input(). Received: {tensor!r}")
        new_layers.append(tensor._keras_history[0])
        layers = [l for l in layers if not isinstance(l, InputLayer)]
    for layer in layers:
        new = clone_function(layer)
        if isinstance(layer, InputLayer) and new is layer:
            new = InputLayer.from_config(layer.get_config())
        new_layers.append(new)
    clone = Sequential(name=model.name, trainable=model.trainable)
    for layer in new_layers:
        clone.add(layer, rebuild=False)
    clone._maybe_rebuild()
    if not clone.built and model.built:
        build_config = model.get_build_config()
        if build_config:
            clone.build_from_config(build_config)
    return clone


def _clone_functional(model, input_tensors, clone_function, call_function):
    from kerasish.layers.input import InputLayer, Input
    from kerasish.models.functional import Functional
    flat_inputs = model._flat_inputs
    new_by_id = {}
    if input_tensors is not None:
        if isinstance(input_tensors, dict) and isinstance(model._inputs_struct, dict):
            given = [input_tensors[k] for k in model._inputs_struct]
        else:
            given = tree.flatten(input_tensors)
        if len(given) != len(flat_inputs):
            raise ValueError(
                f"clone_model: model '{model.name}' has {len(flat_inputs)} inputs, but `input_tensors` has "
                f"{len(given)} tensors.")
        for old, new in zip(flat_inputs, given):
            if not isinstance(new, kt_lib.KerasTensor):
                warnings.warn("clone_model: non-KerasTensor `input_tensors` are wrapped in keras.Input.",
                              stacklevel=3)
                new = Input(batch_shape=tuple(old.shape), dtype=old.dtype)
            new_by_id[id(old)] = new
    else:
        for old in flat_inputs:
            layer = old._keras_history[0]
            new_layer = clone_function(layer)
            if not isinstance(new_layer, InputLayer) or new_layer is layer:
                new_layer = InputLayer.from_config(layer.get_config())
            new_by_id[id(old)] = new_layer.output
    clones = {}
    input_node_ids = {id(t._keras_history[1]) for t in flat_inputs}
    for node in _model_nodes(model):
        if id(node) in input_node_ids or isinstance(node.layer, InputLayer):
            continue
        layer = node.layer
        if id(layer) not in clones:
            clones[id(layer)] = clone_function(layer)
        new_layer = clones[id(layer)]

        def swap(value):
            if isinstance(value, kt_lib.KerasTensor):
                if id(value) not in new_by_id:
                    raise ValueError(f"clone_model: tensor {value!r} is not reachable from the model inputs.")
                return new_by_id[id(value)]
            return value
        args = tree.map_structure(swap, tuple(node.call_args))
        call_kwargs = tree.map_structure(swap, dict(node.call_kwargs))
        out = call_function(new_layer, *args, **call_kwargs) if call_function is not None \
            else new_layer(*args, **call_kwargs)
        for old_t, new_t in zip(node.output_tensors, tree.flatten(out)):
            new_by_id[id(old_t)] = new_t
    inputs = tree.pack_like(model._inputs_struct, [new_by_id[id(t)] for t in flat_inputs])
    outputs = tree.pack_like(model._outputs_struct, [new_by_id[id(t)] for t in model._flat_outputs])
    cls = type(model) if type(model) is not Functional else Functional
    return Functional(inputs=inputs, outputs=outputs, name=model.name, trainable=model.trainable) \
        if cls is Functional else cls(inputs=inputs, outputs=outputs, name=model.name)
