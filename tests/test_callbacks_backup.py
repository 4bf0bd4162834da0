"""BackupAndRestore with tiny real fits: an interrupted fit resumed from the backup ends
with the same weights as an uninterrupted one (shuffle and dropout included, because the
RNG states are restored); epoch bookkeeping is compared with real Keras."""
import os
import random
import shutil

import numpy as np
import pytest
import torch

import kerasish as keras

EPOCHS = 6


class Crash(keras.callbacks.Callback):
    """Raise at the start of ``epoch`` (or before batch ``batch`` of that epoch)."""

    def __init__(self, epoch, batch=None):
        super().__init__()
        self.crash_epoch, self.crash_batch, self.current = epoch, batch, 0

    def on_epoch_begin(self, epoch, logs=None):
        self.current = epoch
        if self.crash_batch is None and epoch == self.crash_epoch:
            raise RuntimeError("simulated interruption")

    def on_train_batch_begin(self, batch, logs=None):
        if self.crash_batch is not None and self.current == self.crash_epoch and batch == self.crash_batch:
            raise RuntimeError("simulated interruption")


def data(n=64):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((n, 4)).astype("float32")
    y = (x @ np.array([[1.0], [-2.0], [0.5], [3.0]], dtype="float32")).astype("float32")
    return x, y


def make_model(optimizer="adam"):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dropout(0.3), keras.layers.Dense(1)])
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9) if optimizer == "torch" \
        else keras.optimizers.Adam(0.01)
    model.compile(optimizer=opt, loss="mse")
    return model


def seed_all(seed):
    keras.utils.set_random_seed(seed)


def scramble_rng():
    torch.manual_seed(12345)
    np.random.seed(12345)
    random.seed(12345)


def fit(model, callbacks, epochs=EPOCHS):
    x, y = data()
    return model.fit(x, y, epochs=epochs, batch_size=16, shuffle=True, verbose=0, callbacks=callbacks)


def reference_run(optimizer="adam"):
    seed_all(7)
    model = make_model(optimizer)
    history = fit(model, [])
    return model.get_weights(), history.history["loss"]


@pytest.mark.parametrize("optimizer", ["adam", "torch"])
def test_interrupted_fit_resumes_to_the_same_weights(tmp_path, optimizer):
    ref_weights, ref_loss = reference_run(optimizer)
    backup_dir = str(tmp_path / "backup")

    seed_all(7)
    model = make_model(optimizer)
    with pytest.raises(RuntimeError, match="simulated interruption"):
        fit(model, [keras.callbacks.BackupAndRestore(backup_dir), Crash(3)])
    assert os.listdir(backup_dir) == ["latest.pt"]
    state = torch.load(os.path.join(backup_dir, "latest.pt"), weights_only=True)
    assert state["epoch"] == 3

    # A fresh model (other initial weights), a fresh optimizer and other RNG states:
    # everything must come from the backup.
    scramble_rng()
    resumed = make_model(optimizer)
    history = fit(resumed, [keras.callbacks.BackupAndRestore(backup_dir)])
    assert history.epoch == [3, 4, 5]
    np.testing.assert_allclose(history.history["loss"], ref_loss[3:], rtol=1e-6)
    for got, want in zip(resumed.get_weights(), ref_weights):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)
    assert not os.path.exists(backup_dir)  # deleted after a completed fit


def test_rng_restore_is_what_makes_the_resume_exact(tmp_path):
    """Re-seeding the RNG right after the restore breaks the match: the test above really
    depends on the shuffle and dropout RNG states coming back."""
    ref_weights, _ = reference_run()
    backup_dir = str(tmp_path / "backup")
    seed_all(7)
    with pytest.raises(RuntimeError):
        fit(make_model(), [keras.callbacks.BackupAndRestore(backup_dir), Crash(3)])
    reseed = keras.callbacks.LambdaCallback(on_train_begin=lambda logs: scramble_rng())
    resumed = make_model()
    fit(resumed, [keras.callbacks.BackupAndRestore(backup_dir), reseed])
    assert any(not np.allclose(a, b) for a, b in zip(resumed.get_weights(), ref_weights))


