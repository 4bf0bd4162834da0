"""keras.utils.Progbar: the Keras 3 progress bar (bold ``N/N``, a green ``━`` bar, ETA or
elapsed time, time per step, then ``- name: value`` items).

Who owns what:
- ``Progbar.update`` keeps the running sums of the metrics. Values may be Python numbers,
  numpy scalars or 0-d torch tensors; tensors are summed on their device and turned into
  Python floats only when a line is actually drawn (at most every ``interval`` seconds, and
  at the end), so a training loop can hand over its tensors without a host sync per step.
- The look: on a terminal or in a notebook, the line is redrawn in place with ``\\r``
  exactly like Keras 3. When stdout is not interactive (a pipe, a log file, a captured
  test), nothing is redrawn: only the final line of each bar is written.
- ``format_time_per_unit`` and ``format_eta`` are the small number formatters.
"""
import math
import os
import sys
import time

import numpy as np
import torch

__all__ = ["Progbar", "format_time_per_unit", "format_eta", "format_value"]

_BOLD = "\x1b[1m"
_GREEN = "\x1b[32m"
_GREY = "\x1b[37m"
_RESET = "\x1b[0m"
_BAR_CHAR = "\u2501"  # ━


def format_time_per_unit(seconds, unit_name="step"):
    """``'3s/step'``, ``'12ms/step'`` or ``'850us/step'``; zero prints as ``'0s/step'``."""
    if seconds >= 1 or seconds == 0:
        return f"{seconds:.0f}s/{unit_name}"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.0f}ms/{unit_name}"
    return f"{seconds * 1e6:.0f}us/{unit_name}"


