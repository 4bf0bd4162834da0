"""Crashes that lose nothing: a training process killed with SIGKILL, mid-epoch or in the
middle of writing a checkpoint, is restarted and ends exactly where an uninterrupted run
ends.

Each run is a real subprocess executing ``TRAIN_SCRIPT`` (written to a temporary folder):
a small model with Dropout, Adam, shuffling and a validation split, trained for
``EPOCHS`` epochs with ``[Control, BackupAndRestore, ModelCheckpoint]``. ``Control`` records
what the test needs (the weights at each epoch end, the first epoch and optimizer step
count after a restart) and, in the crash modes, parks the process at the chosen moment so
the test can kill it there:

- ``crash_mid_epoch``: before batch 2 of epoch ``CRASH_EPOCH``;
- ``crash_mid_save``: while ModelCheckpoint writes the checkpoint of epoch ``CRASH_EPOCH``.
  A user layer's ``get_config`` stalls the save; the test waits for the checkpoint's
  temporary file to appear and kills the process then.

After the kill the test checks that (a) the previous checkpoint is intact and loadable
(equal to the weights of the last epoch it was written for), (b) the restarted run
resumes from the last finished epoch with the optimizer state (its step count), and
(c) with fixed seeds the final weights equal the uninterrupted run's.
"""
import importlib.util
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

pytestmark = pytest.mark.slow

EPOCHS = 6
CRASH_EPOCH = 3
STEPS_PER_EPOCH = 6  # 96 training rows (128 minus the validation split) / batch 16
RUN_TIMEOUT = 300

TRAIN_SCRIPT = r'''
import json, os, sys, time
import numpy as np
import torch

torch.set_num_threads(1)
import kerasish as keras

EPOCHS, CRASH_EPOCH = {epochs}, {crash_epoch}
SLOW_SAVE = [False]


@keras.saving.register_keras_serializable(package="crashtest")
class Probe(keras.layers.Layer):
    """Identity layer; its get_config stalls a save when SLOW_SAVE is set."""

    def call(self, inputs):
        return inputs

    def get_config(self):
        if SLOW_SAVE[0]:
            open(os.path.join(WORKDIR, "saving_started"), "w").close()
            time.sleep(600)
        return super().get_config()


class Control(keras.callbacks.Callback):
    def __init__(self, mode):
        super().__init__()
        self.mode = mode
        self.epoch = None

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch
        with open(os.path.join(WORKDIR, f"epoch_begin_{{self.mode}}.jsonl"), "a") as f:
            f.write(json.dumps({{"epoch": epoch, "iterations": int(self.model.optimizer.iterations)}}) + "\n")

    def on_train_batch_begin(self, batch, logs=None):
        if self.mode == "crash_mid_epoch" and self.epoch == CRASH_EPOCH and batch == 2:
            open(os.path.join(WORKDIR, "parked_mid_epoch"), "w").close()
            time.sleep(600)

    def on_epoch_end(self, epoch, logs=None):
        np.savez(os.path.join(WORKDIR, f"weights_epoch{{epoch}}_{{self.mode}}.npz"), *self.model.get_weights())
        if self.mode == "crash_mid_save" and epoch == CRASH_EPOCH:
            SLOW_SAVE[0] = True


def main(mode):
    keras.utils.set_random_seed(1234)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((128, 8)).astype("float32")
    y = np.argmax(x @ rng.standard_normal((8, 3)).astype("float32"), axis=1)
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dropout(0.2), Probe(), keras.layers.Dense(3, activation="softmax")])
    model.compile(keras.optimizers.Adam(0.01), "sparse_categorical_crossentropy", metrics=["accuracy"])
    callbacks = [Control(mode),
                 keras.callbacks.BackupAndRestore(os.path.join(WORKDIR, "backup")),
                 keras.callbacks.ModelCheckpoint(os.path.join(WORKDIR, "ckpt.keras"))]
    history = model.fit(x, y, epochs=EPOCHS, batch_size=16, validation_split=0.25, shuffle=True,
                        callbacks=callbacks, verbose=0)
    np.savez(os.path.join(WORKDIR, f"final_{{mode}}.npz"), *model.get_weights())
    with open(os.path.join(WORKDIR, f"history_{{mode}}.json"), "w") as f:
        json.dump({{"epoch": history.epoch, "iterations": int(model.optimizer.iterations)}}, f)


if __name__ == "__main__":
    WORKDIR = sys.argv[1]
    main(sys.argv[2])
else:
    WORKDIR = os.getcwd()
'''.format(epochs=EPOCHS, crash_epoch=CRASH_EPOCH)


@pytest.fixture(scope="module")
def script(tmp_path_factory):
    path = tmp_path_factory.mktemp("crash_script") / "train_crashtest.py"
    path.write_text(TRAIN_SCRIPT)
    return path


