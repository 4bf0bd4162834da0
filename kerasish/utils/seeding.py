"""keras.utils.set_random_seed: one seed for Python's ``random``, numpy and torch (CPU and
every CUDA device)."""
import random

import numpy as np
import torch

__all__ = ["set_random_seed", "get_random_seed"]

_GLOBAL_SEED = None


def set_random_seed(seed):
    """Seeds Python ``random``, ``numpy.random`` and torch (CPU and all CUDA devices).

    Args:
        seed: integer in ``[0, 2**32)`` (numpy's limit).

    Example:

    >>> set_random_seed(1337)
    """
    global _GLOBAL_SEED
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)):
        raise ValueError(
            "set_random_seed: expected `seed` to be an integer. "
            f"Received: seed={seed!r} (of type {type(seed)})")
    seed = int(seed)
    if not 0 <= seed < 2**32:
        raise ValueError(
            f"set_random_seed: `seed` must be between 0 and 2**32 - 1. Received: seed={seed}")
    _GLOBAL_SEED = seed
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


def get_random_seed():
    """The last seed given to ``set_random_seed``, or None."""
    return _GLOBAL_SEED
