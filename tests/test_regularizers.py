"""kerasish.regularizers and kerasish.constraints against real Keras 3 (the `oracle` fixture)."""
import numpy as np
import pytest
import torch

from kerasish import constraints, regularizers


@pytest.fixture(scope="module")
def oracle():
    """Real Keras 3 on torch, once per module: these tests use no Keras session state, and the
    shared fixture's clear_session() runs a 0.25 s gc.collect() before every test."""
    return pytest.importorskip("keras")


def to_np(x):
    return x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)


def weights(shape=(6, 4), seed=0):
    return np.random.default_rng(seed).normal(0.0, 1.5, size=shape).astype("float32")


# ----------------------------------------------------------------------------- regularizers
@pytest.mark.parametrize("name, kwargs", [
    ("L1", {}), ("L1", dict(l1=0.3)), ("L2", {}), ("L2", dict(l2=1e-4)),
    ("L1L2", {}), ("L1L2", dict(l1=0.1)), ("L1L2", dict(l2=0.2)), ("L1L2", dict(l1=0.01, l2=0.02)),
    ("OrthogonalRegularizer", {}), ("OrthogonalRegularizer", dict(factor=0.5, mode="columns")),
])
def test_penalty_values_match_keras(oracle, name, kwargs):
    w = weights()
    ours = getattr(regularizers, name)(**kwargs)(torch.from_numpy(w))
    theirs = getattr(oracle.regularizers, name)(**kwargs)(torch.from_numpy(w))
    assert isinstance(ours, torch.Tensor) and ours.ndim == 0 and ours.dtype == torch.float32
    np.testing.assert_allclose(to_np(ours), to_np(theirs), rtol=1e-6, atol=1e-7)


def test_penalties_are_differentiable_and_keep_dtype():
    w = torch.tensor(weights(), dtype=torch.float64, requires_grad=True)
    for reg in [regularizers.L1(0.1), regularizers.L2(0.1), regularizers.L1L2(0.1, 0.1),
                regularizers.OrthogonalRegularizer(), regularizers.L1L2()]:
        out = reg(w)
        assert out.dtype == torch.float64
        if reg.get_config().get("l1", 1) or reg.get_config().get("l2", 1):
            out.backward()
            assert w.grad is not None and torch.isfinite(w.grad).all()
            w.grad = None
    expected_grad = 2 * 0.1 * w.detach()
    regularizers.L2(0.1)(w).backward()
    np.testing.assert_allclose(to_np(w.grad), to_np(expected_grad), rtol=1e-12)
    np.testing.assert_allclose(to_np(regularizers.L2(0.5)(np.ones((2, 2)))), 2.0)


def test_keras2_spellings(oracle):
    w = torch.from_numpy(weights())
    np.testing.assert_allclose(to_np(regularizers.l2(0.01)(w)), to_np(oracle.regularizers.l2(0.01)(w)), rtol=1e-6)
    np.testing.assert_allclose(to_np(regularizers.l1(l=0.2)(w)), to_np(oracle.regularizers.L1(0.2)(w)), rtol=1e-6)
    np.testing.assert_allclose(to_np(regularizers.L2(l=0.2)(w)), to_np(oracle.regularizers.L2(0.2)(w)), rtol=1e-6)
    # tf.keras 2: l1_l2() and 'l1_l2' default to 0.01 each; the class L1L2() to zeros (both versions)
    assert regularizers.l1_l2().get_config() == {"l1": 0.01, "l2": 0.01}
    assert regularizers.get("l1_l2").get_config() == {"l1": 0.01, "l2": 0.01}
    assert regularizers.l1_l2(l1=1e-5, l2=1e-4).get_config() == {"l1": 1e-5, "l2": 1e-4}
    assert regularizers.L1L2().get_config() == oracle.regularizers.L1L2().get_config()
    with pytest.raises(TypeError, match="L2"):
        regularizers.L2(foo=1)


def test_get_accepts_every_keras_name(oracle):
    from keras.src.regularizers import ALL_OBJECTS_DICT
    for name in ALL_OBJECTS_DICT:
        ours, theirs = regularizers.get(name), oracle.regularizers.get(name)
        assert type(ours).__name__ == type(theirs).__name__, name
        if name.lower() not in ("regularizer",):
            # Keras stores L1's and OrthogonalRegularizer's factor as float32 (0.009999999776...)
            np.testing.assert_allclose(list(ours.get_config().values())[0],
                                       list(theirs.get_config().values())[0], rtol=1e-7)
    assert isinstance(regularizers.get("L1_L2"), regularizers.L1L2)
    assert regularizers.get(None) is None
    assert isinstance(regularizers.get(regularizers.L2), regularizers.L2)
    reg = regularizers.L1(0.5)
    assert regularizers.get(reg) is reg
    fn = lambda w: w.sum()  # noqa: E731
    assert regularizers.get(fn) is fn


def test_regularizer_config_round_trip(oracle):
    for name, kwargs in [("L1", dict(l1=0.25)), ("L2", dict(l2=0.5)), ("L1L2", dict(l1=0.5, l2=0.25)),
                         ("OrthogonalRegularizer", dict(factor=0.5, mode="columns"))]:
        ours = getattr(regularizers, name)(**kwargs)
        theirs = getattr(oracle.regularizers, name)(**kwargs)
        assert regularizers.serialize(ours) == oracle.regularizers.serialize(theirs)
        back = regularizers.deserialize(regularizers.serialize(ours))
        assert type(back) is type(ours) and back.get_config() == ours.get_config()
        assert regularizers.deserialize(oracle.regularizers.serialize(theirs)).get_config() == ours.get_config()
    assert regularizers.get({"class_name": "L2", "config": {"l2": 0.5}}).l2 == 0.5  # tf.keras 2 form


