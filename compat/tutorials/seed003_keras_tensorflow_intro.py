# Seed 003: "3장 케라스와 텐서플로우" (Korean lecture notes on F. Chollet, "Deep Learning with
# Python", 2nd ed., chapter 3). The notes' code, in order, with the book's code they refer
# to: the (2000, 2) two-class data set made with NumPy in 3.5 ("앞서 넘파이 어레이로 생성한
# (2000, 2) 모양의 양성, 음성 데이터셋"), the book's SimpleDense layer that the notes write as
# `layers.SimpleDense` (Keras has no such layer: it is the class defined in the book, so it is
# defined here as the book does and used under its own name), the book's compile and fit
# examples, and the validation split that defines `training_inputs` ... `val_targets`.
# The notes' "approximate definition of __call__" is a sketch, not runnable code, and is left out.

# %% 3.5 (2000, 2) 모양의 양성, 음성 데이터셋
import numpy as np

num_samples_per_class = 1000
negative_samples = np.random.multivariate_normal(
    mean=[0, 3],
    cov=[[1, 0.5],[0.5, 1]],
    size=num_samples_per_class)
positive_samples = np.random.multivariate_normal(
    mean=[3, 0],
    cov=[[1, 0.5],[0.5, 1]],
    size=num_samples_per_class)

# %%
inputs = np.vstack((negative_samples, positive_samples)).astype(np.float32)

# %%
targets = np.vstack((np.zeros((num_samples_per_class, 1), dtype="float32"),
                     np.ones((num_samples_per_class, 1), dtype="float32")))

# %% 3.6 Layer 클래스와 __call__() 메서드: the book's SimpleDense
import tensorflow as tf
from tensorflow import keras

class SimpleDense(keras.layers.Layer):

    def __init__(self, units, activation=None):
        super().__init__()
        self.units = units
        self.activation = activation

    def build(self, input_shape):
        input_dim = input_shape[-1]
        self.W = self.add_weight(shape=(input_dim, self.units),
                                 initializer="random_normal")
        self.b = self.add_weight(shape=(self.units,),
                                 initializer="zeros")

    def call(self, inputs):
        y = tf.matmul(inputs, self.W) + self.b
        if self.activation is not None:
            y = self.activation(y)
        return y

# %%
my_dense = SimpleDense(units=32, activation=tf.nn.relu)
input_tensor = tf.ones(shape=(2, 784))
output_tensor = my_dense(input_tensor)
print(output_tensor.shape)

# %% 층에서 모델로
from tensorflow import keras
from tensorflow.keras import layers

model = keras.Sequential([
    SimpleDense(512, activation="relu"),
    SimpleDense(10, activation="softmax")
])

# %% 모델 컴파일
model = keras.Sequential([keras.layers.Dense(1)])
model.compile(optimizer="rmsprop",
              loss="mean_squared_error",
              metrics=["accuracy"])

# %%
model.compile(optimizer=keras.optimizers.RMSprop(),
              loss=keras.losses.MeanSquaredError(),
              metrics=[keras.metrics.BinaryAccuracy()])

# %% fit() 메서드 작동법
history = model.fit(
    inputs,
    targets,
    epochs=5,
    batch_size=128
)

# %%
history.history

# %% 검증 세트 활용
model = keras.Sequential([keras.layers.Dense(1)])
model.compile(optimizer=keras.optimizers.RMSprop(learning_rate=0.1),
              loss=keras.losses.MeanSquaredError(),
              metrics=[keras.metrics.BinaryAccuracy()])

indices_permutation = np.random.permutation(len(inputs))
shuffled_inputs = inputs[indices_permutation]
shuffled_targets = targets[indices_permutation]

num_validation_samples = int(0.3 * len(inputs))
val_inputs = shuffled_inputs[:num_validation_samples]
val_targets = shuffled_targets[:num_validation_samples]
training_inputs = shuffled_inputs[num_validation_samples:]
training_targets = shuffled_targets[num_validation_samples:]

# %%
model.fit(
    training_inputs,
    training_targets,
    epochs=5,
    batch_size=16,
    validation_data=(val_inputs, val_targets)
)
