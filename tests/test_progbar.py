"""Progbar against Keras 3's own Progbar: the same updates at the same (patched) clock times
must print the same bytes on a terminal, and only the final line when not on a terminal."""
import io
import re
import sys
import time

import numpy as np
import pytest
import torch

from kerasish.utils import progbar as kprogbar


@pytest.fixture(scope="module")
def oracle():
    """Real Keras 3 (torch backend); Progbar needs no session reset, so import it once."""
    return pytest.importorskip("keras")


class _Terminal(io.StringIO):
    def isatty(self):
        return True


class _Pipe(io.StringIO):
    def isatty(self):
        return False


class _Clock:
    def __init__(self, start=1000.0):
        self.now = start

    def __call__(self):
        return self.now


def _run(make_bar, script, monkeypatch, stream_cls):
    """Play ``script`` (a list of (time, method, args, kwargs)) on a new bar; return stdout."""
    clock = _Clock()
    monkeypatch.setattr(time, "time", clock)
    stream = stream_cls()
    monkeypatch.setattr(sys, "stdout", stream)
    bar = make_bar()
    for at, method, args, kwargs in script:
        clock.now = 1000.0 + at
        getattr(bar, method)(*args, **kwargs)
    monkeypatch.undo()
    return stream.getvalue()


def _float_script(values_fn=lambda v: v):
    steps = []
    for i in range(1, 11):
        steps.append((0.3 * i + (2.0 if i > 1 else 0.0), "update", (i,),
                      {"values": [("loss", values_fn(1.0 / i)), ("accuracy", values_fn(0.1 * i)),
                                  ("tiny", values_fn(1e-5 * i))]}))
    return steps


SCRIPTS = {
    "floats": (dict(target=10), _float_script()),
    "stateful": (dict(target=10, stateful_metrics=["accuracy"]), _float_script()),
    "stateless_list": (dict(target=10, stateless_metrics=["loss"]), _float_script()),
    "negative": (dict(target=4), [(0.5 * i, "update", (i,), {"values": [("nll", -0.25 * i)]})
                                  for i in range(1, 5)]),
    "long_eta": (dict(target=5000), [(t, "update", (i,), {"values": [("loss", 0.5)]})
                                     for t, i in [(3.0, 1), (100.0, 2), (4000.0, 3),
                                                  (9000.0, 4), (12000.0, 5000)]]),
    "unknown_target": (dict(target=None), [(0.1 * i, "update", (i,), {"values": [("loss", 0.1)]})
                                           for i in range(1, 6)]
                       + [(1.0, "update", (5,), {"values": [("loss", 0.1)], "finalize": True})]),
    "add_and_width": (dict(target=7, width=30, unit_name="sample"),
                      [(0.2 * i, "add", (1,), {"values": [("m", 123.456 * i)]})
                       for i in range(1, 8)]),
    "interval_skips": (dict(target=6, interval=1.0),
                       [(0.1 * i, "update", (i,), {"values": [("loss", float(i))]})
                        for i in range(1, 7)]),
    "microseconds": (dict(target=100000), [(1e-6 * i, "update", (i,), {}) for i in (1, 2, 100000)]),
    "shrinking_line": (dict(target=3, stateful_metrics=["v"]),
                       [(0.0, "update", (1,), {"values": [("v", 123456.0)]}),
                        (0.5, "update", (2,), {"values": [("v", 0.5)]}),
                        (1.0, "update", (3,), {"values": [("v", 1.0)]})]),
}


@pytest.mark.parametrize("name", sorted(SCRIPTS))
@pytest.mark.parametrize("verbose", [1, 2])
def test_terminal_output_matches_keras(oracle, monkeypatch, name, verbose):
    kwargs, script = SCRIPTS[name]
    ours = _run(lambda: kprogbar.Progbar(verbose=verbose, **kwargs), script, monkeypatch, _Terminal)
    theirs = _run(lambda: oracle.utils.Progbar(verbose=verbose, **kwargs), script, monkeypatch,
                  _Terminal)
    assert ours == theirs
    if verbose == 1:
        assert "\r" in ours


def _keras_final_line(text):
    """Keras always redraws; the last redraw, without its padding, is the plain final line."""
    last = text.split("\r")[-1]
    return re.sub(r" +\n$", "\n", last)


@pytest.mark.parametrize("name", ["floats", "stateful", "long_eta", "add_and_width", "negative"])
def test_pipe_prints_only_the_final_line(oracle, monkeypatch, name):
    kwargs, script = SCRIPTS[name]
    ours = _run(lambda: kprogbar.Progbar(**kwargs), script, monkeypatch, _Pipe)
    theirs = _run(lambda: oracle.utils.Progbar(**kwargs), script, monkeypatch, _Terminal)
    assert "\r" not in ours and "\b" not in ours
    assert ours.count("\n") == 1
    assert ours == _keras_final_line(theirs)


def test_pipe_verbose2_same_as_keras(oracle, monkeypatch):
    kwargs, script = SCRIPTS["floats"]
    ours = _run(lambda: kprogbar.Progbar(verbose=2, **kwargs), script, monkeypatch, _Pipe)
    theirs = _run(lambda: oracle.utils.Progbar(verbose=2, **kwargs), script, monkeypatch, _Pipe)
    assert ours == theirs
    assert re.fullmatch(r"10/10 - \d+s - \d+ms/step - loss: [\d.]+ - accuracy: [\d.]+ - tiny: "
                        r"[\d.]+e-\d+\n", ours)


