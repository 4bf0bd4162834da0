"""`python -m kerasish run FILE [ARGS...]` (kerasish/__main__.py).

The end-to-end checks run the real command in a subprocess (each one starts
Python, torch and kerasish: about 3 s). Argument parsing and the notebook cell
rewriting are also checked in-process.
"""
import json
import os
import subprocess
import sys
import textwrap

import pytest

import kerasish.shim
from kerasish import __main__ as runner

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _run(tmp_path, *args, timeout=180):
    env = dict(os.environ)
    env["PYTHONPATH"] = REPO + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("KERASISH_SHIM", None)
    return subprocess.run([sys.executable, "-m", "kerasish", "run", *args], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=timeout)


def _notebook(path, cells):
    nb = {"cells": [{"cell_type": kind, "metadata": {}, "source": src.splitlines(True),
                     **({"outputs": [], "execution_count": None} if kind == "code" else {})}
                    for kind, src in cells],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path.write_text(json.dumps(nb))
    return path


# ============================================================================ subprocess
def test_script_runs_as_main_with_argv_and_the_shim(tmp_path):
    (tmp_path / "helper_mod.py").write_text("VALUE = 41\n")
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "helper_mod.py").write_text("VALUE = 42\n")  # the script's folder comes first
    script = sub / "tutorial.py"
    script.write_text(textwrap.dedent("""\
        import sys
        import tensorflow as tf
        from tensorflow import keras
        from tensorflow.keras import layers
        import kerasish, helper_mod
        print("name", __name__)
        print("argv", sys.argv[1:])
        print("same", keras is kerasish, layers is kerasish.layers)
        print("value", helper_mod.VALUE, float(tf.reduce_sum(tf.constant([1.5, 2.5]))))
        """))
    res = _run(tmp_path, "sub/tutorial.py", "--epochs", "3", "x y")
    assert res.returncode == 0, res.stderr
    assert res.stdout.splitlines() == [
        "name __main__", "argv ['--epochs', '3', 'x y']", "same True True", "value 42 4.0"]


def test_script_exception_prints_trimmed_traceback_and_exits_1(tmp_path):
    script = tmp_path / "broken.py"
    script.write_text(textwrap.dedent("""\
        print("before")

        def divide(a):
            return a / 0

        divide(1)
        print("never")
        """))
    res = _run(tmp_path, str(script))
    assert res.returncode == 1
    assert res.stdout == "before\n"
    err = res.stderr
    assert err.startswith("Traceback (most recent call last):")
    assert f'File "{script}", line 6, in <module>' in err
    assert f'File "{script}", line 4, in divide' in err
    assert err.rstrip().endswith("ZeroDivisionError: division by zero")
    assert "runpy" not in err and "__main__.py" not in err


def test_notebook_skips_magics_and_names_the_failing_cell(tmp_path):
    nb = _notebook(tmp_path / "lesson.ipynb", [
        ("markdown", "# Lesson\n!not code"),
        ("code", "!pip install tensorflow\n%matplotlib inline\nimport sys\nimport tensorflow as tf\n"
                 "x = tf.constant([1.0, 2.0])\nprint('argv', sys.argv[1:])"),
        ("code", "%%time\ntotal = float(tf.reduce_sum(x))\nprint('total', total)"),
        ("code", "%%bash\necho this is not python"),
        ("code", "if True:\n    !ls\n    y = total * 2\ny"),
        ("code", "def explode():\n    raise ValueError('bad value')\n\nexplode()"),
        ("code", "print('never runs')"),
    ])
    res = _run(tmp_path, nb.name, "--flag")
    assert res.returncode == 1
    assert res.stdout.splitlines() == ["argv ['--flag']", "total 3.0", "6.0"]
    err = res.stderr
    assert "code cell 3: %%bash cell magic: cell skipped" in err
    assert f"error in code cell 5 of 6 of {nb} (first line: 'def explode():')" in err
    assert 'File "<lesson.ipynb cell 5>", line 4, in <module>' in err
    assert "raise ValueError('bad value')" in err
    assert err.rstrip().endswith("ValueError: bad value")
    assert "never runs" not in res.stdout


