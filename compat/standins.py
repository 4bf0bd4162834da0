"""Stand-ins for what the seed tutorials fetch from outside, so they run here unchanged.

Nothing in the tutorial scripts is edited for these; the suite sets up the environment
the tutorials expect, in a temporary folder:

- Fashion-MNIST (seed 001): the four ``*-idx?-ubyte.gz`` files, in the real IDX format,
  written to ``$KERAS_HOME/datasets/fashion-mnist/`` where ``keras.datasets.fashion_mnist``
  looks first. The images are generated: ten class templates plus noise (uint8, 28x28),
  learnable, so training lowers the loss as on the real data. The download URL points at
  a closed local port, so a missing file fails at once instead of reaching the network.
- Kaggle's ``../input/dl-course-data/concrete.csv`` (seed 004): generated rows with the
  real column names and value ranges.
- Kaggle's grader ``learntools`` (seed 004): a tiny package on ``PYTHONPATH`` with
  ``learntools.core.binder.bind`` and ``learntools.deep_learning_intro.ex2`` (q_1..q_5
  whose ``check``/``hint``/``solution`` do nothing). A stand-in for a third-party grader.
- ``plt.style.use('seaborn-whitegrid')`` (seed 004): matplotlib 3.6 renamed the seaborn
  styles to ``seaborn-v0_8-*`` and 3.8 dropped the old names. The suite puts the style
  file under the old name in ``$MPLCONFIGDIR/stylelib``.
- ``MPLBACKEND=Agg`` so ``plt.show()`` does not block.
"""
import gzip
import os
import shutil
import sys

import numpy as np

FASHION_FILES = {
    "train-labels-idx1-ubyte.gz": "y_train",
    "train-images-idx3-ubyte.gz": "x_train",
    "t10k-labels-idx1-ubyte.gz": "y_test",
    "t10k-images-idx3-ubyte.gz": "x_test",
}

CONCRETE_COLUMNS = ["Cement", "BlastFurnaceSlag", "FlyAsh", "Water", "Superplasticizer",
                    "CoarseAggregate", "FineAggregate", "Age", "CompressiveStrength"]
# (low, high) of each column in the real data set (1030 rows).
_CONCRETE_RANGES = [(102.0, 540.0), (0.0, 359.4), (0.0, 200.1), (121.8, 247.0), (0.0, 32.2),
                    (801.0, 1145.0), (594.0, 992.6), (1.0, 365.0), (2.33, 82.6)]

UNREACHABLE_URL = "http://127.0.0.1:9/kerasish-compat-offline/"


# ----------------------------------------------------------------------------- Fashion-MNIST
def fashion_like(n, seed):
    """``n`` generated 28x28 uint8 images and uint8 labels 0..9 (balanced, shuffled).

    Ten class templates (a shared blocky shape plus a small class-specific change), each
    image a template at a random brightness plus Gaussian noise: a small MLP learns it
    over some epochs (validation accuracy ~0.8 after 5), without getting it right at once.
    """
    templates_rng = np.random.default_rng(12345)  # the same ten classes for train and test
    base = templates_rng.uniform(0.2, 0.8, size=(7, 7))
    coarse = base + 0.06 * templates_rng.standard_normal(size=(10, 7, 7))
    templates = np.kron(coarse, np.ones((4, 4)))
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 10
    rng.shuffle(labels)
    brightness = rng.uniform(0.8, 1.0, size=(n, 1, 1))
    images = templates[labels] * brightness * 255 + rng.normal(0, 60, size=(n, 28, 28))
    return np.clip(images, 0, 255).astype(np.uint8), labels.astype(np.uint8)


