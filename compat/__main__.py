"""``python -m compat report [FAMILY ...] [-v] [-- PYTEST_ARGS]``: kerasish's compatibility table.

Runs the oracle suite (all families, or those named: layers, losses, metrics, optimizers,
callbacks, models) against real Keras and prints, per family, checks passed / failed /
total and the list of failures. Exit status: pytest's (0 when every check passed or is a
recorded known gap), 2 on a usage error.
"""
import os
import sys

USAGE = """\
usage: python -m compat report [FAMILY ...] [-v] [-- PYTEST_ARGS...]

Run the oracle checks against real Keras and print the compatibility table.
FAMILY: layers, losses, metrics, optimizers, callbacks, models (default: all).
  -v, --verbose   show pytest's own output (tracebacks of failures)
"""


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(USAGE, end="")
        return 0 if argv else 2
    if argv[0] != "report":
        print(f"compat: unknown command {argv[0]!r}\n{USAGE}", file=sys.stderr, end="")
        return 2
    rest = argv[1:]
    extra = []
    if "--" in rest:
        cut = rest.index("--")
        rest, extra = rest[:cut], rest[cut + 1:]
    verbose = any(a in ("-v", "--verbose") for a in rest)
    chosen = [a for a in rest if a not in ("-v", "--verbose")]
    bad = [a for a in chosen if a.startswith("-")]
    if bad:
        print(f"compat report: unknown option {bad[0]!r}\n{USAGE}", file=sys.stderr, end="")
        return 2
    os.environ.setdefault("KERAS_BACKEND", "torch")
    from compat import report
    code, _ = report.run(chosen or None, verbose=verbose, extra_args=extra)
    return code


if __name__ == "__main__":
    sys.exit(main())
