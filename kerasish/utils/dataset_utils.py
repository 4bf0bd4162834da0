"""keras.utils.PyDataset (= Keras 2's Sequence), split_dataset, and the
``image_dataset_from_directory`` / ``text_dataset_from_directory`` readers.

Who owns what:
- ``PyDataset``: the user-facing base class, as in Keras 3: ``__getitem__(idx)`` returns a
  batch, ``__len__`` (or ``num_batches``) counts them, ``on_epoch_begin``/``on_epoch_end``
  are hooks the training loop calls. ``workers``/``use_multiprocessing``/``max_queue_size``
  are stored for the loop to use.
- Directory readers: list the files exactly as Keras does (sorted class folders, the same
  seeded shuffle, the same validation split), then return a ``DirectoryDataset`` (a
  PyDataset) that reads one batch per ``__getitem__``. Images are decoded with PIL and
  resized with ``torch.nn.functional.interpolate``, as Keras's torch backend does.
  Batches hold CPU torch tensors (float32 images in 0..255, NHWC), so ``.numpy()`` works
  as on tf tensors; text batches are numpy object arrays of ``str`` with a ``.numpy()``.
- A few tf.data-style methods (``take``, ``skip``, ``map``, ``shuffle``, ``cache``,
  ``prefetch``) so the usual tutorial pipelines run unchanged.
"""
import itertools
import math
import os
import random
import warnings

import numpy as np
import torch

from kerasish import backend
from kerasish.utils import image_utils

__all__ = ["PyDataset", "Sequence", "split_dataset", "image_dataset_from_directory",
           "text_dataset_from_directory", "DirectoryDataset", "ALLOWLIST_FORMATS"]

ALLOWLIST_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
TEXT_FORMATS = (".txt",)


# ----------------------------------------------------------------------------- PyDataset
class PyDataset:
    """Base class for datasets written in Python: one batch per ``__getitem__``.

    Subclass it, call ``super().__init__(**kwargs)``, and implement ``__getitem__`` (a
    batch ``(x, y)`` or ``(x, y, sample_weight)``, or just ``x`` for predict) and
    ``__len__`` (the number of batches per epoch).

    Args:
        workers: number of workers the training loop may use to prefetch batches.
        use_multiprocessing: use processes instead of threads for those workers.
        max_queue_size: how many batches may be prepared ahead.

    Example:

    >>> class Batches(PyDataset):
    ...     def __init__(self, x, y, batch_size, **kwargs):
    ...         super().__init__(**kwargs)
    ...         self.x, self.y, self.batch_size = x, y, batch_size
    ...     def __len__(self):
    ...         return math.ceil(len(self.x) / self.batch_size)
    ...     def __getitem__(self, idx):
    ...         rows = slice(idx * self.batch_size, (idx + 1) * self.batch_size)
    ...         return self.x[rows], self.y[rows]
    """

    def __init__(self, workers=1, use_multiprocessing=False, max_queue_size=10):
        self._workers = workers
        self._use_multiprocessing = use_multiprocessing
        self._max_queue_size = max_queue_size

    def _warn_if_super_not_called(self):
        missing = False
        for name, default in (("_workers", 1), ("_use_multiprocessing", False),
                              ("_max_queue_size", 10)):
            if not hasattr(self, name):
                setattr(self, name, default)
                missing = True
        if missing:
            warnings.warn(
                f"{type(self).__name__}.__init__ does not call `super().__init__(**kwargs)`; "
                "defaults are used for `workers`, `use_multiprocessing` and `max_queue_size`. "
                "Pass those to the PyDataset constructor (fit() ignores them).", stacklevel=3)

    @property
    def workers(self):
        self._warn_if_super_not_called()
        return self._workers

    @workers.setter
    def workers(self, value):
        self._workers = value

    @property
    def use_multiprocessing(self):
        self._warn_if_super_not_called()
        return self._use_multiprocessing

    @use_multiprocessing.setter
    def use_multiprocessing(self, value):
        self._use_multiprocessing = value

    @property
    def max_queue_size(self):
        self._warn_if_super_not_called()
        return self._max_queue_size

    @max_queue_size.setter
    def max_queue_size(self, value):
        self._max_queue_size = value

    def __getitem__(self, index):
        """Returns batch number ``index``."""
        raise NotImplementedError(
            f"{type(self).__name__} must implement `__getitem__(self, index)` returning a batch.")

    @property
    def num_batches(self):
        """Number of batches per epoch (``len(self)``), or None for an endless dataset."""
        if hasattr(self, "__len__"):
            return len(self)
        raise NotImplementedError(
            f"{type(self).__name__} must implement `__len__` or the `num_batches` property.")

    def __iter__(self):
        try:
            count = self.num_batches
        except NotImplementedError:
            count = None
        for index in (range(count) if count is not None else itertools.count()):
            yield self[index]

    def on_epoch_begin(self):
        """Called at the start of every epoch."""

    def on_epoch_end(self):
        """Called at the end of every epoch (e.g. to reshuffle)."""


