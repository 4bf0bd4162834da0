"""Vocabulary layers: StringLookup, IntegerLookup and TextVectorization, in pure
Python/numpy (string work) and torch (integer work); no TensorFlow.

Strings cannot live in torch tensors: string inputs are Python strings, (nested) lists of
them, or numpy ``str``/``bytes``/``object`` arrays. Outputs are torch tensors (``int64``
indices; ``int64`` one-hot/multi-hot/count vectors and ``float32`` TF-IDF vectors, as
Keras's torch backend returns), except ``StringLookup(invert=True)``, which returns
(nested) lists of strings.

Who owns what:
- ``_IndexLookup`` holds a vocabulary (special tokens first: the mask token at 0 when set
  and ``output_mode='int'``, then ``num_oov_indices`` OOV slots, then the tokens), learns
  it with ``adapt`` (counts descending, ties by token descending, as Keras), maps tokens to
  indices and encodes them (``numeric_preprocessing.encode_categorical``), with TF-IDF
  weights ``log(1 + documents / (1 + document_frequency))``.
- ``TextVectorization`` standardizes, splits and forms n-grams in Python, then hands the
  token lists to its inner ``StringLookup`` (mask token ``''``).
"""
import collections
import os
import re
import string

import numpy as np
import torch

from kerasish import backend
from kerasish.layers.base import Layer
from kerasish.layers.numeric_preprocessing import check_output_mode, encode_categorical, first_of_batch

_LOOKUP_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
_NO_PUNCTUATION = str.maketrans("", "", string.punctuation)
_WHITESPACE = re.compile(r"[ \t\n\r\x0b\x0c]+")


class VocabularyError(ValueError, RuntimeError):
    """A lookup layer used without a vocabulary, or with an input it cannot map
    (Keras raises RuntimeError here; this is both)."""


def _decode(value, encoding):
    if isinstance(value, bytes):
        return value.decode(encoding)
    if isinstance(value, np.generic):
        value = value.item()
        return value.decode(encoding) if isinstance(value, bytes) else value
    return value


def _string_array(data, encoding, layer):
    """A numpy object array of Python ``str`` with the shape of ``data``."""
    if isinstance(data, torch.Tensor):
        raise TypeError(
            f"{layer}: expected strings (a list or a numpy array of str/bytes), received a torch tensor of "
            f"dtype {data.dtype}; torch tensors cannot hold strings.")
    if isinstance(data, (str, bytes)):
        return np.array(_decode(data, encoding), dtype=object)
    arr = np.asarray(data, dtype=object) if not isinstance(data, np.ndarray) else data
    if arr.dtype.kind in ("U", "S") or arr.dtype == object:
        flat = [_decode(v, encoding) for v in arr.reshape(-1).tolist()]
        bad = next((v for v in flat if not isinstance(v, str)), None)
        if bad is not None:
            raise TypeError(f"{layer}: expected string inputs, received an element {bad!r} of type "
                            f"{type(bad).__name__}.")
        out = np.empty(len(flat), dtype=object)
        out[:] = flat
        return out.reshape(arr.shape)
    raise TypeError(f"{layer}: expected string inputs, received an array of dtype {arr.dtype}.")


def _int_tensor(data, device=None):
    if isinstance(data, torch.Tensor):
        t = data
    else:
        arr = np.asarray(data)
        if arr.dtype.kind not in "iufb":
            raise TypeError(f"expected integer inputs, received an array of dtype {arr.dtype}")
        t = torch.as_tensor(arr)
    if t.dtype != torch.int64:
        t = t.to(torch.int64)
    return t.to(device or backend.get_device())


def _is_batch_iterable(data):
    return hasattr(data, "__iter__") and not isinstance(data, (list, tuple, np.ndarray, torch.Tensor, str, bytes))


def _scalar_string_call(layer_call, layer, args, kwargs):
    """Keras lets text layers take one Python string; the base Layer wants arrays."""
    if args and isinstance(args[0], (str, bytes)):
        args = (np.array(args[0], dtype=object),) + tuple(args[1:])
    return layer_call(*args, **kwargs)


