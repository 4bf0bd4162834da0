"""compile / fit / evaluate / predict against real Keras: same weights, same data, no shuffle."""
import numpy as np
import pytest
import torch

import kerasish as keras
from kerasish import layers


def mlp(k, n_in=6, n_out=3, activation="softmax"):
    return k.Sequential([k.Input((n_in,)), k.layers.Dense(8, activation="relu"),
                         k.layers.Dense(n_out, activation=activation)])


def data(n=64, n_in=6, n_out=3, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, n_in)).astype("float32")
    y = rng.integers(0, n_out, n)
    return x, y


def pair(oracle, **compile_kwargs):
    ours, theirs = mlp(keras), mlp(oracle)
    ours.set_weights(theirs.get_weights())
    ours.compile(**compile_kwargs)
    theirs.compile(**{k: (list(v) if k == "metrics" and isinstance(v, (list, tuple)) else v)
                      for k, v in compile_kwargs.items()})
    return ours, theirs


@pytest.mark.parametrize("optimizer", ["sgd", "adam", "rmsprop", "adagrad", "adadelta", "adamax", "nadam",
                                       "adamw", "lion"])
def test_one_epoch_per_optimizer_matches_keras(oracle, optimizer):
    ours, theirs = pair(oracle, optimizer=optimizer, loss="sparse_categorical_crossentropy",
                        metrics=["accuracy"])
    x, y = data()
    h1 = ours.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    h2 = theirs.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert list(h1.history) == ["loss", "accuracy"]
    for key in h1.history:
        np.testing.assert_allclose(h1.history[key], h2.history[key], rtol=1e-5, atol=1e-6)