Sequence = PyDataset  # tf.keras 2 name (keras.utils.Sequence)


# ----------------------------------------------------------------------------- split_dataset
def _split_sizes(left_size, right_size, total):
    """Integer (left, right) sizes from ints (counts) or floats (fractions), as Keras does."""
    for name, size in (("left_size", left_size), ("right_size", right_size)):
        if size is not None and type(size) not in (int, float):
            raise TypeError(f"split_dataset: `{name}` must be an int, a float or None. "
                            f"Received: {name}={size!r} of type {type(size).__name__}")
    if left_size is None and right_size is None:
        raise ValueError("split_dataset: at least one of `left_size` or `right_size` must be "
                         "specified. Received: left_size=None and right_size=None")
    if left_size == 0 and right_size == 0:
        raise ValueError("split_dataset: `left_size` and `right_size` are both zero.")
    for name, size in (("left_size", left_size), ("right_size", right_size)):
        if (type(size) is int and not 0 < size < total) or \
                (type(size) is float and not 0 < size < 1):
            raise ValueError(
                f"split_dataset: `{name}` must be a count between 1 and {total - 1} or a "
                f"fraction strictly between 0 and 1. Received: {name}={size}")
    if type(left_size) is float and type(right_size) is float and left_size + right_size > 1:
        raise ValueError(f"split_dataset: the fractions left_size={left_size} and "
                         f"right_size={right_size} add up to more than 1.")
    left = round(left_size * total) if type(left_size) is float else left_size
    right = round(right_size * total) if type(right_size) is float else right_size
    if left is None:
        left = total - right
    elif right is None:
        right = total - left
    if left + right > total:
        raise ValueError(f"split_dataset: left_size + right_size = {left + right} samples, "
                         f"more than the {total} samples of the dataset.")
    for size, side in ((left, "left"), (right, "right")):
        if size == 0:
            raise ValueError(f"split_dataset: with a dataset of length {total}, left_size="
                             f"{left_size} and right_size={right_size}, the {side} split would "
                             "be empty.")
    return int(left), int(right)


def _index(array, rows):
    if isinstance(array, torch.Tensor):
        return array[torch.as_tensor(rows, device=array.device)]
    return np.asarray(array)[rows]