def test_epoch_numbers_match_keras(tmp_path, oracle):
    x, y = data()

    def run(k, crash, epochs, save_freq, where):
        model = k.Sequential([k.Input((4,)), k.layers.Dense(1)])
        model.compile(optimizer="sgd", loss="mse")
        backup = k.callbacks.BackupAndRestore(str(where), save_freq=save_freq)
        with pytest.raises(RuntimeError):
            model.fit(x, y, epochs=epochs, batch_size=16, verbose=0, callbacks=[backup, crash])
        history = model.fit(x, y, epochs=epochs, batch_size=16, verbose=0, callbacks=[backup])
        return history.epoch, os.path.exists(where)

    class KerasCrash(oracle.callbacks.Callback):
        def __init__(self, epoch, batch=None):
            super().__init__()
            self.crash_epoch, self.crash_batch, self.current = epoch, batch, 0

        on_epoch_begin = Crash.on_epoch_begin
        on_train_batch_begin = Crash.on_train_batch_begin

    for crash_args, epochs, save_freq in [((3,), 6, "epoch"), ((2, 3), 4, 2), ((1, 1), 3, 3)]:
        ours = run(keras, Crash(*crash_args), epochs, save_freq, tmp_path / f"ours{save_freq}")
        theirs = run(oracle, KerasCrash(*crash_args), epochs, save_freq, tmp_path / f"theirs{save_freq}")
        assert ours == theirs


def test_save_freq_in_batches_restores_the_last_backup(tmp_path):
    """save_freq=2 with 4 batches per epoch: interrupted before batch 3 of epoch 2, the
    last backup was taken after batch 2 of epoch 2; the resumed fit starts epoch 2 again
    from exactly those weights."""
    backup_dir = str(tmp_path / "b")
    snapshots = {}

    def remember(batch, logs):
        snapshots[(crash.current, batch)] = model.get_weights()

    crash = Crash(2, batch=3)
    model = make_model()
    with pytest.raises(RuntimeError):
        fit(model, [keras.callbacks.BackupAndRestore(backup_dir, save_freq=2), crash,
                    keras.callbacks.LambdaCallback(on_train_batch_end=remember)], epochs=4)
    state = torch.load(os.path.join(backup_dir, "latest.pt"), weights_only=True)
    assert (state["epoch"], state["batch"]) == (2, 2)

    restored = {}
    resumed = make_model()
    history = fit(resumed, [keras.callbacks.BackupAndRestore(backup_dir, save_freq=2),
                            keras.callbacks.LambdaCallback(
                                on_train_begin=lambda logs: restored.setdefault("w", resumed.get_weights()))],
                  epochs=4)
    assert history.epoch == [2, 3]
    for got, want in zip(restored["w"], snapshots[(2, 1)]):
        np.testing.assert_array_equal(got, want)


def test_double_checkpoint_falls_back_to_the_previous_backup(tmp_path):
    backup_dir = str(tmp_path / "b")
    model = make_model()
    with pytest.raises(RuntimeError):
        fit(model, [keras.callbacks.BackupAndRestore(backup_dir, double_checkpoint=True), Crash(2)])
    assert sorted(os.listdir(backup_dir)) == ["latest.pt", "latest.pt.bkp"]
    with open(os.path.join(backup_dir, "latest.pt"), "wb") as f:
        f.write(b"not a checkpoint")
    with pytest.warns(UserWarning, match="previous"):
        history = fit(make_model(), [keras.callbacks.BackupAndRestore(backup_dir, double_checkpoint=True)],
                      epochs=3)
    assert history.epoch == [1, 2]  # the previous backup was taken after epoch 0


def test_corrupted_backup_without_fallback_is_a_clear_error(tmp_path):
    os.makedirs(tmp_path / "b")
    (tmp_path / "b" / "latest.pt").write_bytes(b"garbage")
    with pytest.raises(OSError, match="could not read the backup"):
        fit(make_model(), [keras.callbacks.BackupAndRestore(str(tmp_path / "b"))])


def test_delete_checkpoint_false_keeps_the_backup(tmp_path):
    backup_dir = str(tmp_path / "b")
    fit(make_model(), [keras.callbacks.BackupAndRestore(backup_dir, delete_checkpoint=False)], epochs=2)
    assert os.listdir(backup_dir) == ["latest.pt"]
    # A later fit with the same directory finds everything done.
    ran = []
    fit(make_model(), [keras.callbacks.BackupAndRestore(backup_dir),
                       keras.callbacks.LambdaCallback(on_epoch_begin=lambda epoch, logs: ran.append(epoch))],
        epochs=2)
    assert ran == []
    assert not os.path.exists(backup_dir)


