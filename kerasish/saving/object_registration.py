"""Custom objects and safe mode: which user classes and functions a config may name.

Who owns what:
- the global registry (``register_keras_serializable`` / ``get_custom_objects``), keyed
  by ``"Package>Name"`` as in Keras;
- ``CustomObjectScope`` / ``custom_object_scope``: objects visible by name while the
  ``with`` block runs (per thread, nested scopes add to the outer ones);
- ``get_registered_name`` / ``get_registered_object``: the two directions of the lookup;
- safe mode: ``enable_unsafe_deserialization()``, ``SafeModeScope`` and
  ``in_safe_mode(safe_mode=None)``. Safe mode refuses anything that would run code that
  is stored in a file (the bytecode of a ``Lambda``); it is on unless switched off.
"""
import inspect
import threading

_LOCAL = threading.local()
_UNSAFE = {"enabled": False}


class _Registry(dict):
    """The global registry (a plain dict for writes). Reads also see the objects of the
    active ``custom_object_scope``, so every family's ``get`` (activations, initializers,
    optimizers...) resolves scoped names while a model is loading, as in Keras."""

    def _view(self):
        scoped = _scoped_objects()
        if not scoped:
            return None
        merged = dict(dict.items(self))
        merged.update(scoped)
        return merged

    def __contains__(self, key):
        view = self._view()
        return dict.__contains__(self, key) if view is None else key in view

    def __getitem__(self, key):
        view = self._view()
        return dict.__getitem__(self, key) if view is None else view[key]

    def get(self, key, default=None):
        view = self._view()
        return dict.get(self, key, default) if view is None else view.get(key, default)

    def __iter__(self):
        view = self._view()
        return dict.__iter__(self) if view is None else iter(view)

    def __len__(self):
        view = self._view()
        return dict.__len__(self) if view is None else len(view)

    def keys(self):
        view = self._view()
        return dict.keys(self) if view is None else view.keys()

    def items(self):
        view = self._view()
        return dict.items(self) if view is None else view.items()

    def values(self):
        view = self._view()
        return dict.values(self) if view is None else view.values()

    def copy(self):
        view = self._view()
        return dict(dict.items(self)) if view is None else view


# "Package>Name" -> class or function, and the reverse map.
_GLOBAL_CUSTOM_OBJECTS = _Registry()
_GLOBAL_CUSTOM_NAMES = {}


def _scope_stack():
    stack = getattr(_LOCAL, "scopes", None)
    if stack is None:
        stack = _LOCAL.scopes = []
    return stack


def _scoped_objects():
    """Objects of every active ``custom_object_scope`` (inner scopes win)."""
    merged = {}
    for objects in _scope_stack():
        merged.update(objects)
    return merged


class CustomObjectScope:
    """Make custom classes and functions loadable by name inside a ``with`` block.

    ```python
    with keras.utils.custom_object_scope({"MyLayer": MyLayer}):
        model = keras.models.load_model("model.keras")
    ```

    Args:
        *custom_objects: dicts mapping names to classes or functions (several dicts
            are merged, as in tf.keras 2).
    """

    def __init__(self, *custom_objects):
        merged = {}
        for i, objects in enumerate(custom_objects):
            if objects is None:
                continue
            if not isinstance(objects, dict):
                raise TypeError(
                    "CustomObjectScope expects dicts mapping names to classes or functions. "
                    f"Received argument {i}: {objects!r} of type {type(objects).__name__}")
            merged.update(objects)
        self.custom_objects = merged
        self._pushed = False

    def __enter__(self):
        _scope_stack().append(dict(self.custom_objects))
        self._pushed = True
        return self

    def __exit__(self, *exc_info):
        if self._pushed:
            _scope_stack().pop()
            self._pushed = False
        return False


custom_object_scope = CustomObjectScope


def get_custom_objects():
    """The global registry of custom objects (a mutable dict: ``name -> object``).

    ``register_keras_serializable`` adds to it under ``"Package>Name"``; adding entries
    by hand (``get_custom_objects()["MyLayer"] = MyLayer``, the tf.keras 2 idiom) works too.
    While a ``custom_object_scope`` is active, reading it also shows the scope's objects
    (writes always go to the global registry).
    """
    return _GLOBAL_CUSTOM_OBJECTS