def split_dataset(dataset, left_size=None, right_size=None, shuffle=False, seed=None,
                  preferred_backend=None):
    """Splits a dataset into a left and a right part.

    Args:
        dataset: a numpy array or torch tensor, a tuple/list of them (same first dimension),
            or a ``torch.utils.data.Dataset``.
        left_size: int (number of samples) or float in (0, 1) (fraction) for the left part;
            None = the complement of ``right_size``.
        right_size: same for the right part (taken from the end when not shuffled).
        shuffle: shuffle the samples before splitting (a seeded ``torch.randperm``, the
            order Keras's torch backend uses).
        seed: seed of the shuffle.
        preferred_backend: accepted for Keras compatibility; ignored.

    Returns:
        ``(left, right)``: arrays for an array, tuples of arrays for a tuple or list,
        ``torch.utils.data.Subset`` objects for a torch Dataset.

    Example:

    >>> (x_a, y_a), (x_b, y_b) = split_dataset((x, y), left_size=0.8)  # doctest: +SKIP
    """
    del preferred_backend
    if isinstance(dataset, torch.utils.data.Dataset):
        total = len(dataset)
    elif isinstance(dataset, (np.ndarray, torch.Tensor)):
        total = len(dataset)
    elif isinstance(dataset, (list, tuple)):
        if not dataset:
            raise ValueError("split_dataset: received an empty list/tuple; expected arrays.")
        for i, element in enumerate(dataset):
            if not isinstance(element, (np.ndarray, torch.Tensor)):
                raise ValueError(f"split_dataset: expected a list/tuple of numpy arrays. "
                                 f"Received: {type(element).__name__} at index {i}.")
        lengths = [len(element) for element in dataset]
        if len(set(lengths)) != 1:
            raise ValueError(f"split_dataset: the arrays have different lengths: {lengths}.")
        total = lengths[0]
    else:
        raise TypeError("split_dataset: `dataset` must be a numpy array, a tuple/list of arrays "
                        f"or a torch Dataset. Received: {type(dataset).__name__}")
    if total == 0:
        raise ValueError("split_dataset: received an empty dataset.")
    left, right = _split_sizes(left_size, right_size, total)
    if shuffle:
        generator = torch.Generator()
        if seed is None:
            generator.manual_seed(random.randint(0, 2**31 - 1))
        else:
            generator.manual_seed(seed)
        order = torch.randperm(total, generator=generator).numpy()
    else:
        order = np.arange(total)
    left_rows, right_rows = order[:left], order[total - right:]
    if isinstance(dataset, torch.utils.data.Dataset):
        return (torch.utils.data.Subset(dataset, left_rows.tolist()),
                torch.utils.data.Subset(dataset, right_rows.tolist()))
    if isinstance(dataset, (np.ndarray, torch.Tensor)):
        return _index(dataset, left_rows), _index(dataset, right_rows)
    return (tuple(_index(a, left_rows) for a in dataset),
            tuple(_index(a, right_rows) for a in dataset))


# ----------------------------------------------------------------------------- indexing
def _walk_files(directory, follow_links, formats):
    for root, _, files in sorted(os.walk(directory, followlinks=follow_links), key=lambda w: w[0]):
        for fname in sorted(files):
            if fname.lower().endswith(formats):
                yield root, fname


def index_directory(directory, labels, formats, class_names=None, shuffle=True, seed=None,
                    follow_links=False, verbose=True, fn="index_directory"):
    """Lists the files of ``directory`` as Keras does: returns (paths, labels, class_names).

    With ``labels='inferred'`` each sub-folder is a class (sorted by name, hidden folders
    skipped) and files are found recursively in it; otherwise files are found in the whole
    tree. The list is then shuffled with ``np.random.RandomState(seed)``.
    """
    directory = os.fspath(directory)
    if not os.path.isdir(directory):
        raise ValueError(f"{fn}: `directory` {directory!r} is not an existing folder.")
    if labels == "inferred":
        subdirs = [d for d in sorted(os.listdir(directory))
                   if os.path.isdir(os.path.join(directory, d)) and not d.startswith(".")]
        if class_names is not None:
            if not set(class_names).issubset(subdirs):
                raise ValueError(
                    f"{fn}: every name in `class_names` must be a sub-folder of {directory!r}. "
                    f"Sub-folders: {subdirs}. Received: class_names={class_names}")
            subdirs = list(class_names)
    else:
        subdirs = [""]
        if class_names is not None:
            if labels is None:
                raise ValueError(f"{fn}: `class_names` cannot be given with labels=None.")
            raise ValueError(f"{fn}: `class_names` cannot be given with a list of `labels`; the "
                             "class names are then the sorted distinct labels.")
    filenames, found_labels = [], []
    for class_index, subdir in enumerate(subdirs):
        folder = os.path.join(directory, subdir)
        name = os.path.basename(folder)
        for root, fname in _walk_files(folder, follow_links, formats):
            relative = os.path.relpath(os.path.join(root, fname), folder)
            filenames.append(os.path.join(name, relative))
            found_labels.append(class_index)
    if labels == "inferred":
        labels = np.array(found_labels, dtype="int32")
        class_names = subdirs
    elif labels is None:
        class_names = None
    else:
        labels = np.array(labels)  # a copy: the shuffle below must not reorder the caller's list
        if len(labels) != len(filenames):
            raise ValueError(
                f"{fn}: `labels` must have one label per file, to match the number of files: "
                f"got {len(labels)} labels for {len(filenames)} files in {directory!r}.")
        class_names = [str(label) for label in sorted(set(labels))]
    if verbose:
        if labels is None:
            print(f"Found {len(filenames)} files.")
        else:
            print(f"Found {len(filenames)} files belonging to {len(class_names)} classes.")
    paths = [os.path.join(directory, f) for f in filenames]
    if shuffle:
        if seed is None:
            seed = np.random.randint(1e6)
        np.random.RandomState(seed).shuffle(paths)
        if labels is not None:
            np.random.RandomState(seed).shuffle(labels)
    return paths, labels, class_names


