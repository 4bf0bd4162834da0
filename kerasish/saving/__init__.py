"""keras.saving: save and load models and weights, serialize objects, register custom classes.

See README.md in this folder for what each function writes.
"""
from kerasish.saving.object_registration import (
    CustomObjectScope as CustomObjectScope,
    SafeModeScope as SafeModeScope,
    custom_object_scope as custom_object_scope,
    enable_unsafe_deserialization as enable_unsafe_deserialization,
    get_custom_objects as get_custom_objects,
    get_registered_name as get_registered_name,
    get_registered_object as get_registered_object,
    in_safe_mode as in_safe_mode,
    register_keras_serializable as register_keras_serializable,
)
from kerasish.saving.serialization import (
    deserialize_keras_object as deserialize_keras_object,
    serialize_keras_object as serialize_keras_object,
)
from kerasish.saving.saving_api import (
    atomic_write as atomic_write,
    load_model as load_model,
    load_weights as load_weights,
    model_from_config as model_from_config,
    model_from_json as model_from_json,
    save_model as save_model,
    save_weights as save_weights,
)
from kerasish.models.graph_config import clone_model as clone_model

__all__ = [
    "CustomObjectScope", "custom_object_scope", "get_custom_objects", "register_keras_serializable",
    "get_registered_name", "get_registered_object", "serialize_keras_object", "deserialize_keras_object",
    "save_model", "load_model", "save_weights", "load_weights", "model_from_json", "model_from_config",
    "clone_model", "enable_unsafe_deserialization", "SafeModeScope", "in_safe_mode", "atomic_write",
]
