"""The seed tutorials, unchanged, on kerasish: ``python -m kerasish run compat/tutorials/<seed>.py``.

Each script is the tutorial's code as written for tf.keras 2.x. Only the environment is
prepared (compat/standins.py): generated Fashion-MNIST files in a temporary KERAS_HOME
(2,000 training rows), Kaggle's concrete.csv, a stand-in for Kaggle's grader, matplotlib's
old style name, MPLBACKEND=Agg. The checks read what the tutorial code itself prints
(summaries, shapes, history keys, progress bars) and the files it writes.

Scripts whose bare expressions display values in the blog (``keras.Input(...)`` in a notebook
cell) also run cell by cell through compat/tutorials/_cells.py, which prints those values as
Jupyter does.
"""
import os
import re
import subprocess
import sys
import textwrap

import pytest

from compat import standins

HERE = os.path.dirname(os.path.abspath(__file__))
TUTORIALS = os.path.join(HERE, "tutorials")
CELLS = os.path.join(TUTORIALS, "_cells.py")
TIMEOUT = 120
ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("tutorials")
    env, _, arrays = standins.tutorial_environment(str(root))
    return root, env, arrays


class Run:
    def __init__(self, proc, cwd):
        self.returncode = proc.returncode
        self.stdout = ANSI.sub("", proc.stdout)
        self.stderr = ANSI.sub("", proc.stderr)
        self.cwd = cwd

    def __repr__(self):  # shown by pytest when an assertion fails
        return (f"<exit {self.returncode}>\n--- stdout (end) ---\n{self.stdout[-4000:]}\n"
                f"--- stderr (end) ---\n{self.stderr[-4000:]}")


def run_tutorial(world, name, cells=False, timeout=TIMEOUT):
    root, env, _ = world
    cwd = os.path.join(str(root), f"work_{name}{'_cells' if cells else ''}")  # ../input is root/input
    os.makedirs(cwd, exist_ok=True)
    script = os.path.join(TUTORIALS, f"{name}.py")
    command = [sys.executable, "-m", "kerasish", "run"] + ([CELLS] if cells else []) + [script]
    proc = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    return Run(proc, cwd)


def fits(stdout):
    """Per ``fit(verbose=1)`` call, the epoch losses its progress bar printed."""
    out, current = [], None
    lines = stdout.splitlines()
    for i, line in enumerate(lines):
        match = re.match(r"Epoch (\d+)/(\d+)", line.strip())
        if match:
            if match.group(1) == "1":
                current = []
                out.append(current)
            for following in lines[i + 1:i + 4]:
                loss = re.search(r"\bloss: ([0-9.e+-]+)", following)
                if loss:
                    current.append(float(loss.group(1)))
                    break
    return out


def cell_errors(stdout):
    return re.findall(r"^\[cell (\d+) raised (\w+): (.*)\]$", stdout, flags=re.M)


def assert_in(run, *texts):
    for text in texts:
        assert text in run.stdout, f"{text!r} not in the output of {run!r}"


# ----------------------------------------------------------------------------- seed 000
def test_seed000_layers_and_models(world):
    """Every cell as in the blog; the one cell that fails fails as it does in real Keras."""
    run = run_tutorial(world, "seed000_layers_and_models", cells=True)
    # Cell "utils.plot_model(model)" after the Sequential that adds Flatten *before* Input: that model
    # is never built, and Keras 3.15.1 raises the same ValueError there (tf.keras 2 already raised
    # it at model.summary()). Every other cell runs.
    errors = cell_errors(run.stdout)
    assert [(kind, message.startswith("This model has not yet been built")) for _, kind, message in errors] == [
        ("ValueError", True)], run
    assert run.returncode == 3, run
    assert_in(run,
              "shape=(None, 8), dtype=int32",          # keras.Input(shape=(8,), dtype=tf.int32)
              "shape=(16, 28, 28), dtype=float32",     # ... batch_size=16
              "shape=(2, 10)", "shape=(10,)",           # print(layer.weights)
              "(None, 784)", "(None, 50176)",           # Flatten output shapes
              "0 (unbuilt)",                            # summary() of the unbuilt model, as Keras 3 shows it
              "Total params: 39,810",                   # Sequential([...]) with names
              "Total params: 266,610",                  # functional Flatten model
              "Total params: 5,989",                    # Concatenate([inputs, hidden2])
              "Total params: 3,931",                    # two inputs
              "Total params: 2,132",                    # two outputs
              "Total params: 3,942",                    # two inputs, two outputs
              "Connected to")                           # the functional summary's column
    assert os.path.getsize(os.path.join(run.cwd, "model.png")) > 0  # utils.plot_model's default file


