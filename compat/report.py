"""``python -m compat report``: the compatibility table of kerasish against real Keras.

Runs the oracle suite (``compat/oracle/test_<family>_oracle.py``) with ``pytest.main`` and
a small plugin that records each check's outcome, then prints, per API family, how many
checks pass and fail, the list of failures (known gaps, marked xfail in the suite, are
failures here, with their reason), and the Keras names kerasish does not provide yet.
"""
import os
import sys

import pytest

ORACLE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "oracle")
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# family -> (kerasish / keras submodules compared for the "not provided" list)
FAMILY_MODULES = {
    "layers": ("layers",),
    "losses": ("losses",),
    "metrics": ("metrics",),
    "optimizers": ("optimizers", "optimizers.schedules"),
    "callbacks": ("callbacks",),
    "models": ("models",),
}


def families():
    """The families the oracle suite has, from its file names, in a stable order."""
    found = []
    for name in sorted(os.listdir(ORACLE_DIR)):
        if name.startswith("test_") and name.endswith("_oracle.py"):
            found.append(name[len("test_"):-len("_oracle.py")])
    order = list(FAMILY_MODULES)
    return sorted(found, key=lambda f: (order.index(f) if f in order else len(order), f))


def family_file(family):
    return os.path.join(ORACLE_DIR, f"test_{family}_oracle.py")


def check_name(nodeid):
    """``...::test_layer[Dense]`` -> ``Dense``; ``...::test_Input`` -> ``Input``."""
    test = nodeid.split("::")[-1]
    if "[" in test and test.endswith("]"):
        return test[test.index("[") + 1:-1]
    return test[len("test_"):] if test.startswith("test_") else test


def family_of(nodeid, default="?"):
    path = nodeid.split("::")[0]
    base = os.path.basename(path)
    if base.startswith("test_") and base.endswith("_oracle.py"):
        return base[len("test_"):-len("_oracle.py")]
    if base.startswith("test_") and base.endswith(".py"):
        return base[len("test_"):-len(".py")]
    return default


def _first_line(text, limit=160):
    for line in str(text).splitlines():
        line = line.strip()
        if line:
            return line if len(line) <= limit else line[:limit - 3] + "..."
    return ""


class Collector:
    """pytest plugin: one record per test, ``{family, check, outcome, detail}``.

    outcome is ``passed``, ``failed`` (a failure, an error, or a strict xfail that passed),
    ``known gap`` (an xfail: a kerasish gap recorded in the suite) or ``skipped``.
    """

    def __init__(self):
        self.records = {}
        self.paths = {}

    def pytest_itemcollected(self, item):
        self.paths[item.nodeid] = str(item.path)

    def _record(self, report, outcome, detail=""):
        family = family_of(self.paths.get(report.nodeid, report.nodeid))
        self.records[report.nodeid] = {"family": family, "check": check_name(report.nodeid),
                                       "outcome": outcome, "detail": detail}

    def pytest_runtest_logreport(self, report):
        if hasattr(report, "wasxfail"):
            if report.skipped:
                self._record(report, "known gap", report.wasxfail)
            elif report.when == "call":
                self._record(report, "failed", "passes now: remove its KNOWN_GAPS entry (strict xfail)")
            return
        if report.failed and str(report.longrepr).startswith("[XPASS(strict)]"):
            self._record(report, "failed", "passes now: remove its KNOWN_GAPS entry (strict xfail)")
        elif report.failed:
            where = "" if report.when == "call" else f"(error in {report.when}) "
            message = ""
            if report.longrepr is not None:
                crash = getattr(report.longrepr, "reprcrash", None)
                message = crash.message if crash is not None else str(report.longrepr)
            self._record(report, "failed", where + _first_line(message))
        elif report.skipped:
            reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
            if report.nodeid not in self.records:
                self._record(report, "skipped", _first_line(reason))
        elif report.when == "call" and report.nodeid not in self.records:
            self._record(report, "passed")

    def pytest_collectreport(self, report):
        if report.failed:
            crash = getattr(report.longrepr, "reprcrash", None)
            self.records[report.nodeid or "collection"] = {
                "family": family_of(str(getattr(report, "fspath", "") or report.nodeid)),
                "check": "(collection)", "outcome": "failed",
                "detail": _first_line(crash.message if crash is not None else report.longrepr)}


