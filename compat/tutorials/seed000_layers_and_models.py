# Seed 000: "[딥.한.끝] 3. 딥러닝 구조와 모델" (PurinYun, velog, 2023-12-18; AIFFEL notes).
# The tutorial's code blocks, in the blog's order, unchanged. One "# %%" cell per block:
# the blog shows them as notebook cells, and the compat suite also runs this file as a
# notebook so that bare expressions display their values as they do in the blog.

# %%
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers

# %%
keras.Input(shape=(8,), dtype=tf.int32)

# %%
keras.Input(shape=(28, 28), dtype=tf.float32, batch_size=16)

# %%
layers.Dense(10, name='layer1')

# %%
layers.Dense(10, activation='softmax')

# %%
layers.Dense(10, activation='relu', name='Dense Layer')

# %%
inputs = tf.random.uniform(shape=(5, 2))
print(inputs)
layer = layers.Dense(10, activation='relu')
outputs = layer(inputs)
print(layer.weights)
print(layer.bias)
print(outputs)

# %%
import numpy as np
import matplotlib.pyplot as plt

input = np.linspace(-10, 10, 100)
x = np.linspace(-10, 10, 100)
plt.scatter(x, input)
plt.show()

# %%
layer = layers.Activation('sigmoid')
output = layer(input)

plt.scatter(x, output)
plt.show()

# %%
layer = layers.Activation('tanh')
output = layer(input)

plt.scatter(x, output)
plt.show()

# %%
layer = layers.Activation('relu')
output = layer(input)

plt.scatter(x, output)
plt.show()

# %%
layer = layers.LeakyReLU()
output = layer(input)

plt.scatter(x, output)
plt.show()

# %%
layer = layers.ELU()
output = layer(input)

plt.scatter(x, output)
plt.show()

# %%
inputs = keras.Input(shape=(28, 28, 1))
layer = layers.Flatten(input_shape=(28, 28, 1))(inputs)
print(layer.shape)

# %%
inputs = keras.Input(shape=(224, 224, 1))
layer = layers.Flatten()(inputs)
print(layer.shape)

# %%
from tensorflow.keras import models, utils

# %%
model = models.Sequential()
model.add(layers.Flatten())
model.add(layers.Input(shape=(28, 28)))
model.add(layers.Dense(300, activation='relu'))
model.add(layers.Dense(100, activation='relu'))
model.add(layers.Dense(10, activation='softmax'))
model.summary()

# %%
utils.plot_model(model)

# %%
model = models.Sequential([layers.Input(shape=(28, 28), name='Input'),
                           layers.Dense(300, activation='relu', name='Dense1'),
                           layers.Dense(100, activation='relu', name='Dense2'),
                           layers.Dense(10, activation='softmax', name='Output')])
model.summary()

# %%
utils.plot_model(model)

# %%
inputs = layers.Input(shape=(28, 28, 1))
x = layers.Flatten(input_shape=(28, 28, 1))(inputs)
x = layers.Dense(300, activation='relu')(x)
x = layers.Dense(100, activation='relu')(x)
x = layers.Dense(10, activation='softmax')(x)

model = models.Model(inputs=inputs, outputs=x)
model.summary()

# %%
utils.plot_model(model)

# %%
inputs = keras.Input(shape=(28, 28))
hidden1 = layers.Dense(100, activation='relu')(inputs)
hidden2 = layers.Dense(30, activation='relu')(hidden1)
concat = layers.Concatenate()([inputs, hidden2])
output = layers.Dense(1)(concat)

model = models.Model(inputs=[inputs], outputs=[output])
model.summary()

# %%
utils.plot_model(model)

# %%
input_1 = keras.Input(shape=(10, 10), name='Input_1')
input_2 = keras.Input(shape=(10, 28), name='Input_2')

hidden1 = layers.Dense(100, activation='relu')(input_2)
hidden2 = layers.Dense(10, activation='relu')(hidden1)
concat = layers.Concatenate()([input_1, hidden2])
output = layers.Dense(1, activation='sigmoid', name='output')(concat)

model = models.Model(inputs=[input_1, input_2], outputs=[output])
model.summary()

# %%
utils.plot_model(model)

# %%
input_ = keras.Input(shape=(10, 10), name='input_')
hidden1 = layers.Dense(100, activation='relu')(input_)
hidden2 = layers.Dense(10, activation='relu')(hidden1)
output = layers.Dense(1, activation='sigmoid', name='main_output')(hidden2)
sub_out = layers.Dense(1, name='sum_output')(hidden2)

model = models.Model(inputs=[input_], outputs=[output, sub_out])
model.summary()

# %%
utils.plot_model(model)

# %%
input_1 = keras.Input(shape=(10, 10), name='input_1')
input_2 = keras.Input(shape=(10, 28), name='input_2')
hidden1 = layers.Dense(100, activation='relu')(input_2)
hidden2 = layers.Dense(10, activation='relu')(hidden1)
concat = layers.Concatenate()([input_1, hidden2])
output = layers.Dense(1, activation='sigmoid', name='main_output')(concat)
sub_out = layers.Dense(1, name='sum_output')(hidden2)

model = models.Model(inputs=[input_1, input_2], outputs=[output, sub_out])
model.summary()

# %%
utils.plot_model(model)

# %%
# Subclassing API의 예시
class MyModel(models.Model):
  def __init__(self, units=30, activation='relu', **kwargs):
    super(MyModel, self).__init__(**kwargs)
    self.dense_layer1 = layers.Dense(300, activation=activation)
    self.dense_layer2 = layers.Dense(100, activation=activation)
    self.dense_layer3 = layers.Dense(units, activation=activation)
    self.output_layer = layers.Dense(10, activation='softmax')

  def call(self, inputs):
    x = self.dense_layer1(inputs)
    x = self.dense_layer2(x)
    x = self.dense_layer3(x)
    x = self.output_layer(x)
    return x
