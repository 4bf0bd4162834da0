"""CIFAR-10: 50,000 training and 10,000 test 32x32 colour images in 10 classes."""
import os

import numpy as np

from kerasish.datasets import _cifar
from kerasish.datasets import _source

ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
FILE_HASH = "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"


def load_data():
    """Loads CIFAR-10.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: uint8 images of shape
        ``(50000, 32, 32, 3)`` / ``(10000, 32, 32, 3)`` (channels first if
        ``image_data_format()`` is ``'channels_first'``) and uint8 labels of shape
        ``(50000, 1)`` / ``(10000, 1)``. Classes: airplane, automobile, bird, cat, deer,
        dog, frog, horse, ship, truck.
    """
    folder = _source.fetch("cifar-10-python.tar.gz", ORIGIN, FILE_HASH,
                           fname="cifar-10-batches-py-target", extract=True)
    folder = os.path.join(folder, "cifar-10-batches-py")
    images, labels = [], []
    for i in range(1, 6):
        x, y = _cifar.load_batch(os.path.join(folder, f"data_batch_{i}"))
        images.append(x)
        labels.append(np.asarray(y, dtype=np.uint8))
    x_train = np.concatenate(images)
    y_train = np.concatenate(labels).reshape(-1, 1)
    x_test, y_test = _cifar.load_batch(os.path.join(folder, "test_batch"))
    y_test = np.asarray(y_test, dtype=np.uint8).reshape(-1, 1)
    return (_cifar.to_data_format(x_train), y_train), (_cifar.to_data_format(x_test), y_test)
