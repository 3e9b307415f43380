"""deepbiop's thread pool (``deepbiop/_kernels/_pool_impl.h``).

* every item of ``[0, n)`` runs exactly once, for any chunk size and thread
  count (a property test against the plain answer ``i + 1``);
* the caller never waits for a helper that has not started: with the helpers
  held back (as the OS holds back threads on a busy machine) a call still
  returns, its work done by the calling thread, and encoders stay right;
* after ``fork()`` a child starts its own helpers and uses them (libgomp's
  pool hung there);
* ``n_jobs=None`` is one thread inside a DataLoader worker or a process where
  torch was limited to one thread.

Hangs are caught by running those cases in a child process with a timeout.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import deepbiop as dbp
from deepbiop._kernels import _config, _pool

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "stress"))
from _subproc import run_child

needs_pool = pytest.mark.skipif(not _pool.pool_enabled(), reason="serial build: no pool")


@given(n=st.integers(0, 5000), grain=st.integers(0, 700), threads=st.integers(1, 9))
def test_every_item_runs_exactly_once(n, grain, threads):
    values, workers, used = _pool.probe(n, grain, threads)
    np.testing.assert_array_equal(values, np.arange(1, n + 1))
    assert 1 <= used <= max(1, threads)
    if n:
        assert workers.min() >= 0 and workers.max() < used
    if not _pool.pool_enabled():
        assert used == 1


def test_probe_rejects_bad_arguments():
    with pytest.raises(ValueError):
        _pool.probe(-1, 1, 2)
    with pytest.raises(ValueError):
        _pool.probe(10, 1, 0)


@needs_pool
def test_helpers_take_part_on_an_idle_pool():
    """Over many calls the helpers run some chunks (the pool is not serial)."""
    before = _pool.pool_stats()
    for _ in range(50):
        _pool._set_penalty(0)  # other load on the machine must not make this serial
        values, _, used = _pool.probe(200_000, 64, 2)
        assert used == 2
        assert values[-1] == 200_000
    after = _pool.pool_stats()
    assert after["helpers"] >= 1
    assert after["jobs"] - before["jobs"] == 50
    assert after["helper_chunks"] > before["helper_chunks"]


_HELD = """
import numpy as np
import deepbiop as dbp
import deepbiop.encoders._base as base
from deepbiop._kernels import _pool
import _fastref as F
from _races import reads

base._MIN_BASES_PER_THREAD = 1
_pool.probe(100_000, 64, 2)          # helpers exist and sleep
_pool._hold_helpers(True)            # woken helpers now wait, like unscheduled threads
before = _pool.pool_stats()
values, workers, used = _pool.probe(100_000, 64, 2)
ok_probe = bool((values == np.arange(1, 100_001)).all()) and int(workers.max()) == 0
seqs = reads(5000, 200, seed=3)
raw = [s.encode() for s in seqs]
ok_int = bool(np.array_equal(
    dbp.IntegerEncoder("dna", "unknown", dtype=np.int8, n_jobs=2).encode_batch(seqs),
    F.integer_codes(raw).astype(np.int8)))
ok_kmer = bool(np.array_equal(
    dbp.KmerEncoder(k=3, dtype=np.int32, n_jobs=2).encode_batch(seqs),
    F.kmer_counts(raw, 3).astype(np.int32)))
mid = _pool.pool_stats()
_pool._hold_helpers(False)
report([ok_probe, ok_int, ok_kmer, mid["helper_chunks"] - before["helper_chunks"]])
"""


@needs_pool
def test_caller_never_waits_for_a_helper_that_has_not_started():
    """Regression for the fork-join barrier: a call was as slow as the last
    thread the OS scheduled (0.4 ms of work took 8 ms on a busy node). With
    every helper held back the calls must still return (a wait would hang
    until the timeout) with the caller having done all the work."""
    res = run_child(_HELD, timeout=120)
    res.check()
    assert res.reports == [[True, True, True, 0]], res.reports


_FORK = """
import multiprocessing as mp
import numpy as np
from deepbiop._kernels import _pool

def child(_):
    ok = True
    for _ in range(20):
        _pool._set_penalty(0)  # this test is about helpers, not the per-call decision
        values, _, used = _pool.probe(200_000, 64, 2)
        ok = ok and bool((values == np.arange(1, 200_001)).all()) and used == 2
    s = _pool.pool_stats()
    return [ok, s["helpers"], s["jobs"], s["helper_chunks"] > 0]

for _ in range(20):
    _pool.probe(200_000, 64, 2)      # the parent's helpers exist
