"""MNIST handwritten digits: 60,000 training and 10,000 test images of 28x28 pixels."""
import numpy as np

from kerasish.datasets import _source

ORIGIN = _source.KERAS_BASE_URL + "mnist.npz"
FILE_HASH = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"


def load_data(path="mnist.npz"):
    """Loads MNIST.

    Args:
        path: file name of the cached copy (under ``~/.keras/datasets``).

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: uint8 arrays of shapes
        ``(60000, 28, 28)``, ``(60000,)``, ``(10000, 28, 28)`` and ``(10000,)``.

    Example:

    >>> (x_train, y_train), (x_test, y_test) = load_data()  # doctest: +SKIP
    """
    local = _source.fetch("mnist.npz", ORIGIN, FILE_HASH, fname=path)
    with np.load(local, allow_pickle=False) as f:
        return (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])
