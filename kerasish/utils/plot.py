"""``keras.utils.plot_model`` and ``keras.utils.model_to_dot``: draw a model's layer graph.

Who owns what:
- :func:`model_to_dot` builds a ``pydot`` graph (needs only the ``pydot`` package): one
  node per layer, named ``str(id(layer))`` and labelled with a Keras-style HTML table
  (name, class, optionally activation, shapes, dtype, trainable), and one edge per
  tensor flowing between layers of the model's graph. Nested models are drawn as one
  node, or as a dashed cluster of their own layers with ``expand_nested=True``.
- :func:`plot_model` renders that graph with graphviz's ``dot`` program to a file; the
  image format comes from the file suffix (``.png`` when there is none).

Without pydot or the ``dot`` program, ``plot_model`` raises ImportError with an install
hint (inside IPython it prints the hint and returns None instead, like Keras 3).
"""
import os
import sys

__all__ = ["model_to_dot", "plot_model", "check_pydot", "check_graphviz"]

_PYDOT_HINT = "You must install pydot (`pip install pydot`) for `plot_model` to work."
_GRAPHVIZ_HINT = ("You must install graphviz (see instructions at https://graphviz.gitlab.io/download/) "
                  "for `plot_model` to work.")


def _pydot():
    """The pydot module (or one of its older forks), or None."""
    for name in ("pydot", "pydot_ng", "pydotplus"):
        try:
            return __import__(name)
        except ImportError:
            continue
    return None


def check_pydot():
    """True when pydot can be imported."""
    return _pydot() is not None


def check_graphviz():
    """True when pydot is importable and graphviz's ``dot`` program runs."""
    pydot = _pydot()
    if pydot is None:
        return False
    try:
        pydot.Dot.create(pydot.Dot())
    except (OSError, getattr(pydot, "PydotException", OSError)):
        return False
    return True


# ---------------------------------------------------------------------- labels
def _structure_map(fn, struct):
    if isinstance(struct, dict):
        return {k: _structure_map(fn, v) for k, v in struct.items()}
    if isinstance(struct, (list, tuple)):
        return [_structure_map(fn, v) for v in struct]
    return fn(struct)


def _format_shape(shape):
    if shape is None:
        return "?"
    if isinstance(shape, dict):
        text = ", ".join(f"{k}: {v}" for k, v in shape.items())
    else:
        text = str(shape)
    return text.replace("{", "").replace("}", "")


def _dtype_name(tensor):
    name = getattr(tensor, "keras_dtype", None)
    if name is not None:
        return name
    from kerasish import backend
    return backend.standardize_dtype(tensor.dtype)


def _activation_name(activation):
    for attr in ("name", "__name__"):
        value = getattr(activation, attr, None)
        if isinstance(value, str):
            return value
    return str(activation)


def _io_attr(layer, attr):
    """``layer.input`` / ``layer.output`` or None when the layer has no symbolic call."""
    try:
        value = getattr(layer, attr)
    except (AttributeError, ValueError, IndexError):
        return None
    if isinstance(value, (list, tuple)) and not value:
        return None
    return value


def _cell(text, bgcolor="white", color=None, colspan=None):
    span = f' colspan="{colspan}"' if colspan is not None else ""
    font_color = f' color="{color}"' if color else ""
    return (f'<td bgcolor="{bgcolor}"{span}><font point-size="14"{font_color}>{text}</font></td>')


def _layer_label(layer, show_layer_names, show_layer_activations, show_dtype, show_shapes, show_trainable):
    """An HTML-like graphviz label: a black title row, then optional detail rows."""
    class_name = type(layer).__name__
    width = int(bool(show_dtype)) + int(bool(show_trainable)) + (2 if show_shapes else 0)
    width = max(width, 1)
    title = f"<b>{layer.name}</b> ({class_name})" if show_layer_names else f"<b>{class_name}</b>"
    rows = [f'<tr><td colspan="{width}" bgcolor="black"><font point-size="16" color="white">{title}'
            f'</font></td></tr>']
    activation = getattr(layer, "activation", None) if show_layer_activations else None
    if activation is not None:
        rows.append(f'<tr><td bgcolor="white" colspan="{width}"><font point-size="14">'
                    f'Activation: <b>{_activation_name(activation)}</b></font></td></tr>')
    cells = []
    if show_shapes:
        inputs, outputs = _io_attr(layer, "input"), _io_attr(layer, "output")
        in_shape = None if inputs is None else _structure_map(lambda t: tuple(t.shape), inputs)
        out_shape = None if outputs is None else _structure_map(lambda t: tuple(t.shape), outputs)
        if class_name != "InputLayer":
            cells.append(_cell(f"Input shape: <b>{_format_shape(in_shape)}</b>"))
        cells.append(_cell(f"Output shape: <b>{_format_shape(out_shape)}</b>"))
    if show_dtype:
        outputs = _io_attr(layer, "output")
        dtype = None if outputs is None else _structure_map(_dtype_name, outputs)
        cells.append(_cell(f"Output dtype: <b>{dtype or '?'}</b>"))
    if show_trainable and layer.weights:
        if layer.trainable:
            cells.append(_cell("<b>Trainable</b>", bgcolor="forestgreen", color="white"))
        else:
            cells.append(_cell("<b>Non-trainable</b>", bgcolor="firebrick", color="white"))
    if cells:
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return '<<table border="0" cellborder="1" bgcolor="black" cellpadding="10">' + "".join(rows) + "</table>>"