parent = _pool.pool_stats()
with mp.get_context("fork").Pool(2, maxtasksperchild=1) as pool:  # one task per child
    res = pool.map_async(child, range(4), chunksize=1).get(timeout=60)
report([parent["helpers"] >= 1, res])
"""


@needs_pool
@pytest.mark.skipif(
    _config.sanitizer_enabled(),
    reason="fork with live threads under ASan can deadlock its allocator",
)
def test_forked_child_starts_its_own_helpers():
    """After fork the child's pool starts empty (its counters too) and grows
    its own helpers, which then take chunks: children keep their threads."""
    res = run_child(_FORK, timeout=120)
    res.check()
    ((parent_ok, children),) = res.reports
    assert parent_ok
    for ok, helpers, jobs, _helped in children:
        assert ok and helpers >= 1 and jobs == 20
    # every child ran 20 two-thread jobs of 3,125 chunks; a helper that never
    # got a chunk in any child would mean the child's helpers do not work
    assert any(helped for *_, helped in children)


_WORKER = """
import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset
import deepbiop as dbp

class D(Dataset):
    def __len__(self):
        return 2
    def __getitem__(self, i):
        return np.array([dbp.effective_n_threads(None), dbp.effective_n_threads(2)])

main = dbp.effective_n_threads(None)
got = [b.tolist() for b in DataLoader(D(), batch_size=None, num_workers=2,
                                      multiprocessing_context="fork")]
torch.set_num_threads(1)
limited = dbp.effective_n_threads(None)
report([main, got, limited])
"""


@needs_pool
def test_default_threads_inside_dataloader_workers():
    # torch.utils.data, not torch: without torch installed, `import torch` finds
    # tests/torch (tests/ is on sys.path) as a namespace package
    pytest.importorskip("torch.utils.data")
    res = run_child(_WORKER, timeout=180, mem_gib=None)
    res.check()
    ((main, got, limited),) = res.reports
    assert main == _config_default_outside_torch()
    assert got == [[1, 2], [1, 2]]  # None -> 1 in a worker; an explicit 2 stays 2
    assert limited == 1


def _config_default_outside_torch() -> int:
    from deepbiop import _config

    if _config.openmp_enabled():
        return max(1, _config._omp.openmp_max_threads())
    return _config._limit_from_environment()


def test_threads_enabled_matches_the_build():
    assert dbp.threads_enabled() == _pool.pool_enabled()
    if not dbp.threads_enabled():
        assert dbp.effective_n_threads(4) == 1


@needs_pool
def test_contended_pool_runs_small_jobs_serially():
    """The per-call decision: after a join waited long for a preempted helper
    (set here through the test hook), a job whose measured serial cost is far
    below that wait runs on the caller alone; with no penalty it gets threads."""
    _pool.probe(100_000, 64, 2)  # the probe body's cost is known
    try:
        _pool._set_penalty(10**9)  # one second of waiting, just now
        before = _pool.pool_stats()
        values, workers, used = _pool.probe(100_000, 64, 2)
        after = _pool.pool_stats()
        assert used == 1 and workers.max() == 0
        np.testing.assert_array_equal(values, np.arange(1, 100_001))
        assert after["serial_contended"] == before["serial_contended"] + 1
        assert after["penalty_ns"] > 0
    finally:
        _pool._set_penalty(0)
    values, _, used = _pool.probe(100_000, 64, 2)
    assert used == 2
    np.testing.assert_array_equal(values, np.arange(1, 100_001))


@needs_pool
def test_encoders_stay_right_when_the_decision_flips():
    """Serial and threaded runs of one call give identical output."""
    import deepbiop.encoders._base as base

    rng = np.random.default_rng(5)
    seqs = ["".join(rng.choice(list("ACGTN"), size=int(n))) for n in rng.integers(0, 300, 3000)]
    old = base._MIN_BASES_PER_THREAD
    base._MIN_BASES_PER_THREAD = 1
    try:
        outs = []
        for pen in (10**9, 0):
            _pool._set_penalty(pen)
            outs.append(
                (
                    dbp.IntegerEncoder("dna", "unknown", n_jobs=2).encode_batch(seqs),
                    dbp.KmerEncoder(k=4, n_jobs=2).fit(seqs[:1]).transform(seqs),
                    dbp.OneHotEncoder("dna", "skip", n_jobs=2).encode_batch(seqs),
                )
            )
    finally:
        _pool._set_penalty(0)
        base._MIN_BASES_PER_THREAD = old
    for a, b in zip(*outs):
        np.testing.assert_array_equal(a, b)
