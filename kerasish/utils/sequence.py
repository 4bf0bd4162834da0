"""keras.utils.pad_sequences (also ``keras.preprocessing.sequence.pad_sequences``)."""
import numpy as np

__all__ = ["pad_sequences"]


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre",
                  value=0.0):
    """Pads (and truncates) a list of sequences to a common length.

    Args:
        sequences: list of sequences (lists or arrays); each item of a sequence may itself
            be an array, as long as all items share one shape.
        maxlen: length of the result; ``None`` uses the longest sequence.
        dtype: dtype of the result. Use ``object`` for variable-length strings.
        padding: ``'pre'`` or ``'post'``: pad before or after each sequence.
        truncating: ``'pre'`` or ``'post'``: drop values from the start or the end of
            sequences longer than ``maxlen``.
        value: the padding value.

    Returns:
        A numpy array of shape ``(len(sequences), maxlen) + item_shape``.

    Example:

    >>> pad_sequences([[1, 2, 3], [4, 5]])
    array([[1, 2, 3],
           [0, 4, 5]], dtype=int32)
    """
    if not hasattr(sequences, "__len__"):
        raise ValueError(
            "pad_sequences: `sequences` must be a list of sequences. "
            f"Received an object of type {type(sequences).__name__}")
    for name, option in (("padding", padding), ("truncating", truncating)):
        if option not in ("pre", "post"):
            raise ValueError(
                f"pad_sequences: `{name}` must be 'pre' or 'post'. Received: {name}={option!r}")

    lengths = []
    item_shape = None
    for seq in sequences:
        try:
            lengths.append(len(seq))
        except TypeError:
            raise ValueError(
                "pad_sequences: `sequences` must be a list of iterables. "
                f"Found a non-iterable item: {seq!r}") from None
        if item_shape is None and len(seq):
            item_shape = np.asarray(seq).shape[1:]
    item_shape = item_shape or ()

    if maxlen is None:
        if not lengths:
            raise ValueError("pad_sequences: cannot infer `maxlen` from an empty `sequences`; "
                             "pass `maxlen`.")
        maxlen = max(lengths)
    elif maxlen < 0:
        raise ValueError(f"pad_sequences: `maxlen` must be >= 0 or None. Received: maxlen={maxlen}")

    string_dtype = np.issubdtype(dtype, np.str_) or np.issubdtype(dtype, np.bytes_)
    if isinstance(value, str) and dtype is not object and not string_dtype:
        raise ValueError(
            f"pad_sequences: `dtype` {dtype} cannot hold the string padding `value`={value!r}. "
            "Use dtype=object for variable-length strings.")

    out = np.full((len(lengths), maxlen) + tuple(item_shape), value, dtype=dtype)
    if maxlen == 0:
        return out
    for i, seq in enumerate(sequences):
        if not len(seq):
            continue
        kept = seq[-maxlen:] if truncating == "pre" else seq[:maxlen]
        kept = np.asarray(kept, dtype=dtype)
        if kept.shape[1:] != tuple(item_shape):
            raise ValueError(
                f"pad_sequences: the items of sequence {i} have shape {kept.shape[1:]}, but the "
                f"first non-empty sequence has items of shape {tuple(item_shape)}.")
        if padding == "post":
            out[i, :len(kept)] = kept
        else:
            out[i, maxlen - len(kept):] = kept
    return out