def missing_keras_names(family):
    """Keras 3 public names of the family that kerasish does not provide (empty without Keras)."""
    os.environ.setdefault("KERAS_BACKEND", "torch")
    try:
        import keras
    except ImportError:
        return []
    import importlib

    from compat.oracle import _harness as H
    missing = []
    for sub in FAMILY_MODULES.get(family, ()):
        theirs = importlib.import_module(f"keras.{sub}")
        ours = importlib.import_module(f"kerasish.{sub}")
        keras_public = H.public_names(theirs)
        ours_public = set(H.public_names(ours, keras_public))
        prefix = "" if sub == family else sub.split(".", 1)[1] + "."
        missing += [prefix + name for name in keras_public if name not in ours_public]
    return missing


def summarize(records, order=()):
    """{family: {"passed", "failed", "known gap", "skipped", "total", "failures": [...]}},
    families in ``order`` first (then the others, sorted)."""
    table = {family: {"passed": 0, "failed": 0, "known gap": 0, "skipped": 0, "total": 0, "failures": []}
             for family in order if any(r["family"] == family for r in records.values())}
    for nodeid, record in sorted(records.items()):
        row = table.setdefault(record["family"], {"passed": 0, "failed": 0, "known gap": 0, "skipped": 0,
                                                  "total": 0, "failures": []})
        row[record["outcome"]] += 1
        row["total"] += 1
        if record["outcome"] in ("failed", "known gap"):
            row["failures"].append((record["check"], record["outcome"], record["detail"]))
    return table


def format_report(table, missing=None, keras_version=None):
    missing = missing or {}
    lines = []
    title = "kerasish compatibility with real Keras"
    if keras_version:
        title += f" {keras_version} (torch backend)"
    lines += [title + ", by API family", ""]
    show_skipped = any(row["skipped"] for row in table.values())
    header = f"{'family':<12}{'passed':>8}{'failed':>8}{'total':>8}" + (f"{'skipped':>9}" if show_skipped else "")
    lines += [header, "-" * len(header)]
    totals = {"passed": 0, "failed": 0, "total": 0, "skipped": 0}
    for family, row in table.items():
        failed = row["failed"] + row["known gap"]
        line = f"{family:<12}{row['passed']:>8}{failed:>8}{row['total']:>8}"
        if show_skipped:
            line += f"{row['skipped']:>9}"
        lines.append(line)
        totals["passed"] += row["passed"]
        totals["failed"] += failed
        totals["total"] += row["total"]
        totals["skipped"] += row["skipped"]
    lines.append("-" * len(header))
    line = f"{'total':<12}{totals['passed']:>8}{totals['failed']:>8}{totals['total']:>8}"
    if show_skipped:
        line += f"{totals['skipped']:>9}"
    lines.append(line)
    failures = [(family, item) for family, row in table.items() for item in row["failures"]]
    lines.append("")
    if failures:
        lines.append(f"Failures ({len(failures)}; 'known gap' = recorded in the suite as xfail):")
        for family, (check, outcome, detail) in failures:
            lines.append(f"  {family}: {check} [{outcome}]")
            if detail:
                lines.append(f"      {detail}")
    else:
        lines.append("No failures.")
    if any(missing.values()):
        lines.append("")
        lines.append("Keras names kerasish does not provide (not counted above):")
        for family, names in missing.items():
            if names:
                lines.append(f"  {family} ({len(names)}): {', '.join(names)}")
    return "\n".join(lines)


def run(selected=None, paths=None, verbose=False, out=None, extra_args=()):
    """Runs the suite; prints the report to ``out`` (stdout). Returns (exit code, table)."""
    out = out or sys.stdout
    if paths is None:
        known = families()
        selected = list(selected or known)
        unknown = [f for f in selected if f not in known]
        if unknown:
            print(f"compat report: unknown family {unknown[0]!r}; choose from {', '.join(known)}", file=sys.stderr)
            return 2, {}
        paths = [family_file(f) for f in selected]
    else:
        selected = []
    collector = Collector()
    args = ["-p", "no:cacheprovider", "-o", "addopts=", "--rootdir", REPO_ROOT]
    args += ["-q"] if verbose else ["-qq", "--tb=no", "--disable-warnings"]
    args += list(extra_args) + list(paths)
    code = pytest.main(args, plugins=[collector])
    table = summarize(collector.records, order=selected)
    missing = {family: missing_keras_names(family) for family in selected}
    keras_version = None
    if selected:
        try:
            import keras
            keras_version = keras.__version__
        except ImportError:
            pass
    print("", file=out)
    print(format_report(table, missing, keras_version), file=out)
    return int(code), table
