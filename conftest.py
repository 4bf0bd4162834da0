"""Shared test set-up: the Keras oracle runs on the torch backend, seeds are fixed,
CUDA tests skip cleanly without a GPU."""
import os

os.environ.setdefault("KERAS_BACKEND", "torch")

import numpy as np
import pytest
import torch

torch.backends.cudnn.allow_tf32 = False
torch.backends.cuda.matmul.allow_tf32 = False


def pytest_collection_modifyitems(config, items):
    skip_cuda = pytest.mark.skip(reason="needs a CUDA GPU")
    for item in items:
        if "cuda" in item.keywords and not torch.cuda.is_available():
            item.add_marker(skip_cuda)


@pytest.fixture(autouse=True)
def _fresh_session():
    import kerasish.backend
    kerasish.backend.clear_session(free_memory=False)
    np.random.seed(0)
    torch.manual_seed(0)
    yield


@pytest.fixture
def oracle():
    """Real Keras 3 on the torch backend (the test dependency keras==3.15.1)."""
    keras = pytest.importorskip("keras")
    keras.utils.clear_session(free_memory=False)
    return keras
