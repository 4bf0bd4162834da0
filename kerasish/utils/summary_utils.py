"""``model.summary()`` in Keras 3's layout: a box table drawn with plain text.

Column widths follow Keras: the line is ``min(88, terminal columns - 4)`` wide (108 with
a "Connected to" column), split at relative positions; when the borders do not fit,
the columns shrink one by one, as the table renderer Keras uses does. Cell text wraps
at spaces.
"""
import shutil

import torch

from kerasish.engine import keras_tensor as kt_lib


def _shrink(widths, max_width):
    excess = sum(widths) - max_width
    if excess <= 0:
        return widths
    ratio_total = len(widths)
    remaining = excess
    out = []
    for w in widths:
        if ratio_total > 0:
            d = min(w, round(remaining / ratio_total))  # round half to even, as the renderer Keras uses
            out.append(w - d)
            remaining -= d
            ratio_total -= 1
        else:
            out.append(w)
    return out


def _wrap(text, width):
    """Greedy word wrap at spaces; a word longer than the width is cut with an ellipsis."""
    lines = []
    for paragraph in str(text).split("\n"):
        words = paragraph.split(" ")
        line = ""
        for word in words:
            if len(word) > width:  # too long for a line: cut with an ellipsis, like Keras's table
                word = word[:width - 1] + "…"
            candidate = word if not line else f"{line} {word}"
            if len(candidate) <= width:
                line = candidate
            else:
                lines.append(line)
                line = word
        lines.append(line)
    return lines or [""]


def _format_shape(shape):
    if shape is None:
        return "?"
    if isinstance(shape, list):
        return ", ".join(_format_shape(s) for s in shape)
    if isinstance(shape, dict):
        return ", ".join(_format_shape(s) for s in shape.values())
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + (",)" if len(shape) == 1 else ")")


def _size(nbytes):
    for unit in ("B", "KB", "MB", "GB"):
        if nbytes < 1024 or unit == "GB":
            return f"{nbytes:.2f} {unit}"
        nbytes /= 1024.0


def _weights_bytes(weights):
    return sum(w.numel() * w.element_size() for w in weights)


def _count(weights):
    return sum(int(w.numel()) for w in weights)


def _model_nodes(model):
    """The nodes of a functional model, by layer."""
    from kerasish.models.functional import map_graph
    nodes, _ = map_graph(model._flat_inputs, model._flat_outputs)
    by_layer = {}
    for n in reversed(nodes):
        by_layer.setdefault(id(n.layer), []).append(n)
    for v in by_layer.values():
        v.reverse()
    return by_layer