# ---------------------------------------------------------------------------- lookup base
class _IndexLookup(Layer):
    _strings = True

    def __init__(self, max_tokens, num_oov_indices, mask_token, oov_token, vocabulary=None, idf_weights=None,
                 invert=False, output_mode="int", sparse=False, pad_to_max_tokens=False, oov_method="floormod",
                 salt=None, name=None, **kwargs):
        cls = type(self).__name__
        kwargs.pop("trainable", None)
        kwargs.pop("dtype", None)
        frozen_size = kwargs.pop("vocabulary_size", None)
        self._has_input_vocabulary = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        if kwargs:
            raise ValueError(f"{cls}: unrecognized keyword argument(s): {kwargs}")
        if max_tokens is not None and max_tokens <= 1:
            raise ValueError(f"If set, `max_tokens` for `{cls}` must be greater than 1. "
                             f"Received: max_tokens={max_tokens}")
        if pad_to_max_tokens and max_tokens is None:
            raise ValueError(f"{cls}: if pad_to_max_tokens is True, must set `max_tokens`. "
                             f"Received: max_tokens={max_tokens}")
        if num_oov_indices is None or num_oov_indices < 0:
            raise ValueError(f"{cls}: `num_oov_indices` must be greater than or equal to 0. "
                             f"Received: num_oov_indices={num_oov_indices}")
        if oov_method not in ("floormod", "farmhash"):
            raise ValueError(f"{cls}: unknown value for `oov_method`. Allowed values are: ('floormod', "
                             f"'farmhash'). Received: oov_method={oov_method!r}")
        if output_mode == "binary":
            output_mode = "multi_hot"
        if output_mode == "tf-idf":
            output_mode = "tf_idf"
        check_output_mode(cls, output_mode, _LOOKUP_MODES)
        if invert and output_mode != "int":
            raise ValueError(f"{cls}: `output_mode` must be 'int' when `invert` is true. "
                             f"Received: output_mode={output_mode}")
        if sparse:
            raise ValueError(f"{cls}: `sparse=True` can only be used with the TensorFlow backend.")
        if idf_weights is not None and output_mode != "tf_idf":
            raise ValueError(f"{cls}: `idf_weights` should only be set if `output_mode` is 'tf_idf'. "
                             f"Received: idf_weights={idf_weights} and output_mode={output_mode}")
        if output_mode == "tf_idf" and self._has_input_vocabulary and idf_weights is None and vocabulary is not None:
            raise ValueError(f"{cls}: when specifying the `vocabulary` argument in TF-IDF output mode, the "
                             "`idf_weights` argument must also be provided.")
        if num_oov_indices > 1 and self._strings:
            raise NotImplementedError(
                f"{cls}: `num_oov_indices` > 1 hashes string OOV tokens with FarmHash in Keras, which kerasish "
                "does not implement; use num_oov_indices=0 or 1.")
        if salt is not None:
            raise NotImplementedError(f"{cls}: `salt` (farmhash OOV hashing) is not supported by kerasish.")
        super().__init__(name=name)
        self.invert = bool(invert)
        self.max_tokens = max_tokens
        self.num_oov_indices = int(num_oov_indices)
        self.mask_token = mask_token
        self.oov_token = oov_token
        self.output_mode = output_mode
        self.sparse = False
        self.pad_to_max_tokens = bool(pad_to_max_tokens)
        self.oov_method = oov_method
        self.salt = salt
        self.input_vocabulary = vocabulary if not isinstance(vocabulary, str) else None
        self.input_idf_weights = idf_weights
        self._tokens = []
        self._index = {}
        self._idf = None
        self._frozen_vocab_size = frozen_size
        self._vocab_set = False
        self._device_tables = {}
        self._symbolic = False
        self.reset_state()
        self.built = True
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)

    # ------------------------------------------------------------------ vocabulary
    def _oov_start_index(self):
        return 1 if self.mask_token is not None and self.output_mode == "int" else 0

    def _token_start_index(self):
        return self._oov_start_index() + self.num_oov_indices

    def vocabulary_size(self):
        """The number of indices: special tokens plus learned/given tokens."""
        return len(self._tokens) + self._token_start_index()

    def get_vocabulary(self, include_special_tokens=True):
        """The vocabulary as a list, index ``i`` holding the token that maps to ``i``."""
        vocab = [self.oov_token] * self._token_start_index() + list(self._tokens)
        if self.mask_token is not None and self.output_mode == "int":
            vocab[0] = self.mask_token
        if not include_special_tokens:
            vocab = vocab[self._token_start_index():]
        return vocab

    def _normalize_tokens(self, values):
        if self._strings:
            return [_decode(v, getattr(self, "encoding", "utf-8")) for v in values]
        return [int(v) for v in values]

    def set_vocabulary(self, vocabulary, idf_weights=None):
        """Set the vocabulary (a list/array, or a path to a file with one token per line)."""
        cls = type(self).__name__
        if self.output_mode == "tf_idf":
            if idf_weights is None:
                raise ValueError(f"{cls}: `idf_weights` must be set if output_mode is 'tf_idf'.")
        elif idf_weights is not None:
            raise ValueError(f"{cls}: `idf_weights` should only be set if output_mode is 'tf_idf'. "
                             f"Received: output_mode={self.output_mode} and idf_weights={idf_weights}")
        if isinstance(vocabulary, (str, os.PathLike)):
            path = os.fspath(vocabulary)
            if not os.path.exists(path):
                raise ValueError(f"{cls}: vocabulary file {path} does not exist.")
            with open(path, encoding="utf-8") as f:
                lines = f.read().splitlines()
            while lines and lines[-1] == "":
                lines.pop()
            vocabulary = lines
        if isinstance(vocabulary, torch.Tensor):
            vocabulary = vocabulary.tolist()
        vocabulary = self._normalize_tokens(np.asarray(vocabulary, dtype=object).reshape(-1).tolist())
        if not vocabulary:
            raise ValueError(f"{cls}: cannot set an empty vocabulary. Received: vocabulary={vocabulary}")
        token_start = self._token_start_index()
        special = [self.mask_token] * self._oov_start_index() + [self.oov_token] * self.num_oov_indices
        found_special = vocabulary[:token_start] == special
        tokens = vocabulary[token_start:] if found_special else vocabulary
        repeated = [t for t, c in collections.Counter(tokens).items() if c > 1]
        if repeated:
            raise ValueError(f"{cls}: the passed vocabulary has at least one repeated term. Please uniquify your "
                             f"dataset. The repeated terms are: {repeated}")
        if self.mask_token is not None and self.mask_token in tokens:
            raise ValueError(
                f"{cls}: found reserved mask token at unexpected location in `vocabulary`. Note that passed "
                "`vocabulary` does not need to include the OOV and mask tokens. Either remove all mask and OOV "
                f"tokens, or include them only at the start of the vocabulary in precisely this order: {special}. "
                f"Received: mask_token={self.mask_token!r} at vocabulary index {vocabulary.index(self.mask_token)}")
        if self.oov_token is not None and self.invert and self.oov_token in tokens:
            raise ValueError(
                f"{cls}: found reserved OOV token at unexpected location in `vocabulary`. Note that passed "
                "`vocabulary` does not need to include the OOV and mask tokens. Either remove all mask and OOV "
                f"tokens, or include them only at the start of the vocabulary in precisely this order: {special}. "
                f"Received: oov_token={self.oov_token!r} at vocabulary index {vocabulary.index(self.oov_token)}")
        if self.max_tokens is not None and token_start + len(tokens) > self.max_tokens:
            raise ValueError(
                f"{cls}: attempted to set a vocabulary larger than the maximum vocab size. Received vocabulary size "
                f"is {token_start + len(tokens)}; `max_tokens` is {self.max_tokens}.")
        self._set_tokens(tokens)
        if self.output_mode == "tf_idf":
            weights = np.asarray(idf_weights.detach().cpu().numpy() if isinstance(idf_weights, torch.Tensor)
                                 else idf_weights, dtype=np.float64)
            if weights.ndim != 1:
                raise ValueError(f"{cls}: TF-IDF data must be a 1-index array. Received: idf_weights={idf_weights}")
            if len(weights) != len(vocabulary):
                raise ValueError(f"{cls}: `idf_weights` must be the same length as vocabulary. len(idf_weights) is "
                                 f"{len(weights)}; len(vocabulary) is {len(vocabulary)}")
            front, front_value = (0, 0.0) if found_special else (token_start, float(np.average(weights)))
            back = self.max_tokens - front - len(weights) if self.pad_to_max_tokens else 0
            self._set_idf(np.pad(weights, (front, max(back, 0)), constant_values=(front_value, 0.0)))

    def _set_tokens(self, tokens):
        if self._frozen_vocab_size is not None and self.output_mode != "int" and not self.pad_to_max_tokens \
                and self._vocab_set and len(tokens) + self._token_start_index() != self._frozen_vocab_size:
            raise VocabularyError(
                f"{type(self).__name__}: when using `output_mode={self.output_mode}` and `pad_to_max_tokens=False`, "
                f"the vocabulary size cannot be changed after the layer is called. Old vocab size is "
                f"{self._frozen_vocab_size}, new vocab size is {len(tokens) + self._token_start_index()}")
        start = self._token_start_index()
        self._tokens = list(tokens)
        self._index = {t: start + i for i, t in enumerate(self._tokens)}
        self._device_tables = {}
        self._vocab_set = True
        self._frozen_vocab_size = self.vocabulary_size()

    def _set_idf(self, weights):
        self._idf = torch.as_tensor(np.asarray(weights, dtype=np.float32), device=backend.get_device())

    # ------------------------------------------------------------------ adapt
    def reset_state(self):
        self._counts = collections.Counter()
        self._doc_counts = collections.Counter()
        self._num_docs = 0

    def _flat_tokens(self, data):
        if self._strings:
            return _string_array(data, getattr(self, "encoding", "utf-8"), type(self).__name__)
        return np.asarray(_int_tensor(data, "cpu").numpy())

    def update_state(self, data):
        """Count the tokens of one batch (rows are documents for TF-IDF)."""
        if self._has_input_vocabulary:
            raise ValueError(f"Cannot adapt layer '{self.name}' after setting a static vocabulary via "
                             "`vocabulary` argument or `set_vocabulary()` method.")
        if isinstance(data, list) and data and isinstance(data[0], list) and not self._rectangular(data):
            rows = [list(self._flat_tokens(r).reshape(-1).tolist()) for r in data]  # ragged token lists
        else:
            arr = self._flat_tokens(data)
            if arr.ndim == 0:
                arr = arr.reshape(1)
            if arr.ndim == 1:
                arr = arr.reshape(1, -1)
            rows = [r.reshape(-1).tolist() for r in arr]
        for row in rows:
            self._counts.update(row)
            if self.output_mode == "tf_idf":
                self._doc_counts.update(set(row))
        if self.output_mode == "tf_idf":
            self._num_docs += len(rows)

    @staticmethod
    def _rectangular(rows):
        return len({len(r) for r in rows}) <= 1

    def adapt(self, data, batch_size=None, steps=None):
        """Learn the vocabulary from ``data``: a list/array of tokens (a 1D list is one
        token per document), or an iterable of batches."""
        self.reset_state()
        if _is_batch_iterable(data):
            for i, batch in enumerate(data):
                if steps is not None and i >= steps:
                    break
                self.update_state(first_of_batch(batch))
        else:
            if len(data) == 0 if isinstance(data, (list, tuple)) else np.size(data) == 0:
                raise ValueError(f"{type(self).__name__} layer '{self.name}': adapt() received empty data.")
            arr = data
            if not isinstance(data, (list, tuple)) or not data or not isinstance(data[0], (list, tuple)):
                arr = self._flat_tokens(data)
                if arr.ndim == 1:
                    arr = arr.reshape(-1, 1)
            self.update_state(arr)
        self.finalize_state()

    def finalize_state(self):
        if self._has_input_vocabulary:
            return
        counts = self._counts
        for special in (self.mask_token, self.oov_token):
            if special is not None:
                counts.pop(special, None)
        if not counts:
            raise ValueError(f"{type(self).__name__} layer '{self.name}': adapt() received no tokens (empty data).")
        if self._strings:
            order = sorted(counts.items(), key=lambda kv: (kv[1], kv[0].encode("utf-8")), reverse=True)
        else:
            order = sorted(counts.items(), key=lambda kv: (kv[1], kv[0]), reverse=True)
        tokens = [t for t, _ in order]
        if self.max_tokens:
            tokens = tokens[:self.max_tokens - self._token_start_index()]
        self._vocab_set = False
        self._set_tokens(tokens)
        if self.output_mode == "tf_idf":
            docs = np.array([self._doc_counts[t] for t in tokens], dtype=np.float64)
            idf = np.log(1.0 + self._num_docs / (1.0 + docs)).astype(np.float32)
            idf = np.pad(idf, (self._token_start_index(), 0), constant_values=np.mean(idf, dtype=np.float32))
            if self.pad_to_max_tokens and self.max_tokens is not None:
                idf = np.pad(idf, (0, self.max_tokens - idf.size))
            self._set_idf(idf)
        self.reset_state()

    # ------------------------------------------------------------------ lookup
    def _depth(self):
        return self.max_tokens if self.pad_to_max_tokens else self._frozen_vocab_size

    def _check_vocabulary(self):
        if self._vocab_set or (self._symbolic and (self.output_mode == "int" or self.pad_to_max_tokens)):
            return
        if self.output_mode != "int" and not self.pad_to_max_tokens:
            raise VocabularyError(
                f"{type(self).__name__} layer '{self.name}': when using `output_mode={self.output_mode}` and "
                "`pad_to_max_tokens=False`, you must set the layer's vocabulary before calling it. Either pass a "
                "`vocabulary` argument to the layer, or call `adapt` with some sample data.")
        raise VocabularyError(
            f"{type(self).__name__} layer '{self.name}' has no vocabulary: call `adapt(data)` or pass "
            "`vocabulary=` before using it.")

    def _oov_error(self, values):
        return VocabularyError(
            f"{type(self).__name__} layer '{self.name}': when `num_oov_indices=0` all inputs should be in "
            f"vocabulary, found OOV values {values[:10]}, consider setting `num_oov_indices=1`.")

    def _encode(self, ids):
        if self.output_mode == "int":
            return ids
        mode = "count" if self.output_mode == "tf_idf" else self.output_mode
        out = encode_categorical(ids, mode, self._depth(), torch.int64)
        if self.output_mode == "tf_idf":
            out = out.to(torch.float32) * self._idf.to(out.device)
        return out

    def _symbolic_call(self, args, kwargs):
        self._symbolic = True
        try:
            return super()._symbolic_call(args, kwargs)
        finally:
            self._symbolic = False

    def __call__(self, *args, **kwargs):
        return _scalar_string_call(super().__call__, self, args, kwargs)

    def _convert_inputs(self, args):
        return args  # strings stay Python/numpy; integers are converted in call

    def _explain_error(self, error, args):
        if isinstance(error, VocabularyError):
            return error
        return super()._explain_error(error, args)

    def get_config(self):
        config = super().get_config()
        config.update({
            "invert": self.invert, "max_tokens": self.max_tokens, "num_oov_indices": self.num_oov_indices,
            "oov_token": self.oov_token, "mask_token": self.mask_token, "output_mode": self.output_mode,
            "sparse": self.sparse, "pad_to_max_tokens": self.pad_to_max_tokens,
            "idf_weights": _listify(self.input_idf_weights), "vocabulary": _listify(self.input_vocabulary),
            "vocabulary_size": self._frozen_vocab_size, "oov_method": self.oov_method, "salt": self.salt,
        })
        return config

    # ------------------------------------------------------------------ saving (Keras's asset protocol)
    def save_assets(self, dir_path):
        if self.input_vocabulary is not None:
            return
        with open(os.path.join(dir_path, "vocabulary.txt"), "w", encoding="utf-8") as f:
            f.write("\n".join(str(w) for w in self.get_vocabulary(include_special_tokens=True)))

    def load_assets(self, dir_path):
        if self.input_vocabulary is not None:
            return
        with open(os.path.join(dir_path, "vocabulary.txt"), encoding="utf-8") as f:
            lines = f.read().splitlines()
        while lines and lines[-1] == "":
            lines.pop()
        values = lines if self._strings else [int(v) for v in lines]
        has_input = self._has_input_vocabulary
        self._has_input_vocabulary = False
        self._vocab_set = False
        try:
            if self.output_mode == "tf_idf":
                self.set_vocabulary(values, idf_weights=self._idf.cpu().numpy()[:len(values)])
            else:
                self.set_vocabulary(values)
        finally:
            self._has_input_vocabulary = has_input

    def save_own_variables(self, store):
        if self.output_mode == "tf_idf" and self._idf is not None:
            store["idf_weights"] = self._idf.cpu().numpy()

    def load_own_variables(self, store):
        if self.output_mode == "tf_idf" and "idf_weights" in store:
            self._set_idf(np.asarray(store["idf_weights"]))

    def extra_repr(self):
        return (f"name={self.name!r}, vocabulary_size={self.vocabulary_size()}, output_mode={self.output_mode!r}"
                + (", invert=True" if self.invert else ""))


