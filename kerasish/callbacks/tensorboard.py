"""TensorBoard: write training logs for TensorBoard with ``torch.utils.tensorboard``
(no TensorFlow needed; the ``tensorboard`` package is the optional extra
``kerasish[tensorboard]``).

Who owns what:
- this callback decides *what* is logged, with Keras's names and directories:
  ``<log_dir>/train`` and ``<log_dir>/validation``; scalars ``epoch_<name>`` at step
  ``epoch`` (``val_`` logs go to ``validation`` without the prefix), ``epoch_learning_rate``,
  ``epoch_steps_per_second``; ``batch_<name>`` every ``update_freq`` batches;
  ``evaluation_<name>_vs_iterations`` after each evaluation; weight histograms (and
  images) every ``histogram_freq`` epochs; the model graph; Embedding projections;
- ``torch.utils.tensorboard.SummaryWriter`` does the writing (one per subdirectory,
  created on first use).

Batch hooks are attached only when something is logged per batch, so the default
``update_freq='epoch'`` adds no work (and no device sync) to a training step.
"""
import numbers
import os
import time
import warnings

import numpy as np
import torch

from kerasish.callbacks.base import Callback

_INSTALL_HINT = (
    "The TensorBoard callback needs the `tensorboard` package, which is not installed. "
    "Install it with `pip install kerasish[tensorboard]` (or `pip install tensorboard`).")

# tf.keras 2 arguments that TensorFlow itself already ignored (with a warning).
_LEGACY_KWARGS = ("batch_size", "write_grads", "embeddings_layer_names", "embeddings_data")


def _summary_writer_class():
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError as e:
        raise ImportError(f"{_INSTALL_HINT} (import error: {e})") from e
    return SummaryWriter


def _parse_profile_batch(profile_batch):
    message = ("profile_batch must be a non-negative integer or 2-tuple of positive integers. A pair of "
               "positive integers signifies a range of batches to profile. "
               f"Found: {profile_batch}")
    value = profile_batch
    if isinstance(value, str):
        try:
            value = [int(v) for v in value.split(",")]
        except ValueError:
            raise ValueError(message) from None
        value = value[0] if len(value) == 1 else value
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        start = stop = int(value)
    elif isinstance(value, (list, tuple)) and len(value) == 2 and all(
            isinstance(v, numbers.Integral) for v in value):
        start, stop = int(value[0]), int(value[1])
    else:
        raise ValueError(message)
    if start < 0 or stop < start:
        raise ValueError(message)
    return start, stop