def test_other_files_in_backup_dir_are_kept(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    fit(make_model(), [keras.callbacks.BackupAndRestore(str(tmp_path))], epochs=1)
    assert os.listdir(tmp_path) == ["notes.txt"]


def test_backup_of_another_model_is_rejected(tmp_path):
    backup_dir = str(tmp_path / "b")
    with pytest.raises(RuntimeError):
        fit(make_model(), [keras.callbacks.BackupAndRestore(backup_dir), Crash(1)])
    other = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3), keras.layers.Dense(1)])
    other.compile(optimizer="adam", loss="mse")
    with pytest.raises(ValueError, match="different model"):
        fit(other, [keras.callbacks.BackupAndRestore(backup_dir)])
    torch_opt = make_model("torch")
    with pytest.raises(ValueError, match="optimizer"):
        fit(torch_opt, [keras.callbacks.BackupAndRestore(backup_dir)])


def test_unbuilt_model_with_a_backup_is_rejected(tmp_path):
    backup_dir = str(tmp_path / "b")
    with pytest.raises(RuntimeError):
        fit(make_model(), [keras.callbacks.BackupAndRestore(backup_dir), Crash(1)])
    unbuilt = keras.Sequential([keras.layers.Dense(8, activation="relu"), keras.layers.Dropout(0.3),
                                keras.layers.Dense(1)])
    unbuilt.compile(optimizer="adam", loss="mse")
    with pytest.raises(ValueError, match="must be built before you call `fit\\(\\)`"):
        fit(unbuilt, [keras.callbacks.BackupAndRestore(backup_dir)])


def test_argument_errors_match_keras(oracle):
    for k in (keras, oracle):
        with pytest.raises(ValueError, match="Empty `backup_dir` argument passed"):
            k.callbacks.BackupAndRestore("")
        with pytest.raises(ValueError, match="Invalid value for argument `save_freq`. Received: save_freq=batch."):
            k.callbacks.BackupAndRestore("/tmp/unused", save_freq="batch")


def test_backup_is_loadable_with_weights_only_and_written_atomically(tmp_path):
    backup_dir = tmp_path / "b"
    model = make_model()
    seen = []

    def check(epoch, logs):
        path = backup_dir / "latest.pt"
        state = torch.load(path, weights_only=True)
        seen.append(state["epoch"])
        assert [f for f in os.listdir(backup_dir) if f != "latest.pt"] == []  # no temp files left
        for saved, current in zip(state["weights"], model.get_weights()):
            np.testing.assert_array_equal(saved.numpy(), current)
        assert state["optimizer"]["state"]["iterations"] == (epoch + 1) * 4

    fit(model, [keras.callbacks.BackupAndRestore(str(backup_dir), delete_checkpoint=False),
                keras.callbacks.LambdaCallback(on_epoch_end=check)], epochs=2)
    assert seen == [1, 2]
    shutil.rmtree(backup_dir)


def test_layer_seed_generators_are_restored(tmp_path):
    """A seeded SpatialDropout1D draws its masks from its own SeedGenerator: its counter is
    part of the backup, so the resumed run replays the same masks."""
    x = np.random.default_rng(2).standard_normal((32, 3, 4)).astype("float32")
    y = x.sum(axis=(1, 2))[:, None]

    def model_and_fit(callbacks, epochs=4):
        model = keras.Sequential([keras.Input((3, 4)), keras.layers.SpatialDropout1D(0.5, seed=5),
                                  keras.layers.Flatten(), keras.layers.Dense(1)])
        model.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse")
        model.set_weights([np.full((12, 1), 0.1, "float32"), np.zeros(1, "float32")])
        model.fit(x, y, epochs=epochs, batch_size=8, shuffle=False, verbose=0, callbacks=callbacks)
        return model.get_weights()

    reference = model_and_fit([])
    backup_dir = str(tmp_path / "b")
    with pytest.raises(RuntimeError):
        model_and_fit([keras.callbacks.BackupAndRestore(backup_dir), Crash(2)])
    resumed = model_and_fit([keras.callbacks.BackupAndRestore(backup_dir)])
    for got, want in zip(resumed, reference):
        np.testing.assert_allclose(got, want, rtol=1e-6)
