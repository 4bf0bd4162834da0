"""Keras and TensorFlow basics, the chapter-3 way (after seed 003: notes on "Deep Learning
with Python", 2nd ed., chapter 3).

Written as the book writes it, with ``import tensorflow as tf`` and ``from tensorflow
import keras``: run it with kerasish's import shim, which maps both to kerasish on PyTorch.

1. constant tensors and variables;
2. gradients with GradientTape (including a second derivative);
3. a linear classifier written from scratch, trained with a hand-written loop;
4. the same ideas with Keras: a custom layer (SimpleDense), compile(), fit() with a
   validation set, evaluate() and predict().

    python -m kerasish run examples/seed003_keras_basics.py
"""
import numpy as np

import tensorflow as tf
from tensorflow import keras


def tensors_and_variables():
    x = tf.ones(shape=(2, 1))                      # constant tensors: inputs, targets
    y = tf.random.normal(shape=(3, 1), mean=0.0, stddev=1.0, seed=1)
    print("ones", tuple(x.shape), "normal", tuple(y.shape))
    v = tf.Variable(initial_value=tf.zeros(shape=(3, 1)))  # variables: weights that training updates
    v.assign(tf.ones((3, 1)))
    v.assign_add(tf.ones((3, 1)))
    print("variable after assign(1) and assign_add(1):", v.numpy().ravel())
    a = tf.ones((2, 2))
    print("square + sqrt + matmul:", (tf.matmul(tf.square(a) + tf.sqrt(a), a)).numpy().tolist())


def gradients():
    # The gradient of the output with respect to a variable: d(x^2)/dx = 2x at x = 3.
    x = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        y = tf.square(x)
    print("d(x^2)/dx at 3:", float(tape.gradient(y, x)))
    # Nested tapes give second derivatives: position 4.9 t^2 -> speed 9.8 t -> acceleration 9.8.
    time = tf.Variable(0.0)
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            position = 4.9 * time ** 2
        speed = inner.gradient(position, time)
    print("acceleration:", float(outer.gradient(speed, time)))


def make_dataset(num_samples_per_class=1000, seed=0):
    """Two clouds of 2-D points (the book's data set): class 0 around (0, 3), class 1 around (3, 0)."""
    rng = np.random.default_rng(seed)
    cov = [[1, 0.5], [0.5, 1]]
    negative = rng.multivariate_normal(mean=[0, 3], cov=cov, size=num_samples_per_class)
    positive = rng.multivariate_normal(mean=[3, 0], cov=cov, size=num_samples_per_class)
    inputs = np.vstack((negative, positive)).astype("float32")
    targets = np.vstack((np.zeros((num_samples_per_class, 1), dtype="float32"),
                         np.ones((num_samples_per_class, 1), dtype="float32")))
    return inputs, targets


def linear_classifier_from_scratch(inputs, targets):
    """prediction = inputs @ W + b, mean squared error, plain gradient descent."""
    W = tf.Variable(initial_value=tf.random.uniform(shape=(2, 1), seed=2))
    b = tf.Variable(initial_value=tf.zeros(shape=(1,)))
    learning_rate = 0.1
    for step in range(40):
        with tf.GradientTape() as tape:
            predictions = tf.matmul(inputs, W) + b
            loss = tf.reduce_mean(tf.square(targets - predictions))
        grad_W, grad_b = tape.gradient(loss, [W, b])
        W.assign_sub(grad_W * learning_rate)
        b.assign_sub(grad_b * learning_rate)
        if step % 10 == 0 or step == 39:
            print(f"  step {step:2d}: loss {loss:.4f}")
    predictions = tf.matmul(inputs, W) + b
    accuracy = np.mean((predictions.numpy() > 0.5) == (targets > 0.5))
    print(f"  accuracy of the hand-trained linear classifier: {accuracy:.4f}")


class SimpleDense(keras.layers.Layer):
    """A Dense layer written by hand: weights are created in build(), once the input size is known."""

    def __init__(self, units, activation=None, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.activation = keras.activations.get(activation)  # accepts "relu", a function or None

    def build(self, input_shape):
        input_dim = input_shape[-1]
        self.W = self.add_weight(shape=(input_dim, self.units), initializer="random_normal")
        self.b = self.add_weight(shape=(self.units,), initializer="zeros")

    def call(self, inputs):
        return self.activation(tf.matmul(inputs, self.W) + self.b)


def with_keras(inputs, targets):
    layer = SimpleDense(units=32, activation=tf.nn.relu)
    print("SimpleDense(32) on a (2, 784) batch ->", tuple(layer(tf.ones(shape=(2, 784))).shape))

    model = keras.Sequential([SimpleDense(16, activation="relu"), SimpleDense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.RMSprop(learning_rate=0.01),
                  loss=keras.losses.BinaryCrossentropy(),
                  metrics=[keras.metrics.BinaryAccuracy()])
    # Hold out 30% of the shuffled data for validation, as the book does by hand.
    order = np.random.default_rng(3).permutation(len(inputs))
    inputs, targets = inputs[order], targets[order]
    n_val = int(0.3 * len(inputs))
    val_inputs, val_targets = inputs[:n_val], targets[:n_val]
    training_inputs, training_targets = inputs[n_val:], targets[n_val:]
    history = model.fit(training_inputs, training_targets, epochs=5, batch_size=16,
                        validation_data=(val_inputs, val_targets), verbose=2)
    print("history keys:", list(history.history))
    loss, accuracy = model.evaluate(val_inputs, val_targets, batch_size=128, verbose=0)
    print(f"validation: loss {loss:.4f}, binary accuracy {accuracy:.4f}")
    predictions = model.predict(val_inputs[:5], batch_size=128, verbose=0)
    print("first predictions:", predictions.ravel().round(3), "targets:", val_targets[:5].ravel())


def main():
    keras.utils.set_random_seed(0)
    tensors_and_variables()
    gradients()
    inputs, targets = make_dataset()
    print("data:", inputs.shape, targets.shape)
    print("A linear classifier trained by hand:")
    linear_classifier_from_scratch(inputs, targets)
    print("The same kind of model with Keras:")
    with_keras(inputs, targets)


if __name__ == "__main__":
    main()
