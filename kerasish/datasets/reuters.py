"""Reuters newswires: 11,228 newswires labelled over 46 topics, each a list of word ids
ranked by frequency."""
import json

import numpy as np

from kerasish.datasets import _source

ORIGIN = _source.KERAS_BASE_URL + "reuters.npz"
FILE_HASH = "d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916"
WORD_INDEX_ORIGIN = _source.KERAS_BASE_URL + "reuters_word_index.json"
WORD_INDEX_HASH = "4d44cc38712099c9e383dc6e5f11a921"

_LABEL_NAMES = (
    "cocoa", "grain", "veg-oil", "earn", "acq", "wheat", "copper", "housing", "money-supply",
    "coffee", "sugar", "trade", "reserves", "ship", "cotton", "carcass", "crude", "nat-gas",
    "cpi", "money-fx", "interest", "gnp", "meal-feed", "alum", "oilseed", "gold", "tin",
    "strategic-metal", "livestock", "retail", "ipi", "iron-steel", "rubber", "heat", "jobs",
    "lei", "bop", "zinc", "orange", "pet-chem", "dlr", "gas", "silver", "wpi", "hog", "lead",
)


def load_data(path="reuters.npz", num_words=None, skip_top=0, maxlen=None, test_split=0.2,
              seed=113, start_char=1, oov_char=2, index_from=3, **kwargs):
    """Loads the Reuters topic classification dataset.

    Args:
        path: file name of the cached copy (under ``~/.keras/datasets``).
        num_words, skip_top, maxlen, start_char, oov_char, index_from: as in
            ``imdb.load_data``.
        test_split: fraction of the (shuffled) newswires kept for the test split.
        seed: seed of the shuffle.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: 1-D object arrays of lists of ints,
        and int labels (topic ids 0-45).
    """
    num_words = _source.pop_legacy_kwargs("reuters.load_data", num_words, kwargs)
    local = _source.fetch("reuters.npz", ORIGIN, FILE_HASH, fname=path)
    data = _source.load_npz(local)
    xs, labels = data["x"], data["y"]
    order = np.arange(len(xs))
    np.random.RandomState(seed).shuffle(order)
    xs, labels = _source.prepare_sequences(xs[order], labels[order], start_char, index_from,
                                           maxlen)
    xs = _source.clip_vocabulary(xs, skip_top, num_words, oov_char)
    labels = np.asarray(labels, dtype=data["y"].dtype)
    cut = int(len(xs) * (1 - test_split))
    return ((_source.object_array(xs[:cut]), labels[:cut]),
            (_source.object_array(xs[cut:]), labels[cut:]))


def get_word_index(path="reuters_word_index.json"):
    """The ``{word: id}`` dictionary of the Reuters dataset (ids before ``index_from``)."""
    local = _source.fetch("reuters_word_index.json", WORD_INDEX_ORIGIN, WORD_INDEX_HASH,
                          fname=path)
    with open(local) as f:
        return json.load(f)


def get_label_names():
    """The 46 topic names, indexed like the labels."""
    return _LABEL_NAMES
