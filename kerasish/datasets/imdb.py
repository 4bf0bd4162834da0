"""IMDB movie reviews: 25,000 training and 25,000 test reviews labelled positive (1) or
negative (0), each a list of word ids ranked by frequency."""
import json

import numpy as np

from kerasish.datasets import _source

ORIGIN = _source.KERAS_BASE_URL + "imdb.npz"
FILE_HASH = "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f"
WORD_INDEX_ORIGIN = _source.KERAS_BASE_URL + "imdb_word_index.json"
WORD_INDEX_HASH = "bfafd718b763782e994055a2d397834f"


def load_data(path="imdb.npz", num_words=None, skip_top=0, maxlen=None, seed=113, start_char=1,
              oov_char=2, index_from=3, **kwargs):
    """Loads the IMDB sentiment dataset.

    Args:
        path: file name of the cached copy (under ``~/.keras/datasets``).
        num_words: keep only the ``num_words`` most frequent words (ids below
            ``num_words``); others become ``oov_char``. None keeps all words.
        skip_top: also replace the ``skip_top`` most frequent words by ``oov_char``.
        maxlen: drop reviews of ``maxlen`` ids or more (start mark included).
        seed: seed of the shuffle of each split.
        start_char: id put at the start of every review (None: none).
        oov_char: id of words cut by ``num_words``/``skip_top`` (None: drop them).
        index_from: offset added to every word id.
        nb_words: tf.keras 1/2 spelling of ``num_words``.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: 1-D object arrays of 25,000 lists of
        ints, and int labels of shape ``(25000,)``.
    """
    num_words = _source.pop_legacy_kwargs("imdb.load_data", num_words, kwargs)
    local = _source.fetch("imdb.npz", ORIGIN, FILE_HASH, fname=path)
    data = _source.load_npz(local)
    rng = np.random.RandomState(seed)
    splits = []
    for x_key, y_key in (("x_train", "y_train"), ("x_test", "y_test")):
        x, y = data[x_key], data[y_key]
        order = np.arange(len(x))
        rng.shuffle(order)
        splits.append(_source.prepare_sequences(x[order], y[order], start_char, index_from,
                                                maxlen))
    (x_train, y_train), (x_test, y_test) = splits
    if maxlen and (not x_train or not x_test):
        raise ValueError(f"imdb.load_data: no review is shorter than maxlen={maxlen} in one of "
                         "the splits; use a larger `maxlen`.")
    xs = _source.clip_vocabulary(x_train + x_test, skip_top, num_words, oov_char)
    labels = np.concatenate([np.asarray(y_train, dtype=data["y_train"].dtype),
                             np.asarray(y_test, dtype=data["y_test"].dtype)])
    cut = len(x_train)
    return ((_source.object_array(xs[:cut]), labels[:cut]),
            (_source.object_array(xs[cut:]), labels[cut:]))


def get_word_index(path="imdb_word_index.json"):
    """The ``{word: id}`` dictionary of the IMDB dataset (ids before ``index_from``)."""
    local = _source.fetch("imdb_word_index.json", WORD_INDEX_ORIGIN, WORD_INDEX_HASH, fname=path)
    with open(local) as f:
        return json.load(f)