def _make_node(pydot, layer, label_options):
    node = pydot.Node(str(id(layer)), label=_layer_label(layer, **label_options))
    node.set("fontname", "Helvetica")
    node.set("border", "0")
    node.set("margin", "0")
    return node


def _add_edge(pydot, dot, src, dst):
    src_id, dst_id = str(id(src)), str(id(dst))
    if not dot.get_edge(src_id, dst_id):
        edge = pydot.Edge(src_id, dst_id)
        edge.set("penwidth", "2")
        dot.add_edge(edge)


# ---------------------------------------------------------------------- graph walking
def _graph_nodes(model):
    """ids of the Nodes (layer calls) between the model's inputs and outputs."""
    try:
        outputs = list(model.outputs)
        input_ids = {id(t) for t in model.inputs}
    except (AttributeError, ValueError):
        return set()
    found, stack = set(), list(outputs)
    while stack:
        tensor = stack.pop()
        history = getattr(tensor, "_keras_history", None)
        if history is None:
            continue
        node = history[1]
        if id(node) in found:
            continue
        found.add(id(node))
        if id(tensor) not in input_ids:
            stack.extend(node.input_tensors)
    return found


def _is_graph_model(layer):
    from kerasish.models.functional import Functional
    from kerasish.models.sequential import Sequential
    return isinstance(layer, (Functional, Sequential))


def _resolve_source(layer, output_index):
    """The innermost real layer producing output ``output_index`` of a nested model."""
    while _is_graph_model(layer):
        layer, _, output_index = layer.outputs[output_index]._keras_history
    return layer


def _resolve_destination(layer, input_index):
    """The innermost real layer receiving input ``input_index`` of a nested model."""
    from kerasish.models.functional import Functional
    while _is_graph_model(layer):
        if isinstance(layer, Functional):
            layer = layer.inputs[input_index]._keras_history[0]
        else:
            layer = layer.layers[0]
    return layer


def _check_built(model):
    if not getattr(model, "built", False):
        raise ValueError(
            "This model has not yet been built. Build the model first by calling `build()` or by calling "
            "the model on a batch of data.")


def _check_kwargs(kwargs, fn):
    if kwargs.pop("layer_range", None) is not None:
        raise ValueError("Argument `layer_range` is no longer supported.")
    if kwargs:
        raise ValueError(f"Unrecognized keyword arguments passed to `{fn}`: {kwargs}")


