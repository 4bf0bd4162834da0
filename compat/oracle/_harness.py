"""What the oracle checks share: run the same Keras code on real Keras and on kerasish.

Each check is written once as a function of the Keras module ``k`` (``keras`` or
``kerasish``), the way a tutorial writes it: ``k.Sequential([...])``, ``k.layers.Dense``,
``k.optimizers.Adam()``. The harness runs it on both, copies real Keras's initial weights
into kerasish (so the two start from the same point), and compares what a user sees:
outputs, shapes, parameter counts, training histories, weights after training, and
predictions after a save / load round trip.

The tables of the test files cover every public name kerasish exports in a family;
:func:`public_names` lists those names (lazy names count once they resolve) and
:func:`coverage_problems` says which of them a table lacks.
"""
import types

import numpy as np
import torch

RTOL = 1e-5
ATOL = 1e-5


# ----------------------------------------------------------------------------- names
def _resolves(module, name):
    try:
        obj = getattr(module, name)
    except (AttributeError, ImportError):
        return False, None
    return True, obj


def public_names(module, candidates=()):
    """Public, non-module names of ``module``: ``dir()`` plus each of ``candidates``
    (names served lazily through a module ``__getattr__``) that resolves now."""
    names = set()
    for name in set(dir(module)) | set(candidates):
        if name.startswith("_"):
            continue
        ok, obj = _resolves(module, name)
        if ok and not isinstance(obj, types.ModuleType):
            names.add(name)
    return sorted(names)


def keras_names(keras_module):
    """Public, non-module names of a real Keras module (for the 'not in kerasish' list)."""
    return public_names(keras_module)


def coverage_problems(exported, *tables):
    """Names kerasish exports that none of ``tables`` (dicts or sets) lists."""
    listed = set()
    for table in tables:
        listed |= set(table)
    return sorted(set(exported) - listed)


def oracle_module():
    """Real Keras (torch backend), or None when it is not installed."""
    import os
    os.environ.setdefault("KERAS_BACKEND", "torch")
    try:
        import keras
    except ImportError:
        return None
    return keras