def _listify(value):
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    if isinstance(value, np.ndarray):
        value = value.tolist()
    return value


# ---------------------------------------------------------------------------- StringLookup
class StringLookup(_IndexLookup):
    """Maps strings to integer indices from a vocabulary (given, or learned by ``adapt``).

    Args:
        max_tokens: the maximum vocabulary size, special tokens included (None: no limit).
        num_oov_indices: slots for out-of-vocabulary tokens (0 or 1; 0 makes OOV an error).
        mask_token: a token mapped to 0 (padding), or None (default).
        oov_token: the token returned for OOV indices by ``invert=True`` (default ``'[UNK]'``).
        vocabulary: a list of tokens, or a path to a file with one token per line.
        idf_weights: TF-IDF weights for a given vocabulary (``output_mode='tf_idf'``).
        invert: map indices back to strings.
        output_mode: ``'int'`` (default), ``'one_hot'``, ``'multi_hot'``, ``'count'``, ``'tf_idf'``.
        pad_to_max_tokens: make encoded outputs ``max_tokens`` wide.
        encoding: how ``bytes`` inputs are decoded (default ``'utf-8'``).

    Example:
        >>> layer = StringLookup(vocabulary=["a", "b", "c"])
        >>> layer([["a", "c"], ["d", "b"]])   # tensor([[1, 3], [0, 2]])
    """

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token="[UNK]", vocabulary=None,
                 idf_weights=None, invert=False, output_mode="int", pad_to_max_tokens=False, sparse=False,
                 encoding="utf-8", name=None, salt=None, **kwargs):
        kwargs.pop("vocabulary_dtype", None)
        self.encoding = encoding
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices, mask_token=mask_token,
                         oov_token=oov_token, vocabulary=vocabulary, idf_weights=idf_weights, invert=invert,
                         output_mode=output_mode, sparse=sparse, pad_to_max_tokens=pad_to_max_tokens, salt=salt,
                         name=name, **kwargs)

    def _lookup_array(self, arr):
        """Indices (numpy int64) of a string object array; masked entries get -1 outside
        'int' mode (encoders skip negatives)."""
        flat = arr.reshape(-1).tolist()
        index = self._index
        ids = np.fromiter((index.get(t, -1) for t in flat), dtype=np.int64, count=len(flat))
        missing = ids < 0
        if self.mask_token is not None:
            is_mask = np.fromiter((t == self.mask_token for t in flat), dtype=bool, count=len(flat))
            missing &= ~is_mask
        if missing.any():
            if self.num_oov_indices == 0:
                raise self._oov_error([t for t, m in zip(flat, missing) if m])
            ids[missing] = self._oov_start_index()
        if self.mask_token is not None:
            ids[is_mask] = 0 if self.output_mode == "int" else -1
        return ids.reshape(arr.shape)

    def _invert(self, inputs):
        ids = _int_tensor(inputs, "cpu").numpy()
        start, size = self._token_start_index(), self.vocabulary_size()
        flat = ids.reshape(-1).tolist()
        out = [self._tokens[i - start] if start <= i < size else self.oov_token for i in flat]
        if self.mask_token is not None:
            out = [self.mask_token if i == 0 else t for t, i in zip(out, flat)]
        arr = np.empty(len(out), dtype=object)
        arr[:] = out
        return arr.reshape(ids.shape).tolist()

    def call(self, inputs):
        self._check_vocabulary()
        if self.invert:
            return self._invert(inputs)
        arr = _string_array(inputs, self.encoding, f"StringLookup layer '{self.name}'")
        ids = torch.as_tensor(self._lookup_array(arr), device=backend.get_device())
        return self._encode(ids)

    def get_config(self):
        config = super().get_config()
        config["encoding"] = self.encoding
        return config


