"""CIFAR-100: 50,000 training and 10,000 test 32x32 colour images in 100 fine classes
grouped into 20 coarse classes."""
import os

import numpy as np

from kerasish.datasets import _cifar
from kerasish.datasets import _source

ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
FILE_HASH = "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7"


def load_data(label_mode="fine"):
    """Loads CIFAR-100.

    Args:
        label_mode: ``'fine'`` (100 classes) or ``'coarse'`` (20 superclasses).

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: uint8 images of shape
        ``(50000, 32, 32, 3)`` / ``(10000, 32, 32, 3)`` and labels of shape
        ``(50000, 1)`` / ``(10000, 1)`` (int64, as stored in the files).
    """
    if label_mode not in ("fine", "coarse"):
        raise ValueError("cifar100.load_data: `label_mode` must be 'fine' or 'coarse'. "
                         f"Received: label_mode={label_mode!r}")
    folder = _source.fetch("cifar-100-python.tar.gz", ORIGIN, FILE_HASH,
                           fname="cifar-100-python-target", extract=True)
    folder = os.path.join(folder, "cifar-100-python")
    x_train, y_train = _cifar.load_batch(os.path.join(folder, "train"), f"{label_mode}_labels")
    x_test, y_test = _cifar.load_batch(os.path.join(folder, "test"), f"{label_mode}_labels")
    y_train = np.reshape(y_train, (len(y_train), 1))
    y_test = np.reshape(y_test, (len(y_test), 1))
    return (_cifar.to_data_format(x_train), y_train), (_cifar.to_data_format(x_test), y_test)
