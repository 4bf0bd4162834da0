"""The import hook behind the shim: a ``sys.meta_path`` finder that answers
``import keras...`` / ``import tensorflow...`` with kerasish modules.

Who owns what:
- ``plan(fullname)`` decides what a claimed name stands for: a kerasish module
  (``keras.layers`` → ``kerasish.layers``), an object of the TensorFlow facade
  (``tensorflow`` → ``kerasish.shim.tensorflow``, ``tensorflow.nn`` → its ``nn``
  namespace) or a small synthetic module (``keras.layers.experimental``).
- ``ShimFinder`` claims whole top-level names (``keras``, ``tensorflow``, ...),
  hands out specs for them, and remembers the attributes the import system set
  on kerasish modules so that ``uninstall()`` can take them off again.
- The loader returns the kerasish module object itself, so
  ``sys.modules['keras.layers'] is kerasish.layers`` and isinstance checks agree.
  The import system stamps the alias spec onto the module; the loader puts the
  module's own ``__spec__`` (and friends) back straight away.
"""
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import types

FACADE_MODULE = "kerasish.shim.tensorflow"
KERAS_ROOTS = ("keras", "tf_keras", "keras_core")
TF_ROOT = "tensorflow"
ALL_ROOTS = (TF_ROOT,) + KERAS_ROOTS

# Keras 2 spellings whose kerasish home has a different name. Used only when
# kerasish has no module under the literal name.
_RENAMES = (
    (("layers", "experimental", "preprocessing"), ("layers",)),
    (("optimizers", "legacy"), ("optimizers",)),
    (("optimizers", "experimental"), ("optimizers",)),
)
_MISSING = object()
_MODULE_ATTRS = ("__spec__", "__loader__", "__package__", "__path__", "__file__", "__cached__")

UNSUPPORTED_HINT = ("kerasish runs Keras code on PyTorch; only the tf.* calls Keras tutorials use "
                    "are covered: see kerasish/shim/README.md")


def _module_exists(name):
    mod = sys.modules.get(name, _MISSING)
    if mod is not _MISSING:
        return mod is not None
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


def _experimental_layers_module(alias_name):
    """``keras.layers.experimental``: Keras 2's home of the preprocessing layers."""
    mod = types.ModuleType(alias_name, "Keras 2's keras.layers.experimental, served by kerasish.layers.")
    mod._kerasish_shim_owned = True
    mod.__path__ = []  # a package, so keras.layers.experimental.preprocessing can be imported

    def __getattr__(name):
        layers = importlib.import_module("kerasish.layers")
        if name == "preprocessing":
            return layers
        if name.startswith("__"):
            raise AttributeError(f"module {alias_name!r} has no attribute {name!r}")
        return getattr(layers, name)

    mod.__getattr__ = __getattr__
    return mod


class _Plan:
    __slots__ = ("kind", "target")

    def __init__(self, kind, target):
        self.kind = kind      # "module": import `target` by name; "object": `target()` builds it
        self.target = target


def _keras_plan(fullname, rest):
    """Plan for ``<keras root>.<rest...>``."""
    literal = ".".join(("kerasish",) + tuple(rest))
    if _module_exists(literal):
        return _Plan("module", literal)
    rest = tuple(rest)
    if rest:
        # a namespace attribute of the parent (kerasish.optimizers.legacy is one)
        parent = sys.modules.get(fullname.rpartition(".")[0])
        found = vars(parent).get(rest[-1]) if isinstance(parent, types.ModuleType) else None
        if isinstance(found, (types.ModuleType, types.SimpleNamespace)):
            return _Plan("object", lambda: found)
    for pattern, replacement in _RENAMES:
        if rest[:len(pattern)] == pattern:
            candidate = ".".join(("kerasish",) + replacement + rest[len(pattern):])
            if _module_exists(candidate):
                return _Plan("module", candidate)
    if rest == ("layers", "experimental") and _module_exists("kerasish.layers"):
        return _Plan("object", lambda: _experimental_layers_module(fullname))
    raise ModuleNotFoundError(
        f"No module named '{literal}': kerasish's import shim maps '{fullname}' to '{literal}', "
        f"which kerasish does not have", name=fullname)


def _tensorflow_plan(fullname, parts):
    if len(parts) == 1:
        return _Plan("module", FACADE_MODULE)
    if parts[1] == "keras":
        return _keras_plan(fullname, parts[2:])
    if parts[1:3] == ["python", "keras"]:
        return _keras_plan(fullname, parts[3:])
    facade = importlib.import_module(FACADE_MODULE)
    obj = facade
    for part in parts[1:]:
        obj = vars(obj).get(part, None) if isinstance(obj, types.ModuleType) else None
        if not isinstance(obj, types.ModuleType):
            # name=None: `from tensorflow import io` must show this message, not Python's generic
            # "cannot import name" (the import system swallows errors whose name is the submodule).
            raise ModuleNotFoundError(
                f"No module named '{fullname}': kerasish's TensorFlow facade has no such module "
                f"({UNSUPPORTED_HINT})", name=None)
    found = obj
    return _Plan("object", lambda: found)


def plan(fullname, roots):
    """What ``fullname`` stands for, or None when the shim does not claim it."""
    parts = fullname.split(".")
    if parts[0] not in roots:
        return None
    if parts[0] == TF_ROOT:
        return _tensorflow_plan(fullname, parts)
    return _keras_plan(fullname, parts[1:])


class ShimFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finder and loader for the claimed top-level names."""

    def __init__(self, roots):
        self.roots = set(roots)
        # (parent module, attribute, previous value or _MISSING), in load order
        self.parent_attrs = []

    # finder ------------------------------------------------------------------------
    def find_spec(self, fullname, path=None, target=None):
        p = plan(fullname, self.roots)
        if p is None:
            return None
        return importlib.machinery.ModuleSpec(fullname, self, loader_state={"plan": p})

    # loader ------------------------------------------------------------------------
    def create_module(self, spec):
        p = spec.loader_state["plan"]
        if p.kind == "module":
            module = importlib.import_module(p.target)
        else:
            module = p.target()
        spec.loader_state["saved"] = {k: module.__dict__.get(k, _MISSING) for k in _MODULE_ATTRS}
        parent_name, _, child = spec.name.rpartition(".")
        parent = sys.modules.get(parent_name) if parent_name else None
        if parent is not None and not getattr(parent, "_kerasish_shim_owned", False):
            # the import system will set `parent.<child> = module` after loading
            self.parent_attrs.append((parent, child, parent.__dict__.get(child, _MISSING)))
        return module

    def exec_module(self, module):
        spec = module.__spec__
        saved = spec.loader_state["saved"] if spec is not None and spec.loader_state else {}
        for key, value in saved.items():
            if value is _MISSING:
                module.__dict__.pop(key, None)
            else:
                module.__dict__[key] = value

    # clean-up ----------------------------------------------------------------------
    def undo_parent_attrs(self):
        """Put back what the import system changed on non-shim parent modules."""
        for parent, child, previous in reversed(self.parent_attrs):
            if previous is _MISSING:
                parent.__dict__.pop(child, None)
            else:
                parent.__dict__[child] = previous
        self.parent_attrs.clear()

    def owns(self, name):
        return name.split(".", 1)[0] in self.roots
