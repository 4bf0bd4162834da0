"""Boston housing prices (StatLib, 1970s): 506 rows of 13 features; the target is the
median home value in k$. The data set has a known ethical problem (feature "B"); prefer
``california_housing`` except to discuss it."""
import numpy as np

from kerasish.datasets import _source

ORIGIN = _source.KERAS_BASE_URL + "boston_housing.npz"
FILE_HASH = "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5"


def load_data(path="boston_housing.npz", test_split=0.2, seed=113):
    """Loads the Boston housing dataset.

    Args:
        path: file name of the cached copy (under ``~/.keras/datasets``).
        test_split: fraction of the shuffled rows kept for the test split.
        seed: seed of the shuffle.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: float arrays of shapes
        ``(num_samples, 13)`` and ``(num_samples,)``.
    """
    _source.check_test_split(test_split)
    local = _source.fetch("boston_housing.npz", ORIGIN, FILE_HASH, fname=path)
    with np.load(local, allow_pickle=False) as f:
        x, y = f["x"], f["y"]
    return _source.shuffled_split(x, y, test_split, seed)
