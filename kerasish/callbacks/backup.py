"""BackupAndRestore: resume an interrupted ``fit`` where it stopped.

Who owns what:
- this callback writes ``<backup_dir>/latest.pt`` (one ``torch.save`` file, written
  atomically by :func:`kerasish.saving.saving_api.atomic_write`) holding the model
  weights (``get_weights()`` order), the optimizer state (a kerasish optimizer's or a
  ``torch.optim`` optimizer's ``state_dict()``), the next epoch to run, the state of any
  ``SeedGenerator`` held by a layer, and the torch / CUDA / numpy / Python RNG states;
- ``on_train_begin`` restores all of that (read with ``torch.load(weights_only=True)``)
  and sets ``model._initial_epoch_override``, which ``fit`` reads right after
  ``on_train_begin`` to start from the saved epoch.

Because the RNG states come back too, a resumed run with ``shuffle=True`` and dropout
replays the same batches and masks as an uninterrupted one.
"""
import os
import random
import warnings

import numpy as np
import torch

from kerasish.callbacks.base import Callback

_FORMAT = "kerasish.BackupAndRestore"
_VERSION = 1


class BackupAndRestore(Callback):
    """Back up the training state after every epoch (or every ``save_freq`` batches) and
    restore it when ``fit`` starts again after an interruption.

    Args:
        backup_dir: directory for the backup file. Use it for this training run only.
        save_freq: ``"epoch"`` (back up at the end of each epoch), an integer (back up
            every that many batches; a resumed run restarts the epoch that was in
            progress, from the weights of the last backup) or ``False`` (never back up).
        double_checkpoint: keep the previous backup too (``latest.pt.bkp``); when the
            latest one cannot be read, the previous one is restored.
        delete_checkpoint: delete the backup when ``fit`` completes.

    Example:

    ```python
    backup = keras.callbacks.BackupAndRestore(backup_dir="/tmp/backup")
    try:
        model.fit(x, y, epochs=10, callbacks=[backup, CrashAtEpoch4()])
    except RuntimeError:
        pass
    history = model.fit(x, y, epochs=10, callbacks=[backup])  # runs epochs 4..9
    ```
    """

    def __init__(self, backup_dir, save_freq="epoch", double_checkpoint=False, delete_checkpoint=True):
        super().__init__()
        if not backup_dir:
            raise ValueError("Empty `backup_dir` argument passed")
        if save_freq != "epoch" and not isinstance(save_freq, (int, np.integer)):
            raise ValueError(
                "Invalid value for argument `save_freq`. "
                f"Received: save_freq={save_freq}. Expected either 'epoch' or an integer value.")
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq = save_freq
        self.double_checkpoint = double_checkpoint
        self.delete_checkpoint = delete_checkpoint
        self._path = os.path.join(self.backup_dir, "latest.pt")
        self._prev_path = self._path + ".bkp"
        self._epoch = 0
        self._batch = 0
        self._batches_since_save = 0
        if save_freq != "epoch" and save_freq is not False:
            # Bound per instance so fit calls the batch hook only when it is needed.
            self.on_train_batch_end = self._count_batch

    # ------------------------------------------------------------------ hooks
    def on_train_begin(self, logs=None):
        self._batches_since_save = 0
        state = self._read_latest()
        if state is None:
            return
        self._restore(state)
        self._epoch = state["epoch"]
        self.model._initial_epoch_override = state["epoch"]

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch
        self._batch = 0

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._save(epoch + 1, 0)

    def _count_batch(self, batch, logs=None):
        self._batch = batch + 1
        self._batches_since_save += 1
        if self._batches_since_save >= self.save_freq:
            self._batches_since_save = 0
            self._save(self._epoch, self._batch)  # the epoch in progress is run again on resume

    def on_train_end(self, logs=None):
        if not self.delete_checkpoint:
            return
        for path in (self._path, self._prev_path):
            if os.path.exists(path):
                os.remove(path)
        try:
            os.rmdir(self.backup_dir)  # only when nothing else was put there
        except OSError:
            pass

    # ------------------------------------------------------------------ writing
    def _save(self, next_epoch, batch):
        from kerasish.saving.saving_api import atomic_write
        state = {
            "format": _FORMAT,
            "version": _VERSION,
            "epoch": int(next_epoch),
            "batch": int(batch),
            "weights": [torch.from_numpy(np.ascontiguousarray(w)) for w in self.model.get_weights()],
            "optimizer": _optimizer_state(self.model.optimizer),
            "seed_generators": [[g._seed, g._counter] for g in _seed_generators(self.model)],
            "rng": _rng_state(),
        }
        os.makedirs(self.backup_dir, exist_ok=True)
        if self.double_checkpoint and os.path.exists(self._path):
            os.replace(self._path, self._prev_path)
        with atomic_write(self._path) as f:
            torch.save(state, f)

    # ------------------------------------------------------------------ reading
    def _read_latest(self):
        candidates = [p for p in (self._path, self._prev_path) if os.path.exists(p)]
        if not candidates:
            return None
        if not self.model.built:
            raise ValueError(
                "To use the BackupAndRestore callback, your model must be built before you call `fit()`. "
                f"Model '{self.model.name}' is unbuilt. You can build it beforehand by calling it on a batch "
                "of data.")
        errors = []
        for path in candidates:
            try:
                state = torch.load(path, map_location="cpu", weights_only=True)
            except Exception as e:  # a truncated or corrupted file: try the previous backup
                errors.append(f"{path}: {type(e).__name__}: {e}")
                continue
            if not isinstance(state, dict) or state.get("format") != _FORMAT:
                errors.append(f"{path}: not a BackupAndRestore backup")
                continue
            if path != self._path:
                warnings.warn(f"BackupAndRestore: the latest backup could not be read; restoring the previous "
                              f"one ({path}).", stacklevel=3)
            return state
        raise OSError("BackupAndRestore: could not read the backup in "
                      f"'{self.backup_dir}': {'; '.join(errors)}")

    def _restore(self, state):
        model = self.model
        weights = state["weights"]
        current = model.get_weights()
        if len(weights) != len(current) or any(tuple(w.shape) != c.shape for w, c in zip(weights, current)):
            raise ValueError(
                f"BackupAndRestore: the backup in '{self.backup_dir}' was written for a different model "
                f"(weight shapes {[tuple(w.shape) for w in weights]}); model '{model.name}' has weight shapes "
                f"{[c.shape for c in current]}. Use a new `backup_dir` for a new model.")
        model.set_weights([w.numpy() for w in weights])
        _load_optimizer_state(model.optimizer, state["optimizer"], self.backup_dir)
        generators = _seed_generators(model)
        if len(generators) == len(state["seed_generators"]):
            for gen, (seed, counter) in zip(generators, state["seed_generators"]):
                gen._seed, gen._counter = int(seed), int(counter)
        _set_rng_state(state["rng"])