def test_seed000_as_a_script_stops_where_keras_stops(world):
    run = run_tutorial(world, "seed000_layers_and_models")
    assert run.returncode == 1, run
    assert "utils.plot_model(model)" in run.stderr
    assert "ValueError: This model has not yet been built" in run.stderr
    assert_in(run, "(None, 784)", "(None, 50176)", "0 (unbuilt)")


# ----------------------------------------------------------------------------- seed 001
def test_seed001_fashion_mnist_mlp(world):
    run = run_tutorial(world, "seed001_fashion_mnist_mlp")
    assert run.returncode == 0, run
    assert "Downloading" not in run.stdout + run.stderr
    _, _, arrays = world
    n_train, n_test = len(arrays["x_train"]), len(arrays["x_test"])
    n_fit, n_val = n_train - n_train // 5, n_train // 5
    assert_in(run,
              f"({n_train}, 28, 28) ({n_train},)", f"({n_test}, 28, 28) ({n_test},)",   # load_data shapes
              f"({n_train}, 784)",                                                   # reshape(-1, 28*28)
              f"({n_fit}, 784) ({n_fit},)", f"({n_val}, 784) ({n_val},)",            # train_test_split
              "78,500", "1,010", "Total params: 79,510",                             # the book's numbers
              'Model: "패션 MNIST 모델"', "hidden (Dense)", "output (Dense)",
              "(None, 784)", "dropout (Dropout)",
              "dict_keys(['loss', 'accuracy'])",
              "dict_keys(['loss', 'accuracy', 'val_loss', 'val_accuracy'])")
    verbose_fits = fits(run.stdout)
    assert len(verbose_fits) == 4 and all(len(losses) == 5 for losses in verbose_fits), verbose_fits
    for losses in verbose_fits:
        assert losses[-1] < losses[0], f"training did not lower the loss: {losses}"
    lines = run.stdout.splitlines()
    sgd_score = float(lines[lines.index(f"({n_train}, 784)") + 1])      # cross_validate's mean accuracy
    assert 0.0 <= sgd_score <= 1.0
    after = lines[next(i for i, line in enumerate(lines) if line.startswith("dict_keys(['loss', 'accuracy', 'val")):]
    fractions = [float(line) for line in after if re.fullmatch(r"\d*\.\d+", line.strip())]
    integers = [int(line) for line in after if re.fullmatch(r"\d+", line.strip())]
    assert fractions and fractions[0] > 0.5, after  # np.mean(val_labels == val_target) after load_weights
    assert len(integers) == 1 and 0 <= integers[0] < 20, after  # print(early_stopping_cb.stopped_epoch)
    for name in ("model-weights.h5", "model-whole.h5", "best-model.h5"):
        assert os.path.getsize(os.path.join(run.cwd, name)) > 0, name


# ----------------------------------------------------------------------------- seed 002
def test_seed002_fully_connected(world):
    run = run_tutorial(world, "seed002_fully_connected")
    assert run.returncode == 0, run
    assert_in(run, "flatten (Flatten)", "(None, 784)", "(None, 128)", "100,480", "(None, 10)", "1,290",
              "Total params: 101,770")


