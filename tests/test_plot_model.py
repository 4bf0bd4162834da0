"""plot_model / model_to_dot, compared with real Keras: the pydot graph (node labels,
edges, graph attributes) must be the same for the tutorial models. Rendering is checked
when graphviz's `dot` is on PATH and the install hint when it is not; the missing-`dot`
case also runs everywhere, with PATH pointing at an empty directory."""
import importlib
import inspect
import os
import shutil
import sys

import numpy as np
import pytest

import kerasish as keras
from kerasish.utils import plot as plot_lib

HAS_DOT = shutil.which("dot") is not None
GRAPHVIZ_HINT = "You must install graphviz (see instructions at https://graphviz.gitlab.io/download/) for " \
                "`plot_model` to work."
PYDOT_HINT = "You must install pydot (`pip install pydot`) for `plot_model` to work."


@pytest.fixture(autouse=True)
def _plain_script(monkeypatch):
    """Importing real Keras loads IPython's magics, which makes plot_model print its
    install hints instead of raising (a notebook). Tests run as a plain script."""
    monkeypatch.delitem(sys.modules, "IPython.core.magics.namespace", raising=False)


# ---------------------------------------------------------------------- the seed models
def sequential(k):
    L = k.layers
    return k.models.Sequential([L.Input(shape=(28, 28), name="Input"), L.Dense(300, activation="relu", name="Dense1"),
                                L.Dense(100, activation="relu", name="Dense2"),
                                L.Dense(10, activation="softmax", name="Output")])


def functional_chain(k):
    L = k.layers
    inputs = L.Input(shape=(28, 28, 1))
    x = L.Flatten()(inputs)
    x = L.Dense(300, activation="relu")(x)
    x = L.Dense(10, activation="softmax")(x)
    return k.models.Model(inputs=inputs, outputs=x)


def concat_with_input(k):
    L = k.layers
    inputs = k.Input(shape=(28, 28))
    hidden2 = L.Dense(30, activation="relu")(L.Dense(100, activation="relu")(inputs))
    output = L.Dense(1)(L.Concatenate()([inputs, hidden2]))
    return k.models.Model(inputs=[inputs], outputs=[output])


def multi_input_multi_output(k):
    L = k.layers
    input_1 = k.Input(shape=(10, 10), name="input_1")
    input_2 = k.Input(shape=(10, 28), name="input_2")
    hidden1 = L.Dense(100, activation="relu")(input_2)
    hidden2 = L.Dense(10, activation="relu")(hidden1)
    concat = L.Concatenate()([input_1, hidden2])
    output = L.Dense(1, activation="sigmoid", name="main_output")(concat)
    sub_out = L.Dense(1, name="sum_output")(hidden2)
    return k.models.Model(inputs=[input_1, input_2], outputs=[output, sub_out])


def nested(k):
    L = k.layers
    inner = k.Sequential([L.Input((4,)), L.Dense(3, name="in_a"), L.Dense(2, name="in_b")], name="inner")
    f_in = k.Input((2,), name="f_in")
    finner = k.Model(f_in, L.Dense(2, name="f_d", trainable=False)(f_in), name="finner")
    x = k.Input((4,), name="x")
    frozen = L.Dense(2, name="frozen")
    frozen.trainable = False
    y = L.Dense(1, name="head")(frozen(finner(inner(x))))
    return k.Model(x, y, name="outer")


SEEDS = [sequential, functional_chain, concat_with_input, multi_input_multi_output, nested]
OPTIONS = [dict(), dict(show_shapes=True, show_dtype=True, show_trainable=True, show_layer_activations=True),
           dict(show_layer_names=False, rankdir="LR", dpi=96), dict(expand_nested=True, show_shapes=True)]


def describe(dot, model):
    """The graph with layer ids replaced by layer names: comparable across libraries."""
    names = {}

    def collect(m):
        for layer in getattr(m, "_operations", None) or m.layers:
            names[str(id(layer))] = layer.name
            if hasattr(layer, "layers"):
                collect(layer)
    collect(model)

    def nodes(g):
        out = [(names[n.get_name()], n.get_attributes()) for n in g.get_nodes() if n.get_name() != "node"]
        for sub in g.get_subgraphs():
            out.append(("cluster", sub.get_name(), sub.get_attributes()))
            out.extend(nodes(sub))
        return out

    def edges(g):
        out = [(names[e.get_source()], names[e.get_destination()], e.get_attributes()) for e in g.get_edges()]
        for sub in g.get_subgraphs():
            out.extend(edges(sub))
        return out
    return nodes(dot), edges(dot), dot.get_attributes(), dot.get_node_defaults()