# ---------------------------------------------------------------------- optimizer state
def _optimizer_state(optimizer):
    if optimizer is None:
        return {"kind": None, "state": None}
    if isinstance(optimizer, torch.optim.Optimizer):
        return {"kind": "torch", "state": optimizer.state_dict()}
    return {"kind": "kerasish", "state": optimizer.state_dict()}


def _load_optimizer_state(optimizer, saved, backup_dir):
    kind = saved.get("kind")
    if kind is None or optimizer is None:
        return
    is_torch = isinstance(optimizer, torch.optim.Optimizer)
    if (kind == "torch") != is_torch:
        raise ValueError(
            f"BackupAndRestore: the backup in '{backup_dir}' holds the state of a "
            f"{'torch.optim' if kind == 'torch' else 'Keras'} optimizer, but the model is compiled with "
            f"{type(optimizer).__name__}. Use a new `backup_dir` when changing the optimizer.")
    optimizer.load_state_dict(saved["state"])


def _seed_generators(model):
    from kerasish.random import SeedGenerator
    found = []
    for layer in model._flatten_layers(include_self=True):
        for value in vars(layer).values():
            if isinstance(value, SeedGenerator):
                found.append(value)
    return found


# ---------------------------------------------------------------------- RNG state
def _rng_state():
    """Every global RNG as tensors and Python scalars (loadable with weights_only=True)."""
    np_name, np_keys, np_pos, np_has_gauss, np_gauss = np.random.get_state()
    py_version, py_internal, py_gauss = random.getstate()
    cuda = []
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        cuda = torch.cuda.get_rng_state_all()
    return {
        "torch": torch.get_rng_state(),
        "cuda": cuda,
        "numpy": {"name": np_name, "keys": torch.from_numpy(np_keys.astype(np.int64)), "pos": int(np_pos),
                  "has_gauss": int(np_has_gauss), "cached_gaussian": float(np_gauss)},
        "python": {"version": py_version, "internal": torch.tensor(py_internal, dtype=torch.int64),
                   "gauss_next": py_gauss},
    }


def _set_rng_state(state):
    torch.set_rng_state(state["torch"])
    cuda = state.get("cuda") or []
    if cuda and torch.cuda.is_available() and len(cuda) == torch.cuda.device_count():
        torch.cuda.set_rng_state_all(cuda)
    n = state["numpy"]
    np.random.set_state((n["name"], n["keys"].numpy().astype(np.uint32), n["pos"], n["has_gauss"],
                         n["cached_gaussian"]))
    p = state["python"]
    random.setstate((p["version"], tuple(int(v) for v in p["internal"].tolist()), p["gauss_next"]))