# ----------------------------------------------------------------------------- values
def to_numpy(x):
    if isinstance(x, dict):
        return {k: to_numpy(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [to_numpy(v) for v in x]
    if torch.is_tensor(x):
        return x.detach().cpu().numpy()
    if hasattr(x, "numpy") and not isinstance(x, np.ndarray):
        try:
            return np.asarray(x.numpy())
        except Exception:  # noqa: BLE001 (fall through to the generic conversions)
            pass
    if hasattr(x, "value") and torch.is_tensor(getattr(x, "value", None)):
        return x.value.detach().cpu().numpy()
    return np.asarray(x)


def assert_close(ours, theirs, what, rtol=RTOL, atol=ATOL):
    """``ours`` (kerasish) ≈ ``theirs`` (Keras), nested lists / dicts included."""
    ours, theirs = to_numpy(ours), to_numpy(theirs)
    if isinstance(theirs, dict):
        assert isinstance(ours, dict), f"{what}: kerasish gives {type(ours).__name__}, Keras a dict"
        assert sorted(ours) == sorted(theirs), f"{what}: keys {sorted(ours)} vs Keras {sorted(theirs)}"
        for key in theirs:
            assert_close(ours[key], theirs[key], f"{what}[{key!r}]", rtol, atol)
        return
    if isinstance(theirs, list):
        assert isinstance(ours, list) and len(ours) == len(theirs), (
            f"{what}: kerasish gives {type(ours).__name__} of {len(ours) if isinstance(ours, list) else '-'}, "
            f"Keras a list of {len(theirs)}")
        for i, (a, b) in enumerate(zip(ours, theirs)):
            assert_close(a, b, f"{what}[{i}]", rtol, atol)
        return
    ours, theirs = np.asarray(ours), np.asarray(theirs)
    assert ours.shape == theirs.shape, f"{what}: shape {ours.shape} vs Keras {theirs.shape}"
    if theirs.dtype.kind in "biuUSO":
        np.testing.assert_array_equal(ours, theirs, err_msg=what)
    else:
        np.testing.assert_allclose(ours.astype(np.float64), theirs.astype(np.float64), rtol=rtol, atol=atol,
                                   err_msg=what)


def data(shape, seed=0, dtype="float32", low=None, high=None):
    """Deterministic test data: normal floats, or integers in ``[low, high)``."""
    rng = np.random.default_rng(seed)
    if np.dtype(dtype).kind in "iu":
        return rng.integers(0 if low is None else low, 10 if high is None else high, size=shape).astype(dtype)
    if np.dtype(dtype).kind == "b":
        return rng.random(size=shape) > 0.5
    if low is not None or high is not None:
        return rng.uniform(0.0 if low is None else low, 1.0 if high is None else high, size=shape).astype(dtype)
    return rng.standard_normal(size=shape).astype(dtype)


def shape_of(tensor):
    return tuple(None if d is None else int(d) for d in tensor.shape)


# ----------------------------------------------------------------------------- models
def build_both(build, oracle):
    """``build(k)`` on Keras and on kerasish; Keras's weights are copied into ours.

    Returns ``(ours, theirs)``. The weight lists must agree in number and shapes (Keras
    layouts on both sides) for the copy to succeed: that is part of the check.
    """
    import kerasish
    oracle.utils.set_random_seed(1337)  # the scenario (initial weights) is the same from run to run
    theirs = build(oracle)
    ours = build(kerasish)
    copy_weights(theirs, ours)
    return ours, theirs


def copy_weights(theirs, ours):
    source = theirs.get_weights()
    target = ours.get_weights()
    assert len(target) == len(source), (
        f"kerasish has {len(target)} weight arrays, Keras {len(source)}: "
        f"{[w.shape for w in target]} vs {[w.shape for w in source]}")
    for i, (a, b) in enumerate(zip(target, source)):
        assert a.shape == b.shape, f"weight {i}: kerasish shape {a.shape} vs Keras {b.shape}"
    ours.set_weights(source)


def train_both(ours, theirs, compile_args, x, y, oracle, epochs=2, batch_size=8, callbacks=None,
               fit_kwargs=None, compare_weights=True, rtol=RTOL, atol=ATOL):
    """Compiles and fits an already matched pair (``shuffle=False``) and compares the
    histories and the weights after training. Returns ``(ours_history, theirs_history)``."""
    import kerasish
    results = {}
    for name, k, model in (("keras", oracle, theirs), ("kerasish", kerasish, ours)):
        model.compile(**compile_args(k))
        results[name] = model.fit(x, y, epochs=epochs, batch_size=batch_size, shuffle=False, verbose=0,
                                  callbacks=callbacks(k) if callbacks else None, **(fit_kwargs or {}))
    h_ours, h_theirs = results["kerasish"], results["keras"]
    assert_close(h_ours.history, h_theirs.history, "history", rtol, atol)
    if compare_weights:
        assert_close(ours.get_weights(), theirs.get_weights(), "weights after fit", rtol, atol)
    return h_ours, h_theirs


def fit_both(build, compile_args, x, y, oracle, **kwargs):
    """Same model (``build(k)``), same initial weights, same data, ``shuffle=False``.

    ``compile_args(k)`` and ``callbacks(k)`` (optional keyword) build the compile keyword
    arguments and the callback list for a Keras module ``k``. Compares every history
    value, then the weights after training. Returns ``(ours, theirs, ours_history,
    theirs_history)``.
    """
    ours, theirs = build_both(build, oracle)
    h_ours, h_theirs = train_both(ours, theirs, compile_args, x, y, oracle, **kwargs)
    return ours, theirs, h_ours, h_theirs


def save_load_predict(model, x, directory, filename="model.keras", custom_objects=None, safe_mode=True):
    """kerasish: ``model.save`` → ``load_model`` → the same predictions."""
    import os

    import kerasish
    path = os.path.join(str(directory), filename)
    before = model.predict(x, verbose=0)
    model.save(path)
    kwargs = {"custom_objects": custom_objects} if custom_objects else {}
    if not safe_mode:
        kwargs["safe_mode"] = False
    loaded = kerasish.models.load_model(path, **kwargs)
    assert_close(loaded.predict(x, verbose=0), before, f"predictions after save/load ({filename})")
    return loaded


def simple_mlp(k, inputs=4, hidden=5, outputs=3, activation="softmax"):
    """The tutorials' model: Input → Dense(relu) → Dense(activation)."""
    return k.Sequential([
        k.Input(shape=(inputs,)),
        k.layers.Dense(hidden, activation="relu"),
        k.layers.Dense(outputs, activation=activation),
    ])
