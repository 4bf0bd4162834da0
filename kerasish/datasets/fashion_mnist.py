"""Fashion-MNIST: 60,000 training and 10,000 test 28x28 grayscale images of 10 clothing
classes, stored as gzipped IDX files."""
import gzip
import os

import numpy as np

from kerasish.datasets import _source

FILES = ("train-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz",
         "t10k-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz")
_IDX_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path):
    """Reads a (gzipped) IDX file: magic ``00 00 <dtype> <ndim>``, big-endian dims, data."""
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise ValueError(f"fashion_mnist: {path} is not an IDX file (bad magic number).")
    ndim = raw[3]
    header = 4 + 4 * ndim
    dims = tuple(int(d) for d in np.frombuffer(raw, ">u4", count=ndim, offset=4))
    data = np.frombuffer(raw, _IDX_DTYPES[raw[2]], offset=header)
    if data.size != int(np.prod(dims)):
        raise ValueError(f"fashion_mnist: {path} holds {data.size} values, its header says "
                         f"{dims}; the file is truncated or corrupt.")
    return data.reshape(dims).astype(np.dtype(_IDX_DTYPES[raw[2]]).newbyteorder("="))


def load_data():
    """Loads Fashion-MNIST.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: uint8 arrays of shapes
        ``(60000, 28, 28)``, ``(60000,)``, ``(10000, 28, 28)`` and ``(10000,)``.
        Labels: 0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress, 4 Coat, 5 Sandal,
        6 Shirt, 7 Sneaker, 8 Bag, 9 Ankle boot.
    """
    paths = [_source.fetch(name, _source.KERAS_BASE_URL + name,
                           cache_subdir=os.path.join("datasets", "fashion-mnist"))
             for name in FILES]
    y_train, x_train, y_test, x_test = (read_idx(p) for p in paths)
    return (x_train, y_train), (x_test, y_test)