# ============================================================================ in-process
@pytest.fixture
def isolated(monkeypatch, tmp_path):
    """Keep sys.argv, sys.path, the cwd and MPLBACKEND as they were; no shim left behind."""
    monkeypatch.setattr(sys, "argv", list(sys.argv))
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.delenv("MPLBACKEND", raising=False)
    cwd = os.getcwd()
    yield tmp_path
    os.chdir(cwd)
    assert not kerasish.shim.is_installed()


def test_invalid_notebook_json_exits_2(isolated, capsys):
    bad = isolated / "broken.ipynb"
    bad.write_text('{"cells": [')
    assert runner.main(["run", str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"{bad} is not a valid Jupyter notebook: invalid JSON" in err
    bad.write_text('{"metadata": {}}')
    assert runner.main(["run", str(bad)]) == 2
    assert "has no 'cells' list" in capsys.readouterr().err


def test_usage_help_and_missing_file(isolated, capsys):
    assert runner.main(["--help"]) == 0
    assert capsys.readouterr().out.startswith("usage: python -m kerasish run FILE [ARGS...]")
    assert runner.main(["run", "--help"]) == 0
    capsys.readouterr()
    assert runner.main([]) == 2
    assert "missing command" in capsys.readouterr().err
    assert runner.main(["frobnicate"]) == 2
    assert "unknown command 'frobnicate'" in capsys.readouterr().err
    assert runner.main(["run"]) == 2
    assert "needs a file" in capsys.readouterr().err
    assert runner.main(["run", str(isolated / "nope.py")]) == 2
    assert "no such file" in capsys.readouterr().err
    assert runner.main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("kerasish ")


def test_parse_keeps_script_arguments():
    assert runner._parse(["run", "a.py", "--help", "-x"]) == ("run", "a.py", ["--help", "-x"])
    assert runner._parse(["run", "--", "a.py", "b"]) == ("run", "a.py", ["b"])


def test_script_sys_exit_code_propagates(isolated):
    script = isolated / "quit.py"
    script.write_text("import sys\nsys.exit(3)\n")
    with pytest.raises(SystemExit) as info:
        runner.run_script(str(script), [])
    assert info.value.code == 3


def test_prepare_cell_rewrites_ipython_syntax(tmp_path):
    code, note = runner._prepare_cell("!pip install x\n%load_ext foo\nif a:\n    %time f()\nb = 1", str(tmp_path))
    assert code == "\n\nif a:\n    pass\nb = 1\n" and note is None
    code, note = runner._prepare_cell("\n%%timeit -n1\nz = 2", str(tmp_path))
    assert code == "\n\nz = 2\n"
    code, note = runner._prepare_cell("%%html\n<b>x</b>", str(tmp_path))
    assert code is None and note == "%%html cell magic: cell skipped"
    code, note = runner._prepare_cell("%%writefile helper.py\nX = 5", str(tmp_path))
    assert code is None and (tmp_path / "helper.py").read_text() == "X = 5\n"
    runner._prepare_cell("%%writefile -a helper.py\nY = 6", str(tmp_path))
    assert (tmp_path / "helper.py").read_text() == "X = 5\nY = 6\n"


def test_notebook_namespace_display_and_folder(isolated, capsys):
    nb = _notebook(isolated / "nb.ipynb", [
        ("code", "%%writefile mod_from_nb.py\nANSWER = 7"),
        ("code", "import os, mod_from_nb\nvalue = mod_from_nb.ANSWER\nvalue * 6"),
        ("code", "print(os.path.basename(os.getcwd()), os.environ['MPLBACKEND'])\nvalue;"),
        ("code", "get_ipython().system('ls')\nprint(__name__, str(get_ipython()))\nNone"),
    ])
    other = isolated / "elsewhere"
    other.mkdir()
    os.chdir(other)
    assert runner.run_notebook(str(nb), ["a"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == ["42", f"{isolated.name} Agg", "__main__ <kerasish notebook runner>"]
    assert os.getcwd() == str(other)
    assert sys.argv == [str(nb), "a"]
