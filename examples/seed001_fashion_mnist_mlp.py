"""An image classifier from logistic regression to a deep network with callbacks
(after seed 001: "혼자 공부하는 머신러닝+딥러닝", chapter 7).

The chapter's path, step by step, on scikit-learn's 8x8 handwritten digits (they ship
with scikit-learn, so nothing is downloaded; the chapter uses 28x28 Fashion-MNIST):

1. a logistic-regression baseline (SGDClassifier, 5-fold cross-validation);
2. the same model as a one-layer Keras network (Dense + softmax);
3. a hidden layer, Flatten and relu, and different optimizers;
4. the training history: loss curves on training and validation data;
5. Dropout against overfitting;
6. saving and loading weights and whole models;
7. callbacks: ModelCheckpoint keeps the best model, EarlyStopping stops training.

    python -m kerasish run examples/seed001_fashion_mnist_mlp.py [OUT_DIR]

Files (plots, saved models) go to OUT_DIR, a new temporary folder by default.
"""
import os
import sys
import tempfile

import numpy as np

import kerasish as keras


def load_digits():
    from sklearn.datasets import load_digits as sk_load_digits
    from sklearn.model_selection import train_test_split
    digits = sk_load_digits()
    images = digits.images.astype("float32") / 16.0  # pixels 0..16 -> 0..1, like `/ 255.0` in the book
    labels = digits.target.astype("int64")
    train_input, test_input, train_target, test_target = train_test_split(
        images, labels, test_size=0.2, random_state=42, stratify=labels)
    # A validation set carved out of the training set, as the book does with train_test_split.
    train_input, val_input, train_target, val_target = train_test_split(
        train_input, train_target, test_size=0.2, random_state=42)
    return train_input, train_target, val_input, val_target, test_input, test_target


def logistic_regression_baseline(train_input, train_target):
    """Step 1: a linear model on flattened pixels, trained by stochastic gradient descent."""
    from sklearn.linear_model import SGDClassifier
    from sklearn.model_selection import cross_validate
    flat = train_input.reshape(-1, 8 * 8)
    sc = SGDClassifier(loss="log_loss", max_iter=20, tol=None, random_state=42)
    scores = cross_validate(sc, flat, train_target)
    print(f"logistic regression (5-fold CV accuracy): {np.mean(scores['test_score']):.4f}")


def one_layer_network(train_input, train_target, val_input, val_target):
    """Step 2: the same linear model as a Keras network: 64 inputs -> 10 softmax outputs."""
    model = keras.Sequential([keras.Input(shape=(64,)), keras.layers.Dense(10, activation="softmax")])
    # Integer labels (not one-hot): sparse_categorical_crossentropy. 'accuracy' becomes
    # sparse_categorical_accuracy automatically for this label shape.
    model.compile(loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(train_input.reshape(-1, 64), train_target, epochs=5, verbose=0)
    loss, accuracy = model.evaluate(val_input.reshape(-1, 64), val_target, verbose=0)
    print(f"one Dense layer: validation accuracy {accuracy:.4f} (loss {loss:.4f})")


def model_fn(a_layer=None):
    """The book's helper: Flatten -> Dense(100, relu) -> [a_layer] -> Dense(10, softmax)."""
    model = keras.Sequential()
    model.add(keras.layers.Input(shape=(8, 8)))
    model.add(keras.layers.Flatten())  # no manual reshape needed any more
    model.add(keras.layers.Dense(100, activation="relu"))
    if a_layer:
        model.add(a_layer)
    model.add(keras.layers.Dense(10, activation="softmax"))
    return model


def optimizers_compared(train_input, train_target, val_input, val_target):
    """Step 3: one hidden layer, trained with different optimizers for the same number of epochs."""
    model_fn().summary()  # 64*100+100 = 6,500 and 100*10+10 = 1,010 parameters
    for optimizer in ("sgd", keras.optimizers.SGD(learning_rate=0.1, momentum=0.9, nesterov=True),
                      "rmsprop", "adagrad", "adam"):
        model = model_fn()
        model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        model.fit(train_input, train_target, epochs=5, verbose=0)
        _, accuracy = model.evaluate(val_input, val_target, verbose=0)
        label = optimizer if isinstance(optimizer, str) else "SGD(0.1, nesterov momentum)"
        print(f"  {label:<28} validation accuracy {accuracy:.4f}")


def plot_history(history, path, title):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.plot(history.history["loss"], label="train")
    ax.plot(history.history["val_loss"], label="val")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)