def _check_validation_split(fn, validation_split, subset, shuffle, seed):
    if validation_split and not 0 < validation_split < 1:
        raise ValueError(f"{fn}: `validation_split` must be strictly between 0 and 1. "
                         f"Received: validation_split={validation_split}")
    if (validation_split or subset) and not (validation_split and subset):
        raise ValueError(f"{fn}: `subset` and `validation_split` go together: give both or "
                         f"neither. Received: validation_split={validation_split}, "
                         f"subset={subset!r}")
    if subset not in ("training", "validation", "both", None):
        raise ValueError(f"{fn}: `subset` must be 'training', 'validation' or 'both'. "
                         f"Received: subset={subset!r}")
    if validation_split and shuffle and seed is None:
        raise ValueError(f"{fn}: with `validation_split` and shuffle=True, pass a `seed` so "
                         "that the training and validation calls split the same shuffled list "
                         "and do not overlap.")


def _split_files(paths, labels, validation_split, subset):
    if not validation_split:
        return paths, labels
    n_val = int(validation_split * len(paths))
    if subset == "training":
        print(f"Using {len(paths) - n_val} files for training.")
        cut = slice(None, len(paths) - n_val)
    else:
        print(f"Using {n_val} files for validation.")
        cut = slice(len(paths) - n_val, None)
    return paths[cut], (None if labels is None else labels[cut])


def _check_common_args(fn, labels, label_mode, class_names):
    if labels not in ("inferred", None):
        if not isinstance(labels, (list, tuple)):
            raise ValueError(
                f"{fn}: `labels` must be 'inferred' (one class per sub-folder), None (no "
                "labels) or a list/tuple with one integer label per file. "
                f"Received: labels={labels!r}")
        if class_names:
            raise ValueError(f"{fn}: `class_names` only applies with labels='inferred'. "
                             f"Received: labels={labels}, class_names={class_names}")
    if label_mode not in ("int", "categorical", "binary", None):
        raise ValueError(f"{fn}: `label_mode` must be 'int', 'categorical', 'binary' or None. "
                         f"Received: label_mode={label_mode!r}")


def _check_binary(fn, label_mode, class_names):
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError(f"{fn}: label_mode='binary' needs exactly 2 classes. "
                         f"Received: class_names={class_names}")


# ----------------------------------------------------------------------------- datasets
class _StringBatch(np.ndarray):
    """A numpy array of ``str`` with a ``.numpy()`` method, like a tf string tensor has."""

    def numpy(self):
        return np.asarray(self)