def test_seed001_flow_history_keys_and_values_match_keras(oracle):
    ours, theirs = pair(oracle, optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    x, y = data(100)
    xv, yv = data(40, seed=1)
    h1 = ours.fit(x, y, epochs=3, validation_data=(xv, yv), verbose=0, shuffle=False)
    h2 = theirs.fit(x, y, epochs=3, validation_data=(xv, yv), verbose=0, shuffle=False)
    assert list(h1.history) == ["loss", "accuracy", "val_loss", "val_accuracy"]
    assert h1.params == {"verbose": 0, "epochs": 3, "steps": 4} and h1.epoch == [0, 1, 2]
    for key in h1.history:
        np.testing.assert_allclose(h1.history[key], h2.history[key], rtol=1e-5, atol=1e-6)
    r1 = ours.evaluate(xv, yv, verbose=0)
    r2 = theirs.evaluate(xv, yv, verbose=0)
    np.testing.assert_allclose(r1, r2, rtol=1e-5)
    p1, p2 = ours.predict(xv, verbose=0), theirs.predict(xv, verbose=0)
    assert isinstance(p1, np.ndarray) and p1.shape == (40, 3)
    np.testing.assert_allclose(p1, p2, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("metric", ["acc", "accuracy", "mse", "mae", "sparse_categorical_accuracy"])
def test_history_key_is_exact_metric_string(metric):
    model = mlp(keras)
    model.compile("adam", "sparse_categorical_crossentropy", metrics=[metric] if metric in ("acc", "accuracy",
                  "sparse_categorical_accuracy") else None)
    x, y = data()
    h = model.fit(x, y, verbose=0)
    if metric in ("acc", "accuracy", "sparse_categorical_accuracy"):
        assert list(h.history) == ["loss", metric]


def test_bare_string_metric_accepted_keras2():
    model = mlp(keras)
    model.compile("adam", "sparse_categorical_crossentropy", metrics="accuracy")
    x, y = data()
    assert list(model.fit(x, y, verbose=0).history) == ["loss", "accuracy"]


def test_binary_and_categorical_accuracy_resolution(oracle):
    x, _ = data()
    yb = (x[:, :1] > 0).astype("float32")
    for k in (keras, oracle):
        m = k.Sequential([k.Input((6,)), k.layers.Dense(1, activation="sigmoid")])
        m.compile("sgd", "binary_crossentropy", metrics=["accuracy"])
        if k is keras:
            ours = m
        else:
            theirs = m
    ours.set_weights(theirs.get_weights())
    h1 = ours.fit(x, yb, shuffle=False, verbose=0)
    h2 = theirs.fit(x, yb, shuffle=False, verbose=0)
    np.testing.assert_allclose(h1.history["accuracy"], h2.history["accuracy"], rtol=1e-6)
    yc = np.eye(3)[data()[1]].astype("float32")
    ours, theirs = pair(oracle, optimizer="sgd", loss="categorical_crossentropy", metrics=["accuracy"])
    h1 = ours.fit(x, yc, shuffle=False, verbose=0)
    h2 = theirs.fit(x, yc, shuffle=False, verbose=0)
    for key in h1.history:
        np.testing.assert_allclose(h1.history[key], h2.history[key], rtol=1e-5)


def test_sample_weight_and_class_weight_match_keras(oracle):
    x, y = data()
    sw = np.random.default_rng(3).random(len(x)).astype("float32")
    ours, theirs = pair(oracle, optimizer="sgd", loss="sparse_categorical_crossentropy",
                        weighted_metrics=["accuracy"])
    h1 = ours.fit(x, y, sample_weight=sw, shuffle=False, verbose=0)
    h2 = theirs.fit(x, y, sample_weight=sw, shuffle=False, verbose=0)
    for key in h1.history:
        np.testing.assert_allclose(h1.history[key], h2.history[key], rtol=1e-5)
    ours, theirs = pair(oracle, optimizer="sgd", loss="sparse_categorical_crossentropy")
    cw = {0: 1.0, 1: 2.0, 2: 0.5}
    h1 = ours.fit(x, y, class_weight=cw, shuffle=False, verbose=0)
    h2 = theirs.fit(x, y, class_weight=cw, shuffle=False, verbose=0)
    np.testing.assert_allclose(h1.history["loss"], h2.history["loss"], rtol=1e-5)


def test_validation_split_takes_last_rows(oracle):
    x, y = data(50)
    ours, theirs = pair(oracle, optimizer="sgd", loss="sparse_categorical_crossentropy")
    h1 = ours.fit(x, y, validation_split=0.2, shuffle=False, verbose=0, epochs=2)
    h2 = theirs.fit(x, y, validation_split=0.2, shuffle=False, verbose=0, epochs=2)
    np.testing.assert_allclose(h1.history["val_loss"], h2.history["val_loss"], rtol=1e-5)
    assert h1.params["steps"] == 2


def test_multi_output_history_and_evaluate_match_keras(oracle):
    def build(k):
        inp = k.Input(shape=(4,), name="inp")
        h = k.layers.Dense(5, activation="relu")(inp)
        a = k.layers.Dense(1, activation="sigmoid", name="main_output")(h)
        b = k.layers.Dense(1, name="sum_output")(h)
        m = k.Model(inp, [a, b])
        m.compile("sgd", loss=["binary_crossentropy", "mse"], loss_weights=[1.0, 0.5],
                  metrics=[["accuracy"], ["mae"]])
        return m
    ours, theirs = build(keras), build(oracle)
    ours.set_weights(theirs.get_weights())
    rng = np.random.default_rng(0)
    x = rng.random((20, 4)).astype("float32")
    ya, yb = rng.integers(0, 2, (20, 1)).astype("float32"), rng.random((20, 1)).astype("float32")
    h1 = ours.fit(x, [ya, yb], shuffle=False, verbose=0, epochs=2)
    h2 = theirs.fit(x, [ya, yb], shuffle=False, verbose=0, epochs=2)
    assert set(h1.history) == set(h2.history)
    assert list(h1.history)[:3] == ["loss", "main_output_loss", "sum_output_loss"]
    for key in h1.history:
        np.testing.assert_allclose(h1.history[key], h2.history[key], rtol=1e-5)
    np.testing.assert_allclose(ours.evaluate(x, [ya, yb], verbose=0), theirs.evaluate(x, [ya, yb], verbose=0),
                               rtol=1e-5)


def test_inputs_as_torch_tensors_dataloader_and_generator():
    x, y = data()
    model = mlp(keras)
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(torch.from_numpy(x), torch.from_numpy(y), verbose=0)
    ds = torch.utils.data.TensorDataset(torch.from_numpy(x), torch.from_numpy(y))
    model.fit(torch.utils.data.DataLoader(ds, batch_size=8), epochs=2, verbose=0)
    model.fit(ds, batch_size=16, verbose=0)

    def gen():
        while True:
            for i in range(0, len(x), 16):
                yield x[i:i + 16], y[i:i + 16]
    h = model.fit(gen(), steps_per_epoch=4, epochs=2, verbose=0)
    assert len(h.history["loss"]) == 2
    res = model.evaluate(torch.utils.data.DataLoader(ds, batch_size=8), verbose=0, return_dict=True)
    assert set(res) == {"loss", "accuracy"}


def test_evaluate_scalar_and_on_batch_methods():
    x, y = data()
    model = mlp(keras)
    model.compile("sgd", "sparse_categorical_crossentropy")
    assert isinstance(model.evaluate(x, y, verbose=0), float)
    loss = model.train_on_batch(x[:8], y[:8])
    assert isinstance(loss, float)
    assert model.predict_on_batch(x[:3]).shape == (3, 3)
    assert isinstance(model.test_on_batch(x[:8], y[:8]), float)


def test_custom_train_step_torch_way(oracle):
    class Custom(keras.Model):
        def train_step(self, data):
            x, y = data
            y_pred = self(x, training=True)
            loss = self.compute_loss(y=y, y_pred=y_pred)
            self.zero_grad()
            loss.backward()
            trainable = [v for v in self.trainable_weights]
            self.optimizer.apply([v.grad for v in trainable], trainable)
            for metric in self.metrics:
                if metric.name == "loss":
                    metric.update_state(loss)
                else:
                    metric.update_state(y, y_pred)
            return {m.name: m.result() for m in self.metrics}

    inp = keras.Input((6,))
    out = layers.Dense(3, activation="softmax")(layers.Dense(8, activation="relu")(inp))
    model = Custom(inp, out) if False else None
    net = keras.Sequential([keras.Input((6,)), layers.Dense(3, activation="softmax")])

    class Wrapper(Custom):
        def __init__(self):
            super().__init__()
            self.net = net

        def call(self, x):
            return self.net(x)
    m = Wrapper()
    m.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
    x, y = data()
    h = m.fit(x, y, verbose=0, epochs=2)
    assert "loss" in h.history and len(h.history["loss"]) == 2


def test_train_step_returning_non_dict_is_an_error():
    class Bad(keras.Model):
        def __init__(self):
            super().__init__()
            self.d = layers.Dense(1)

        def call(self, x):
            return self.d(x)

        def train_step(self, data):
            return 3.0
    m = Bad()
    m.compile("sgd", "mse")
    with pytest.raises(TypeError, match="must return a dict"):
        m.fit(np.zeros((4, 2), "float32"), np.zeros((4, 1), "float32"), verbose=0)


def test_learning_rate_settable_and_torch_optimizer():
    x, y = data()
    model = mlp(keras)
    model.compile(torch.optim.SGD(model.parameters(), lr=0.1) if model.built else "sgd",
                  "sparse_categorical_crossentropy")
    model.fit(x, y, verbose=0)
    model.optimizer.learning_rate = 0.5
    assert abs(float(model.optimizer.learning_rate) - 0.5) < 1e-7


def test_nan_loss_shows_nan_without_crash():
    x, y = data()
    x[0, 0] = np.nan
    model = mlp(keras)
    model.compile("sgd", "sparse_categorical_crossentropy")
    h = model.fit(x, y, verbose=0, shuffle=False)
    assert np.isnan(h.history["loss"][0])


# ---------------------------------------------------------------- bad input
def test_fit_errors():
    x, y = data()
    model = mlp(keras)
    with pytest.raises(RuntimeError, match="compile"):
        model.fit(x, y, verbose=0)
    model.compile("adam", "sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match="Data cardinality is ambiguous"):
        model.fit(x, y[:10], verbose=0)
    with pytest.raises(ValueError, match="non-empty"):
        model.fit(x[:0], y[:0], verbose=0)
    with pytest.raises(ValueError, match="batch_size"):
        model.fit(x, y, batch_size=0, verbose=0)
    with pytest.raises(ValueError, match="epochs"):
        model.fit(x, y, epochs=-1, verbose=0)
    ds = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.from_numpy(x), torch.from_numpy(y)))
    with pytest.raises(ValueError, match="validation_split"):
        model.fit(ds, validation_split=0.2, verbose=0)
    with pytest.raises(ValueError, match="dense.*expected axis -1 of input shape to have value 6"):
        model.fit(np.zeros((4, 5), "float32"), y[:4], verbose=0)


def test_label_errors_before_device_assert():
    x, y = data()
    model = mlp(keras)
    model.compile("adam", "sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match="sparse_categorical_crossentropy"):
        model.fit(x, y + 5, verbose=0)
    with pytest.raises(ValueError, match="categorical_crossentropy"):
        model.fit(x, np.eye(3)[y], verbose=0)
    model.compile("adam", "categorical_crossentropy")
    with pytest.raises(ValueError, match="sparse_categorical_crossentropy"):
        model.fit(x, y, verbose=0)


def test_unknown_strings_list_valid_names():
    model = mlp(keras)
    with pytest.raises(ValueError, match="adam"):
        model.compile("adamx", "mse")
    with pytest.raises(ValueError, match="mean_squared_error|mse"):
        model.compile("adam", "msex")
