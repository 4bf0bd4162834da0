"""Runs a tutorial script cell by cell, as a reader of the blog runs it in Jupyter.

    python -m kerasish run compat/tutorials/_cells.py TUTORIAL.py

The compat suite's wrapper (not tutorial code). The tutorial's ``# %%`` cells run in
order in one ``__main__`` namespace, from the tutorial's folder on ``sys.path``:

- the value of a cell's last bare expression is printed (``repr``), as Jupyter shows it,
  so lines such as ``keras.Input(shape=(8,), dtype=tf.int32)`` display what the blog shows;
- a cell that raises is reported as ``[cell N raised ErrorType: message]`` on stdout and
  the next cell runs, as when a reader goes past a failing cell. Every cell start is
  marked ``[cell N]`` so the checks can tell which cell printed what.

Exit status: 0 when every cell ran, 3 when at least one raised (the suite compares the
failing cells with those that also fail in real Keras).
"""
import ast
import os
import sys
import traceback
import types

CELL_MARK = "# %%"


def split_cells(source):
    """The script's cells: the text between ``# %%`` marker lines (text before the first too)."""
    cells, current = [], []
    for number, line in enumerate(source.splitlines(keepends=True)):
        if line.strip().startswith(CELL_MARK):
            cells.append(current)
            # Blank lines up to the marker keep the traceback line numbers those of the file.
            current = ["\n"] * (number + 1)
        else:
            current.append(line)
    cells.append(current)
    return ["".join(c) for c in cells if "".join(c).strip()]


def run_cell(code, filename, namespace):
    tree = ast.parse(code, filename=filename, mode="exec")
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = ast.Expression(tree.body.pop().value)
    exec(compile(tree, filename, "exec"), namespace)
    if last is not None:
        value = eval(compile(last, filename, "eval"), namespace)
        if value is not None:
            print(repr(value))


def main(argv):
    if len(argv) != 1:
        print("usage: python -m kerasish run _cells.py TUTORIAL.py", file=sys.stderr)
        return 2
    path = os.path.abspath(argv[0])
    with open(path, encoding="utf-8") as f:
        source = f.read()
    sys.argv = [path]
    sys.path.insert(0, os.path.dirname(path))
    module = types.ModuleType("__main__")
    module.__dict__["__file__"] = path
    saved_main = sys.modules.get("__main__")
    sys.modules["__main__"] = module
    failed = 0
    try:
        for number, code in enumerate(split_cells(source), 1):
            print(f"[cell {number}]", flush=True)
            try:
                run_cell(code, path, module.__dict__)
            except Exception as exc:  # noqa: BLE001 (reported and counted, like Jupyter shows it)
                failed += 1
                sys.stdout.flush()
                traceback.print_exc()
                sys.stderr.flush()
                message = str(exc).splitlines()[0] if str(exc) else ""
                print(f"[cell {number} raised {type(exc).__name__}: {message}]", flush=True)
    finally:
        if saved_main is not None:
            sys.modules["__main__"] = saved_main
    return 3 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
