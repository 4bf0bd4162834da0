"""keras.models: Model, Sequential, and model-level saving helpers."""
from kerasish.models.model import Model as Model
from kerasish.models.functional import Functional as Functional
from kerasish.models.sequential import Sequential as Sequential


def __getattr__(name):
    # Saving helpers live in kerasish.saving; imported lazily to keep import order simple.
    if name in ("load_model", "save_model", "model_from_json", "clone_model", "model_from_config"):
        from kerasish import saving
        return getattr(saving, name)
    raise AttributeError(f"module 'kerasish.models' has no attribute '{name}'")