@pytest.mark.parametrize("options", OPTIONS, ids=["default", "details", "names-off-LR", "expand"])
@pytest.mark.parametrize("build", SEEDS, ids=[f.__name__ for f in SEEDS])
def test_model_to_dot_matches_keras(oracle, build, options):
    theirs = build(oracle)
    ours = build(keras)
    want = describe(oracle.utils.model_to_dot(theirs, **options), theirs)
    got = describe(keras.utils.model_to_dot(ours, **options), ours)
    assert got == want


def test_graph_of_the_multi_input_multi_output_seed():
    model = multi_input_multi_output(keras)
    dot = keras.utils.model_to_dot(model)
    name_of = {str(id(l)): l.name for l in model.layers}
    assert sorted(name_of[n.get_name()] for n in dot.get_nodes() if n.get_name() != "node") == sorted(
        ["input_1", "input_2", "dense", "dense_1", "concatenate", "main_output", "sum_output"])
    assert sorted((name_of[e.get_source()], name_of[e.get_destination()]) for e in dot.get_edges()) == sorted([
        ("input_2", "dense"), ("dense", "dense_1"), ("input_1", "concatenate"), ("dense_1", "concatenate"),
        ("concatenate", "main_output"), ("dense_1", "sum_output")])
    assert dot.get_attributes() == {"rankdir": "TB", "concentrate": True, "dpi": 200, "splines": "ortho"}


def test_shared_layer_edges_stay_inside_their_model(oracle):
    def build(k):
        shared = k.layers.Dense(3, name="shared")
        a = k.Input((3,), name="a")
        other = k.Model(a, shared(a), name="other")  # noqa: F841 (a second call of `shared`)
        b = k.Input((3,), name="b")
        return k.Model(b, k.layers.Dense(1, name="top")(shared(b)))
    theirs, ours = build(oracle), build(keras)
    assert describe(keras.utils.model_to_dot(ours), ours) == describe(oracle.utils.model_to_dot(theirs), theirs)


def test_subclassed_model_is_a_single_node(oracle):
    def build(k):
        class Net(k.Model):
            def __init__(self):
                super().__init__(name="net")
                self.d1, self.d2 = k.layers.Dense(4), k.layers.Dense(1)

            def call(self, x):
                return self.d2(self.d1(x))
        net = Net()
        net(np.zeros((2, 3), "float32"))
        return net
    theirs, ours = build(oracle), build(keras)
    want = oracle.utils.model_to_dot(theirs)
    got = keras.utils.model_to_dot(ours)
    assert [n.get("label") for n in got.get_nodes()] == [n.get("label") for n in want.get_nodes()]
    assert got.get_edges() == want.get_edges() == []


def test_subgraph_returns_a_cluster():
    model = nested(keras)
    cluster = keras.utils.model_to_dot(model, subgraph=True)
    assert cluster.get_name() == "cluster_outer"
    assert cluster.get("label") == "outer" and cluster.get("style") == "dashed"


def test_defaults_match_keras(oracle):
    for ours, theirs in ((keras.utils.plot_model, oracle.utils.plot_model),
                         (keras.utils.model_to_dot, oracle.utils.model_to_dot)):
        got = {n: p.default for n, p in inspect.signature(ours).parameters.items() if n != "kwargs"}
        want = {n: p.default for n, p in inspect.signature(theirs).parameters.items() if n != "kwargs"}
        assert got == want
    assert inspect.signature(keras.utils.plot_model).parameters["show_layer_names"].default is False
    assert inspect.signature(keras.utils.plot_model).parameters["dpi"].default == 200


def test_errors_match_keras(oracle):
    for k in (keras, oracle):
        unbuilt = k.Sequential([k.layers.Dense(2)])
        with pytest.raises(ValueError, match="This model has not yet been built"):
            k.utils.model_to_dot(unbuilt)
        with pytest.raises(ValueError, match="This model has not yet been built"):
            k.utils.plot_model(unbuilt)
        with pytest.raises(ValueError, match="Argument `layer_range` is no longer supported."):
            k.utils.model_to_dot(sequential(k), layer_range=["Dense1", "Output"])
        with pytest.raises(ValueError, match="Unrecognized keyword arguments"):
            k.utils.model_to_dot(sequential(k), colour=True)


