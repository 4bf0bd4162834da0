"""Opt-in import shim: unchanged TensorFlow / Keras tutorial code runs on kerasish.

With the shim installed, ``import keras``, ``import tf_keras``, ``import
keras_core`` and ``from tensorflow import keras`` give kerasish itself (the very
same module objects: ``sys.modules['keras.layers'] is kerasish.layers``), and
``import tensorflow as tf`` gives a thin facade (``kerasish/shim/tensorflow.py``)
covering the ``tf.*`` calls Keras tutorials make around Keras.

Three ways in, none of them automatic:

- ``python -m kerasish run tutorial.py [args]`` (or ``tutorial.ipynb``);
- ``import kerasish.shim; kerasish.shim.install()`` at the top of a script;
- ``import kerasish.shim.auto`` (installs on import), e.g. from a notebook's
  first cell or a ``sitecustomize.py``; or ``KERASISH_SHIM=1`` in the
  environment, honoured when kerasish is imported (``_maybe_install_from_env``).

``install(force=False)`` never shadows a real ``tensorflow`` / ``keras`` that is
already imported: it warns and leaves that name alone. ``install(force=True)``
takes the names over (setting the real modules aside); ``uninstall()`` puts
``sys.modules`` back exactly as it was and removes the hook.
"""
import importlib.util
import os
import sys
import types
import warnings

from kerasish.shim import finder as _finder


class UnsupportedTensorFlowAPI(AttributeError):
    """A ``tf.*`` symbol the kerasish TensorFlow facade does not provide."""


_state = None  # while installed: {"finder", "displaced", "markers"}

_ENV_VAR = "KERASISH_SHIM"
_TRUE_VALUES = ("1", "true", "yes", "on", "force")


def _names_under(root):
    prefix = root + "."
    return [k for k in list(sys.modules) if k == root or k.startswith(prefix)]


def _describe(module):
    where = getattr(module, "__file__", None)
    return f"'{module.__name__}' from {where!r}" if where else repr(module)


def install(force=False):
    """Map ``tensorflow``, ``keras``, ``tf_keras`` and ``keras_core`` to kerasish.

    Args:
        force: also take over names whose real modules are already imported
            (they are set aside and put back by ``uninstall()``). Without it,
            such names are left alone, with a warning.

    Returns:
        The tuple of top-level names the shim now serves.
    """
    global _state
    if _state is None:
        hook = _finder.ShimFinder(())
        _state = {"finder": hook, "displaced": {}, "markers": []}
        sys.meta_path.insert(0, hook)
        from kerasish.shim import tensor_patches
        tensor_patches.apply()
        _add_tensorboard_marker()
    hook = _state["finder"]
    for root in _finder.ALL_ROOTS:
        if root in hook.roots:
            continue
        if root in sys.modules:
            if not force:
                warnings.warn(
                    f"kerasish.shim.install(): the real '{root}' is already imported "
                    f"({_describe(sys.modules[root]) if sys.modules[root] is not None else 'blocked'}); "
                    f"leaving it in place, so `import {root}` keeps giving it. Call "
                    f"kerasish.shim.install(force=True) to replace it with kerasish.",
                    RuntimeWarning, stacklevel=2)
                continue
            for name in _names_under(root):
                _state["displaced"][name] = sys.modules.pop(name)
        hook.roots.add(root)
    if hook in sys.meta_path and sys.meta_path[0] is not hook:
        sys.meta_path.remove(hook)
        sys.meta_path.insert(0, hook)
    return tuple(r for r in _finder.ALL_ROOTS if r in hook.roots)


def uninstall():
    """Remove the shim: its aliases leave ``sys.modules``, displaced modules come back.

    Returns:
        True if the shim was installed, False otherwise.
    """
    global _state
    if _state is None:
        return False
    hook = _state["finder"]
    try:
        sys.meta_path.remove(hook)
    except ValueError:
        pass
    for root in hook.roots:
        for name in _names_under(root):
            del sys.modules[name]
    hook.undo_parent_attrs()
    sys.modules.update(_state["displaced"])
    for name in _state["markers"]:
        sys.modules.pop(name, None)
    from kerasish.shim import tensor_patches
    tensor_patches.remove()
    _state = None
    return True


def is_installed():
    """Whether the shim is installed."""
    return _state is not None


def served_names():
    """The top-level names the installed shim serves (empty when not installed)."""
    if _state is None:
        return ()
    return tuple(r for r in _finder.ALL_ROOTS if r in _state["finder"].roots)


def _maybe_install_from_env():
    """Install when ``KERASISH_SHIM`` is set to 1/true/yes/on (``force``: install(force=True)).

    Called by ``kerasish/__init__.py``; does nothing otherwise.
    """
    value = os.environ.get(_ENV_VAR, "").strip().lower()
    if value not in _TRUE_VALUES:
        return False
    install(force=(value == "force"))
    return True


def _add_tensorboard_marker():
    """Keep TensorBoard on its own TensorFlow stub.

    TensorBoard (used by torch's SummaryWriter) imports ``tensorflow`` when it
    can and would get the facade, which lacks ``tf.io.gfile``. Its documented
    switch is the marker module ``tensorboard.compat.notf``.
    """
    name = "tensorboard.compat.notf"
    if name in sys.modules:
        return
    try:
        present = importlib.util.find_spec("tensorboard") is not None
    except (ImportError, ValueError):
        present = False
    if present:
        sys.modules[name] = types.ModuleType(name, "kerasish shim: TensorBoard uses its TF stub.")
        _state["markers"].append(name)
