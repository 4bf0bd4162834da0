"""kerasish.ops — the Keras 3 ``keras.ops`` surface on torch tensors.

``ops.add``, ``ops.matmul``, ``ops.relu``... accept tensors, numpy arrays,
Python numbers and lists, and return torch tensors on ``backend.get_device()``
with Keras's dtypes; gradients flow through them. The nn ops are also reachable
as ``ops.nn.relu``, the numpy-style ones as ``ops.numpy.add``. What is covered
is listed in ``ops/README.md``.
"""
from kerasish.ops import core
from kerasish.ops import nn
from kerasish.ops import numpy
from kerasish.ops.core import *  # noqa: F401,F403
from kerasish.ops.numpy import *  # noqa: F401,F403
from kerasish.ops.nn import *  # noqa: F401,F403

__all__ = sorted(set(core.__all__) | set(numpy.__all__) | set(nn.__all__) | {"nn", "numpy", "core"})


def __getattr__(name):
    raise AttributeError(
        f"kerasish.ops has no op {name!r}: it is not part of the covered keras.ops surface; "
        "see ops/README.md (kerasish/ops/README.md) for the list of supported ops.")
