"""Long runs keep memory flat: 50 epochs of fit, 1,000 predict calls, and repeated short
fit/evaluate calls (the pattern of a hyper-parameter loop) do not grow the process.

Each scenario runs in a fresh subprocess (so other tests' allocations do not blur the
figures). Resident memory (``VmRSS`` from ``/proc/self/status``) and the number of live
torch tensors are measured after ``gc.collect()``, once after a warm-up (allocator pools,
lazy imports, first-call caches) and again at the end; the growth must stay under
``RSS_BOUND_MB`` and the live-tensor count must not grow.
"""
import json
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow

RSS_BOUND_MB = 30.0

SCRIPT = r'''
import gc, json, sys
import numpy as np
import torch

torch.set_num_threads(1)
import kerasish as keras


def rss_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    raise RuntimeError("no VmRSS")


def live_tensors():
    return sum(1 for o in gc.get_objects() if torch.is_tensor(o))


def snapshot():
    gc.collect()
    return rss_mb(), live_tensors()


class Sampler(keras.callbacks.Callback):
    """RSS after every epoch from epoch `start` on (after gc)."""

    def __init__(self, start):
        super().__init__()
        self.start, self.samples = start, []

    def on_epoch_end(self, epoch, logs=None):
        if epoch >= self.start:
            self.samples.append(snapshot())


keras.utils.set_random_seed(0)
rng = np.random.default_rng(0)
x = rng.standard_normal((512, 20)).astype("float32")
y = (x[:, :3].sum(axis=1) > 0).astype("int64")
model = keras.Sequential([keras.Input((20,)), keras.layers.Dense(64, activation="relu"), keras.layers.Dropout(0.1),
                          keras.layers.Dense(64, activation="relu"), keras.layers.Dense(2, activation="softmax")])
model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
scenario = sys.argv[1]
out = {}
if scenario == "fit_50_epochs":
    sampler = Sampler(start=5)
    history = model.fit(x, y, epochs=50, batch_size=32, validation_split=0.2, verbose=0, callbacks=[sampler])
    (rss0, t0), (rss1, t1) = sampler.samples[0], sampler.samples[-1]
    out.update(epochs=len(history.epoch), max_rss_mb=max(s[0] for s in sampler.samples))
elif scenario == "predict_1000_calls":
    model.fit(x, y, epochs=1, verbose=0)
    batch = x[:64]
    for _ in range(50):
        model.predict(batch, verbose=0)
    rss0, t0 = snapshot()
    for i in range(1000):
        model.predict(batch, verbose=0)
    rss1, t1 = snapshot()
    out.update(calls=1000)
elif scenario == "repeated_fit_and_evaluate":
    for _ in range(5):
        model.fit(x, y, epochs=1, batch_size=64, verbose=0)
        model.evaluate(x, y, verbose=0)
    rss0, t0 = snapshot()
    for _ in range(100):
        model.fit(x, y, epochs=1, batch_size=64, verbose=0)
        model.evaluate(x, y, batch_size=128, verbose=0)
    rss1, t1 = snapshot()
    out.update(calls=100)
else:
    raise SystemExit(f"unknown scenario {scenario}")
out.update(rss_start_mb=rss0, rss_end_mb=rss1, growth_mb=rss1 - rss0, tensors_start=t0, tensors_end=t1)
print(json.dumps(out))
'''


def _run(tmp_path, scenario):
    script = tmp_path / "long_run.py"
    script.write_text(SCRIPT)
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    proc = subprocess.run([sys.executable, str(script), scenario], capture_output=True, text=True, timeout=600,
                          env=env, cwd=str(tmp_path))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    print(f"{scenario}: {result}")
    return result


@pytest.mark.parametrize("scenario", ["fit_50_epochs", "predict_1000_calls", "repeated_fit_and_evaluate"])
def test_memory_stays_flat(scenario, tmp_path):
    result = _run(tmp_path, scenario)
    assert result["growth_mb"] < RSS_BOUND_MB, result
    assert result["tensors_end"] <= result["tensors_start"], result
    if scenario == "fit_50_epochs":
        assert result["epochs"] == 50