class TensorBoard(Callback):
    """Log metrics, weight histograms and the model graph for TensorBoard.

    Args:
        log_dir: root directory of the logs (``train/`` and ``validation/`` go below it).
        histogram_freq: log weight histograms every this many epochs (0: never).
        write_graph: log the model graph (traced with ``torch.jit.trace``).
        write_images: with ``histogram_freq``, also log weights as images.
        write_steps_per_second: log ``steps_per_second`` per epoch (and per batch when
            batches are logged).
        update_freq: ``"epoch"``, ``"batch"`` or an integer N: also log ``batch_<name>``
            every N batches (the running means that the progress bar shows).
        profile_batch: accepted for compatibility; profiling is not available here (a
            non-zero value is ignored with a warning).
        embeddings_freq: log the ``Embedding`` layers for the projector every this many epochs.
        embeddings_metadata: a labels file (one label per row of the embedding matrix),
            or a dict ``{layer_name: file}``.

    Example:

    ```python
    tb = keras.callbacks.TensorBoard(log_dir="./logs", histogram_freq=1)
    model.fit(x, y, epochs=5, validation_split=0.2, callbacks=[tb])
    # then: tensorboard --logdir ./logs
    ```
    """

    def __init__(self, log_dir="logs", histogram_freq=0, write_graph=True, write_images=False,
                 write_steps_per_second=False, update_freq="epoch", profile_batch=0, embeddings_freq=0,
                 embeddings_metadata=None, **kwargs):
        super().__init__()
        legacy = [k for k in kwargs if k in _LEGACY_KWARGS]
        unknown = [k for k in kwargs if k not in _LEGACY_KWARGS]
        if unknown:
            raise TypeError(f"TensorBoard.__init__() got unexpected keyword arguments: {sorted(unknown)}")
        if legacy:
            warnings.warn(f"TensorBoard: the arguments {sorted(legacy)} are ignored (they only existed in "
                          "TensorFlow 1 style TensorBoard callbacks).", stacklevel=2)
        for name, value in (("histogram_freq", histogram_freq), ("embeddings_freq", embeddings_freq)):
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
                raise ValueError(f"TensorBoard: `{name}` must be a non-negative integer. "
                                 f"Received: {name}={value!r}")
        if isinstance(update_freq, numbers.Integral) and not isinstance(update_freq, bool) and update_freq >= 1:
            update_freq = int(update_freq)
        elif update_freq == "batch":
            update_freq = 1
        elif not isinstance(update_freq, str) or update_freq != "epoch":
            raise ValueError("TensorBoard: `update_freq` must be 'epoch', 'batch' or a positive integer. "
                             f"Received: update_freq={update_freq!r}")
        start, stop = _parse_profile_batch(profile_batch)
        if start or stop:
            warnings.warn(f"TensorBoard: profiling is not available in kerasish; profile_batch={profile_batch!r} "
                          "is ignored. Use torch.profiler to profile training.", stacklevel=2)
        self._writer_class = _summary_writer_class()  # after the argument checks
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq = int(histogram_freq)
        self.write_graph = write_graph
        self.write_images = write_images
        self.write_steps_per_second = write_steps_per_second
        self.update_freq = update_freq
        self.profile_batch = profile_batch
        self.embeddings_freq = int(embeddings_freq)
        self.embeddings_metadata = embeddings_metadata
        self._train_dir = os.path.join(self.log_dir, "train")
        self._val_dir = os.path.join(self.log_dir, "validation")
        self._writers = {}
        self._global_train_batch = 0
        self._epoch_start_batch = 0
        self._epoch_start_time = 0.0
        self._batch_start_time = 0.0
        self._graph_pending = False
        if update_freq != "epoch" or write_steps_per_second:
            # Bound per instance so that fit only calls batch hooks when batches are logged.
            self.on_train_batch_begin = self._batch_begin
            self.on_train_batch_end = self._batch_end

    # ------------------------------------------------------------------ writers
    def _writer(self, which):
        writer = self._writers.get(which)
        if writer is None:
            writer = self._writer_class(self._train_dir if which == "train" else self._val_dir)
            self._writers[which] = writer
        return writer

    def _close_writers(self):
        for writer in self._writers.values():
            writer.close()
        self._writers = {}

    # ------------------------------------------------------------------ hooks
    def on_train_begin(self, logs=None):
        self._global_train_batch = 0
        self._epoch_start_batch = 0
        self._check_embeddings_metadata()
        self._graph_pending = bool(self.write_graph)
        if self._graph_pending and _example_inputs(self.model) is not None:
            self._write_graph()

    def on_train_end(self, logs=None):
        self._close_writers()

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_start_batch = self._global_train_batch
        self._epoch_start_time = time.time()

    def _batch_begin(self, batch, logs=None):
        self._global_train_batch += 1
        if self.write_steps_per_second:
            self._batch_start_time = time.time()

    def _batch_end(self, batch, logs=None):
        step = self._global_train_batch
        if self.update_freq == "epoch" or step % self.update_freq != 0:
            return
        writer = self._writer("train")
        if self.write_steps_per_second:
            elapsed = time.time() - self._batch_start_time
            writer.add_scalar("batch_steps_per_second", 1.0 / elapsed if elapsed > 0 else 0.0, step)
        for name, value in (logs or {}).items():  # reading lazy logs syncs the device: only here
            if _is_scalar(value):
                writer.add_scalar(f"batch_{name}", float(value), step)

    def on_epoch_end(self, epoch, logs=None):
        if self._graph_pending:  # the model was built by the first batch
            self._write_graph()
        self._log_epoch_metrics(epoch, logs or {})
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._log_weights(epoch)
        if self.embeddings_freq and epoch % self.embeddings_freq == 0:
            self._log_embeddings(epoch)
        for writer in self._writers.values():
            writer.flush()

    def on_test_end(self, logs=None):
        iterations = _iterations(self.model.optimizer if self.model is not None else None)
        if iterations is None or not logs:
            return
        writer = self._writer("val")
        for name, value in logs.items():
            if _is_scalar(value):
                writer.add_scalar(f"evaluation_{name}_vs_iterations", float(value), iterations)
        writer.flush()

    # ------------------------------------------------------------------ epoch scalars
    def _log_epoch_metrics(self, epoch, logs):
        if not logs:
            return
        train_logs = {k: v for k, v in logs.items() if not k.startswith("val_")}
        val_logs = {k[4:]: v for k, v in logs.items() if k.startswith("val_")}
        lr = _learning_rate(self.model.optimizer)
        if lr is not None:
            train_logs["learning_rate"] = lr
        if self.write_steps_per_second:
            elapsed = time.time() - self._epoch_start_time
            steps = self._global_train_batch - self._epoch_start_batch
            train_logs["steps_per_second"] = steps / elapsed if elapsed > 0 else 0.0
        for which, values in (("train", train_logs), ("val", val_logs)):
            if not values:
                continue
            writer = self._writer(which)
            for name, value in values.items():
                if _is_scalar(value):
                    writer.add_scalar(f"epoch_{name}", float(value), epoch)

    # ------------------------------------------------------------------ weights
    def _log_weights(self, epoch):
        writer = self._writer("train")
        for layer in self.model.layers:
            weights = getattr(layer, "weights", None)
            if not weights:
                continue
            for variable, value in zip(weights, layer.get_weights()):
                name = str(getattr(variable, "path", None) or f"{layer.name}/{variable.name}").replace(":", "_")
                writer.add_histogram(f"{name}/histogram", value, epoch)
                if self.write_images:
                    image = _weight_image(value)
                    if image is not None:
                        writer.add_images(f"{name}/image", image, epoch, dataformats="NHWC")
        writer.flush()

    # ------------------------------------------------------------------ graph
    def _write_graph(self):
        self._graph_pending = False
        example = _example_inputs(self.model)
        if example is None:  # a subclassed model has no symbolic inputs: no graph, as in Keras
            return
        was_training = self.model.training
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # tracer warnings about Python control flow
                self._writer("train").add_graph(self.model, example, use_strict_trace=False)
        except Exception as e:  # torch cannot trace every model: the graph is optional
            warnings.warn(f"TensorBoard: the graph of model '{self.model.name}' could not be written: torch "
                          f"could not trace it ({type(e).__name__}: {e}).", stacklevel=3)
        finally:
            self.model.train(was_training)

    # ------------------------------------------------------------------ embeddings
    def _embedding_layers(self):
        from kerasish.layers import Embedding
        return [l for l in self.model._flatten_layers(include_self=False) if isinstance(l, Embedding)]

    def _check_embeddings_metadata(self):
        meta = self.embeddings_metadata
        if not self.embeddings_freq or meta is None or isinstance(meta, (str, os.PathLike)):
            return
        names = {l.name for l in self._embedding_layers()}
        unknown = [k for k in meta if k not in names]
        if unknown:
            raise ValueError(
                "Unrecognized `Embedding` layer names passed to `keras.callbacks.TensorBoard` "
                f"`embeddings_metadata` argument: {unknown}. The model's Embedding layers: {sorted(names)}")

    def _log_embeddings(self, epoch):
        writer = self._writer("train")
        for layer in self._embedding_layers():
            matrix = layer.get_weights()[0]
            meta = self.embeddings_metadata
            path = meta.get(layer.name) if isinstance(meta, dict) else meta
            labels, header = _read_metadata(path, len(matrix), layer.name)
            writer.add_embedding(matrix, metadata=labels, metadata_header=header, global_step=epoch,
                                 tag=layer.name)


