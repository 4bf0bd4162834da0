"""``python -m kerasish run FILE [ARGS...]``: run TensorFlow/Keras tutorial code on kerasish.

The import shim (``kerasish.shim``) is installed first, so the file's
``import tensorflow as tf`` / ``from tensorflow import keras`` get kerasish.

- ``.py``: runs like ``python FILE ARGS...`` (``__name__ == '__main__'``,
  ``sys.argv == [FILE, *ARGS]``, the file's folder first on ``sys.path``). An
  uncaught exception prints its traceback, without the runner's own frames,
  and exits with status 1.
- ``.ipynb``: runs the code cells in order in one namespace, as Jupyter would:
  from the notebook's folder, with matplotlib on a non-interactive backend, the
  value of a cell's last expression printed. Shell lines (``!pip ...``) and
  IPython magics (``%matplotlib``, ``%%time``) are skipped; ``%%writefile``
  writes its file; cells of other cell magics (``%%bash``...) are skipped. On an
  error it names the cell (1-based, counting code cells, with its first line),
  prints the traceback and exits with status 1. A file that is not notebook
  JSON exits with status 2.
"""
import ast
import builtins
import json
import linecache
import os
import runpy
import sys
import traceback
import types

USAGE = """\
usage: python -m kerasish run FILE [ARGS...]
       python -m kerasish --help | --version

Run a TensorFlow/Keras tutorial on kerasish (Keras on PyTorch), unchanged.

commands:
  run FILE [ARGS...]   run a Python script (FILE.py) or a Jupyter notebook (FILE.ipynb)
                       with kerasish's import shim installed: `import tensorflow`,
                       `import keras`, `from tensorflow import keras` give kerasish.
                       ARGS become sys.argv[1:].

options:
  -h, --help           show this message and exit
  --version            print kerasish's version and exit

Scripts run as `python FILE ARGS` would. Notebooks run their code cells in order;
`!shell` lines and `%magic` lines are skipped. Exit status: the script's own, 1 on an
uncaught exception, 2 on a usage error or an unreadable notebook.
"""

# Cell magics whose body is Python code: the magic line is dropped, the body runs.
_PYTHON_CELL_MAGICS = ("time", "timeit", "capture", "prun", "debug")


class _UsageError(Exception):
    pass


def _err(message):
    sys.stdout.flush()
    print(f"kerasish: {message}", file=sys.stderr)


# ============================================================================ tracebacks
def _trim_traceback(tb, keep):
    """Drop the leading frames until ``keep(filename)`` is true (the user's code)."""
    first = tb
    while first is not None and not keep(first.tb_frame.f_code.co_filename):
        first = first.tb_next
    return first


def _print_exception(exc, keep):
    sys.stdout.flush()
    tb = _trim_traceback(exc.__traceback__, keep)
    traceback.print_exception(type(exc), exc, tb, file=sys.stderr)
    sys.stderr.flush()


# ============================================================================ scripts
def run_script(path, args):
    given = path
    path = os.path.abspath(path)
    sys.argv = [given, *args]
    sys.path.insert(0, os.path.dirname(path))
    try:
        runpy.run_path(path, run_name="__main__")
    except SystemExit:
        raise
    except BaseException as exc:  # noqa: BLE001 (report anything, like the interpreter does)
        _print_exception(exc, lambda f: f == path)
        return 130 if isinstance(exc, KeyboardInterrupt) else 1
    return 0


# ============================================================================ notebooks
class _NotebookError(Exception):
    pass


def _read_notebook(path):
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise _NotebookError(f"cannot read notebook {path}: {e.strerror or e}") from None
    try:
        nb = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as e:
        raise _NotebookError(f"{path} is not a valid Jupyter notebook: invalid JSON ({e})") from None
    if not isinstance(nb, dict):
        raise _NotebookError(f"{path} is not a valid Jupyter notebook: the JSON top level is not an object")
    if "cells" in nb:
        cells = nb["cells"]
        source_key = "source"
    elif isinstance(nb.get("worksheets"), list):  # nbformat 3
        cells = [c for ws in nb["worksheets"] for c in ws.get("cells", [])]
        source_key = "input"
    else:
        raise _NotebookError(f"{path} is not a valid Jupyter notebook: it has no 'cells' list")
    if not isinstance(cells, list):
        raise _NotebookError(f"{path} is not a valid Jupyter notebook: 'cells' is not a list")
    code = []
    for cell in cells:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        src = cell.get(source_key, "")
        if isinstance(src, list):
            src = "".join(src)
        if not isinstance(src, str):
            raise _NotebookError(f"{path} is not a valid Jupyter notebook: a code cell's source is not text")
        code.append(src)
    return code


def _first_line(source):
    for line in source.splitlines():
        if line.strip():
            return line.strip()
    return ""


