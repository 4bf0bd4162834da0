"""``import kerasish.shim.auto``: installs the import shim as a side effect.

For notebooks and IDEs: make it the first import of the first cell, before
``import tensorflow`` / ``import keras``. For every Python process, put the same
line in a ``sitecustomize.py`` on the path (see ``kerasish/shim/README.md``).
"""
from kerasish import shim as _shim

_shim.install()