def test_missing_pydot_raises_the_keras_hint(monkeypatch, tmp_path):
    for name in ("pydot", "pydot_ng", "pydotplus"):
        monkeypatch.setitem(sys.modules, name, None)  # as if not installed
    model = sequential(keras)
    with pytest.raises(ImportError) as info:
        keras.utils.plot_model(model, to_file=str(tmp_path / "m.png"))
    assert str(info.value) == PYDOT_HINT
    with pytest.raises(ImportError, match="You must install pydot"):
        keras.utils.model_to_dot(model)
    assert not os.listdir(tmp_path)


# ---------------------------------------------------------------------- rendering
def test_render_png_svg_pdf_or_graphviz_hint(tmp_path):
    model = multi_input_multi_output(keras)
    if not HAS_DOT:
        with pytest.raises(ImportError) as info:
            keras.utils.plot_model(model, to_file=str(tmp_path / "m.png"))
        assert str(info.value) == GRAPHVIZ_HINT
        return
    keras.utils.plot_model(model, to_file=str(tmp_path / "m.png"), show_shapes=True)
    assert (tmp_path / "m.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    keras.utils.plot_model(model, to_file=str(tmp_path / "named.svg"), show_layer_names=True)
    svg = (tmp_path / "named.svg").read_text()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    for layer in model.layers:
        assert layer.name in svg
    keras.utils.plot_model(model, to_file=str(tmp_path / "classes.svg"))  # Keras 3: no names by default
    svg = (tmp_path / "classes.svg").read_text()
    assert "main_output" not in svg and "Concatenate" in svg and "InputLayer" in svg
    keras.utils.plot_model(model, to_file=str(tmp_path / "m.pdf"))
    assert (tmp_path / "m.pdf").read_bytes()[:5] == b"%PDF-"
    keras.utils.plot_model(model, to_file=str(tmp_path / "no_suffix"))
    assert (tmp_path / "no_suffix").read_bytes()[:4] == b"\x89PNG"


def test_png_return_value_matches_keras(oracle, tmp_path):
    if not HAS_DOT:
        with pytest.raises(ImportError, match="You must install graphviz"):
            oracle.utils.plot_model(sequential(oracle), to_file=str(tmp_path / "k.png"))
        with pytest.raises(ImportError, match="You must install graphviz"):
            keras.utils.plot_model(sequential(keras), to_file=str(tmp_path / "o.png"))
        return
    theirs = oracle.utils.plot_model(sequential(oracle), to_file=str(tmp_path / "k.png"))
    ours = keras.utils.plot_model(sequential(keras), to_file=str(tmp_path / "o.png"))
    assert type(ours).__name__ == type(theirs).__name__
    assert (tmp_path / "o.png").stat().st_size > 1000


def test_without_dot_on_path(oracle, monkeypatch, tmp_path, capsys):
    """PATH without graphviz's `dot`: model_to_dot still works; plot_model raises the
    Keras hint, or inside IPython prints it and returns None (as Keras does)."""
    monkeypatch.setenv("PATH", str(tmp_path))
    assert plot_lib.check_pydot() and not plot_lib.check_graphviz()
    for k in (keras, oracle):
        model = multi_input_multi_output(k)
        dot = k.utils.model_to_dot(model)
        assert len(dot.get_edges()) == 6
        with pytest.raises(ImportError) as info:
            k.utils.plot_model(model, to_file=str(tmp_path / "x.png"))
        assert str(info.value) == GRAPHVIZ_HINT
        try:
            notebook = importlib.import_module("IPython.core.magics.namespace")
        except ImportError:  # IPython is not a dependency: nothing more to check without it
            continue
        monkeypatch.setitem(sys.modules, "IPython.core.magics.namespace", notebook)
        assert k.utils.plot_model(model, to_file=str(tmp_path / "y.png")) is None
        assert capsys.readouterr().out.strip().splitlines()[-1] == GRAPHVIZ_HINT
        monkeypatch.delitem(sys.modules, "IPython.core.magics.namespace")
    assert not [f for f in os.listdir(tmp_path) if f.endswith(".png")]