def history_and_dropout(data, out_dir):
    """Steps 4 and 5: fit() returns a History; validation loss shows overfitting; Dropout helps."""
    train_input, train_target, val_input, val_target = data
    for name, layer in (("no dropout", None), ("Dropout(0.3)", keras.layers.Dropout(0.3))):
        model = model_fn(layer)
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        history = model.fit(train_input, train_target, epochs=20, verbose=0,
                            validation_data=(val_input, val_target))
        best = int(np.argmin(history.history["val_loss"]))
        print(f"  {name:<13} history keys {list(history.history)}; lowest val_loss "
              f"{history.history['val_loss'][best]:.4f} at epoch {best + 1}")
        path = os.path.join(out_dir, f"loss-{name.split('(')[0].replace(' ', '-').lower()}.png")
        plot_history(history, path, name)
    print("  loss curves saved in", out_dir)


def save_and_load(data, out_dir):
    """Step 6: weights only (same architecture needed to load) or the whole model."""
    train_input, train_target, val_input, val_target = data
    model = model_fn(keras.layers.Dropout(0.3))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(train_input, train_target, epochs=10, verbose=0, validation_data=(val_input, val_target))
    weights_path = os.path.join(out_dir, "model.weights.h5")
    model_path = os.path.join(out_dir, "model-whole.keras")
    model.save_weights(weights_path)
    model.save(model_path)

    same_architecture = model_fn(keras.layers.Dropout(0.3))
    same_architecture.load_weights(weights_path)
    val_labels = np.argmax(same_architecture.predict(val_input, verbose=0), axis=-1)
    print(f"  load_weights: validation accuracy {np.mean(val_labels == val_target):.4f}")
    reloaded = keras.models.load_model(model_path)  # architecture, weights, compile settings
    print(f"  load_model:   validation accuracy {reloaded.evaluate(val_input, val_target, verbose=0)[1]:.4f}")


def callbacks(data, test_data, out_dir):
    """Step 7: keep the best model on disk and stop when validation loss stops improving."""
    train_input, train_target, val_input, val_target = data
    model = model_fn(keras.layers.Dropout(0.3))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    best_path = os.path.join(out_dir, "best-model.keras")
    checkpoint_cb = keras.callbacks.ModelCheckpoint(best_path, save_best_only=True)
    early_stopping_cb = keras.callbacks.EarlyStopping(patience=2, restore_best_weights=True)
    history = model.fit(train_input, train_target, epochs=100, verbose=0,
                        validation_data=(val_input, val_target), callbacks=[checkpoint_cb, early_stopping_cb])
    epochs_run = len(history.history["loss"])
    if early_stopping_cb.stopped_epoch:
        best = int(np.argmin(history.history["val_loss"])) + 1
        print(f"  EarlyStopping stopped after epoch {epochs_run} of 100; the weights of epoch {best} "
              "(lowest val_loss) were restored")
    else:
        print(f"  trained all {epochs_run} epochs: the validation loss kept improving")
    test_input, test_target = test_data
    _, accuracy = keras.models.load_model(best_path).evaluate(test_input, test_target, verbose=0)
    print(f"  best checkpoint on the test set: accuracy {accuracy:.4f}")


def main(out_dir=None):
    keras.utils.set_random_seed(42)
    out_dir = out_dir or tempfile.mkdtemp(prefix="kerasish-seed001-")
    os.makedirs(out_dir, exist_ok=True)
    train_input, train_target, val_input, val_target, test_input, test_target = load_digits()
    print("training images", train_input.shape, "validation", val_input.shape, "test", test_input.shape)
    logistic_regression_baseline(train_input, train_target)
    one_layer_network(train_input, train_target, val_input, val_target)
    print("Step 3: a hidden layer and five optimizers")
    optimizers_compared(train_input, train_target, val_input, val_target)
    data = (train_input, train_target, val_input, val_target)
    print("Steps 4-5: history and dropout")
    history_and_dropout(data, out_dir)
    print("Step 6: saving and loading")
    save_and_load(data, out_dir)
    print("Step 7: callbacks")
    callbacks(data, (test_input, test_target), out_dir)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
