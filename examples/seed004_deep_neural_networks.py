"""Deep neural networks for regression (after seed 004: Kaggle's "Intro to Deep Learning",
lesson 2, on predicting concrete strength).

The lesson stacks Dense layers with ReLU into a network whose last layer is linear (a
regression output), shows that ``Dense(units, activation='relu')`` is the same as ``Dense``
followed by an ``Activation`` layer, and compares activation functions. Kaggle's concrete
data set is not shipped here, so this example generates a data set with the same eight
inputs (cement, slag, fly ash, water, superplasticizer, coarse and fine aggregate, age)
and a non-linear strength formula, then trains on it.

    python -m kerasish run examples/seed004_deep_neural_networks.py [OUT_DIR]
"""
import os
import sys
import tempfile

import numpy as np

import kerasish as keras
from kerasish import layers

FEATURES = ["Cement", "BlastFurnaceSlag", "FlyAsh", "Water", "Superplasticizer", "CoarseAggregate",
            "FineAggregate", "Age"]
RANGES = [(102, 540), (0, 359), (0, 200), (122, 247), (0, 32), (801, 1145), (594, 993), (1, 365)]


def concrete_like(n=1030, seed=0):
    """Eight recipe inputs and a made-up but plausible strength: more cement and age help
    (age with diminishing returns), more water hurts, slag and fly ash help a little."""
    rng = np.random.default_rng(seed)
    x = np.stack([rng.uniform(lo, hi, size=n) for lo, hi in RANGES], axis=1).astype("float32")
    cement, slag, ash, water, plasticizer, _, _, age = x.T
    binder = cement + 0.6 * slag + 0.4 * ash
    strength = 80 * (binder / (binder + 1.6 * water)) * np.log1p(age) / np.log1p(365) + 0.3 * plasticizer
    strength += rng.normal(0, 2.0, size=n)
    return x, strength.astype("float32")[:, None]


def build(hidden_units=(512, 512, 512), input_shape=(8,)):
    """The lesson's model: ReLU hidden layers, a linear output layer for a regression target."""
    model = keras.Sequential([layers.Input(shape=input_shape)])
    for units in hidden_units:
        model.add(layers.Dense(units=units, activation="relu"))
    model.add(layers.Dense(units=1))
    return model


def activation_layers_are_the_same():
    """Dense(32, activation='relu') == Dense(32) followed by Activation('relu')."""
    fused = keras.Sequential([layers.Input(shape=(8,)), layers.Dense(32, activation="relu"), layers.Dense(1)])
    split = keras.Sequential([layers.Input(shape=(8,)), layers.Dense(32), layers.Activation("relu"),
                              layers.Dense(1)])
    split.set_weights(fused.get_weights())  # Activation has no weights: the lists line up
    x = np.random.default_rng(1).standard_normal((4, 8)).astype("float32")
    same = np.allclose(fused.predict(x, verbose=0), split.predict(x, verbose=0), atol=1e-6)
    print(f"Dense(activation='relu') vs Dense + Activation('relu'): same outputs = {same}")


def compare_activations(out_dir):
    """The lesson's optional exercise: plot relu and its variants on [-3, 3]."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    x = np.linspace(-3.0, 3.0, 100).astype("float32")
    fig, ax = plt.subplots(figsize=(5, 3.5), dpi=100)
    for name in ("relu", "elu", "selu", "swish"):
        y = keras.ops.convert_to_numpy(layers.Activation(name)(x))
        ax.plot(x, y, label=name)
        print(f"  {name:>5}: f(-3) = {y[0]:7.4f}, f(3) = {y[-1]:.4f}")
    ax.set_xlim(-3, 3)
    ax.set_xlabel("Input")
    ax.set_ylabel("Output")
    ax.legend()
    path = os.path.join(out_dir, "activations.png")
    fig.savefig(path)
    plt.close(fig)
    print("  saved", path)


def train(out_dir):
    x, y = concrete_like()
    # Standardize the inputs with statistics of the training part only.
    split = int(0.7 * len(x))
    mean, std = x[:split].mean(axis=0), x[:split].std(axis=0)
    x = (x - mean) / std
    x_train, y_train, x_valid, y_valid = x[:split], y[:split], x[split:], y[split:]
    print(f"data: {len(x_train)} training and {len(x_valid)} validation rows, {x.shape[1]} inputs "
          f"({', '.join(FEATURES)})")
    model = build(hidden_units=(64, 64, 64))  # the lesson uses 512 units; 64 trains fast here
    model.summary()
    model.compile(optimizer="adam", loss="mae")
    history = model.fit(x_train, y_train, validation_data=(x_valid, y_valid), batch_size=64, epochs=60,
                        verbose=0)
    baseline = float(np.mean(np.abs(y_valid - y_train.mean())))
    print(f"validation MAE: {history.history['val_loss'][-1]:.2f} "
          f"(predicting the mean strength gives {baseline:.2f})")


def main(out_dir=None):
    keras.utils.set_random_seed(0)
    out_dir = out_dir or tempfile.mkdtemp(prefix="kerasish-seed004-")
    os.makedirs(out_dir, exist_ok=True)
    print("The lesson's model (three hidden layers of 512 units):")
    print(f"  {build().count_params():,} parameters")
    activation_layers_are_the_same()
    print("Activation functions:")
    compare_activations(out_dir)
    train(out_dir)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
