"""keras.utils: data helpers, progress bar, seeding, downloads, plotting, summaries."""
import importlib

_NAMES = {
    "to_categorical": "numerical", "normalize": "numerical",
    "pad_sequences": "sequence",
    "set_random_seed": "seeding",
    "get_file": "file_utils",
    "Progbar": "progbar",
    "PyDataset": "dataset_utils", "Sequence": "dataset_utils", "split_dataset": "dataset_utils",
    "image_dataset_from_directory": "dataset_utils", "text_dataset_from_directory": "dataset_utils",
    "load_img": "image_utils", "img_to_array": "image_utils", "array_to_img": "image_utils",
    "save_img": "image_utils",
    "plot_model": "plot", "model_to_dot": "plot",
    "print_summary": "summary_utils",
    "custom_object_scope": "_saving", "CustomObjectScope": "_saving", "get_custom_objects": "_saving",
    "register_keras_serializable": "_saving", "serialize_keras_object": "_saving",
    "deserialize_keras_object": "_saving", "get_registered_name": "_saving", "get_registered_object": "_saving",
    "clear_session": "_backend",
}


def __getattr__(name):
    module = _NAMES.get(name)
    if module == "_saving":
        from kerasish.saving import object_registration, serialization
        src = object_registration if hasattr(object_registration, name) else serialization
        return getattr(src, name)
    if module == "_backend":
        from kerasish import backend
        return getattr(backend, name)
    if module is not None:
        return getattr(importlib.import_module(f"kerasish.utils.{module}"), name)
    raise AttributeError(f"module 'kerasish.utils' has no attribute '{name}'")


def __dir__():
    return sorted(list(_NAMES) + ["plot", "progbar", "summary_utils"])