def _env():
    env = dict(os.environ)
    env.update(PYTHONHASHSEED="0", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    return env


def _start(script, workdir, mode):
    log = open(workdir / f"log_{mode}.txt", "w")
    return subprocess.Popen([sys.executable, str(script), str(workdir), mode], stdout=log,
                            stderr=subprocess.STDOUT, env=_env(), cwd=str(workdir))


def _finish(proc, workdir, mode):
    try:
        rc = proc.wait(timeout=RUN_TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail(f"run '{mode}' hung:\n{(workdir / f'log_{mode}.txt').read_text()}")
    assert rc == 0, f"run '{mode}' failed (rc={rc}):\n{(workdir / f'log_{mode}.txt').read_text()}"


def _kill_when(proc, workdir, mode, condition):
    deadline = time.monotonic() + RUN_TIMEOUT
    while not condition():
        if proc.poll() is not None:
            pytest.fail(f"run '{mode}' ended before the crash point (rc={proc.returncode}):\n"
                        f"{(workdir / f'log_{mode}.txt').read_text()}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"run '{mode}' never reached the crash point")
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    assert proc.wait(timeout=30) == -signal.SIGKILL


def _weights(path):
    with np.load(path) as f:
        return [f[f"arr_{i}"] for i in range(len(f.files))]


def _assert_same_weights(a, b, what):
    assert len(a) == len(b), what
    for u, v in zip(a, b):
        np.testing.assert_allclose(u, v, rtol=1e-6, atol=1e-7, err_msg=what)


def _epoch_begins(workdir, mode):
    lines = (workdir / f"epoch_begin_{mode}.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


def _checkpoint_temp_files(workdir):
    return [n for n in os.listdir(workdir) if n.startswith(".ckpt.keras.") and n.endswith(".tmp")]


@pytest.fixture(scope="module")
def uninterrupted(script, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("uninterrupted")
    proc = _start(script, workdir, "full")
    _finish(proc, workdir, "full")
    history = json.loads((workdir / "history_full.json").read_text())
    assert history["epoch"] == list(range(EPOCHS))
    return {"final": _weights(workdir / "final_full.npz"), "iterations": history["iterations"],
            "epoch_weights": [_weights(workdir / f"weights_epoch{e}_full.npz") for e in range(EPOCHS)]}


def _load_checkpoint(script, path):
    # Registers the script's Probe layer (package "crashtest") in this process.
    spec = importlib.util.spec_from_file_location("train_crashtest", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    import kerasish
    return kerasish.models.load_model(path)


def _check_restart(script, workdir, mode, uninterrupted, resumed_epoch):
    proc = _start(script, workdir, "resume")
    _finish(proc, workdir, "resume")
    history = json.loads((workdir / "history_resume.json").read_text())
    # (b) resumes from the last finished epoch, with the optimizer state it had there.
    begins = _epoch_begins(workdir, "resume")
    assert begins[0] == {"epoch": resumed_epoch, "iterations": resumed_epoch * STEPS_PER_EPOCH}, begins
    assert [b["epoch"] for b in begins] == list(range(resumed_epoch, EPOCHS))
    assert history["epoch"] == list(range(resumed_epoch, EPOCHS))
    assert history["iterations"] == uninterrupted["iterations"] == EPOCHS * STEPS_PER_EPOCH
    # (c) same final weights as the uninterrupted run.
    _assert_same_weights(_weights(workdir / "final_resume.npz"), uninterrupted["final"], f"{mode}: final weights")
    # The checkpoint written at the end matches too, and the backup is gone (delete_checkpoint).
    final_ckpt = _load_checkpoint(script, workdir / "ckpt.keras")
    _assert_same_weights(final_ckpt.get_weights(), uninterrupted["final"], f"{mode}: last checkpoint")
    assert not (workdir / "backup" / "latest.pt").exists()


def test_sigkill_mid_epoch_then_restart(script, uninterrupted, tmp_path):
    workdir = tmp_path
    proc = _start(script, workdir, "crash_mid_epoch")
    _kill_when(proc, workdir, "crash_mid_epoch", lambda: (workdir / "parked_mid_epoch").exists())
    # The crashed run matched the uninterrupted one up to the crash.
    for e in range(CRASH_EPOCH):
        _assert_same_weights(_weights(workdir / f"weights_epoch{e}_crash_mid_epoch.npz"),
                             uninterrupted["epoch_weights"][e], f"epoch {e} before the crash")
    # (a) the checkpoint of the last finished epoch is intact and loadable.
    model = _load_checkpoint(script, workdir / "ckpt.keras")
    _assert_same_weights(model.get_weights(), uninterrupted["epoch_weights"][CRASH_EPOCH - 1],
                         "checkpoint after a kill mid-epoch")
    assert (workdir / "backup" / "latest.pt").exists()
    _check_restart(script, workdir, "crash_mid_epoch", uninterrupted, resumed_epoch=CRASH_EPOCH)


def test_sigkill_mid_checkpoint_save_then_restart(script, uninterrupted, tmp_path):
    workdir = tmp_path
    proc = _start(script, workdir, "crash_mid_save")
    _kill_when(proc, workdir, "crash_mid_save",
               lambda: (workdir / "saving_started").exists() and _checkpoint_temp_files(workdir))
    # The kill really interrupted a write: its temporary file is left behind, half written.
    leftovers = _checkpoint_temp_files(workdir)
    assert leftovers
    # (a) the previous checkpoint (end of the epoch before) is intact and loadable.
    model = _load_checkpoint(script, workdir / "ckpt.keras")
    _assert_same_weights(model.get_weights(), uninterrupted["epoch_weights"][CRASH_EPOCH - 1],
                         "checkpoint after a kill mid-save")
    # BackupAndRestore ran before ModelCheckpoint, so epoch CRASH_EPOCH counts as finished.
    _check_restart(script, workdir, "crash_mid_save", uninterrupted, resumed_epoch=CRASH_EPOCH + 1)
    # The half-written temporary file of the killed save never replaced a checkpoint.
    assert all(name.endswith(".tmp") for name in leftovers)
