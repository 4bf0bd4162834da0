"""Attention layers against Keras 3 (the oracle, torch backend): weights are copied from
Keras, outputs compared."""
import numpy as np
import pytest
import torch

import kerasish
from kerasish.layers.attention import AdditiveAttention, Attention, MultiHeadAttention

RNG = np.random.default_rng(0)


def arr(*shape):
    return RNG.standard_normal(shape).astype("float32")


def to_np(x):
    if isinstance(x, (tuple, list)):
        return [to_np(t) for t in x]
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    import keras
    return keras.ops.convert_to_numpy(x)


def assert_outputs(ours, theirs, tol=1e-5):
    a, b = to_np(ours), to_np(theirs)
    a, b = (a, b) if isinstance(a, list) else ([a], [b])
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert x.shape == y.shape, (x.shape, y.shape)
        np.testing.assert_allclose(x, y, rtol=tol, atol=tol)


Q, V, K = arr(2, 4, 5), arr(2, 6, 7), arr(2, 6, 7)
MASK = RNG.random((2, 4, 6)) > 0.3
MASK[0, 1] = False  # a fully masked query row: Keras's two attention paths treat it differently

MHA_KWARGS = [dict(), dict(value_dim=4), dict(use_bias=False), dict(output_shape=8), dict(output_shape=(2, 3)),
              dict(use_gate=True), dict(sliding_window=2), dict(dropout=0.5)]
MHA_CALLS = [
    ("q-v", (Q, V), {}), ("q-v-k", (Q, V, K), {}), ("mask", (Q, V), dict(attention_mask=MASK)),
    ("scores", (Q, V), dict(return_attention_scores=True)),
    ("mask-scores", (Q, V), dict(attention_mask=MASK, return_attention_scores=True)),
    ("causal", (Q, Q), dict(use_causal_mask=True)),
    ("causal-scores", (Q, Q), dict(use_causal_mask=True, return_attention_scores=True)),
    ("causal-mask", (Q, V), dict(use_causal_mask=True, attention_mask=MASK)),
    ("causal-mask-key-scores", (Q, V, K),
     dict(use_causal_mask=True, attention_mask=MASK, return_attention_scores=True)),
]


def paired_mha(oracle, args, **kwargs):
    theirs = oracle.layers.MultiHeadAttention(2, 3, **kwargs)
    ours = MultiHeadAttention(2, 3, **kwargs)
    theirs(*args)
    ours(*args)
    ours.set_weights(theirs.get_weights())
    return ours, theirs


@pytest.mark.parametrize("kwargs", MHA_KWARGS, ids=lambda k: "-".join(map(str, k.items())) or "default")
@pytest.mark.parametrize("tag, args, call_kwargs", MHA_CALLS, ids=[c[0] for c in MHA_CALLS])
def test_multi_head_attention_matches_keras(oracle, kwargs, tag, args, call_kwargs):
    ours, theirs = paired_mha(oracle, args, **kwargs)
    assert_outputs(ours(*args, **call_kwargs), theirs(*args, **call_kwargs))


def test_multi_head_attention_weights_like_keras(oracle):
    ours, theirs = paired_mha(oracle, (Q, V, arr(2, 6, 3)), value_dim=4, use_gate=True)
    assert [w.shape for w in ours.get_weights()] == [tuple(w.shape) for w in theirs.get_weights()] == [
        (5, 2, 3), (2, 3), (3, 2, 3), (2, 3), (5, 2, 4), (2, 4), (7, 2, 4), (2, 4), (2, 4, 5), (5,)]
    assert [w.path for w in ours.weights] == [w.path for w in theirs.weights]
    assert ours.count_params() == theirs.count_params()
    assert [l.name for l in (ours.query_dense, ours.key_dense, ours.value_dense, ours.output_dense)] == [
        "query", "key", "value", "attention_output"]
    config = ours.get_config()
    keras_config = theirs.get_config()
    for key in set(keras_config) - {"name", "dtype", "kernel_initializer", "bias_initializer"}:
        assert config[key] == keras_config[key], key
    clone = MultiHeadAttention.from_config(config)
    assert clone.get_config() == config


