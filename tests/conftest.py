"""Shared test configuration.

* ``tests/`` is put on ``sys.path`` so every test (also under ``tests/kernels``)
  imports the plain-Python references as ``from _reference import ...``.
* hypothesis profiles: ``default`` (no deadline: CI also runs the kernel tests
  under a bounds-checked debug build, where timings mean nothing) and ``ci``
  (fewer examples); pick one with ``HYPOTHESIS_PROFILE=ci``.
* ``force_parallel``: the encoders run small batches on one thread (waking a
  helper costs more than it saves below ~256k bases per thread), and on a busy
  machine the pool runs small jobs on the caller alone; tests that compare
  thread counts lower that threshold and turn that decision off, so tiny
  hypothesis batches really take the multi-threaded path.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# This file is not a doctest module: --doctest-modules would import it under the name
# "conftest", which docs/conftest.py (loaded at start-up, testpaths) already holds
# in sys.modules, and pytest would stop with an import file mismatch.
collect_ignore = ["conftest.py"]

sys.path.insert(0, str(Path(__file__).resolve().parent))

settings.register_profile(
    "default",
    deadline=None,
    max_examples=60,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.register_profile(
    "ci",
    deadline=None,
    max_examples=25,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.register_profile(
    "thorough",
    deadline=None,
    max_examples=1000,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture
def force_parallel(monkeypatch):
    """Let every batch with >= 2 sequences use as many threads as ``n_jobs`` asks
    (also on a busy machine, where the pool would otherwise run small jobs
    on the calling thread alone)."""
    import deepbiop.encoders._base as base
    from deepbiop._kernels import _pool

    monkeypatch.setattr(base, "_MIN_BASES_PER_THREAD", 1)
    _pool._set_decide(False)
    try:
        yield
    finally:
        _pool._set_decide(True)


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent
