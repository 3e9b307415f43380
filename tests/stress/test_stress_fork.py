"""A ``multiprocessing`` fork-pool child encoding with n_jobs=2 after the
parent used threads (the thread pool in the parent's main thread, Python
threads encoding) must finish, be right, and use threads of its own. Each case
runs in a child process with a timeout, so a hang fails the test instead of
the run."""

from __future__ import annotations

import pytest

from _budget import STRESS_ROUNDS
from _subproc import run_child
from deepbiop._kernels import _config

# AddressSanitizer's allocator is not fork-safe while other threads exist (a
# child forked while an idle pool helper holds its lock can wait forever);
# the fork behaviour is tested by the ordinary builds, memory errors by this one.
pytestmark = pytest.mark.skipif(
    _config.sanitizer_enabled(), reason="fork with live threads under ASan can deadlock"
)

_CODE = """
import multiprocessing as mp, threading
import numpy as np
import deepbiop as dbp
import deepbiop.encoders._base as base
from deepbiop._kernels import _pool
import _fastref as F
from _races import reads

base._MIN_BASES_PER_THREAD = 1  # every call really uses both threads
_pool._set_decide(False)
seqs = reads(20_000, 150, seed=1)
raw = [s.encode() for s in seqs]
REFS = {{
    "integer": F.integer_codes(raw).astype(np.int8),
    "onehot": F.onehot(raw[:2000], dtype=np.uint8),
    "kmer": F.kmer_counts(raw, 3).astype(np.int32),
}}
MAKE = {{
    "integer": lambda: dbp.IntegerEncoder("dna", "unknown", dtype=np.int8, n_jobs=2),
    "onehot": lambda: dbp.OneHotEncoder("dna", dtype=np.uint8, n_jobs=2),
    "kmer": lambda: dbp.KmerEncoder(k=3, dtype=np.int32, n_jobs=2),
}}
BATCH = {{"integer": seqs, "onehot": seqs[:2000], "kmer": seqs}}

def child(name):
    out = MAKE[name]().encode_batch(BATCH[name])
    return bool(np.array_equal(out, REFS[name])) and _pool.pool_stats()["jobs"] >= 1

parent = {parent!r}
enc = MAKE[{encoder!r}]()
if parent in ("main", "both"):
    enc.encode_batch(BATCH[{encoder!r}])      # the pool in the parent's main thread
if parent in ("threads", "both"):
    ts = [threading.Thread(target=enc.encode_batch, args=(BATCH[{encoder!r}],))
          for _ in range(3)]
    [t.start() for t in ts]
    [t.join() for t in ts]
for r in range({rounds}):
    with mp.get_context("fork").Pool(2) as pool:
        res = pool.map_async(child, [{encoder!r}] * 4).get(timeout=10)  # work: < 1 s
    report(res)
"""


@pytest.mark.parametrize(
    "encoder, parent",
    [
        ("integer", "threads"),
        ("integer", "main"),
        ("integer", "both"),
        ("onehot", "threads"),
        ("onehot", "main"),
        ("kmer", "threads"),
        ("kmer", "main"),
    ],
)
def test_fork_pool_child_after_parent_used_threads(encoder, parent):
    """Regression (``main``/``both``): once the parent's main thread had run
    an OpenMP region (any n_jobs=2 call), a fork-pool child's own n_jobs=2
    call never returned (libgomp's thread pool does not survive fork). The
    kernels now run on deepbiop's pool, which a child starts afresh: its
    n_jobs=2 call opens a job for helpers of its own (``jobs >= 1``)."""
    res = run_child(
        _CODE.format(parent=parent, encoder=encoder, rounds=STRESS_ROUNDS),
        timeout=90 + 30 * STRESS_ROUNDS,
        mem_gib=None,
    )
    if "TimeoutError" in res.stderr:
        raise AssertionError(
            "a fork-pool child did not finish within 10 s (hang)\n" + res.describe()
        )
    res.check()
    assert res.reports == [[True] * 4] * STRESS_ROUNDS, res.reports