def test_tensor_values_print_like_floats(oracle, monkeypatch):
    kwargs, float_steps = SCRIPTS["stateful"]
    tensor_steps = _float_script(lambda v: torch.tensor(v, dtype=torch.float64))
    ours = _run(lambda: kprogbar.Progbar(**kwargs), tensor_steps, monkeypatch, _Terminal)
    theirs = _run(lambda: oracle.utils.Progbar(**kwargs), float_steps, monkeypatch, _Terminal)
    assert ours == theirs


def test_tensors_are_synced_only_when_drawn(monkeypatch):
    """Between two redraws (interval not elapsed) no tensor is converted to a float."""
    calls = []
    real_item = torch.Tensor.item

    def counting_item(self):
        calls.append(1)
        return real_item(self)

    clock = _Clock()
    monkeypatch.setattr(time, "time", clock)
    monkeypatch.setattr(sys, "stdout", _Terminal())
    monkeypatch.setattr(torch.Tensor, "item", counting_item)
    bar = kprogbar.Progbar(100, interval=10.0, stateful_metrics=["acc"])
    clock.now += 20.0
    bar.update(1, [("loss", torch.tensor(0.5, requires_grad=True) * 1), ("acc", torch.tensor(0.1))])
    drawn = len(calls)
    assert drawn == 2  # first update is drawn: one sync per metric
    for step in range(2, 50):  # within the interval: not drawn, no sync
        clock.now += 0.01
        bar.update(step, [("loss", torch.tensor(0.5)), ("acc", torch.tensor(0.2))])
    assert len(calls) == drawn
    clock.now += 20.0
    bar.update(100, [("loss", torch.tensor(0.25)), ("acc", torch.tensor(0.3))])
    assert len(calls) == drawn + 2
    monkeypatch.undo()


def test_pipe_silent_until_finalize(monkeypatch):
    clock = _Clock()
    monkeypatch.setattr(time, "time", clock)
    stream = _Pipe()
    monkeypatch.setattr(sys, "stdout", stream)
    bar = kprogbar.Progbar(5)
    for i in range(1, 5):
        clock.now += 1.0
        bar.update(i, [("loss", 1.0)])
    assert stream.getvalue() == ""
    bar.update(5, [("loss", 1.0)])
    monkeypatch.undo()
    assert stream.getvalue().startswith("\x1b[1m5/5\x1b[0m ")


def test_verbose0_prints_nothing(monkeypatch):
    stream = _Terminal()
    monkeypatch.setattr(sys, "stdout", stream)
    bar = kprogbar.Progbar(3, verbose=0)
    for i in range(1, 4):
        bar.update(i, [("loss", 1.0)])
    monkeypatch.undo()
    assert stream.getvalue() == ""


@pytest.mark.parametrize("seconds", [0, 2.4, 1.0, 0.5, 0.0123, 0.0009994, 3e-6, 1e-3])
def test_format_time_matches_keras(oracle, seconds):
    bar = oracle.utils.Progbar(1)
    assert " " + kprogbar.format_time_per_unit(seconds, "step") == bar._format_time(seconds, "step")


@pytest.mark.parametrize("seconds,text", [(12.7, "12s"), (61, "1:01"), (3599, "59:59"),
                                          (3601, "1:00:01"), (7322.5, "2:02:02")])
def test_format_eta(seconds, text):
    assert kprogbar.format_eta(seconds) == text


def test_numpy_values_are_averaged(monkeypatch):
    clock = _Clock()
    monkeypatch.setattr(time, "time", clock)
    stream = _Pipe()
    monkeypatch.setattr(sys, "stdout", stream)
    bar = kprogbar.Progbar(2, verbose=2)
    bar.update(1, [("loss", np.array([1.0, 3.0]))])
    bar.update(2, [("loss", np.float32(4.0))], finalize=False)
    bar.update(2, [("loss", np.float32(4.0))], finalize=True)
    monkeypatch.undo()
    assert stream.getvalue().endswith(" - loss: 4.0000\n")


def test_errors():
    with pytest.raises(ValueError, match="stateful_metrics"):
        kprogbar.Progbar(3, stateful_metrics=["a"], stateless_metrics=["b"])
    with pytest.raises(TypeError, match="target"):
        kprogbar.Progbar("ten")


@pytest.mark.cuda
def test_cuda_tensor_values(oracle, monkeypatch):
    kwargs, float_steps = SCRIPTS["floats"]
    cuda_steps = _float_script(lambda v: torch.tensor(v, dtype=torch.float64, device="cuda"))
    ours = _run(lambda: kprogbar.Progbar(**kwargs), cuda_steps, monkeypatch, _Terminal)
    theirs = _run(lambda: oracle.utils.Progbar(**kwargs), float_steps, monkeypatch, _Terminal)
    assert ours == theirs


def test_stateful_metrics_container_object(monkeypatch):
    """Any object answering ``in`` works, e.g. one that holds every name (the fit loop's)."""

    class Everything:
        def __contains__(self, name):
            return True

        def __iter__(self):
            return iter(())

    clock = _Clock()
    monkeypatch.setattr(time, "time", clock)
    stream = _Terminal()
    monkeypatch.setattr(sys, "stdout", stream)
    bar = kprogbar.Progbar(3, interval=0.0, stateful_metrics=Everything())
    bar.update(1, [("loss", 1.0)])
    clock.now += 1.0
    bar.update(2, [("loss", 2.0)])  # shown as given (2.0), not averaged (1.5)
    monkeypatch.undo()
    assert stream.getvalue().split("\r")[-1].rstrip().endswith(" - loss: 2.0000")
