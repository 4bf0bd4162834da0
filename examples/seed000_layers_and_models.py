"""Layers and models, the three ways Keras builds a model (after seed 000, an AIFFEL lecture note).

Walks through: Input objects, a Dense layer and its weights, activation layers, Flatten,
then the same kind of classifier built with the Sequential API, the Functional API
(including several inputs and several outputs) and by subclassing Model. Ends by
training the multi-input / multi-output model for a few epochs on generated data.

    python -m kerasish run examples/seed000_layers_and_models.py [OUT_DIR]

Plots (activation functions, model diagrams when graphviz is installed) go to OUT_DIR,
a new temporary folder by default. Everything runs offline in a few seconds.
"""
import os
import sys
import tempfile

import numpy as np

import kerasish as keras
from kerasish import layers, models


def inputs_and_layers():
    # An Input is a symbolic placeholder: a shape (the batch dimension is None) and a dtype.
    print(keras.Input(shape=(8,), dtype="int32"))
    print(keras.Input(shape=(28, 28), dtype="float32", batch_size=16))

    # A Dense layer creates its weights the first time it sees data: the kernel's input
    # dimension comes from the data (here 2 features), the output dimension is `units`.
    inputs = keras.random.uniform(shape=(5, 2), seed=0)
    layer = layers.Dense(10, activation="relu")
    outputs = layer(inputs)
    print("kernel:", tuple(layer.kernel.shape), "bias:", tuple(layer.bias.shape), "outputs:", tuple(outputs.shape))
    # Every kerasish layer is also a torch.nn.Module.
    print("parameters seen by torch:", sum(p.numel() for p in layer.parameters()))

    # Flatten keeps the batch dimension and flattens the rest.
    print("Flatten (28, 28, 1) ->", layers.Flatten()(keras.Input(shape=(28, 28, 1))).shape)
    print("Flatten (224, 224, 1) ->", layers.Flatten()(keras.Input(shape=(224, 224, 1))).shape)


def activation_functions(out_dir):
    """Applies each activation layer to 100 points in [-10, 10] and plots the curves."""
    x = np.linspace(-10, 10, 100).astype("float32")
    curves = {}
    for name, layer in [("sigmoid", layers.Activation("sigmoid")), ("tanh", layers.Activation("tanh")),
                        ("relu", layers.Activation("relu")), ("LeakyReLU", layers.LeakyReLU()),
                        ("ELU", layers.ELU())]:
        curves[name] = keras.ops.convert_to_numpy(layer(x))
        print(f"{name:>9}: f(-10) = {curves[name][0]:8.4f}   f(0) ~ {curves[name][50]:7.4f}   "
              f"f(10) = {curves[name][-1]:8.4f}")
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6, 4))
    for name, y in curves.items():
        ax.plot(x, y, label=name)
    ax.set_ylim(-2, 3)
    ax.legend()
    path = os.path.join(out_dir, "activations.png")
    fig.savefig(path, dpi=80)
    plt.close(fig)
    print("saved", path)


def plot(model, out_dir, name):
    """utils.plot_model needs pydot and graphviz's `dot`; skip the picture without them."""
    try:
        keras.utils.plot_model(model, to_file=os.path.join(out_dir, name), show_shapes=True)
        print("saved", os.path.join(out_dir, name))
    except ImportError as e:
        print("(no model diagram:", str(e).split(".")[0] + ")")


def sequential_models(out_dir):
    # 1) Create an empty Sequential model and add() layers; the Input comes first.
    model = models.Sequential()
    model.add(layers.Input(shape=(28, 28)))
    model.add(layers.Flatten())
    model.add(layers.Dense(300, activation="relu"))
    model.add(layers.Dense(100, activation="relu"))
    model.add(layers.Dense(10, activation="softmax"))
    model.summary()
    # 2) Or pass the list of layers at once (here without Flatten: Dense acts on the last axis).
    model = models.Sequential([layers.Input(shape=(28, 28), name="Input"),
                               layers.Dense(300, activation="relu", name="Dense1"),
                               layers.Dense(100, activation="relu", name="Dense2"),
                               layers.Dense(10, activation="softmax", name="Output")])
    model.summary()
    plot(model, out_dir, "sequential.png")


