"""Where the dataset files come from, and how they are read safely.

Who owns what:
- ``fetch`` downloads one dataset file through ``kerasish.utils.file_utils.get_file`` from
  the same URL, to the same cache path and with the same hash as Keras 3.15.1.
- Mirrors and tests: ``set_source(base_url, file_hashes)`` or the ``KERASISH_DATASETS_URL``
  environment variable replace the URL folder (the file name is kept); ``file_hashes``
  (``{file name: sha256 or md5}``) replaces the expected hash of those files. A mirror of
  the real files needs only the URL: the real hashes still apply.
- Safe reading: ``load_npz`` reads numeric ``.npy`` members with pickling disabled and
  object arrays (ragged sequences) through ``RestrictedUnpickler``, which can only rebuild
  numpy arrays and dtypes: no other class or function can be named by the file, so a
  crafted file cannot run code. CIFAR's pickled batches are read the same way.
"""
import io
import os
import pickle
import zipfile

import numpy as np

from kerasish.utils import file_utils

KERAS_BASE_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
ENV_BASE_URL = "KERASISH_DATASETS_URL"

_OVERRIDE = {"base_url": None, "file_hashes": {}}


def set_source(base_url=None, file_hashes=None):
    """Points the dataset loaders at a mirror (``base_url``) and/or other file hashes.

    ``set_source()`` with no arguments restores the Keras defaults. Returns the previous
    ``(base_url, file_hashes)`` so a caller can restore it.
    """
    previous = (_OVERRIDE["base_url"], dict(_OVERRIDE["file_hashes"]))
    _OVERRIDE["base_url"] = base_url
    _OVERRIDE["file_hashes"] = dict(file_hashes or {})
    return previous


def origin_for(filename, default_origin):
    base = _OVERRIDE["base_url"] or os.environ.get(ENV_BASE_URL)
    if not base:
        return default_origin
    return base.rstrip("/") + "/" + filename


def fetch(filename, default_origin, file_hash=None, fname=None, **get_file_kwargs):
    """Downloads (or finds in the cache) one dataset file; returns its local path."""
    file_hash = _OVERRIDE["file_hashes"].get(filename, file_hash)
    return file_utils.get_file(fname=fname if fname is not None else filename,
                               origin=origin_for(filename, default_origin),
                               file_hash=file_hash, **get_file_kwargs)


# ----------------------------------------------------------------------------- safe reading
_NUMPY_GLOBALS = frozenset({
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("_codecs", "encode"),  # how Python 3 writes bytes in protocol-2 pickles: str -> bytes only
})


class RestrictedUnpickler(pickle.Unpickler):
    """An unpickler that can only rebuild numpy arrays, dtypes and plain Python values
    (plus ``_codecs.encode``, which only turns a str into bytes)."""

    def find_class(self, module, name):
        if (module, name) in _NUMPY_GLOBALS:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(
            f"Refusing to load `{module}.{name}` from a dataset file: only numpy arrays may be "
            "stored there. The file may be corrupted or malicious; delete it from the cache.")


def _read_npy(stream):
    try:
        return np.lib.format.read_array(stream, allow_pickle=False)
    except ValueError:
        pass
    # An object array (ragged sequences): the payload is a pickle of the array.
    stream.seek(0)
    major, _ = np.lib.format.read_magic(stream)
    if major == 1:
        np.lib.format.read_array_header_1_0(stream)
    elif major in (2, 3):
        np.lib.format.read_array_header_2_0(stream)
    else:
        raise ValueError(f"Unsupported .npy format version {major}.")
    return RestrictedUnpickler(stream).load()


def load_npz(path):
    """Reads an ``.npz`` archive into a dict of arrays without arbitrary unpickling."""
    arrays = {}
    with zipfile.ZipFile(path) as archive:
        for member in archive.namelist():
            if member.endswith(".npy"):
                with archive.open(member) as raw:
                    arrays[member[:-4]] = _read_npy(io.BytesIO(raw.read()))
    return arrays


def load_pickle(path, encoding="bytes"):
    """Reads a pickle (CIFAR batch) that may only contain numpy arrays and builtins."""
    with open(path, "rb") as f:
        return RestrictedUnpickler(f, encoding=encoding).load()


# ----------------------------------------------------------------------------- shared helpers
def check_test_split(test_split):
    if not 0 <= test_split < 1:
        raise ValueError(f"load_data: `test_split` must be in [0, 1). "
                         f"Received: test_split={test_split}")


def shuffled_split(x, y, test_split, seed):
    """Shuffles rows with ``RandomState(seed)`` then splits the last ``test_split`` off."""
    order = np.arange(len(x))
    np.random.RandomState(seed).shuffle(order)
    x, y = x[order], y[order]
    cut = int(len(x) * (1 - test_split))
    return (np.array(x[:cut]), np.array(y[:cut])), (np.array(x[cut:]), np.array(y[cut:]))


def prepare_sequences(sequences, labels, start_char, index_from, maxlen):
    """The IMDB/Reuters recipe, first half: shift word ids by ``index_from``, prepend
    ``start_char``, and drop sequences whose length (start mark included) is >= ``maxlen``.

    Returns (list of lists, list of labels).
    """
    if start_char is not None:
        sequences = [[start_char] + [w + index_from for w in seq] for seq in sequences]
    else:
        sequences = [[w + index_from for w in seq] for seq in sequences]
    labels = list(labels)
    if maxlen:
        kept = [i for i, seq in enumerate(sequences) if len(seq) < maxlen]
        sequences = [sequences[i] for i in kept]
        labels = [labels[i] for i in kept]
    return sequences, labels


def clip_vocabulary(sequences, skip_top, num_words, oov_char):
    """Second half: keep word ids in ``[skip_top, num_words)``; others become ``oov_char``
    (or are dropped when it is None). ``num_words=None`` keeps everything up to the largest
    id, exclusive, as Keras does."""
    if not num_words:
        num_words = max(max(seq) for seq in sequences if len(seq))
    if oov_char is not None:
        return [[w if skip_top <= w < num_words else oov_char for w in seq] for seq in sequences]
    return [[w for w in seq if skip_top <= w < num_words] for seq in sequences]


def object_array(sequences):
    """A 1-D object array of lists (never a 2-D int array, even if all lengths match)."""
    out = np.empty(len(sequences), dtype=object)
    for i, seq in enumerate(sequences):
        out[i] = seq
    return out


def pop_legacy_kwargs(function_name, num_words, kwargs):
    """tf.keras 2 accepted ``nb_words`` for ``num_words``; anything else is an error."""
    if "nb_words" in kwargs:
        num_words = kwargs.pop("nb_words")
    if kwargs:
        raise TypeError(f"{function_name}: unrecognized keyword arguments: {sorted(kwargs)}")
    return num_words