def register_keras_serializable(package="Custom", name=None):
    """Decorator registering a class or function under ``"package>name"`` so that saved
    configs naming it can be loaded without ``custom_objects``.

    ```python
    @keras.saving.register_keras_serializable(package="MyLayers")
    class Scale(keras.layers.Layer):
        ...
    ```

    Args:
        package: the namespace part of the registered name (default ``"Custom"``).
        name: the object's part of the registered name (default: its ``__name__``).
    """
    if not isinstance(package, str) or not package:
        raise ValueError(
            "register_keras_serializable: `package` must be a non-empty string. "
            f"Received: package={package!r}")
    if name is not None and (not isinstance(name, str) or not name):
        raise ValueError(
            f"register_keras_serializable: `name` must be a non-empty string or None. Received: name={name!r}")

    def decorator(obj):
        if not (inspect.isclass(obj) or callable(obj)):
            raise TypeError(
                "register_keras_serializable can only decorate a class or a function. "
                f"Received: {obj!r}")
        obj_name = name if name is not None else getattr(obj, "__name__", None)
        if not obj_name:
            raise ValueError(
                f"register_keras_serializable: {obj!r} has no `__name__`; pass `name=` explicitly.")
        if inspect.isclass(obj) and not hasattr(obj, "get_config"):
            raise ValueError(
                f"Cannot register class '{obj.__name__}': it has no get_config() method, so it could "
                "not be saved. Define `get_config()` (and, if needed, `from_config()`).")
        registered = f"{package}>{obj_name}"
        _GLOBAL_CUSTOM_OBJECTS[registered] = obj
        _GLOBAL_CUSTOM_NAMES[obj] = registered
        return obj

    return decorator


def get_registered_name(obj):
    """The name ``obj`` is saved under: ``"Package>Name"`` if registered, else ``__name__``."""
    try:
        if obj in _GLOBAL_CUSTOM_NAMES:
            return _GLOBAL_CUSTOM_NAMES[obj]
    except TypeError:  # unhashable
        pass
    return getattr(obj, "__name__", type(obj).__name__)


def get_registered_object(name, custom_objects=None, module_objects=None):
    """The class or function registered (or passed) under ``name``, or None.

    Looked up in the active ``custom_object_scope``, then the global registry, then
    ``custom_objects``, then ``module_objects``.
    """
    if not isinstance(name, str):
        return None
    scoped = _scoped_objects()
    if name in scoped:
        return scoped[name]
    if dict.__contains__(_GLOBAL_CUSTOM_OBJECTS, name):
        return dict.__getitem__(_GLOBAL_CUSTOM_OBJECTS, name)
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    if module_objects and name in module_objects:
        return module_objects[name]
    return None


def find_custom_object(names, custom_objects=None, by_suffix=False):
    """First hit of :func:`get_registered_object` over ``names`` (None entries skipped).
    With ``by_suffix``, a bare ``"Name"`` also matches a unique registration
    ``"Package>Name"`` (configs written without the package)."""
    names = [n for n in names if isinstance(n, str) and n]
    for n in names:
        obj = get_registered_object(n, custom_objects)
        if obj is not None:
            return obj
    if not by_suffix:
        return None
    pools = (_scoped_objects(), dict(dict.items(_GLOBAL_CUSTOM_OBJECTS)), custom_objects or {})
    for n in names:
        if ">" in n:
            continue
        suffix = ">" + n
        for pool in pools:
            hits = [obj for key, obj in pool.items() if isinstance(key, str) and key.endswith(suffix)]
            if len(hits) == 1:
                return hits[0]
    return None


# ---------------------------------------------------------------------------- safe mode
def enable_unsafe_deserialization():
    """Allow loading ``Lambda`` layers whose function is stored as bytecode, everywhere
    (``keras.config.enable_unsafe_deserialization()``). Only for files you trust."""
    _UNSAFE["enabled"] = True


def _scope_safe_mode():
    stack = getattr(_LOCAL, "safe_modes", None)
    return stack[-1] if stack else None


class SafeModeScope:
    """``with SafeModeScope(False): ...`` allows unsafe deserialization in the block."""

    def __init__(self, safe_mode=True):
        self.safe_mode = None if safe_mode is None else bool(safe_mode)

    def __enter__(self):
        stack = getattr(_LOCAL, "safe_modes", None)
        if stack is None:
            stack = _LOCAL.safe_modes = []
        stack.append(self.safe_mode)
        return self

    def __exit__(self, *exc_info):
        _LOCAL.safe_modes.pop()
        return False


def effective_safe_mode(safe_mode=True):
    """The safe mode a loading function runs with: an enclosing ``SafeModeScope`` or
    ``enable_unsafe_deserialization()`` overrides the argument (as in Keras)."""
    scoped = _scope_safe_mode()
    if scoped is not None:
        return scoped
    if _UNSAFE["enabled"]:
        return False
    return True if safe_mode is None else bool(safe_mode)


def in_safe_mode(safe_mode=None):
    """True when code stored in a file must not be run.

    An explicit ``safe_mode`` wins; otherwise the enclosing ``SafeModeScope``, then
    ``enable_unsafe_deserialization()``; with none of them, True (fail closed).
    """
    if safe_mode is not None:
        return bool(safe_mode)
    scoped = _scope_safe_mode()
    if scoped is not None:
        return scoped
    return not _UNSAFE["enabled"]