def format_eta(seconds):
    """Remaining time as ``'12s'``, ``'m:ss'`` (over a minute) or ``'h:mm:ss'`` (over an hour)."""
    if seconds > 3600:
        return "%d:%02d:%02d" % (seconds // 3600, (seconds % 3600) // 60, seconds % 60)
    if seconds > 60:
        return "%d:%02d" % (seconds // 60, seconds % 60)
    return "%ds" % seconds


def format_value(value, signed=True):
    """A metric value as Keras prints it: 4 decimals, or scientific notation when tiny.

    ``signed=False`` reproduces the verbose=2 line, which compares the raw value (not its
    absolute value) with 1e-3, so negative values print in scientific notation there.
    """
    big = abs(value) > 1e-3 if signed else value > 1e-3
    return f"{value:.4f}" if big else f"{value:.4e}"


def _to_float(value):
    """A metric value (float, numpy array, tensor) → Python float (a host sync for tensors)."""
    if isinstance(value, float):
        return value
    if isinstance(value, torch.Tensor):
        value = value.detach()
        if value.numel() != 1:
            value = value.float().mean()
        return float(value.item())
    return float(np.mean(value))


def _detach(value):
    return value.detach() if isinstance(value, torch.Tensor) else value


def _name_set(names):
    """A set of metric names; a container object (anything with ``__contains__`` that is not
    a list/tuple/iterator, e.g. one that contains every name) is kept as it is."""
    if isinstance(names, (set, frozenset)):
        return names
    if hasattr(names, "__contains__") and not isinstance(names, (list, tuple, str, dict)):
        return names
    return set(names)


def _stdout_is_interactive():
    stream = sys.stdout
    try:
        if stream is not None and stream.isatty():
            return True
    except (AttributeError, ValueError):
        pass
    return "ipykernel" in sys.modules or "PYCHARM_HOSTED" in os.environ


class Progbar:
    """Displays a progress bar.

    Args:
        target: total number of steps expected, or None if unknown.
        width: width of the bar in characters.
        verbose: 0 (silent), 1 (a bar, redrawn in place on a terminal) or 2 (one line at
            the end).
        interval: minimum number of seconds between two redraws.
        stateful_metrics: names of metrics shown as given (not averaged over steps),
            e.g. running means that the trainer already computes. Any container works
            (only ``name in stateful_metrics`` is asked).
        stateless_metrics: the opposite list: only these are averaged. Give at most one
            of the two lists; with neither, every metric is averaged.
        unit_name: the unit of ``target`` shown in the time per unit (``'step'``).

    Example:

    >>> bar = Progbar(100)
    >>> for i in range(100):
    ...     bar.update(i + 1, values=[("loss", 0.5)])
    """

    def __init__(self, target, width=20, verbose=1, interval=0.05, stateful_metrics=None,
                 stateless_metrics=None, unit_name="step"):
        if stateful_metrics is not None and stateless_metrics is not None:
            raise ValueError(
                "Progbar: pass at most one of `stateful_metrics` and `stateless_metrics` "
                f"(received stateful_metrics={stateful_metrics!r} and "
                f"stateless_metrics={stateless_metrics!r}).")
        if target is not None and not isinstance(target, (int, np.integer)):
            if isinstance(target, float) and target.is_integer():
                target = int(target)
            else:
                raise TypeError(
                    f"Progbar: `target` must be an integer or None. Received: target={target!r}")
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        if stateless_metrics is not None:
            self.stateful_metrics = None
            self.stateless_metrics = _name_set(stateless_metrics)
        else:
            self.stateful_metrics = _name_set(stateful_metrics or ())
            self.stateless_metrics = None
        self._dynamic_display = _stdout_is_interactive()
        self._seen_so_far = 0
        self._values = {}          # name -> [sum (float or tensor), count]
        self._values_order = []
        self._start = time.time()
        self._last_update = 0
        self._time_after_first_step = None
        self._prev_total_width = 0

    # ------------------------------------------------------------------ state
    def _is_averaged(self, name):
        if self.stateful_metrics is not None:
            return name not in self.stateful_metrics
        return name in self.stateless_metrics

    def _accumulate(self, values, current, finalize):
        for name, value in values or ():
            if name not in self._values_order:
                self._values_order.append(name)
            value = _detach(value)
            if self._is_averaged(name) and not finalize:
                # Weight each value by the number of steps it covers (at least one).
                steps = max(current - self._seen_so_far, 1)
                entry = self._values.get(name)
                if entry is None:
                    self._values[name] = [value * steps, steps]
                else:
                    entry[0] = entry[0] + value * steps
                    entry[1] += steps
            else:
                # Shown as given: a stateful metric, or the final value of an averaged one.
                self._values[name] = [value, 1]
        self._seen_so_far = current

    def _time_per_unit(self, current, now):
        """Seconds per unit, leaving out the (slow, warm-up) first step once there are more."""
        if not current:
            return 0
        if self._time_after_first_step is not None and current > 1:
            per_unit = (now - self._time_after_first_step) / (current - 1)
        else:
            per_unit = (now - self._start) / current
        if current == 1:
            self._time_after_first_step = now
        return per_unit

    def _metric_text(self, signed):
        parts = []
        for name in self._values_order:
            total, count = self._values[name]
            parts.append(f" - {name}: {format_value(_to_float(total) / max(1, count), signed)}")
        return "".join(parts)

    # ------------------------------------------------------------------ public
    def update(self, current, values=None, finalize=None):
        """Move the bar to step ``current``.

        Args:
            current: index of the current step (1-based count of steps done).
            values: list of ``(name, value)``. Stateful metrics are shown as given, others
                are averaged over the steps seen so far.
            finalize: whether this is the last update; defaults to ``current >= target``.
        """
        if finalize is None:
            finalize = False if self.target is None else current >= self.target
        self._accumulate(values, current, finalize)
        now = time.time()
        per_unit = self._time_per_unit(current, now)

        if self.verbose == 1:
            if now - self._last_update < self.interval and not finalize:
                return
            if self._dynamic_display or finalize:
                self._draw_bar(current, now, per_unit, finalize)
        elif self.verbose == 2:
            if finalize and self.target is not None and self.target > 0:
                digits = int(math.log10(self.target)) + 1
                line = (f"{'%*d/%d' % (digits, current, self.target)} - {now - self._start:.0f}s - "
                        f"{format_time_per_unit(per_unit, self.unit_name)}"
                        f"{self._metric_text(signed=False)}\n")
                self._write(line)
        self._last_update = now

    def _draw_bar(self, current, now, per_unit, finalize):
        hidden = 0  # characters of escape codes, which take no room on screen
        if self.target is not None and self.target > 0:
            digits = int(math.log10(self.target)) + 1
            bar = f"{_BOLD}{'%*d/%d' % (digits, current, self.target)}{_RESET} "
            hidden += 8
            done = int(self.width * float(current) / self.target)
            if done > 0:
                bar += f"{_GREEN}{_BAR_CHAR * done}{_RESET}"
                hidden += 9
            bar += f"{_GREY}{_BAR_CHAR * (self.width - done)}{_RESET}"
            hidden += 9
        else:
            bar = "%7d/Unknown" % current

        if self.target is not None and self.target > 0 and not finalize:
            clock = format_eta(per_unit * (self.target - current))
        else:
            clock = f"{now - self._start:.0f}s"
        info = f" {_BOLD}{clock}{_RESET} {format_time_per_unit(per_unit, self.unit_name)}"
        hidden += 8
        info += self._metric_text(signed=True)

        width = len(bar) + len(info) - hidden
        if self._dynamic_display:
            message = "\b" * self._prev_total_width + "\r" + bar + info
            if self._prev_total_width > width:
                message += " " * (self._prev_total_width - width)
        else:
            message = bar + info
        if finalize:
            message += "\n"
        self._write(message)
        self._prev_total_width = width

    @staticmethod
    def _write(message):
        stream = sys.stdout
        try:
            stream.write(message)
        except UnicodeEncodeError:
            # A stream that cannot encode "━" gets Keras 2's "=" instead.
            encoding = getattr(stream, "encoding", None) or "utf-8"
            message = message.replace(_BAR_CHAR, "=")
            stream.write(message.encode(encoding, "ignore").decode(encoding))
        stream.flush()

    def add(self, n, values=None):
        """Advance the bar by ``n`` steps."""
        self.update(self._seen_so_far + n, values)
