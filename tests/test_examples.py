"""The seed-tutorial examples (examples/seed00*.py) run offline under `python -m kerasish run`."""
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLES = {
    # example -> a line it prints when it got to the end
    "seed000_layers_and_models": "MyModel: loss",
    "seed001_fashion_mnist_mlp": "best checkpoint on the test set: accuracy",
    "seed002_fully_connected": "test accuracy",
    "seed003_keras_basics": "first predictions:",
    "seed004_deep_neural_networks": "validation MAE:",
}


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_example_runs(name, tmp_path):
    pytest.importorskip("sklearn", reason="the examples use scikit-learn's bundled data (the [examples] extra)")
    env = dict(os.environ, MPLBACKEND="Agg", MPLCONFIGDIR=str(tmp_path / "mpl"),
               OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "1"),
               KERASISH_DATASETS_URL="http://127.0.0.1:9/offline/")  # any download attempt fails at once
    env.pop("KERASISH_SHIM", None)
    script = os.path.join(ROOT, "examples", f"{name}.py")
    proc = subprocess.run([sys.executable, "-m", "kerasish", "run", script, str(tmp_path / "out")],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert EXAMPLES[name] in proc.stdout, proc.stdout[-3000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