def _prepare_cell(source, notebook_dir):
    """IPython syntax → plain Python. Returns (code or None, note or None).

    Shell and line-magic lines become ``pass`` (keeping line numbers and
    indentation valid); a leading cell magic decides what happens to the body.
    """
    lines = source.splitlines()
    first = next((i for i, l in enumerate(lines) if l.strip()), None)
    if first is not None and lines[first].lstrip().startswith("%%"):
        magic_line = lines[first].strip()[2:]
        magic = magic_line.split(None, 1)[0] if magic_line.split() else ""
        body = lines[first + 1:]
        if magic == "writefile":
            words = magic_line.split()[1:]
            append = "-a" in words or "--append" in words
            names = [w for w in words if not w.startswith("-")]
            if not names:
                return None, "%%writefile without a file name: cell skipped"
            target = names[0]
            if not os.path.isabs(target):
                target = os.path.join(notebook_dir, target)
            with open(target, "a" if append else "w", encoding="utf-8") as f:
                f.write("\n".join(body) + "\n")
            return None, None
        if magic not in _PYTHON_CELL_MAGICS:
            return None, f"%%{magic} cell magic: cell skipped"
        lines = [""] * (first + 1) + body
    out = []
    for line in lines:
        stripped = line.lstrip()
        if stripped.startswith(("!", "%")):
            indent = line[:len(line) - len(stripped)]
            out.append(indent + "pass" if indent else "")
        else:
            out.append(line)
    return "\n".join(out) + "\n", None


class _IPythonStub:
    """What ``get_ipython()`` returns in a notebook run: magics and shell calls do nothing."""

    def __repr__(self):
        return "<kerasish notebook runner>"

    def _skip(self, *args, **kwargs):
        return None

    system = getoutput = run_line_magic = run_cell_magic = magic = _skip


def _exec_cell(code, filename, namespace):
    """Run a cell; a final expression's value is printed, as Jupyter shows it."""
    tree = ast.parse(code, filename=filename, mode="exec")
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr) and not code.rstrip().endswith(";"):
        last = ast.Expression(tree.body.pop().value)
    exec(compile(tree, filename, "exec"), namespace)
    if last is not None:
        value = eval(compile(last, filename, "eval"), namespace)
        if value is not None:
            print(repr(value))
            namespace["_"] = value


def run_notebook(path, args):
    given = path
    path = os.path.abspath(path)
    try:
        cells = _read_notebook(path)
    except _NotebookError as e:
        _err(str(e))
        return 2
    nb_dir = os.path.dirname(path)
    name = os.path.basename(path)
    sys.argv = [given, *args]
    sys.path.insert(0, nb_dir)
    os.environ.setdefault("MPLBACKEND", "Agg")
    main_module = types.ModuleType("__main__")
    main_module.__dict__.update({"__builtins__": builtins, "get_ipython": lambda: _IPythonStub()})
    namespace = main_module.__dict__
    saved_main = sys.modules.get("__main__")
    saved_cwd = os.getcwd()
    sys.modules["__main__"] = main_module
    os.chdir(nb_dir)
    cell_files = set()
    try:
        for number, source in enumerate(cells, 1):
            code, note = _prepare_cell(source, nb_dir)
            if note:
                print(f"kerasish: code cell {number}: {note}", file=sys.stderr)
            if code is None or not code.strip():
                continue
            filename = f"<{name} cell {number}>"
            cell_files.add(filename)
            linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
            try:
                _exec_cell(code, filename, namespace)
            except SystemExit:
                raise
            except BaseException as exc:  # noqa: BLE001
                _err(f"error in code cell {number} of {len(cells)} of {path} "
                     f"(first line: {_first_line(source)!r}):")
                _print_exception(exc, lambda f: f in cell_files)
                return 130 if isinstance(exc, KeyboardInterrupt) else 1
    finally:
        os.chdir(saved_cwd)
        if saved_main is not None:
            sys.modules["__main__"] = saved_main
    return 0


# ============================================================================ CLI
def _parse(argv):
    if not argv:
        raise _UsageError("missing command (try `python -m kerasish --help`)")
    head = argv[0]
    if head in ("-h", "--help", "help"):
        return ("help",)
    if head == "--version":
        return ("version",)
    if head != "run":
        raise _UsageError(f"unknown command {head!r} (try `python -m kerasish --help`)")
    rest = list(argv[1:])
    if rest and rest[0] in ("-h", "--help"):
        return ("help",)
    if rest and rest[0] == "--":
        rest = rest[1:]
    if not rest:
        raise _UsageError("`run` needs a file: python -m kerasish run FILE [ARGS...]")
    return ("run", rest[0], rest[1:])


def main(argv=None):
    """Entry point of ``python -m kerasish`` and the ``kerasish`` console script; returns the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        cmd = _parse(argv)
    except _UsageError as e:
        _err(str(e))
        print(USAGE.splitlines()[0], file=sys.stderr)
        return 2
    if cmd[0] == "help":
        print(USAGE, end="")
        return 0
    if cmd[0] == "version":
        import kerasish
        print(f"kerasish {kerasish.__version__}")
        return 0
    _, path, args = cmd
    if not os.path.isfile(path):
        _err(f"run: no such file: {path}")
        return 2
    is_notebook = path.lower().endswith(".ipynb")
    if is_notebook:
        try:
            _read_notebook(path)  # refuse a broken notebook before touching anything
        except _NotebookError as e:
            _err(str(e))
            return 2
    import kerasish.shim
    kerasish.shim.install()
    if is_notebook:
        return run_notebook(path, args)
    return run_script(path, args)


if __name__ == "__main__":
    sys.exit(main())