class DirectoryDataset(PyDataset):
    """Batches read on demand from a list of files (what the ``*_dataset_from_directory``
    functions return).

    Attributes:
        class_names: the class names (label ``i`` is ``class_names[i]``), or None.
        file_paths: the files, in the order of the first epoch.
    """

    def __init__(self, file_paths, labels, label_mode, num_classes, class_names, batch_size,
                 shuffle, seed, load_fn, collate_fn):
        super().__init__()
        self.file_paths = list(file_paths)
        self.class_names = class_names
        self._labels = None if labels is None else np.asarray(labels)
        self._label_mode = label_mode
        self._num_classes = num_classes
        self._batch_size = batch_size
        self._shuffle = shuffle
        self._rng = np.random.RandomState(seed)
        self._order = np.arange(len(self.file_paths))
        self._load = load_fn
        self._collate = collate_fn

    def __len__(self):
        if self._batch_size is None:
            return len(self.file_paths)
        return math.ceil(len(self.file_paths) / self._batch_size)

    def _label_tensor(self, rows):
        labels = torch.as_tensor(self._labels[rows].astype("int64"))
        if self._label_mode == "int":
            return labels.to(torch.int32)
        if self._label_mode == "binary":
            return labels.to(torch.float32).unsqueeze(-1)
        return torch.nn.functional.one_hot(labels, self._num_classes).to(torch.float32)

    def __getitem__(self, index):
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(f"batch index {index} is out of range for {len(self)} batches")
        if self._batch_size is None:
            rows = self._order[index:index + 1]
        else:
            rows = self._order[index * self._batch_size:(index + 1) * self._batch_size]
        items = self._collate([self._load(self.file_paths[r]) for r in rows])
        if self._batch_size is None:
            items = items[0]
        if self._label_mode is None:
            return items
        labels = self._label_tensor(rows)
        return items, (labels[0] if self._batch_size is None else labels)

    def __iter__(self):
        for index in range(len(self)):
            yield self[index]
        self.on_epoch_end()

    def on_epoch_end(self):
        """Reshuffles the file order for the next epoch when ``shuffle=True``."""
        if self._shuffle:
            self._order = self._rng.permutation(len(self.file_paths))

    # tf.data-style conveniences used by tutorials ---------------------------------
    def take(self, count):
        """The first ``count`` batches (all of them if ``count`` is -1)."""
        return _Derived(self, "take", count)

    def skip(self, count):
        """All batches but the first ``count``."""
        return _Derived(self, "skip", count)

    def map(self, map_func, num_parallel_calls=None, deterministic=None):
        """Applies ``map_func`` to every batch (a tuple batch is unpacked into arguments)."""
        del num_parallel_calls, deterministic
        return _Derived(self, "map", map_func)

    def shuffle(self, buffer_size=None, seed=None, reshuffle_each_iteration=None):
        """Shuffles the order of the batches each epoch."""
        del buffer_size, reshuffle_each_iteration
        return _Derived(self, "shuffle", seed)

    def cache(self, filename=""):
        """Accepted for tf.data compatibility: batches are read on demand; returns self."""
        del filename
        return self

    def prefetch(self, buffer_size=None):
        """Accepted for tf.data compatibility; returns self."""
        del buffer_size
        return self


class _Derived(DirectoryDataset):
    """A view of another directory dataset (take / skip / map / shuffle)."""

    def __init__(self, parent, op, arg):
        PyDataset.__init__(self)
        self._parent, self._op, self._arg = parent, op, arg
        self.class_names = parent.class_names
        self.file_paths = parent.file_paths
        self._rng = np.random.RandomState(arg if op == "shuffle" else None)
        self._perm = self._rng.permutation(len(parent)) if op == "shuffle" else None

    def __len__(self):
        n = len(self._parent)
        if self._op == "take":
            return n if self._arg < 0 else min(self._arg, n)
        if self._op == "skip":
            return max(n - self._arg, 0)
        return n

    def __getitem__(self, index):
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(f"batch index {index} is out of range for {len(self)} batches")
        if self._op == "skip":
            return self._parent[index + self._arg]
        if self._op == "shuffle":
            return self._parent[int(self._perm[index])]
        batch = self._parent[index]
        if self._op == "map":
            return self._arg(*batch) if isinstance(batch, tuple) else self._arg(batch)
        return batch

    def on_epoch_end(self):
        self._parent.on_epoch_end()
        if self._op == "shuffle":
            self._perm = self._rng.permutation(len(self._parent))


def _make_datasets(paths, labels, class_names, label_mode, batch_size, shuffle, seed,
                   validation_split, subset, directory, kind, formats_text, load_fn, collate_fn):
    num_classes = len(class_names) if class_names else 0

    def build(split_paths, split_labels, split_shuffle, which):
        if not split_paths:
            raise ValueError(f"No {which}{kind} found in directory {directory}. "
                             f"Allowed format{'s' if len(formats_text) > 1 else ''}: "
                             f"{formats_text}")
        return DirectoryDataset(split_paths, split_labels, label_mode, num_classes, class_names,
                                batch_size, split_shuffle, seed, load_fn, collate_fn)

    if subset == "both":
        train = _split_files(paths, labels, validation_split, "training")
        val = _split_files(paths, labels, validation_split, "validation")
        return [build(*train, shuffle, "training "), build(*val, False, "validation ")]
    split = _split_files(paths, labels, validation_split, subset)
    return build(*split, shuffle if subset != "validation" else False, "")


