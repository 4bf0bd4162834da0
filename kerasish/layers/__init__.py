"""keras.layers: every kerasish layer (each a torch.nn.Module)."""
from kerasish.layers.base import Layer as Layer
from kerasish.layers.input import Input as Input, InputLayer as InputLayer
from kerasish.layers.core import (
    Activation as Activation, Dense as Dense, Dropout as Dropout, Flatten as Flatten, Identity as Identity,
    Lambda as Lambda, Permute as Permute, RepeatVector as RepeatVector, Reshape as Reshape,
)
from kerasish.layers.activation import (
    ELU as ELU, LeakyReLU as LeakyReLU, PReLU as PReLU, ReLU as ReLU, Softmax as Softmax,
)
from kerasish.layers.merge import (
    Add as Add, Average as Average, Concatenate as Concatenate, Dot as Dot, Maximum as Maximum,
    Minimum as Minimum, Multiply as Multiply, Subtract as Subtract, add as add, average as average,
    concatenate as concatenate, dot as dot, maximum as maximum, minimum as minimum, multiply as multiply,
    subtract as subtract,
)
from kerasish.models.sequential import TorchModuleWrapper as TorchModuleWrapper


def serialize(layer):
    from kerasish.saving import serialization
    return serialization.serialize_keras_object(layer)


def deserialize(config, custom_objects=None):
    from kerasish.saving import serialization
    return serialization.deserialize_keras_object(config, custom_objects=custom_objects)