def model_to_dot(model, show_shapes=False, show_dtype=False, show_layer_names=True, rankdir="TB",
                 expand_nested=False, dpi=200, subgraph=False, show_layer_activations=False,
                 show_trainable=False, splines="ortho", **kwargs):
    """Build a ``pydot.Dot`` graph of ``model`` (a ``pydot.Cluster`` when ``subgraph=True``).

    Args:
        model: a built Keras model. Sequential and functional models show one node per
            layer; a subclassed model is a single node.
        show_shapes: add each layer's input and output shapes.
        show_dtype: add each layer's output dtype.
        show_layer_names: title nodes ``name (Class)`` instead of ``Class``.
        rankdir: graphviz ``rankdir``: ``"TB"`` (top to bottom) or ``"LR"`` (left to right).
        expand_nested: draw nested Sequential/functional models as clusters of their layers.
        dpi: image resolution.
        subgraph: return a ``pydot.Cluster`` (used for nested models).
        show_layer_activations: add the activation of layers that have one.
        show_trainable: mark layers with weights as trainable or not.
        splines: graphviz edge style (``"ortho"``, ``"curved"``, ``"polyline"``, ``"spline"``, ``"line"``).

    Returns:
        The pydot graph. Writing it to an image needs graphviz (see :func:`plot_model`).

    Example:
        >>> dot = keras.utils.model_to_dot(model, show_shapes=True)
        >>> svg = dot.create(format="svg")
    """
    from kerasish.models.functional import Functional
    from kerasish.models.sequential import Sequential
    _check_built(model)
    pydot = _pydot()
    if pydot is None:
        raise ImportError("You must install pydot (`pip install pydot`) for model_to_dot to work.")
    _check_kwargs(kwargs, "model_to_dot")
    if subgraph:
        dot = pydot.Cluster(style="dashed", graph_name=model.name)
        dot.set("label", model.name)
        dot.set("labeljust", "l")
    else:
        dot = pydot.Dot()
        dot.set("rankdir", rankdir)
        dot.set("concentrate", True)
        dot.set("dpi", dpi)
        dot.set("splines", splines)
        dot.set_node_defaults(shape="record")
    label_options = dict(show_layer_names=show_layer_names, show_layer_activations=show_layer_activations,
                         show_dtype=show_dtype, show_shapes=show_shapes, show_trainable=show_trainable)

    if not isinstance(model, (Functional, Sequential)):
        dot.add_node(_make_node(pydot, model, label_options))  # a subclassed model is one box
        return dot
    layers = list(model.layers)
    for layer in layers:
        if expand_nested and _is_graph_model(layer):
            dot.add_subgraph(model_to_dot(
                layer, show_shapes=show_shapes, show_dtype=show_dtype, show_layer_names=show_layer_names,
                rankdir=rankdir, expand_nested=True, dpi=dpi, subgraph=True,
                show_layer_activations=show_layer_activations, show_trainable=show_trainable))
        else:
            dot.add_node(_make_node(pydot, layer, label_options))

    if isinstance(model, Sequential) and not expand_nested:
        for src, dst in zip(layers, layers[1:]):
            _add_edge(pydot, dot, src, dst)
        return dot
    if isinstance(model, Sequential):
        # Its first layer's incoming edge is drawn by the enclosing graph.
        layers = layers[1:]
    own_nodes = _graph_nodes(model)
    for layer in layers:
        for node in layer._inbound_nodes:
            if own_nodes and id(node) not in own_nodes:
                continue  # a call of a shared layer that belongs to another model
            for input_index, tensor in enumerate(node.input_tensors):
                history = getattr(tensor, "_keras_history", None)
                if history is None:
                    continue
                source, _, output_index = history
                destination = layer
                if expand_nested:
                    source = _resolve_source(source, output_index)
                    destination = _resolve_destination(destination, input_index)
                _add_edge(pydot, dot, source, destination)
    return dot


def plot_model(model, to_file="model.png", show_shapes=False, show_dtype=False, show_layer_names=False,
               rankdir="TB", expand_nested=False, dpi=200, show_layer_activations=False, show_trainable=False,
               splines="ortho", **kwargs):
    """Draw ``model`` to an image file with graphviz.

    Arguments are those of :func:`model_to_dot` (note that ``show_layer_names``
    defaults to False here, as in Keras 3), plus ``to_file``: the image path; its
    suffix picks the format (``.png``, ``.svg``, ``.pdf``, ``.jpg``, ...; none means PNG).

    Returns:
        An ``IPython.display`` image of the plot when IPython is installed (None for
        PDF or without IPython).

    Raises:
        ImportError: when pydot or graphviz's ``dot`` program is missing (inside an
            IPython session the install hint is printed and None is returned instead).

    Example:
        >>> keras.utils.plot_model(model, to_file="model.png", show_shapes=True)
    """
    _check_built(model)
    for available, hint in ((check_pydot, _PYDOT_HINT), (check_graphviz, _GRAPHVIZ_HINT)):
        if not available():
            if "IPython.core.magics.namespace" in sys.modules:
                print(hint)  # a notebook keeps running without the plot
                return None
            raise ImportError(hint)
    _check_kwargs(kwargs, "plot_model")
    dot = model_to_dot(model, show_shapes=show_shapes, show_dtype=show_dtype, show_layer_names=show_layer_names,
                       rankdir=rankdir, expand_nested=expand_nested, dpi=dpi,
                       show_layer_activations=show_layer_activations, show_trainable=show_trainable,
                       splines=splines)
    to_file = os.fspath(to_file)
    extension = os.path.splitext(to_file)[1][1:].lower() or "png"
    dot.write(to_file, format=extension)
    return _display(to_file, extension)


def _display(path, extension):
    try:
        from IPython import display
    except ImportError:
        return None
    if extension == "svg":
        return display.SVG(filename=path)
    if extension in ("png", "jpg", "jpeg", "gif"):
        return display.Image(filename=path, format="jpeg" if extension == "jpg" else extension)
    return None
