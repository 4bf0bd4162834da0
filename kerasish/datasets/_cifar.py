"""Reading CIFAR's python batches (pickles of dicts of numpy arrays) safely."""
import numpy as np

from kerasish import backend
from kerasish.datasets import _source


def load_batch(path, label_key="labels"):
    """(images uint8 (N, 3, 32, 32), labels list) from one CIFAR batch file."""
    batch = _source.load_pickle(path, encoding="bytes")
    batch = {k.decode("utf8") if isinstance(k, bytes) else k: v for k, v in batch.items()}
    data = np.asarray(batch["data"], dtype=np.uint8)
    return data.reshape(data.shape[0], 3, 32, 32), batch[label_key]


def to_data_format(x):
    return x.transpose(0, 2, 3, 1) if backend.image_data_format() == "channels_last" else x
