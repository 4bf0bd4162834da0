"""kerasish quickstart: the Fashion-MNIST MLP tutorial flow (seed 001), unchanged Keras code.

Build → summary → compile → fit with validation, EarlyStopping and ModelCheckpoint →
evaluate → save → reload → predict → loss/accuracy plot.

Data: Fashion-MNIST when it is already in the Keras cache (~/.keras/datasets), otherwise
scikit-learn's bundled 8x8 handwritten digits (ships offline). Runs in well under a minute
on a laptop CPU.

    python examples/quickstart.py            # or: python -m kerasish run examples/quickstart.py
"""
import os
import sys
import tempfile

import numpy as np

import kerasish as keras


def load_data():
    cache = os.path.join(os.environ.get("KERAS_HOME", os.path.expanduser("~/.keras")), "datasets", "fashion-mnist")
    if os.path.isdir(cache) and len(os.listdir(cache)) >= 4:
        (x_train, y_train), (x_test, y_test) = keras.datasets.fashion_mnist.load_data()
        print("Data: Fashion-MNIST from the Keras cache")
        return (x_train / 255.0, y_train), (x_test / 255.0, y_test), (28, 28), 10
    from sklearn.datasets import load_digits
    digits = load_digits()
    x = (digits.images / 16.0).astype("float32")  # (1797, 8, 8), values 0..1
    y = digits.target.astype("uint8")
    rng = np.random.default_rng(42)
    order = rng.permutation(len(x))
    x, y = x[order], y[order]
    split = int(len(x) * 0.8)
    print("Data: scikit-learn's 8x8 digits (Fashion-MNIST is not in the Keras cache; it ships offline)")
    return (x[:split], y[:split]), (x[split:], y[split:]), (8, 8), 10


def main(out_dir=None):
    keras.utils.set_random_seed(42)
    out_dir = out_dir or tempfile.mkdtemp(prefix="kerasish-quickstart-")
    (train_input, train_target), (test_input, test_target), shape, n_classes = load_data()
    # A validation split, the way the tutorial makes one.
    n_val = len(train_input) // 5
    val_input, val_target = train_input[:n_val], train_target[:n_val]
    train_input, train_target = train_input[n_val:], train_target[n_val:]

    def model_fn(a_layer=None):
        model = keras.Sequential()
        model.add(keras.layers.Flatten(input_shape=shape))
        model.add(keras.layers.Dense(100, activation="relu"))
        if a_layer:
            model.add(a_layer)
        model.add(keras.layers.Dense(n_classes, activation="softmax"))
        return model

    model = model_fn(keras.layers.Dropout(0.3))
    model.summary()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    best_path = os.path.join(out_dir, "best-model.keras")
    checkpoint_cb = keras.callbacks.ModelCheckpoint(best_path, save_best_only=True)
    early_stopping_cb = keras.callbacks.EarlyStopping(patience=2, restore_best_weights=True)
    history = model.fit(train_input, train_target, epochs=20, verbose=1,
                        validation_data=(val_input, val_target),
                        callbacks=[checkpoint_cb, early_stopping_cb])
    print("Stopped at epoch", early_stopping_cb.stopped_epoch, "- history keys:", list(history.history))

    loss, accuracy = model.evaluate(test_input, test_target)
    print(f"Test loss {loss:.4f}, test accuracy {accuracy:.4f}")

    model_path = os.path.join(out_dir, "model-whole.keras")
    model.save(model_path)
    weights_path = os.path.join(out_dir, "model.weights.h5")
    model.save_weights(weights_path)
    reloaded = keras.models.load_model(model_path)
    again = model_fn(keras.layers.Dropout(0.3))
    again.load_weights(weights_path)
    predictions = reloaded.predict(test_input[:10])
    assert np.allclose(predictions, model.predict(test_input[:10], verbose=0), atol=1e-6)
    assert np.allclose(again.predict(test_input[:10], verbose=0), predictions, atol=1e-6)
    best = keras.models.load_model(best_path)
    print("Reloaded model predicts classes", np.argmax(predictions, axis=1), "true", test_target[:10])
    print("Best checkpoint evaluates to", best.evaluate(val_input, val_target, verbose=0))

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.5))
    ax1.plot(history.history["loss"], label="train")
    ax1.plot(history.history["val_loss"], label="val")
    ax1.set_xlabel("epoch"), ax1.set_ylabel("loss"), ax1.legend()
    ax2.plot(history.history["accuracy"], label="train")
    ax2.plot(history.history["val_accuracy"], label="val")
    ax2.set_xlabel("epoch"), ax2.set_ylabel("accuracy"), ax2.legend()
    fig.tight_layout()
    plot_path = os.path.join(out_dir, "history.png")
    fig.savefig(plot_path, dpi=100)
    print("Saved", best_path, model_path, weights_path, plot_path)
    return {"history": history.history, "test_accuracy": accuracy, "out_dir": out_dir}


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