def test_regularizer_errors(oracle):
    for bad in [-1, float("inf"), float("nan"), "a"]:
        with pytest.raises(ValueError, match="l2"):
            regularizers.L2(bad)
        with pytest.raises(ValueError):
            oracle.regularizers.L2(bad)
    with pytest.raises(ValueError, match="mode"):
        regularizers.OrthogonalRegularizer(mode="diag")
    with pytest.raises(ValueError, match="rank 2"):
        regularizers.OrthogonalRegularizer()(torch.ones(2, 2, 2))
    with pytest.raises(ValueError, match=r"Unknown regularizer: 'l3'\. Valid names: \[.*'l2'"):
        regularizers.get("l3")
    with pytest.raises(ValueError, match="Could not interpret regularizer"):
        regularizers.get(0.01)
    with pytest.raises(NotImplementedError):
        regularizers.Regularizer().get_config()
    assert regularizers.Regularizer()(torch.ones(2)) == 0.0


# ----------------------------------------------------------------------------- constraints
@pytest.mark.parametrize("name, kwargs", [
    ("MaxNorm", {}), ("MaxNorm", dict(max_value=1.5, axis=1)), ("MaxNorm", dict(max_value=3, axis=[0, 1, 2])),
    ("NonNeg", {}), ("UnitNorm", {}), ("UnitNorm", dict(axis=-1)), ("UnitNorm", dict(axis=[0, 1])),
    ("MinMaxNorm", {}), ("MinMaxNorm", dict(min_value=1.0, max_value=2.0, rate=0.5, axis=1)),
    ("MinMaxNorm", dict(min_value=2.5, max_value=4.0, axis=[0, 1, 2])),
])
@pytest.mark.parametrize("shape", [(6, 4), (3, 3, 2, 5)])
def test_constraint_values_match_keras(oracle, name, kwargs, shape):
    axis = kwargs.get("axis", 0)
    if isinstance(axis, list) and max(axis) >= len(shape) - 1:
        kwargs = {**kwargs, "axis": 0}
    w = weights(shape)
    ours = getattr(constraints, name)(**kwargs)(torch.from_numpy(w))
    theirs = getattr(oracle.constraints, name)(**kwargs)(torch.from_numpy(w))
    assert ours.shape == w.shape and ours.dtype == torch.float32
    np.testing.assert_allclose(to_np(ours), to_np(theirs), rtol=1e-6, atol=1e-7)


def test_constraints_do_what_they_say():
    w = torch.from_numpy(weights((8, 5)))
    col_norms = lambda t: torch.sqrt((t * t).sum(0))  # noqa: E731
    assert (col_norms(constraints.MaxNorm(1.0)(w)) <= 1.0 + 1e-6).all()
    np.testing.assert_allclose(to_np(col_norms(constraints.UnitNorm()(w))), 1.0, rtol=1e-5)
    mm = col_norms(constraints.MinMaxNorm(2.0, 3.0)(w))
    assert ((mm >= 2.0 - 1e-5) & (mm <= 3.0 + 1e-5)).all()
    assert (constraints.NonNeg()(w) >= 0).all()
    np.testing.assert_allclose(to_np(constraints.NonNeg()(np.array([-1.0, 2.0]))), [0.0, 2.0])
    small = torch.full((4, 2), 0.1)
    torch.testing.assert_close(constraints.MaxNorm(2)(small), small, rtol=1e-5, atol=0)  # within the cap


def test_constraint_names_and_round_trip(oracle):
    from keras.src.constraints import ALL_OBJECTS_DICT
    for name in ALL_OBJECTS_DICT:
        ours, theirs = constraints.get(name), oracle.constraints.get(name)
        assert type(ours).__name__ == type(theirs).__name__, name
        assert ours.get_config() == theirs.get_config(), name
    for legacy, cls in [("maxnorm", constraints.MaxNorm), ("nonneg", constraints.NonNeg),
                        ("unitnorm", constraints.UnitNorm), ("MAX_NORM", constraints.MaxNorm)]:
        assert isinstance(constraints.get(legacy), cls)
    assert constraints.max_norm is constraints.MaxNorm and constraints.non_neg is constraints.NonNeg
    for name, kwargs in [("MaxNorm", dict(max_value=3, axis=[0, 1, 2])), ("NonNeg", {}),
                         ("UnitNorm", dict(axis=1)), ("MinMaxNorm", dict(min_value=0.5, rate=0.5))]:
        ours = getattr(constraints, name)(**kwargs)
        theirs = getattr(oracle.constraints, name)(**kwargs)
        assert constraints.serialize(ours) == oracle.constraints.serialize(theirs)
        assert constraints.deserialize(constraints.serialize(ours)).get_config() == ours.get_config()
        assert constraints.deserialize(oracle.constraints.serialize(theirs)).get_config() == ours.get_config()
    assert constraints.get(None) is None
    c = constraints.NonNeg()
    assert constraints.get(c) is c
    assert isinstance(constraints.get({"class_name": "MaxNorm", "config": {"max_value": 2, "axis": 0}}),
                      constraints.MaxNorm)


def test_constraint_errors():
    with pytest.raises(ValueError, match=r"Unknown constraint: 'positive'\. Valid names: \[.*'non_neg'"):
        constraints.get("positive")
    with pytest.raises(ValueError, match="Could not interpret constraint"):
        constraints.get(2.0)
    with pytest.raises(ValueError, match="expects a name string or a config dict"):
        constraints.deserialize(["max_norm"])