def _decode_image(path, num_channels):
    """float32 tensor (C, H, W) of an image file, decoded by PIL as Keras's torch path does.

    (torchvision.io's decoders are deprecated as of torchvision 0.29, and PIL reads every
    allowed format, BMP included, bit-identically to Keras.)
    """
    color_mode = {1: "grayscale", 3: "rgb", 4: "rgba"}[num_channels]
    array = np.array(image_utils.load_img(path, color_mode=color_mode), dtype=np.float32)
    if array.ndim == 2:
        array = array[:, :, None]
    return torch.from_numpy(array).permute(2, 0, 1)


def image_dataset_from_directory(directory, labels="inferred", label_mode="int",
                                 class_names=None, color_mode="rgb", batch_size=32,
                                 image_size=(256, 256), shuffle=True, seed=None,
                                 validation_split=None, subset=None, interpolation="bilinear",
                                 follow_links=False, crop_to_aspect_ratio=False,
                                 pad_to_aspect_ratio=False, data_format=None, format="tf",
                                 verbose=True):
    """Builds a dataset of image batches from a folder with one sub-folder per class.

    Args:
        directory: folder holding one sub-folder per class (with ``labels='inferred'``).
        labels: ``'inferred'`` (from the sub-folder names), None (no labels), or a list of
            integer labels in the sorted order of the file paths.
        label_mode: ``'int'`` (int32 ids), ``'categorical'`` (one-hot float32),
            ``'binary'`` (float32 of shape (batch, 1)), or None (images only).
        class_names: with inferred labels, the sub-folders to use, in label order.
        color_mode: ``'rgb'``, ``'rgba'`` or ``'grayscale'``.
        batch_size: batch size; None gives one image per item.
        image_size: ``(height, width)`` every image is resized to.
        shuffle: shuffle the files (once, seeded) and reshuffle every epoch.
        seed: shuffle seed; required with ``validation_split`` and ``shuffle``.
        validation_split: fraction of the files reserved for validation.
        subset: ``'training'``, ``'validation'`` or ``'both'`` (returns both datasets).
        interpolation: ``'bilinear'``, ``'nearest'``, ``'bicubic'`` or ``'area'``.
        follow_links: follow symbolic links to folders.
        crop_to_aspect_ratio: crop the centre to the target aspect ratio before resizing.
        pad_to_aspect_ratio: pad (with zeros) to the target aspect ratio before resizing.
        data_format: ``'channels_last'`` (NHWC batches) or ``'channels_first'``.
        format: accepted for Keras compatibility (``'tf'`` or ``'grain'``); ignored.
        verbose: print the number of files and classes found.

    Returns:
        A ``DirectoryDataset`` (a ``PyDataset``) yielding ``(images, labels)`` with
        float32 torch images in 0..255 of shape ``(batch, height, width, channels)``; a
        list ``[train, validation]`` with ``subset='both'``. It has ``class_names`` and
        ``file_paths``.

    Example:

    >>> train_ds = image_dataset_from_directory(  # doctest: +SKIP
    ...     "flower_photos", validation_split=0.2, subset="training", seed=123,
    ...     image_size=(180, 180), batch_size=32)
    """
    fn = "image_dataset_from_directory"
    _check_common_args(fn, labels, label_mode, class_names)
    if labels is None or label_mode is None:
        labels = label_mode = None
    channels = {"rgb": 3, "rgba": 4, "grayscale": 1}
    if color_mode not in channels:
        raise ValueError(f"{fn}: `color_mode` must be 'rgb', 'rgba' or 'grayscale'. "
                         f"Received: color_mode={color_mode!r}")
    num_channels = channels[color_mode]
    if isinstance(image_size, int):
        image_size = (image_size, image_size)
    elif not isinstance(image_size, (list, tuple)) or len(image_size) != 2:
        raise ValueError(f"{fn}: `image_size` must be (height, width) or one int. "
                         f"Received: image_size={image_size!r}")
    image_size = (int(image_size[0]), int(image_size[1]))
    interpolation = interpolation.lower()
    if interpolation not in ("bilinear", "nearest", "bicubic", "area"):
        raise ValueError(f"{fn}: `interpolation` must be one of "
                         "('bilinear', 'nearest', 'bicubic', 'area') (lanczos3, lanczos5, "
                         "gaussian and mitchellcubic exist only in TensorFlow). "
                         f"Received: interpolation={interpolation}")
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ValueError(f"{fn}: `crop_to_aspect_ratio` and `pad_to_aspect_ratio` cannot both "
                         "be True.")
    if format not in ("tf", "grain"):
        raise ValueError(f"{fn}: `format` must be 'tf' or 'grain'. Received: format={format!r}")
    _check_validation_split(fn, validation_split, subset, shuffle, seed)
    if seed is None:
        seed = np.random.randint(1e6)
    paths, labels, class_names = index_directory(
        directory, labels, ALLOWLIST_FORMATS, class_names=class_names, shuffle=shuffle,
        seed=seed, follow_links=follow_links, verbose=verbose, fn=fn)
    _check_binary(fn, label_mode, class_names)
    channels_first = backend.standardize_data_format(data_format) == "channels_first"

    def load(path):
        img = _decode_image(path, num_channels)[None]
        img = image_utils.resize_images(img, image_size, interpolation,
                                        crop_to_aspect_ratio=crop_to_aspect_ratio,
                                        pad_to_aspect_ratio=pad_to_aspect_ratio)[0]
        return img if channels_first else img.permute(1, 2, 0).contiguous()

    return _make_datasets(paths, labels, class_names, label_mode, batch_size, shuffle, seed,
                          validation_split, subset, directory, "images", ALLOWLIST_FORMATS,
                          load, torch.stack)