def write_idx(path, array):
    """Writes ``array`` (uint8) as a gzipped IDX file: ``00 00 08 ndim``, big-endian dims, bytes."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = bytes([0, 0, 0x08, array.ndim]) + np.array(array.shape, dtype=">u4").tobytes()
    with gzip.open(path, "wb") as f:
        f.write(header + array.tobytes())


def populate_fashion_mnist(keras_home, n_train=2000, n_test=500):
    """Fills ``keras_home/datasets/fashion-mnist`` with generated Fashion-MNIST files."""
    folder = os.path.join(keras_home, "datasets", "fashion-mnist")
    os.makedirs(folder, exist_ok=True)
    x_train, y_train = fashion_like(n_train, seed=1)
    x_test, y_test = fashion_like(n_test, seed=2)
    arrays = {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}
    for name, key in FASHION_FILES.items():
        write_idx(os.path.join(folder, name), arrays[key])
    return arrays


# ----------------------------------------------------------------------------- Kaggle
def write_concrete_csv(path, n=1030, seed=0):
    rng = np.random.default_rng(seed)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    columns = [rng.uniform(lo, hi, size=n) for lo, hi in _CONCRETE_RANGES]
    columns[7] = np.round(columns[7])  # Age is in days
    with open(path, "w", encoding="utf-8") as f:
        f.write(",".join(CONCRETE_COLUMNS) + "\n")
        for row in zip(*columns):
            f.write(",".join(f"{v:.2f}".rstrip("0").rstrip(".") for v in row) + "\n")


_LEARNTOOLS = {
    "learntools/__init__.py": '"""Stand-in for Kaggle\'s learntools grader (kerasish compat suite)."""\n',
    "learntools/core/__init__.py": "from learntools.core import binder\n",
    "learntools/core/binder.py": (
        '"""Stand-in: Kaggle\'s binder.bind(globals()) lets the checks see the notebook."""\n'
        "_GLOBALS = {}\n\n\n"
        "def bind(globals_dict):\n"
        "    _GLOBALS.clear()\n"
        "    _GLOBALS.update(globals_dict)\n"),
    "learntools/deep_learning_intro/__init__.py": "",
    "learntools/deep_learning_intro/ex2.py": (
        '"""Stand-in for the exercise checks of Kaggle\'s Deep Learning course, lesson 2."""\n\n\n'
        "class _Question:\n"
        "    def check(self):\n        pass\n\n"
        "    def hint(self):\n        pass\n\n"
        "    def solution(self):\n        pass\n\n\n"
        "q_1 = _Question()\nq_2 = _Question()\nq_3 = _Question()\nq_4 = _Question()\n"
        "q_5 = _Question()\n\n"
        "__all__ = ['q_1', 'q_2', 'q_3', 'q_4', 'q_5']\n"),
}


def write_learntools(site_dir):
    for rel, text in _LEARNTOOLS.items():
        path = os.path.join(site_dir, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)


# ----------------------------------------------------------------------------- matplotlib
def write_old_seaborn_styles(mpl_config_dir):
    """Makes the pre-3.6 ``seaborn-*`` style names resolve again (from ``seaborn-v0_8-*``)."""
    import matplotlib
    source = os.path.join(matplotlib.get_data_path(), "stylelib")
    target = os.path.join(mpl_config_dir, "stylelib")
    os.makedirs(target, exist_ok=True)
    for name in os.listdir(source):
        if name.startswith("seaborn-v0_8"):
            old = name.replace("seaborn-v0_8", "seaborn", 1)
            shutil.copyfile(os.path.join(source, name), os.path.join(target, old))


# ----------------------------------------------------------------------------- all together
def tutorial_environment(root, n_train=2000, n_test=500):
    """Lays out ``root`` for the tutorials; returns ``(env, cwd, fashion_arrays)``.

    ``cwd`` is ``root/work`` (Kaggle's ``../input`` is ``root/input``); ``env`` is
    ``os.environ`` plus KERAS_HOME, an unreachable dataset URL, MPLBACKEND=Agg,
    MPLCONFIGDIR and PYTHONPATH with the learntools stand-in.
    """
    root = os.path.abspath(root)
    cwd = os.path.join(root, "work")
    os.makedirs(cwd, exist_ok=True)
    keras_home = os.path.join(root, "keras_home")
    arrays = populate_fashion_mnist(keras_home, n_train, n_test)
    write_concrete_csv(os.path.join(root, "input", "dl-course-data", "concrete.csv"))
    site = os.path.join(root, "site")
    write_learntools(site)
    mpl_dir = os.path.join(root, "mplconfig")
    write_old_seaborn_styles(mpl_dir)
    env = dict(os.environ)
    for name in ("KERASISH_SHIM", "KERASISH_DEVICE"):
        env.pop(name, None)
    env.update({
        "KERAS_HOME": keras_home,
        "KERASISH_DATASETS_URL": UNREACHABLE_URL,
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": mpl_dir,
        "PYTHONPATH": os.pathsep.join(p for p in (site, env.get("PYTHONPATH")) if p),
        "PYTHONUNBUFFERED": "1",
        "PYTHONIOENCODING": "utf-8",
        "KERAS_BACKEND": "torch",
        # One intra-op thread: on a shared 2-core machine torch's default thread pool
        # oversubscribes the cores and small models run 10-30x slower.
        "OMP_NUM_THREADS": env.get("OMP_NUM_THREADS", "1"),
    })
    return env, cwd, arrays


def main(argv=None):
    """``python -m compat.standins DIR``: lay out DIR and print the environment to use."""
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python -m compat.standins DIR", file=sys.stderr)
        return 2
    env, cwd, _ = tutorial_environment(argv[0])
    for name in ("KERAS_HOME", "KERASISH_DATASETS_URL", "MPLBACKEND", "MPLCONFIGDIR", "PYTHONPATH",
                 "OMP_NUM_THREADS"):
        print(f"export {name}={env[name]!r}")
    print(f"cd {cwd!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
