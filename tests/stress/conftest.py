"""Stress and fuzz suite: no input, parameter or concurrent use may crash the
interpreter, return silently wrong data, or raise anything but a clear
ValueError/TypeError.

Files
-----
* ``test_stress_inputs.py``: hypothesis over every input kind (str of each
  internal width, bytes, subclasses, bytearray, memoryview of any layout and
  format, uint8 arrays, numpy S/U/object arrays, pandas and polars columns,
  tuples, generators, empty batches, None, ints) for every encoder, compared
  with the plain-Python references of ``tests/_reference.py`` and
  ``tests/stress/_fastref.py``.
* ``test_stress_params.py``: parameters at and past their limits.
* ``test_stress_out_buffers.py``: ``out=`` buffers of every wrong kind.
* ``test_stress_concurrency.py``: lists changed by other threads during
  ``encode_batch(n_jobs=2)``, ``set_params`` from another thread, shared
  encoders (each case in a child process, see ``_subproc.py``).
* ``test_stress_fork.py``: fork-pool children after the parent used threads.

Every case that can crash or hang runs in a child process, so a segfault
fails one test with the signal named instead of ending the run.

How much is tried
-----------------
Everything here is marked ``stress`` and is part of the default
``python -m pytest -q`` (a bounded run: a few minutes on 2 cores). Two
environment variables scale it:

* ``DEEPBIOP_FUZZ_EXAMPLES`` (default 25): hypothesis examples per fuzz test;
* ``DEEPBIOP_STRESS_ROUNDS`` (default 2): repetitions of each concurrency and
  fork scenario (races are probabilistic: more rounds, more chances);
* ``DEEPBIOP_STRESS_READS`` (default 50,000): reads per list in the
  list-mutation races.

Long run (about an hour on 2 cores)::

    DEEPBIOP_FUZZ_EXAMPLES=2000 DEEPBIOP_STRESS_ROUNDS=20 DEEPBIOP_STRESS_READS=200000 \\
        python -m pytest -q -m stress tests/stress

Only the stress suite: ``python -m pytest -q -m stress``; everything else:
``python -m pytest -q -m "not stress"``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # _subproc, _fastref, _inputs
sys.path.insert(0, str(HERE.parent))  # _reference, _strategies

from _budget import FUZZ_EXAMPLES, STRESS_READS, STRESS_ROUNDS  # noqa: E402


def pytest_collection_modifyitems(config, items):
    for item in items:
        if HERE in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.stress)


def pytest_report_header(config):
    return (
        f"deepbiop stress suite: DEEPBIOP_FUZZ_EXAMPLES={FUZZ_EXAMPLES}, "
        f"DEEPBIOP_STRESS_ROUNDS={STRESS_ROUNDS}, DEEPBIOP_STRESS_READS={STRESS_READS}"
    )
