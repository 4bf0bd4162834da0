"""kerasish.activations against real Keras 3 (the `oracle` fixture) on identical numpy inputs."""
import numpy as np
import pytest
import torch

from kerasish import activations


@pytest.fixture(scope="module")
def oracle():
    """Real Keras 3 on torch, once per module: these tests use no Keras session state, and the
    shared fixture's clear_session() runs a 0.25 s gc.collect() before every test."""
    return pytest.importorskip("keras")


def to_np(x):
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    return np.asarray(x)


def sample(shape=(4, 6), seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(0.0, 3.0, size=shape).astype("float32")
    x.flat[:8] = [-3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0, 6.0]  # the kinks of the piecewise functions
    return x


NAMES = sorted(activations._BY_NAME)
SPARSEMAX_IS_BUGGY = {"sparsemax"}  # keras-team/keras#23425: compared against the definition instead


def test_same_names_as_keras(oracle):
    from keras.src.activations import ALL_OBJECTS_DICT
    assert set(activations._BY_NAME) == set(ALL_OBJECTS_DICT)
    public = {n for n in dir(oracle.activations) if not n.startswith("_")}
    assert public <= set(dir(activations))


@pytest.mark.parametrize("name", [n for n in NAMES if n not in SPARSEMAX_IS_BUGGY])
def test_values_match_keras(oracle, name):
    x = sample()
    args = (0.5, -7.0) if name == "threshold" else ()
    ours = getattr(activations, name)(x, *args)
    theirs = getattr(oracle.activations, name)(x, *args)
    if name != "linear":  # linear hands back its input untouched, as in Keras
        assert isinstance(ours, torch.Tensor)
        assert ours.dtype == torch.float32
    np.testing.assert_allclose(to_np(ours), to_np(theirs), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name, kwargs", [
    ("relu", dict(negative_slope=0.1)),
    ("relu", dict(max_value=6.0)),
    ("relu", dict(max_value=2.5)),
    ("relu", dict(threshold=1.0)),
    ("relu", dict(threshold=-1.0, max_value=4.0)),
    ("relu", dict(negative_slope=0.3, max_value=5.0)),
    ("relu", dict(negative_slope=0.3, threshold=0.5)),
    ("relu", dict(negative_slope=0.2, max_value=6.0, threshold=-2.0)),
    ("leaky_relu", dict(negative_slope=0.01)),
    ("elu", dict(alpha=0.5)),
    ("celu", dict(alpha=2.0)),
    ("gelu", dict(approximate=True)),
    ("softmax", dict(axis=0)),
    ("softmax", dict(axis=None)),
    ("log_softmax", dict(axis=0)),
    ("log_softmax", dict(axis=None)),
    ("glu", dict(axis=0)),
    ("soft_shrink", dict(threshold=1.0)),
    ("hard_shrink", dict(threshold=1.0)),
    ("squareplus", dict(b=1.0)),
])
def test_arguments_match_keras(oracle, name, kwargs):
    x = sample()
    ours = getattr(activations, name)(x, **kwargs)
    theirs = getattr(oracle.activations, name)(x, **kwargs)
    np.testing.assert_allclose(to_np(ours), to_np(theirs), rtol=1e-6, atol=1e-6)


