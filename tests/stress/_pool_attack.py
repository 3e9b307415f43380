"""Workloads for ``test_stress_pool.py``, run inside child processes.

Each encoder case is an (encoder, batch) pair whose right answer is known in
advance: the plain-NumPy references of ``_fastref.py`` where one exists, else
the same encoder's one-thread result (computed before any concurrency starts;
the n_jobs=1 path never touches the pool's helpers).
"""

from __future__ import annotations

import threading
from collections import Counter

import numpy as np

import _fastref as F
import deepbiop as dbp
import deepbiop.encoders._base as base
from _races import reads

# every call with n_jobs > 1 really opens a job for helpers
base._MIN_BASES_PER_THREAD = 1


def _report(obj) -> None:
    import __main__

    __main__.report(obj)


def _varlen(n: int, length: int, seed: int) -> list:
    rng = np.random.default_rng(seed)
    return [s[: int(rng.integers(0, length + 1))] for s in reads(n, length, seed=seed)]


def cases() -> dict:
    """name -> (make(n_jobs) -> callable(batch) -> comparable, batch, reference)."""
    short = reads(3000, 150, seed=1)
    var = _varlen(3000, 300, seed=2)
    # fewer rows than threads, each >= 2 * 65,536 bases: KmerEncoder splits
    # every row across the threads (_count_split, per-worker buffers summed)
    long_rows = reads(3, 300_000, seed=3)
    raw_short = [s.encode() for s in short]
    raw_var = [s.encode() for s in var]
    raw_long = [s.encode() for s in long_rows]

    def integer(j):
        enc = dbp.IntegerEncoder("dna", "unknown", dtype=np.int8, n_jobs=j)
        return enc.encode_batch

    def onehot(j):
        enc = dbp.OneHotEncoder("dna", dtype=np.uint8, n_jobs=j)
        return enc.encode_batch

    def kmer(j):
        enc = dbp.KmerEncoder(k=3, dtype=np.int32, n_jobs=j)
        return enc.encode_batch

    def kmer_f32(j):
        enc = dbp.KmerEncoder(k=4, dtype=np.float32, n_jobs=j)
        return enc.encode_batch

    def kmer_sparse(j):
        enc = dbp.KmerEncoder(k=5, dtype=np.int64, sparse=True, n_jobs=j)
        return lambda b: enc.encode_batch(b).toarray()

    def spectrum(j):
        def run(b):
            spec = dbp.kmer_spectrum(b, k=9, n_jobs=j)
            return np.concatenate([spec.codes.astype(np.int64), spec.counts])

        return run

    def tokens(j):
        enc = dbp.TransformerEncoder("dna", k=3, max_length=None, n_jobs=j)
        return lambda b: np.stack(enc.encode_batch(b))

    def rc(j):
        return lambda b: dbp.augment.reverse_complement_batch(b, "dna", n_jobs=j)

    out = {
        "integer": (integer, short, F.integer_codes(raw_short).astype(np.int8)),
        "integer_var": (integer, var, F.integer_codes(raw_var).astype(np.int8)),
        "onehot": (onehot, short[:1000], F.onehot(raw_short[:1000], dtype=np.uint8)),
        "kmer": (kmer, var, F.kmer_counts(raw_var, 3).astype(np.int32)),
        "kmer_long": (kmer, long_rows, F.kmer_counts(raw_long, 3).astype(np.int32)),
        "kmer_long_f32": (kmer_f32, long_rows, F.kmer_counts(raw_long, 4).astype(np.float32)),
        "kmer_sparse": (kmer_sparse, var, F.kmer_counts(raw_var, 5).astype(np.int64)),
    }
    # no independent reference at hand: the one-thread result
    for name, make, batch in [
        ("spectrum", spectrum, short),
        ("tokens", tokens, var),
        ("rc", rc, var),
    ]:
        out[name] = (make, batch, make(1)(batch))
    return out


def same(a, b) -> bool:
    if isinstance(b, list):
        return isinstance(a, list) and a == b
    return a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b)


def hammer(n_threads: int, iterations: int, shared: bool, names=None) -> None:
    """``n_threads`` Python threads each run ``iterations`` calls, cycling
    through the cases and n_jobs 2..8 (shared: one encoder object per
    (case, n_jobs) used by every thread; else each call makes its own)."""
    all_cases = cases()
    names = names or sorted(all_cases)
    made = {}
    if shared:
        for name in names:
            for j in range(2, 9):
                made[name, j] = all_cases[name][0](j)
    counts: Counter = Counter()
    lock = threading.Lock()
    start = threading.Barrier(n_threads)

    def work(t):
        start.wait()
        for it in range(iterations):
            name = names[(t + it) % len(names)]
            j = 2 + (t * 3 + it) % 7
            make, batch, ref = all_cases[name]
            fn = made[name, j] if shared else make(j)
            try:
                key = "ok" if same(fn(batch), ref) else f"wrong:{name}:{j}"
            except Exception as exc:  # noqa: BLE001
                key = f"error:{name}:{type(exc).__name__}:{exc}"
            with lock:
                counts[key] += 1

    ts = [threading.Thread(target=work, args=(t,)) for t in range(n_threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    _report(dict(counts))