def _read_text(path, max_length):
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    return text if max_length is None else text[:max_length]


def _string_batch(texts):
    out = np.empty(len(texts), dtype=object)
    out[:] = texts
    return out.view(_StringBatch)


def text_dataset_from_directory(directory, labels="inferred", label_mode="int", class_names=None,
                                batch_size=32, max_length=None, shuffle=True, seed=None,
                                validation_split=None, subset=None, follow_links=False,
                                format="tf", verbose=True):
    """Builds a dataset of text batches from a folder of ``.txt`` files, one sub-folder per
    class.

    Arguments are those of ``image_dataset_from_directory`` (without the image ones), plus
    ``max_length``: keep at most this many characters of each file.

    Returns:
        A ``DirectoryDataset`` yielding ``(texts, labels)``: ``texts`` is a numpy object
        array of ``str`` (with a ``.numpy()`` method, like a tf string tensor) and labels
        are torch tensors as in ``image_dataset_from_directory``. ``subset='both'`` returns
        ``[train, validation]``.

    Example:

    >>> raw_train_ds = text_dataset_from_directory(  # doctest: +SKIP
    ...     "aclImdb/train", batch_size=32, validation_split=0.2, subset="training", seed=42)
    """
    fn = "text_dataset_from_directory"
    _check_common_args(fn, labels, label_mode, class_names)
    if format not in ("tf", "grain"):
        raise ValueError(f"{fn}: `format` must be 'tf' or 'grain'. Received: format={format!r}")
    if labels is None or label_mode is None:
        labels = label_mode = None
    _check_validation_split(fn, validation_split, subset, shuffle, seed)
    if seed is None:
        seed = np.random.randint(1e6)
    paths, labels, class_names = index_directory(
        directory, labels, TEXT_FORMATS, class_names=class_names, shuffle=shuffle, seed=seed,
        follow_links=follow_links, verbose=verbose, fn=fn)
    _check_binary(fn, label_mode, class_names)
    return _make_datasets(paths, labels, class_names, label_mode, batch_size, shuffle, seed,
                          validation_split, subset, directory, "text files", ".txt",
                          lambda p: _read_text(p, max_length), _string_batch)