def functional_models(out_dir):
    # The Functional API calls layers on symbolic tensors, so one tensor can feed several layers.
    inputs = keras.Input(shape=(28, 28))
    hidden1 = layers.Dense(100, activation="relu")(inputs)
    hidden2 = layers.Dense(30, activation="relu")(hidden1)
    concat = layers.Concatenate()([inputs, hidden2])  # a "wide and deep" shortcut
    output = layers.Dense(1)(concat)
    models.Model(inputs=[inputs], outputs=[output]).summary()

    # Two inputs and two outputs: the summary shows which layer feeds which ("Connected to").
    input_1 = keras.Input(shape=(10, 10), name="input_1")
    input_2 = keras.Input(shape=(10, 28), name="input_2")
    hidden1 = layers.Dense(100, activation="relu")(input_2)
    hidden2 = layers.Dense(10, activation="relu")(hidden1)
    concat = layers.Concatenate()([input_1, hidden2])
    output = layers.Dense(1, activation="sigmoid", name="main_output")(concat)
    sub_out = layers.Dense(1, name="sub_output")(hidden2)
    model = models.Model(inputs=[input_1, input_2], outputs=[output, sub_out])
    model.summary()
    plot(model, out_dir, "multi_io.png")
    return model


class MyModel(models.Model):
    """Subclassing: layers are attributes, call() says how data flows through them."""

    def __init__(self, units=30, activation="relu", **kwargs):
        super().__init__(**kwargs)
        self.dense_layer1 = layers.Dense(300, activation=activation)
        self.dense_layer2 = layers.Dense(100, activation=activation)
        self.dense_layer3 = layers.Dense(units, activation=activation)
        self.output_layer = layers.Dense(10, activation="softmax")

    def call(self, inputs):
        x = self.dense_layer1(inputs)
        x = self.dense_layer2(x)
        x = self.dense_layer3(x)
        return self.output_layer(x)


def train_models(multi_io):
    rng = np.random.default_rng(0)
    # Generated data for the two-input, two-output model: the main target is 1 when the
    # mean of input_1 is positive; the second target is the mean of input_2.
    x1 = rng.standard_normal((256, 10, 10)).astype("float32")
    x2 = rng.standard_normal((256, 10, 28)).astype("float32")
    y_main = (x1.mean(axis=-1, keepdims=True) > 0).astype("float32")
    y_sub = x2.mean(axis=-1, keepdims=True)
    # One loss per output, weighted; metrics per output too. History keys are named after outputs.
    multi_io.compile(optimizer=keras.optimizers.Adam(0.01), loss=["binary_crossentropy", "mse"],
                     loss_weights=[1.0, 0.5], metrics=[["accuracy"], ["mae"]])
    history = multi_io.fit([x1, x2], [y_main, y_sub], epochs=10, batch_size=32, verbose=0)
    for key, values in history.history.items():
        print(f"{key:>26}: {values[0]:.4f} -> {values[-1]:.4f}")

    # The subclassed model builds itself on its first batch.
    x = rng.standard_normal((128, 20)).astype("float32")
    y = (x[:, :10].argmax(axis=1)).astype("int64")
    model = MyModel(units=20)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=5, batch_size=32, verbose=0)
    print(f"MyModel: loss {history.history['loss'][0]:.3f} -> {history.history['loss'][-1]:.3f}")


def main(out_dir=None):
    keras.utils.set_random_seed(0)
    out_dir = out_dir or tempfile.mkdtemp(prefix="kerasish-seed000-")
    os.makedirs(out_dir, exist_ok=True)
    inputs_and_layers()
    activation_functions(out_dir)
    sequential_models(out_dir)
    multi_io = functional_models(out_dir)
    train_models(multi_io)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