@pytest.mark.parametrize("kwargs", [dict(attention_axes=(1, 2)), dict(attention_axes=2),
                                    dict(attention_axes=(1,), output_shape=(2, 4))])
def test_multi_head_attention_axes(oracle, kwargs):
    x = arr(2, 3, 4, 5)
    ours, theirs = paired_mha(oracle, (x, x), **kwargs)
    assert_outputs(ours(x, x), theirs(x, x))
    assert_outputs(ours(x, x, return_attention_scores=True), theirs(x, x, return_attention_scores=True))
    if kwargs["attention_axes"] == (1, 2):
        mask = RNG.random((2, 3, 4, 3, 4)) > 0.2
        assert_outputs(ours(x, x, attention_mask=mask), theirs(x, x, attention_mask=mask))


def test_multi_head_attention_dropout(oracle):
    ours, theirs = paired_mha(oracle, (Q, V), dropout=0.5)
    assert_outputs(ours(Q, V, training=False), theirs(Q, V, training=False))
    torch.manual_seed(0)
    a, b = to_np(ours(Q, V, training=True)), to_np(ours(Q, V, training=False))
    assert not np.allclose(a, b)


def test_multi_head_attention_keras_masks_and_models(oracle):
    ids = np.array([[1, 2, 3, 0, 0], [4, 5, 0, 0, 0]])
    k_in = oracle.Input((5,), dtype="int32")
    k_emb = oracle.layers.Embedding(10, 8, mask_zero=True)(k_in)
    k_model = oracle.Model(k_in, oracle.layers.Dense(2)(oracle.layers.MultiHeadAttention(2, 4)(k_emb, k_emb)))
    inp = kerasish.Input((5,), dtype="int32")
    emb = kerasish.layers.Embedding(10, 8, mask_zero=True)(inp)
    model = kerasish.Model(inp, kerasish.layers.Dense(2)(MultiHeadAttention(2, 4)(emb, emb)))
    assert model.count_params() == k_model.count_params()
    model.set_weights(k_model.get_weights())
    np.testing.assert_allclose(model.predict(ids, verbose=0), k_model.predict(ids, verbose=0), rtol=1e-5, atol=1e-5)
    model.compile("adam", "mse")
    model.fit(ids, np.zeros((2, 5, 2)), epochs=1, verbose=0)
    assert all(w.grad is not None for w in model.trainable_weights)


def test_multi_head_attention_keyword_call_builds_lazily(oracle):
    ours = MultiHeadAttention(2, 4)
    out = ours(query=Q, value=V)
    assert tuple(out.shape) == (2, 4, 5) and len(ours.get_weights()) == 8
    inputs = kerasish.Input((4, 5))
    layer = MultiHeadAttention(2, 4, output_shape=3)
    assert tuple(layer(query=inputs, value=inputs).shape) == (None, 4, 3)
    theirs = oracle.layers.MultiHeadAttention(2, 4)
    theirs(Q, V)
    ours.set_weights(theirs.get_weights())
    assert_outputs(ours(Q, value=V, key=K), theirs(Q, V, K))


def test_multi_head_attention_errors():
    with pytest.raises(ValueError, match="num_heads"):
        MultiHeadAttention(0, 4)
    with pytest.raises(ValueError, match="key_dim"):
        MultiHeadAttention(2, -1)
    with pytest.raises(ValueError, match="value_dim"):
        MultiHeadAttention(2, 4, value_dim=1.5)
    with pytest.raises(ValueError, match="dropout"):
        MultiHeadAttention(2, 4, flash_attention=True, dropout=0.1)
    with pytest.raises(ValueError, match="attention_axes"):
        MultiHeadAttention(2, 4, attention_axes="x")
    with pytest.raises(ValueError, match="except the last one"):
        MultiHeadAttention(2, 4)(Q, V, arr(2, 5, 7))
    layer = MultiHeadAttention(2, 4)
    layer(Q, V)
    with pytest.raises(ValueError, match="multi_head_attention"):
        layer(arr(2, 4, 6), V)