# ---------------------------------------------------------------------------- IntegerLookup
class IntegerLookup(_IndexLookup):
    """Maps integers to contiguous indices from a vocabulary (given, or learned by ``adapt``).

    Same arguments as :class:`StringLookup`, with integer ``mask_token`` (default None) and
    ``oov_token`` (default -1); ``num_oov_indices > 1`` spreads OOV values over the OOV
    slots by ``value mod num_oov_indices``. Lookups run in torch (no host sync except for
    ``num_oov_indices=0``, which checks for OOV values).

    Example:
        >>> layer = IntegerLookup(vocabulary=[12, 36, 1138, 42])
        >>> layer(np.array([[12, 1138, 42], [42, 1000, 36]]))   # [[1, 3, 4], [4, 0, 2]]
    """

    _strings = False

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=-1, vocabulary=None,
                 vocabulary_dtype="int64", idf_weights=None, invert=False, output_mode="int", sparse=False,
                 pad_to_max_tokens=False, oov_method="floormod", salt=None, name=None, **kwargs):
        if max_tokens is not None and max_tokens <= 1:
            raise ValueError("If `max_tokens` is set for `IntegerLookup`, it must be greater than 1. "
                             f"Received: max_tokens={max_tokens}")
        if num_oov_indices is None or num_oov_indices < 0:
            raise ValueError("The value of `num_oov_indices` argument for `IntegerLookup` must >= 0. "
                             f"Received: num_oov_indices={num_oov_indices}")
        if vocabulary_dtype != "int64":
            raise ValueError("IntegerLookup: only `vocabulary_dtype='int64'` is supported at this time. "
                             f"Received: vocabulary_dtype={vocabulary_dtype}")
        if oov_method == "farmhash":
            raise NotImplementedError("IntegerLookup: `oov_method='farmhash'` is not supported by kerasish.")
        self.vocabulary_dtype = vocabulary_dtype
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices,
                         mask_token=None if mask_token is None else int(mask_token),
                         oov_token=None if oov_token is None else int(oov_token), vocabulary=vocabulary,
                         idf_weights=idf_weights, invert=invert, output_mode=output_mode, sparse=sparse,
                         pad_to_max_tokens=pad_to_max_tokens, oov_method=oov_method, salt=salt, name=name, **kwargs)

    def _tables(self, device):
        key = str(device)
        tables = self._device_tables.get(key)
        if tables is None:
            keys = torch.tensor(self._tokens, dtype=torch.int64)
            order = torch.argsort(keys)
            values = torch.arange(self._token_start_index(), self.vocabulary_size(), dtype=torch.int64)
            inverse = torch.full((self.vocabulary_size(),), -1 if self.oov_token is None else self.oov_token,
                                 dtype=torch.int64)
            inverse[self._token_start_index():] = keys
            tables = (keys[order].to(device), values[order].to(device), inverse.to(device))
            self._device_tables[key] = tables
        return tables

    def call(self, inputs):
        self._check_vocabulary()
        x = _int_tensor(inputs, inputs.device if isinstance(inputs, torch.Tensor) else None)
        keys, values, inverse = self._tables(x.device)
        if self.invert:
            inside = (x >= 0) & (x < inverse.numel())
            out = inverse[torch.where(inside, x, torch.zeros_like(x))] if inverse.numel() else x
            out = torch.where(inside, out, torch.full_like(x, self.oov_token))
            if self.mask_token is not None:
                out = torch.where(x == 0, torch.full_like(x, self.mask_token), out)
            return out
        if keys.numel():
            pos = torch.searchsorted(keys, x).clamp_(max=keys.numel() - 1)
            found = keys[pos] == x
            ids = torch.where(found, values[pos], torch.full_like(x, -1))
        else:
            found = torch.zeros_like(x, dtype=torch.bool)
            ids = torch.full_like(x, -1)
        missing = ~found
        if self.mask_token is not None:
            is_mask = x == self.mask_token
            missing = missing & ~is_mask
        if self.num_oov_indices == 0:
            if bool(missing.any()):
                raise self._oov_error(x[missing].tolist())
        elif self.num_oov_indices == 1:
            ids = torch.where(missing, torch.full_like(x, self._oov_start_index()), ids)
        else:
            ids = torch.where(missing, torch.remainder(x, self.num_oov_indices) + self._oov_start_index(), ids)
        if self.mask_token is not None:
            ids = torch.where(is_mask, torch.full_like(x, 0 if self.output_mode == "int" else -1), ids)
        return self._encode(ids)

    def get_config(self):
        config = super().get_config()
        config["vocabulary_dtype"] = self.vocabulary_dtype
        if config["vocabulary"] is not None:
            config["vocabulary"] = [int(v) for v in config["vocabulary"]]
        return config


