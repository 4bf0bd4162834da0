"""One harness for layer tests: build the same layer in kerasish and in real Keras (the
oracle), copy the weights, compare outputs, round-trip the config, check a training step."""
import numpy as np
import torch


def random_input(shape, dtype="float32", seed=0, low=None, high=None):
    rng = np.random.default_rng(seed)
    if dtype.startswith("int"):
        return rng.integers(low or 0, high or 10, size=shape).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


def to_numpy(x):
    if isinstance(x, (list, tuple)):
        return [to_numpy(v) for v in x]
    if torch.is_tensor(x):
        return x.detach().cpu().numpy()
    if hasattr(x, "numpy"):
        try:
            return x.numpy()
        except Exception:
            pass
    try:
        import keras
        return keras.ops.convert_to_numpy(x)
    except Exception:
        return np.asarray(x)


def check_layer(name, kwargs, input_data, oracle, *, rtol=1e-5, atol=1e-5, training_modes=(False,),
                call_kwargs=None, keras_name=None, check_config=True, check_train_step=True):
    """Differential test of ``kerasish.layers.<name>(**kwargs)`` against ``keras.layers.<name>``.

    ``input_data`` is a numpy array (or list of arrays for multi-input layers). Returns the
    (kerasish_layer, keras_layer) pair for further checks.
    """
    import kerasish
    call_kwargs = call_kwargs or {}
    ours = getattr(kerasish.layers, name)(**kwargs)
    theirs = getattr(oracle.layers, keras_name or name)(**kwargs)
    x_ours = input_data if not isinstance(input_data, list) else list(input_data)
    y_theirs = theirs(input_data, **call_kwargs)
    y_ours = ours(x_ours, **call_kwargs)
    assert len(ours.get_weights()) == len(theirs.get_weights()), (
        f"{name}: {len(ours.get_weights())} weights vs Keras {len(theirs.get_weights())}")
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        assert a.shape == b.shape, f"{name}: weight shape {a.shape} vs Keras {b.shape}"
    ours.set_weights(theirs.get_weights())
    for training in training_modes:
        y_theirs = theirs(input_data, training=training, **call_kwargs)
        y_ours = ours(x_ours, training=training, **call_kwargs)
        a, b = to_numpy(y_ours), to_numpy(y_theirs)
        if isinstance(b, list):
            for aa, bb in zip(a, b):
                np.testing.assert_allclose(aa, bb, rtol=rtol, atol=atol)
        else:
            assert a.shape == b.shape, f"{name}: output shape {a.shape} vs Keras {b.shape}"
            np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)
    assert sum(int(np.prod(w.shape)) for w in ours.get_weights()) == theirs.count_params()
    if check_config:
        config = ours.get_config()
        clone = type(ours).from_config(config)
        assert clone.get_config() == config
    if check_train_step and ours.trainable_weights:
        out = ours(x_ours, training=True, **call_kwargs)
        out = out[0] if isinstance(out, (list, tuple)) else out
        out.float().sum().backward()
        assert any(w.grad is not None for w in ours.trainable_weights)
    return ours, theirs