def test_softmax_over_several_axes(oracle):
    x = sample((2, 3, 4, 5))
    for axis in [(1, 2), (0, 3), (2, 3)]:
        ours = activations.softmax(x, axis=axis)
        theirs = oracle.ops.softmax(x, axis=axis)
        np.testing.assert_allclose(to_np(ours), to_np(theirs), rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(to_np(ours).sum(axis=axis), 1.0, rtol=1e-5)
    # negative axes (Keras 3.15 fails on a tuple of negative axes)
    np.testing.assert_allclose(to_np(activations.softmax(x, axis=(-1, -2))),
                               to_np(activations.softmax(x, axis=(2, 3))), rtol=1e-6)


def test_keras2_alpha_keyword(oracle):
    x = sample()
    np.testing.assert_allclose(to_np(activations.relu(x, alpha=0.1)),
                               to_np(oracle.activations.relu(x, negative_slope=0.1)), rtol=1e-6)
    np.testing.assert_allclose(to_np(activations.leaky_relu(x, alpha=0.3)),
                               to_np(oracle.activations.leaky_relu(x, negative_slope=0.3)), rtol=1e-6)
    with pytest.raises(TypeError, match="alpha"):
        activations.relu(x, negative_slope=0.1, alpha=0.2)
    with pytest.raises(TypeError, match="beta"):
        activations.relu(x, beta=0.2)


def test_sparsemax_is_a_projection_onto_the_simplex(oracle):
    x = sample((6, 5), seed=3) / 3.0
    out = to_np(activations.sparsemax(x))
    np.testing.assert_allclose(out.sum(-1), 1.0, rtol=1e-6)
    assert (out >= 0).all()
    # reference: tau from the k-th cumulative sum of the sorted row (Martins & Astudillo, 2016)
    for row, got in zip(x.astype("float64"), out):
        z = np.sort(row)[::-1]
        k = max(j for j in range(1, len(z) + 1) if 1 + j * z[j - 1] > z[:j].sum())
        tau = (z[:k].sum() - 1) / k
        np.testing.assert_allclose(got, np.maximum(row - tau, 0), rtol=1e-5, atol=1e-6)
    # where only one element is in the support Keras 3.15 is right, and we agree with it
    one_hot = np.array([[0.0, 5.0, 1.0], [9.0, 1.0, -1.0]], "float32")
    np.testing.assert_allclose(to_np(activations.sparsemax(one_hot)),
                               to_np(oracle.activations.sparsemax(one_hot)), atol=1e-7)
    np.testing.assert_allclose(to_np(activations.sparsemax(x.T, axis=0)), out.T, rtol=1e-6, atol=1e-7)


def test_dtypes_follow_keras(oracle):
    x64 = np.array([-1.5, 0.25, 2.0])
    for name in ["relu", "sigmoid", "softmax", "gelu", "tanh"]:
        assert getattr(activations, name)(x64).dtype == getattr(oracle.activations, name)(x64).dtype
    assert activations.relu([-1.0, 2.0]).dtype == oracle.activations.relu([-1.0, 2.0]).dtype == torch.float32
    ints = np.array([-2, 0, 3])
    for name in ["relu", "relu6", "hard_tanh"]:
        assert getattr(activations, name)(ints).dtype == getattr(oracle.activations, name)(ints).dtype
    for name in ["sigmoid", "tanh", "exponential", "softsign"]:
        np.testing.assert_allclose(to_np(getattr(activations, name)(ints)),
                                   to_np(getattr(oracle.activations, name)(ints)), rtol=1e-6)
    # where Keras fails on integers (torch kernels want floats), we compute in floatx
    assert activations.elu(ints).dtype == torch.float32
    assert activations.linear([1, 2]) == [1, 2]


def test_float16_and_gradients():
    x = torch.tensor([[-1.0, 0.5, 2.0]], requires_grad=True)
    for name in NAMES:
        fn = getattr(activations, name)
        y = fn(x, 0.0, -1.0) if name == "threshold" else fn(x[:, :2] if name == "glu" else x)
        y.sum().backward()
        assert torch.isfinite(x.grad).all()
        x.grad = None
    h = torch.tensor([-1.0, 0.5, 2.0], dtype=torch.float16)
    assert activations.softmax(h).dtype == torch.float16
    assert activations.gelu(h).dtype == torch.float16


def test_glu_needs_even_axis():
    with pytest.raises(ValueError, match="glu"):
        activations.glu(np.ones((2, 3), "float32"))


def test_get_every_keras_name(oracle):
    from keras.src.activations import ALL_OBJECTS_DICT
    for name in ALL_OBJECTS_DICT:
        ours, theirs = activations.get(name), oracle.activations.get(name)
        assert ours.__name__ == theirs.__name__, name
        assert activations.serialize(ours) == oracle.activations.serialize(theirs), name
        assert activations.deserialize(activations.serialize(ours)) is ours


def test_get_none_callable_and_dicts(oracle):
    assert activations.get(None) is activations.linear
    fn = lambda t: t * 2  # noqa: E731
    assert activations.get(fn) is fn
    assert activations.get(activations.tanh) is activations.tanh
    # the dict that Keras 3 writes for an activation function
    from keras.src.saving import serialization_lib
    cfg = serialization_lib.serialize_keras_object(oracle.activations.gelu)
    assert activations.get(cfg) is activations.gelu
    assert activations.get({"class_name": "function", "config": "relu", "module": "keras.activations",
                            "registered_name": None}) is activations.relu
    assert activations.serialize(None) == "linear"


def test_swish_and_hard_swish_serialize_as_keras3(oracle):
    assert activations.get("swish") is activations.silu
    assert activations.serialize(activations.swish) == "silu" == oracle.activations.serialize(
        oracle.activations.get("swish"))
    assert activations.serialize(activations.get("hard_swish")) == "hard_silu"


def test_lenient_spellings():
    x = sample()
    relu_like = activations.get("ReLU")  # a K2 layer name; a layer instance once kerasish has one
    np.testing.assert_allclose(to_np(relu_like(torch.from_numpy(x))), np.maximum(x, 0))
    assert activations.get("Tanh") is activations.tanh
    assert activations.get("LOG_SOFTMAX") is activations.log_softmax
    assert activations.get("hardSigmoid") is activations.hard_sigmoid


def test_custom_objects():
    def my_act(t):
        return t + 1
    assert activations.deserialize("my_act", custom_objects={"my_act": my_act}) is my_act
    cfg = activations.serialize(my_act)
    assert cfg["config"] == "my_act"
    assert activations.deserialize(cfg, custom_objects={"my_act": my_act}) is my_act
    with pytest.raises(ValueError, match="serialize"):
        activations.serialize(lambda t: t)


def test_unknown_identifiers(oracle):
    with pytest.raises(ValueError, match=r"Unknown activation: 'foo'\. Valid names: \[.*'relu'"):
        activations.get("foo")
    with pytest.raises(ValueError):
        oracle.activations.get("foo")
    with pytest.raises(ValueError, match="Could not interpret activation"):
        activations.get(3)
    with pytest.raises(ValueError, match="class_name"):
        activations.deserialize({"config": "relu"})
    with pytest.raises(ValueError, match="Unknown activation: 'nope'"):
        activations.deserialize({"class_name": "function", "config": "nope"})