# ---------------------------------------------------------------------- helpers
def _is_scalar(value):
    if isinstance(value, (numbers.Number, np.generic)):
        return True
    if isinstance(value, np.ndarray):
        return value.size == 1
    if isinstance(value, torch.Tensor):
        return value.numel() == 1
    return False


def _plain_optimizer(optimizer):
    return getattr(optimizer, "inner_optimizer", None) or optimizer


def _learning_rate(optimizer):
    optimizer = _plain_optimizer(optimizer)
    if optimizer is None:
        return None
    if isinstance(optimizer, torch.optim.Optimizer):
        lr = optimizer.param_groups[0].get("lr") if optimizer.param_groups else None
        return None if lr is None else float(lr)
    lr = getattr(optimizer, "learning_rate", None)
    try:
        return None if lr is None else float(lr)
    except (TypeError, ValueError):
        return None


def _iterations(optimizer):
    optimizer = _plain_optimizer(optimizer)
    if optimizer is None or isinstance(optimizer, torch.optim.Optimizer):
        return None
    iterations = getattr(optimizer, "iterations", None)
    return None if iterations is None else int(iterations)


def _example_inputs(model):
    """Zeros shaped like the model's inputs (unknown dims as 1), in add_graph's form."""
    try:
        inputs = list(model.inputs)
    except (AttributeError, ValueError):
        return None
    if not inputs:
        return None
    from kerasish import backend
    tensors = [torch.zeros([1 if d is None else d for d in t.shape], dtype=t.dtype, device=backend.get_device())
               for t in inputs]
    return tensors[0] if len(tensors) == 1 else (tensors,)


def _weight_image(value):
    """A weight as a batch of NHWC images (Keras's layout for TensorBoard), or None."""
    image = np.squeeze(np.asarray(value, dtype="float32"))
    if image.ndim == 1:  # a bias: one row
        image = image.reshape(1, image.shape[0], 1, 1)
    elif image.ndim == 2:  # a Dense kernel, wider than tall
        if image.shape[0] > image.shape[1]:
            image = image.T
        image = image.reshape(1, image.shape[0], image.shape[1], 1)
    elif image.ndim == 3:  # a conv kernel: one image per output channel
        image = np.transpose(image, (2, 0, 1))
        image = image.reshape(image.shape[0], image.shape[1], image.shape[2], 1)
    if image.ndim == 4 and image.shape[-1] in (1, 3, 4):
        return image
    return None


def _read_metadata(path, rows, layer_name):
    """Labels for add_embedding from a TSV file: one row per embedding row, with a header
    line when there are several columns."""
    if path is None:
        return None, None
    with open(path, encoding="utf-8") as f:
        lines = [line.rstrip("\n") for line in f if line.strip()]
    columns = [line.split("\t") for line in lines]
    header = None
    if columns and len(columns[0]) > 1:
        header, columns = columns[0], columns[1:]
    if len(columns) != rows:
        warnings.warn(f"TensorBoard: the embeddings metadata file {path} has {len(columns)} labels but layer "
                      f"'{layer_name}' has {rows} rows; the labels are not used.", stacklevel=3)
        return None, None
    labels = [c if header else c[0] for c in columns]
    return labels, header
