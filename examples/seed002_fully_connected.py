"""Fully connected layers, ReLU and softmax (after seed 002, a blog post on Dense layers).

The post's model is Flatten -> Dense(128, relu) -> Dense(10, softmax) on 28x28 grayscale
images. This example builds the same model for scikit-learn's 8x8 digits (bundled with
scikit-learn, nothing is downloaded), looks at what each part does, and trains it.

    python -m kerasish run examples/seed002_fully_connected.py
"""
import numpy as np

import kerasish as keras
from kerasish import layers


def what_the_parts_do():
    # ReLU: negative inputs become 0, positive inputs pass unchanged.
    z = np.array([-2.0, -0.5, 0.0, 0.5, 2.0], dtype="float32")
    print("relu   ", z, "->", keras.ops.convert_to_numpy(keras.activations.relu(z)))
    # Softmax: any real scores -> positive values that sum to 1 (class probabilities);
    # the exponential widens the gap between the largest score and the others.
    scores = np.array([[2.0, 1.0, 0.1]], dtype="float32")
    probabilities = keras.ops.convert_to_numpy(keras.activations.softmax(scores))
    print("softmax", scores[0], "->", probabilities[0].round(4), "sum", probabilities.sum().round(4))
    # Flatten: a grayscale image (height, width) becomes one vector, sample by sample.
    images = np.zeros((3, 8, 8), dtype="float32")
    print("Flatten", images.shape, "->", tuple(layers.Flatten()(images).shape))


def build_model():
    # "Fully connected": every one of the 64 pixels feeds every one of the 128 units, and
    # every unit feeds every one of the 10 outputs. Dense is Keras's fully connected layer.
    model = keras.Sequential()
    model.add(layers.Flatten(input_shape=(8, 8)))        # 1: (8, 8) -> 64 values
    model.add(layers.Dense(128, activation="relu"))      # 2: 64*128 weights + 128 biases
    model.add(layers.Dense(10, activation="softmax"))    # 3: 128*10 weights + 10 biases
    return model


def main():
    keras.utils.set_random_seed(0)
    what_the_parts_do()
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    digits = load_digits()
    x = digits.images.astype("float32") / 16.0
    x_train, x_test, y_train, y_test = train_test_split(x, digits.target, test_size=0.25, random_state=0)
    model = build_model()
    model.summary()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, epochs=10, batch_size=32, verbose=2)
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    print(f"test accuracy {accuracy:.4f} (loss {loss:.4f})")
    # Each prediction row is a softmax output: ten probabilities that sum to 1.
    predictions = model.predict(x_test[:3], verbose=0)
    for row, label in zip(predictions, y_test[:3]):
        print(f"predicted {row.argmax()} (p={row.max():.3f}), true {label}, row sums to {row.sum():.4f}")


if __name__ == "__main__":
    main()
