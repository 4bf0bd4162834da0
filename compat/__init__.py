"""kerasish's compatibility suite with real Keras (not part of the installed package).

- ``compat/tutorials/``: the seed tutorials, unchanged, run by ``compat/test_tutorials.py``
  with ``python -m kerasish run`` on stand-in data (``compat/standins.py``);
- ``compat/oracle/``: differential checks against real Keras 3.15.1 (torch backend), one
  per public name of each API family;
- ``python -m compat report [FAMILY ...]``: runs the oracle suite and prints the
  compatibility table (``compat/report.py``).
"""