# ----------------------------------------------------------------------------- seed 003
def test_seed003_keras_tensorflow_intro(world):
    run = run_tutorial(world, "seed003_keras_tensorflow_intro")
    assert run.returncode == 0, run
    assert re.search(r"\b2, 32\b", run.stdout), run  # print(output_tensor.shape) of the book's SimpleDense
    runs = fits(run.stdout)
    assert [len(losses) for losses in runs] == [5, 5], runs
    assert runs[0][-1] < runs[0][0], runs[0]
    assert_in(run, "binary_accuracy:", "val_loss:", "val_binary_accuracy:")
    assert "16/16" in run.stdout and "88/88" in run.stdout  # 2000 rows / 128; 1400 rows / 16


def test_seed003_cells_display_history(world):
    run = run_tutorial(world, "seed003_keras_tensorflow_intro", cells=True)
    assert run.returncode == 0, run
    assert re.search(r"\{'loss': \[[^\]]+\], 'binary_accuracy': \[[^\]]+\]\}", run.stdout), run  # history.history


# ----------------------------------------------------------------------------- seed 004
def test_seed004_kaggle_deep_neural_networks(world):
    pytest.importorskip("pandas", reason="seed 004 reads its CSV with pandas (a tutorial dependency)")
    run = run_tutorial(world, "seed004_kaggle_deep_neural_networks", cells=True)
    assert run.returncode == 0, run
    head = run.stdout[run.stdout.index("CompressiveStrength"):]
    assert len([line for line in head.splitlines()[1:6] if re.match(r"^\d\s", line)]) == 5  # concrete.head()
    assert "<Activation name=activation" in run.stdout or "Activation(" in run.stdout  # a bare layer expression
    script = run_tutorial(world, "seed004_kaggle_deep_neural_networks")
    assert script.returncode == 0, script


# ----------------------------------------------------------------------------- outside the shim
UNSUPPORTED = [
    ("tf.image", "x = tf.image.resize(tf.zeros((1, 4, 4, 1)), (2, 2))"),
    ("tf.io", "data = tf.io.read_file('image.png')"),
    ("tf.strings", "words = tf.strings.split('a b')"),
    ("tf.math.segment_sum", "s = tf.math.segment_sum(tf.constant([1, 2]), tf.constant([0, 0]))"),
    ("tf.lite", "converter = tf.lite.TFLiteConverter.from_keras_model(None)"),
    ("tf.saved_model", "tf.saved_model.save(None, 'out')"),
]


@pytest.mark.parametrize("symbol, line", UNSUPPORTED, ids=[s for s, _ in UNSUPPORTED])
def test_tensorflow_only_api_raises_clear_error(symbol, line, tmp_path):
    script = tmp_path / "uses_tf.py"
    script.write_text(f"import tensorflow as tf\n{line}\n")
    proc = subprocess.run([sys.executable, "-m", "kerasish", "run", str(script)], cwd=tmp_path,
                          capture_output=True, text=True, timeout=TIMEOUT)
    assert proc.returncode == 1, proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("kerasish.shim.UnsupportedTensorFlowAPI: "), proc.stderr
    assert f"{symbol} is not provided by kerasish's TensorFlow facade" in last


def test_from_tensorflow_import_unsupported_module_raises_clear_error(tmp_path):
    script = tmp_path / "uses_tf.py"
    script.write_text("from tensorflow import io\n")
    proc = subprocess.run([sys.executable, "-m", "kerasish", "run", str(script)], cwd=tmp_path,
                          capture_output=True, text=True, timeout=TIMEOUT)
    assert proc.returncode == 1
    assert "kerasish's TensorFlow facade" in proc.stderr.strip().splitlines()[-1], proc.stderr


def test_cells_wrapper_numbers_cells_and_keeps_line_numbers(tmp_path):
    """The suite's wrapper: bare expressions display, errors are reported and the run goes on."""
    script = tmp_path / "t.py"
    script.write_text(textwrap.dedent("""\
        # %%
        x = 1
        x + 1
        # %%
        raise KeyError('boom')
        # %%
        print('after')
    """))
    proc = subprocess.run([sys.executable, CELLS, str(script)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 3
    assert proc.stdout.splitlines() == ["[cell 1]", "2", "[cell 2]", "[cell 2 raised KeyError: 'boom']",
                                        "[cell 3]", "after"]
    assert f'File "{script}", line 5' in proc.stderr