# ---------------------------------------------------------------------------- TextVectorization
_STANDARDIZE = ("lower_and_strip_punctuation", "lower", "strip_punctuation")
_SPLIT = ("whitespace", "character")


def _ngrams(tokens, widths):
    out = []
    for n in widths:
        out.extend(" ".join(tokens[i:i + n]) for i in range(len(tokens) - n + 1))
    return out


class TextVectorization(Layer):
    """Turns raw strings into token indices or bag-of-words vectors.

    Each string is standardized (``'lower_and_strip_punctuation'``: ASCII lower-case and
    ASCII punctuation removed, as Keras's TensorFlow ops do), split (on ASCII whitespace,
    per character, or by a callable), optionally expanded to n-grams, then looked up in a
    vocabulary (given, or learned with :meth:`adapt`; index 0 is padding ``''``, 1 is
    ``'[UNK]'``).

    Args:
        max_tokens: maximum vocabulary size, including the two special tokens.
        standardize: ``'lower_and_strip_punctuation'`` (default), ``'lower'``,
            ``'strip_punctuation'``, None, or a callable on a numpy array of ``str``.
        split: ``'whitespace'`` (default), ``'character'``, None (each string is a token), or
            a callable taking a 1D numpy array of strings and returning one token list each.
        ngrams: None, an int ``n`` (1..n-grams) or a tuple of n-gram widths.
        output_mode: ``'int'`` (default), ``'multi_hot'``, ``'count'``, ``'tf_idf'``
            (``'one_hot'`` with ``split=None`` only).
        output_sequence_length: pad/truncate ``'int'`` outputs to this length (default: the
            longest sequence of the batch).
        pad_to_max_tokens: make vector outputs ``max_tokens`` wide.
        vocabulary, idf_weights: a given vocabulary (list or file path) and TF-IDF weights.

    Input: strings of shape ``(batch,)`` or ``(batch, 1)`` (lists or numpy arrays).
    Output: a torch ``int64`` tensor ``(batch, length)`` (``'int'``) or ``(batch, depth)``.

    Example:
        >>> vectorize = TextVectorization(max_tokens=1000, output_sequence_length=4)
        >>> vectorize.adapt(["the cat sat", "the dog"])
        >>> vectorize(["the cat"])   # tensor([[2, 5, 0, 0]])
    """

    def __init__(self, max_tokens=None, standardize="lower_and_strip_punctuation", split="whitespace", ngrams=None,
                 output_mode="int", output_sequence_length=None, pad_to_max_tokens=False, vocabulary=None,
                 idf_weights=None, sparse=False, ragged=False, encoding="utf-8", name=None, **kwargs):
        if sparse:
            raise ValueError("TextVectorization: `sparse=True` can only be used with the TensorFlow backend.")
        if ragged:
            raise ValueError("TextVectorization: `ragged=True` can only be used with the TensorFlow backend.")
        if not (standardize is None or callable(standardize) or standardize in _STANDARDIZE):
            raise ValueError(
                "Unknown value for `standardize` argument of TextVectorization. Allowed values are: "
                f"{_STANDARDIZE} (or None, or a callable). Received: standardize={standardize!r}")
        if not (split is None or callable(split) or split in _SPLIT):
            raise ValueError(
                "Unknown value for `split` argument of TextVectorization. Allowed values are: "
                f"{_SPLIT} (or None, or a callable). Received: split={split!r}")
        if output_mode == "binary":
            output_mode = "multi_hot"
        if output_mode == "tf-idf":
            output_mode = "tf_idf"
        check_output_mode("TextVectorization", output_mode, _LOOKUP_MODES)
        if isinstance(ngrams, list):
            ngrams = tuple(ngrams)
        if not (ngrams is None or (isinstance(ngrams, int) and not isinstance(ngrams, bool))
                or (isinstance(ngrams, tuple) and all(isinstance(i, int) for i in ngrams))):
            raise ValueError(f"TextVectorization: `ngrams` must be None, an integer, or a tuple of integers. "
                             f"Received: ngrams={ngrams}")
        if output_mode == "int" and not (output_sequence_length is None or isinstance(output_sequence_length, int)):
            raise ValueError("TextVectorization: `output_sequence_length` must be either None or an integer when "
                             f"`output_mode` is 'int'. Received: output_sequence_length={output_sequence_length}")
        if output_mode != "int" and output_sequence_length is not None:
            raise ValueError("TextVectorization: `output_sequence_length` must not be set if `output_mode` is not "
                             f"'int'. Received output_sequence_length={output_sequence_length}.")
        if output_mode == "one_hot" and split is not None:
            raise ValueError("TextVectorization: output_mode='one_hot' needs `split=None` (one token per string); "
                             "use 'multi_hot' or 'count' for split text.")
        has_input_vocabulary = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        vocabulary_size = kwargs.pop("vocabulary_size", None)
        super().__init__(name=name, **kwargs)
        self._max_tokens = max_tokens
        self._standardize = standardize
        self._split = split
        self._ngrams_arg = ngrams
        self._ngrams = tuple(range(1, ngrams + 1)) if isinstance(ngrams, int) else ngrams
        self._output_mode = output_mode
        self._output_sequence_length = output_sequence_length
        self._encoding = encoding
        self._lookup_layer = StringLookup(
            max_tokens=max_tokens, vocabulary=vocabulary, idf_weights=idf_weights,
            pad_to_max_tokens=pad_to_max_tokens, mask_token="", output_mode=output_mode,
            has_input_vocabulary=has_input_vocabulary, encoding=encoding, vocabulary_size=vocabulary_size)
        self.built = True

    # ------------------------------------------------------------------ text processing
    def _standardize_array(self, arr):
        mode = self._standardize
        if mode is None:
            return arr
        if callable(mode):
            result = mode(arr.astype(str) if arr.size else np.asarray(arr, dtype=str))
            if isinstance(result, torch.Tensor):
                result = result.cpu().numpy()
            return _string_array(np.asarray(result), self._encoding, "TextVectorization standardize")
        flat = arr.reshape(-1).tolist()
        if mode in ("lower", "lower_and_strip_punctuation"):
            flat = [s.translate(_ASCII_LOWER) for s in flat]
        if mode in ("strip_punctuation", "lower_and_strip_punctuation"):
            flat = [s.translate(_NO_PUNCTUATION) for s in flat]
        out = np.empty(len(flat), dtype=object)
        out[:] = flat
        return out.reshape(arr.shape)

    def _split_array(self, arr):
        """A list of token lists (one per string) for a rank-0/1 array."""
        flat = arr.reshape(-1).tolist()
        if self._split == "whitespace":
            return [[t for t in _WHITESPACE.split(s) if t] for s in flat]
        if self._split == "character":
            return [list(s) for s in flat]
        result = self._split(arr.astype(str) if arr.size else np.asarray(arr, dtype=str))
        if isinstance(result, torch.Tensor):
            result = result.cpu().numpy()
        return [[_decode(t, self._encoding) for t in np.asarray(row, dtype=object).reshape(-1).tolist()]
                for row in result]

    def _preprocess(self, inputs):
        """Token lists (ragged, one per string) when splitting, else a string array."""
        arr = _string_array(inputs, self._encoding, f"TextVectorization layer '{self.name}'")
        arr = self._standardize_array(arr)
        if self._split is None:
            if self._ngrams is not None:
                raise ValueError("TextVectorization: `ngrams` needs a `split` mode.")
            return arr, arr.shape
        if arr.ndim > 1:
            if arr.shape[-1] != 1:
                raise ValueError(
                    f"TextVectorization layer '{self.name}': when tokenizing strings, the input rank must be 1 or "
                    f"the last shape dimension must be 1. Received: inputs.shape={arr.shape} with rank={arr.ndim}")
            arr = arr.reshape(arr.shape[:-1])
        docs = self._split_array(arr)
        if self._ngrams is not None:
            docs = [_ngrams(d, self._ngrams) for d in docs]
        return docs, arr.shape

    # ------------------------------------------------------------------ adapt
    def adapt(self, data, batch_size=None, steps=None):
        """Learn the vocabulary (and IDF weights) from strings: a list/array of documents,
        or an iterable of batches of them."""
        self._lookup_layer.reset_state()
        if _is_batch_iterable(data):
            for i, batch in enumerate(data):
                if steps is not None and i >= steps:
                    break
                self.update_state(first_of_batch(batch))
        else:
            self.update_state(data)
        self.finalize_state()

    def update_state(self, data):
        tokens, shape = self._preprocess(data)
        if self._split is None:
            self._lookup_layer.update_state(tokens.reshape(-1, 1) if tokens.ndim <= 1 else tokens)
        else:
            if len(shape) == 0:
                tokens = tokens[:1]
            self._lookup_layer.update_state(tokens if tokens else np.empty((0, 0), dtype=object))

    def finalize_state(self):
        self._lookup_layer.finalize_state()

    def reset_state(self):
        self._lookup_layer.reset_state()

    # ------------------------------------------------------------------ call
    def __call__(self, *args, **kwargs):
        return _scalar_string_call(super().__call__, self, args, kwargs)

    def _convert_inputs(self, args):
        return args

    def _explain_error(self, error, args):
        if isinstance(error, VocabularyError):
            return error
        return super()._explain_error(error, args)

    def call(self, inputs):
        lookup = self._lookup_layer
        lookup._check_vocabulary()
        tokens, shape = self._preprocess(inputs)
        device = backend.get_device()
        if self._split is None:
            ids = torch.as_tensor(lookup._lookup_array(tokens), device=device)
            if self._output_mode != "int":
                return lookup._encode(ids)
            length = self._output_sequence_length
            if length is not None and ids.dim() > 0:
                ids = ids[..., :length]
                ids = torch.nn.functional.pad(ids, (0, length - ids.shape[-1]))
            return ids
        rows = [lookup._lookup_array(_object_array(doc)) for doc in tokens]
        if self._output_mode == "int":
            length = self._output_sequence_length
            if length is None:
                length = max((len(r) for r in rows), default=0)
            out = np.zeros((len(rows), length), dtype=np.int64)
            for i, r in enumerate(rows):
                r = r[:length]
                out[i, :len(r)] = r
            out = torch.as_tensor(out, device=device)
            return out[0] if len(shape) == 0 else out
        depth = lookup._depth()
        counts = np.zeros((len(rows), depth), dtype=np.int64)
        for i, r in enumerate(rows):
            r = r[(r >= 0) & (r < depth)]
            np.add.at(counts[i], r, 1)
        out = torch.as_tensor(counts, device=device)
        if self._output_mode == "multi_hot":
            out = (out > 0).to(torch.int64)
        elif self._output_mode == "tf_idf":
            out = out.to(torch.float32) * lookup._idf.to(device)
        return out[0] if len(shape) == 0 else out

    # ------------------------------------------------------------------ vocabulary and config
    def get_vocabulary(self, include_special_tokens=True):
        return self._lookup_layer.get_vocabulary(include_special_tokens)

    def vocabulary_size(self):
        return self._lookup_layer.vocabulary_size()

    def set_vocabulary(self, vocabulary, idf_weights=None):
        self._lookup_layer.set_vocabulary(vocabulary, idf_weights=idf_weights)

    def compute_output_shape(self, input_shape):
        if self._output_mode == "int":
            return (input_shape[0], self._output_sequence_length)
        return (input_shape[0], self._lookup_layer._depth())

    def get_config(self):
        config = super().get_config()
        lookup = self._lookup_layer
        config.update({
            "max_tokens": lookup.max_tokens, "standardize": self._standardize, "split": self._split,
            "ngrams": self._ngrams_arg, "output_mode": self._output_mode,
            "output_sequence_length": self._output_sequence_length, "pad_to_max_tokens": lookup.pad_to_max_tokens,
            "sparse": False, "ragged": False, "vocabulary": _listify(lookup.input_vocabulary),
            "idf_weights": _listify(lookup.input_idf_weights), "encoding": self._encoding,
            "vocabulary_size": self.vocabulary_size(),
        })
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config.get("ngrams"), list):
            config["ngrams"] = tuple(config["ngrams"])
        return cls(**config)

    def save_assets(self, dir_path):
        self._lookup_layer.save_assets(dir_path)

    def load_assets(self, dir_path):
        self._lookup_layer.load_assets(dir_path)

    def save_own_variables(self, store):
        self._lookup_layer.save_own_variables(store)

    def load_own_variables(self, store):
        self._lookup_layer.load_own_variables(store)

    def extra_repr(self):
        return (f"name={self.name!r}, max_tokens={self._max_tokens}, output_mode={self._output_mode!r}, "
                f"vocabulary_size={self.vocabulary_size()}")


def _object_array(items):
    arr = np.empty(len(items), dtype=object)
    arr[:] = items
    return arr
