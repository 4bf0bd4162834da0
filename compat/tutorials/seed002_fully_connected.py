# Seed 002: "(JY) Keras 사용해보기 - 완전연결 계층" (dsbook.tistory.com): fully connected layers.
# The post's code block, unchanged, after the two imports it relies on (they come from the
# post it continues, "(JY) Keras 사용해보기", whose model this is). Its closing section,
# "3. Summary", shows the model's summary, hence the last line.

# %%
from tensorflow import keras
from tensorflow.keras import layers

# %%
model = keras.Sequential()
model.add(layers.Flatten(input_shape = (28, 28)))	# 1
model.add(layers.Dense(128, activation='relu'))		# 2
model.add(layers.Dense(10, activation='softmax'))		# 3

# %% 3. Summary
model.summary()
