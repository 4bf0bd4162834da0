"""California housing (1990 census): 20,640 block groups with 8 features (median income,
house age, average rooms and bedrooms, population, average occupancy, latitude,
longitude); the target is the median house value in dollars."""
import numpy as np

from kerasish.datasets import _source

ORIGIN = _source.KERAS_BASE_URL + "california_housing.npz"
FILE_HASH = "1a2e3a52e0398de6463aebe6f4a8da34fb21fbb6b934cf88c3425e766f2a1a6f"


def load_data(version="large", path="california_housing.npz", test_split=0.2, seed=113):
    """Loads the California housing dataset.

    Args:
        version: ``'large'`` (20,640 rows) or ``'small'`` (the first 600 rows).
        path: file name of the cached copy (under ``~/.keras/datasets``).
        test_split: fraction of the shuffled rows kept for the test split.
        seed: seed of the shuffle.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: float arrays of shapes
        ``(num_samples, 8)`` and ``(num_samples,)``.
    """
    _source.check_test_split(test_split)
    if version not in ("small", "large"):
        raise ValueError("california_housing.load_data: `version` must be 'small' or 'large'. "
                         f"Received: version={version!r}")
    local = _source.fetch("california_housing.npz", ORIGIN, FILE_HASH, fname=path)
    with np.load(local, allow_pickle=False) as f:
        x, y = f["x"], f["y"]
    if version == "small":
        x, y = x[:600], y[:600]
    return _source.shuffled_split(x, y, test_split, seed)