def print_summary(model, line_length=None, positions=None, print_fn=None, expand_nested=False,
                  show_trainable=False, layer_range=None):
    from kerasish.models.functional import Functional
    functional = isinstance(model, Functional)
    nodes_by_layer = _model_nodes(model) if functional else {}
    sequential_like = True
    if functional:
        sequential_like = len(model.inputs) == 1 and len(model.outputs) == 1 and all(
            len(ns) <= 1 and all(len(n.input_tensors) <= 1 for n in ns) for ns in nodes_by_layer.values())
    if sequential_like:
        default_len, positions = 88, positions or [0.45, 0.80, 1.0]
        header = ["Layer (type)", "Output Shape", "Param #"]
        align = ["left", "left", "right"]
    else:
        default_len, positions = 108, positions or [0.3, 0.56, 0.74, 1.0]
        header = ["Layer (type)", "Output Shape", "Param #", "Connected to"]
        align = ["left", "left", "right", "left"]
    if show_trainable:
        default_len += 12
        positions = [p * 0.90 for p in positions] + [1.0]
        header.append("Trainable")
        align.append("center")
    default_len = min(default_len, shutil.get_terminal_size().columns - 4)
    line_length = line_length or default_len
    if positions[-1] <= 1:
        positions = [int(line_length * p) for p in positions]
    widths, current = [], 0
    for pos in positions:
        w = int(pos) - current
        if w < 4:
            raise ValueError("Insufficient console width to print summary.")
        widths.append(w)
        current += w
    widths = _shrink(widths, line_length - (len(widths) + 1))

    layers = model._summary_layers
    if layer_range is not None:
        names = [l.name for l in layers]
        start = names.index(layer_range[0])
        end = names.index(layer_range[1])
        layers = layers[start:end + 1]
    rows = []
    for layer in layers:
        rows.append(_layer_row(model, layer, nodes_by_layer, sequential_like, show_trainable))

    out = []
    out.append(f'Model: "{model.name}"')
    top = "┏" + "┳".join("━" * w for w in widths) + "┓"
    out.append(top)
    out.extend(_render_row(header, widths, align, "┃", "┃"))
    out.append("┡" + "╇".join("━" * w for w in widths) + "┩")
    sep = "├" + "┼".join("─" * w for w in widths) + "┤"
    for i, row in enumerate(rows):
        if i:
            out.append(sep)
        out.extend(_render_row(row, widths, align, "│", "│"))
    out.append("└" + "┴".join("─" * w for w in widths) + "┘")

    weights = model.weights
    trainable = model.trainable_weights
    trainable_ids = {id(w) for w in trainable}
    non_trainable = [w for w in weights if id(w) not in trainable_ids]
    total_count = _count(weights)
    footer = []
    opt = getattr(model, "optimizer", None)
    opt_vars = []
    if opt is not None and getattr(opt, "built", False) and hasattr(opt, "variables"):
        opt_vars = [v for v in opt.variables if torch.is_tensor(v)]
    total_bytes = _weights_bytes(weights) + _weights_bytes(opt_vars)
    footer.append(f" Total params: {total_count + _count(opt_vars):,} ({_size(total_bytes)})")
    footer.append(f" Trainable params: {_count(trainable):,} ({_size(_weights_bytes(trainable))})")
    footer.append(f" Non-trainable params: {_count(non_trainable):,} ({_size(_weights_bytes(non_trainable))})")
    if opt_vars:
        footer.append(f" Optimizer params: {_count(opt_vars):,} ({_size(_weights_bytes(opt_vars))})")
    if print_fn is None:
        print("\n".join(out))
        print("\n".join(footer))
    else:
        print_fn("\n".join(out) + "\n" + "\n".join(footer) + "\n")


def _render_row(cells, widths, align, left, right):
    wrapped = [_wrap(c, w - 2) for c, w in zip(cells, widths)]
    height = max(len(w) for w in wrapped)
    lines = []
    for i in range(height):
        parts = []
        for cell, w, a in zip(wrapped, widths, align):
            text = cell[i] if i < len(cell) else ""
            inner = w - 2
            if a == "right":
                text = text.rjust(inner)
            elif a == "center":
                text = text.center(inner)
            else:
                text = text.ljust(inner)
            parts.append(" " + text + " ")
        lines.append(left + "│".join(parts) + right if left == "│" else left + "┃".join(parts) + right)
    return lines


def _layer_row(model, layer, nodes_by_layer, sequential_like, show_trainable):
    name = f"{layer.name} ({type(layer).__name__})" if hasattr(layer, "name") else type(layer).__name__
    if nodes_by_layer:
        nodes = nodes_by_layer.get(id(layer), [])
        shapes = [n.outputs for n in nodes]
        if shapes:
            out = shapes[0]
            shape = out.shape if isinstance(out, kt_lib.KerasTensor) else \
                [t.shape for t in nodes[0].output_tensors]
        else:
            shape = None
    else:
        shape = model._layer_output_shape(layer)
    built = getattr(layer, "built", True)
    if not built:
        params = "0 (unbuilt)"
    else:
        params = f"{_count(layer.weights) if hasattr(layer, 'weights') else sum(p.numel() for p in layer.parameters()):,}"
    row = [name, _format_shape(shape), params]
    if not sequential_like:
        conns = []
        for n in nodes_by_layer.get(id(layer), []):
            for t in n.input_tensors:
                src_layer, src_node, idx = t._keras_history
                node_index = src_layer._inbound_nodes.index(src_node) if src_node in src_layer._inbound_nodes else 0
                conns.append(f"{src_layer.name}[{node_index}][{idx}]")
        row.append(", ".join(conns) if conns else "-")
    if show_trainable:
        row.append("Y" if getattr(layer, "trainable", True) else "N")
    return row
