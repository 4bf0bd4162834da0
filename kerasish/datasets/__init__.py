"""keras.datasets: small standard datasets, downloaded once into ``~/.keras/datasets``.

Each module has ``load_data()`` with Keras's arguments, URLs, cache paths, hashes and
return shapes. ``set_source(base_url, file_hashes)`` (or ``$KERASISH_DATASETS_URL``) points
the downloads at a mirror.
"""
from kerasish.datasets import boston_housing
from kerasish.datasets import california_housing
from kerasish.datasets import cifar10
from kerasish.datasets import cifar100
from kerasish.datasets import fashion_mnist
from kerasish.datasets import imdb
from kerasish.datasets import mnist
from kerasish.datasets import reuters
from kerasish.datasets._source import set_source

DATASETS = ("boston_housing", "california_housing", "cifar10", "cifar100", "fashion_mnist",
            "imdb", "mnist", "reuters")

__all__ = list(DATASETS) + ["set_source"]


def __getattr__(name):
    raise AttributeError(
        f"kerasish.datasets has no dataset {name!r}. Available datasets: {', '.join(DATASETS)}.")