# ---------------------------------------------------------------------------- Attention, AdditiveAttention
V5, K5 = arr(2, 6, 5), arr(2, 6, 5)
Q_MASK, V_MASK = RNG.random((2, 4)) > 0.3, RNG.random((2, 6)) > 0.3
ATTENTION_CALLS = [
    ("q-v", [Q, V5], {}), ("q-v-k", [Q, V5, K5], {}), ("masks", [Q, V5], dict(mask=[Q_MASK, V_MASK])),
    ("value-mask-scores", [Q, V5], dict(mask=[None, V_MASK], return_attention_scores=True)),
    ("causal", [Q, Q], dict(use_causal_mask=True, return_attention_scores=True)),
    ("causal-masks-key", [Q, V5, K5], dict(use_causal_mask=True, mask=[Q_MASK, V_MASK], return_attention_scores=True)),
]
ATTENTION_LAYERS = [("Attention", {}), ("Attention", dict(use_scale=True)), ("Attention", dict(score_mode="concat")),
                    ("Attention", dict(use_scale=True, score_mode="concat")), ("AdditiveAttention", {}),
                    ("AdditiveAttention", dict(use_scale=False))]


@pytest.mark.parametrize("name, kwargs", ATTENTION_LAYERS, ids=lambda v: str(v))
@pytest.mark.parametrize("tag, inputs, call_kwargs", ATTENTION_CALLS, ids=[c[0] for c in ATTENTION_CALLS])
def test_attention_layers_match_keras(oracle, name, kwargs, tag, inputs, call_kwargs):
    theirs = getattr(oracle.layers, name)(**kwargs)
    ours = {"Attention": Attention, "AdditiveAttention": AdditiveAttention}[name](**kwargs)
    theirs(inputs)
    ours(inputs)
    weights = [w + 0.25 for w in theirs.get_weights()]  # away from the ones/zeros defaults
    theirs.set_weights(weights)
    ours.set_weights(weights)
    assert [w.shape for w in ours.get_weights()] == [tuple(w.shape) for w in theirs.get_weights()]
    assert_outputs(ours(inputs, **call_kwargs), theirs(inputs, **call_kwargs))
    config = ours.get_config()
    assert {k: v for k, v in config.items() if k not in ("name", "dtype")} == {
        k: v for k, v in theirs.get_config().items() if k not in ("name", "dtype")}
    assert type(ours).from_config(config).get_config() == config


def test_attention_in_model_with_embedding_masks(oracle):
    ids = np.array([[1, 2, 3, 0, 0], [4, 5, 0, 0, 0]])
    for name in ("Attention", "AdditiveAttention"):
        k_in = oracle.Input((5,), dtype="int32")
        k_emb = oracle.layers.Embedding(10, 8, mask_zero=True)(k_in)
        k_model = oracle.Model(k_in, getattr(oracle.layers, name)()([k_emb, k_emb]))
        inp = kerasish.Input((5,), dtype="int32")
        emb = kerasish.layers.Embedding(10, 8, mask_zero=True)(inp)
        model = kerasish.Model(inp, getattr(kerasish.layers, name)()([emb, emb]))
        model.set_weights(k_model.get_weights())
        np.testing.assert_allclose(model.predict(ids, verbose=0), k_model.predict(ids, verbose=0), rtol=1e-5, atol=1e-6)


def test_attention_dropout_and_gradients():
    layer = AdditiveAttention(dropout=0.5)
    q = torch.tensor(Q, requires_grad=True)
    torch.manual_seed(0)
    out = layer([q, torch.tensor(V5)], training=True)
    assert not torch.allclose(out, layer([q, torch.tensor(V5)], training=False))
    out.sum().backward()
    assert q.grad is not None and layer.scale.grad is not None


@pytest.mark.parametrize("call, match", [
    (lambda l: l(Q), "list of inputs"), (lambda l: l([Q]), "length 2 or 3"),
    (lambda l: l([Q, V5, K5, K5]), "length 2 or 3"), (lambda l: l([Q, V5], mask=Q_MASK), "mask must be a list"),
])
def test_attention_call_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call(Attention())


def test_attention_argument_errors():
    with pytest.raises(ValueError, match="score_mode"):
        Attention(score_mode="add")
    with pytest.raises(ValueError, match="dropout"):
        AdditiveAttention(dropout=2.0)
