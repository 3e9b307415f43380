"""Attacks on deepbiop's thread pool (``deepbiop/_kernels/_pool_impl.h``).

* many Python threads calling every pooled kernel at once with n_jobs 2..8,
  on shared and on separate encoder objects (one job at a time in the pool,
  the others run serially on their own thread): every result equal to the
  reference;
* ``fork()`` from one thread while others are inside kernels (the child's
  pool is reset by a pthread_atfork handler: it must encode, right, with
  helpers of its own);
* SIGINT, a Python signal handler and a finalizer that call kernels while
  other calls run (a handler or finalizer that finds the pool busy runs
  serially: no deadlock);
* thousands of tiny calls; ``_pool.probe`` with extreme arguments (chunk
  sizes near INT64_MAX, absurd thread counts); n_jobs=64 on 2 cores;
* helper threads that cannot be created (address-space limit): serial, right;
* a fault in a helper thread must still reach the process's fault handlers
  (faulthandler here, ASan's DEADLYSIGNAL report in the sanitizer build).

Each case runs in a child process (``_subproc.run_child``) so a crash or hang
fails one test with the signal named.
"""

from __future__ import annotations

import sys

import pytest

from _budget import STRESS_ROUNDS
from _subproc import run_child
from deepbiop._kernels import _config, _pool

pytestmark = [
    pytest.mark.stress,
    pytest.mark.skipif(not _pool.pool_enabled(), reason="serial build: no pool"),
]
no_fork_under_asan = pytest.mark.skipif(
    _config.sanitizer_enabled(), reason="fork with live threads under ASan can deadlock"
)
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux /proc")


def _only_ok(counts: dict, what: str) -> None:
    bad = {k: v for k, v in counts.items() if k != "ok"}
    assert not bad and counts.get("ok"), f"{what}: {counts}"


# --------------------------------------------------------------- threads
@pytest.mark.parametrize("shared", [True, False], ids=["shared", "separate"])
def test_many_threads_every_kernel(shared):
    res = run_child(
        f"import _pool_attack as P\nP.hammer(8, {30 * STRESS_ROUNDS}, {shared})\n", timeout=300
    )
    res.check()
    _only_ok(res.reports[-1], "8 threads x every pooled kernel")


def test_n_jobs_64_on_few_cores():
    """n_jobs=64 (the cap) starts 63 helpers on a 2-core machine; results
    stay right and later small n_jobs calls still work."""
    res = run_child(
        """
        import numpy as np, deepbiop as dbp
        import _pool_attack as P
        from deepbiop._kernels import _pool
        _pool._set_decide(False)  # the pool's mechanics, not the per-call decision
        assert dbp.effective_n_threads(64) == 64
        C = P.cases()
        bad = []
        for j in (64, 2, 64, 3):
            for name, (make, batch, ref) in C.items():
                if not P.same(make(j)(batch), ref):
                    bad.append((name, j))
        report({"bad": bad, "helpers": _pool.pool_stats()["helpers"]})
    """,
        timeout=300,
    )
    res.check()
    rep = res.reports[-1]
    assert rep["bad"] == [] and rep["helpers"] >= 2, rep


def test_thousands_of_tiny_calls():
    """Tiny jobs (a few chunks, most helpers arriving after the job closed)
    from four threads at once: every item exactly once, every time."""
    res = run_child(
        f"""
        import threading, numpy as np
        from deepbiop._kernels import _pool
        import _pool_attack as P
        import deepbiop as dbp
        bad = []
        def work(t):
            rng = np.random.default_rng(t)
            for _ in range({2500 * STRESS_ROUNDS}):
                n = int(rng.integers(0, 40)); g = int(rng.integers(0, 4))
                v, w, used = _pool.probe(n, g, int(rng.integers(1, 9)))
                if not (v == np.arange(1, n + 1)).all() or (n and w.max() >= used):
                    bad.append((n, g))
            enc = dbp.IntegerEncoder("dna", "unknown", dtype=np.int8, n_jobs=4)
            seqs = P.reads(3, 5, seed=t)
            ref = P.F.integer_codes([s.encode() for s in seqs]).astype(np.int8)
            for _ in range({500 * STRESS_ROUNDS}):
                if not np.array_equal(enc.encode_batch(seqs), ref):
                    bad.append("encode")
        ts = [threading.Thread(target=work, args=(t,)) for t in range(4)]
        [t.start() for t in ts]; [t.join() for t in ts]
        report({{"bad": bad[:10], "stats": _pool.pool_stats()}})
    """,
        timeout=300,
    )
    res.check()
    assert res.reports[-1]["bad"] == [], res.reports[-1]


# ------------------------------------------------------------------ probe
def test_probe_extreme_arguments():
    """Chunk sizes near INT64_MAX (``n + grain - 1`` and ``lo + grain`` must
    not overflow: signed overflow is undefined behaviour, which UBSan reports
    in the sanitizer build) and thread counts far above the helper cap."""
    res = run_child(
        """
        import numpy as np
        from deepbiop._kernels import _pool
        M = 2**63 - 1
        bad = []
        for n, grain, threads in [(10, M, 2), (10, M - 3, 4), (3, 2**62 + 1, 2),
                                  (5, 2**62, 8), (7, M // 2, 3), (1, M, 2**31 - 1),
                                  (300, 1, 2**31 - 1), (1000, 0, 2**31 - 1),
                                  (0, M, 2**31 - 1), (2, 1, 2)]:
            v, w, used = _pool.probe(n, grain, threads)
            if not (v == np.arange(1, n + 1)).all() or used < 1 or used > max(1, n):
                bad.append((n, grain, threads, used))
        report({"bad": bad, "helpers": _pool.pool_stats()["helpers"]})
    """,
        timeout=120,
    )
    res.check()
    rep = res.reports[-1]
    assert rep["bad"] == [], rep
    assert rep["helpers"] <= 1023, rep


# ------------------------------------------------------------------- fork
_FORK = """
import os, signal, threading, time
import numpy as np
import _pool_attack as P
from deepbiop._kernels import _pool

C = P.cases()
NAMES = ["integer", "kmer", "kmer_long", "kmer_sparse", "spectrum", "tokens"]
stop = threading.Event()
wrong = []

def busy(t):
    made = {{name: C[name][0](2 + t) for name in NAMES}}
    i = 0
    while not stop.is_set():
        name = NAMES[(t + i) % len(NAMES)]
        if not P.same(made[name](C[name][1]), C[name][2]):
            wrong.append(name)
        i += 1

ts = [threading.Thread(target=busy, args=(t,), daemon=True) for t in range(3)]
[t.start() for t in ts]
time.sleep(0.2)
outcomes = []
for r in range({rounds}):
    time.sleep(0.01 * (r % 5))
    pid = os.fork()
    if pid == 0:
        ok = True
        try:
            for name in NAMES:
                for j in (2, 4):
                    make, batch, ref = C[name]
                    ok = ok and P.same(make(j)(batch), ref)
            ok = ok and _pool.pool_stats()["jobs"] >= 1
        except BaseException:
            ok = False
        os._exit(0 if ok else 3)
    deadline = time.monotonic() + 60
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            outcomes.append(os.waitstatus_to_exitcode(status))
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            outcomes.append("hang")
            break
        time.sleep(0.01)
stop.set()
[t.join() for t in ts]
report({{"outcomes": outcomes, "parent_wrong": wrong}})
"""


@no_fork_under_asan
def test_fork_while_other_threads_are_inside_kernels():
    """The forking thread's child inherits a pool whose job (another
    thread's), mutexes and helpers belong to the parent: it must reset and
    start its own, not hang on a copied-locked mutex or a dead helper."""
    res = run_child(_FORK.format(rounds=6 * STRESS_ROUNDS), timeout=400, mem_gib=None)
    res.check()
    rep = res.reports[-1]
    assert rep["parent_wrong"] == [], rep
    assert rep["outcomes"] and all(o == 0 for o in rep["outcomes"]), rep


# ------------------------------------------- signals, handlers, finalizers
def test_sigint_during_long_calls():
    """KeyboardInterrupt arrives while threads are in kernels (it is raised
    when the call returns); the pool is left usable and right."""
    res = run_child(
        f"""
        import os, signal, threading, time
        import numpy as np
        import _pool_attack as P
        C = P.cases()
        make, batch, ref = C["kmer_long"]
        fn = make(4)
        interrupted = 0
        for r in range({4 * STRESS_ROUNDS}):
            threading.Timer(0.02 + 0.01 * r, os.kill, (os.getpid(), signal.SIGINT)).start()
            try:
                t0 = time.monotonic()
                while time.monotonic() - t0 < 5:
                    assert P.same(fn(batch), ref)
            except KeyboardInterrupt:
                interrupted += 1
        ok = all(P.same(C[n][0](3)(C[n][1]), C[n][2]) for n in C)
        report({{"interrupted": interrupted, "ok": ok}})
    """,
        timeout=200,
    )
    res.check()
    rep = res.reports[-1]
    assert rep["ok"] and rep["interrupted"] == 4 * STRESS_ROUNDS, rep


def test_signal_handler_and_finalizer_call_kernels():
    """A Python signal handler (main thread, between bytecodes of another
    kernel call's Python code) and finalizers (any thread, at a GC) encode
    with n_jobs=2 while other threads hold the pool: no deadlock, all right."""
    res = run_child(
        f"""
        import gc, signal, threading, time
        import numpy as np
        import _pool_attack as P
        C = P.cases()
        small = P.reads(50, 40, seed=7)
        small_ref = P.F.integer_codes([s.encode() for s in small]).astype(np.int8)
        import deepbiop as dbp
        enc2 = dbp.IntegerEncoder("dna", "unknown", dtype=np.int8, n_jobs=2)
        seen = {{"handler": 0, "finalizer": 0, "bad": 0}}

        def handler(sig, frame):
            seen["handler"] += 1
            if not np.array_equal(enc2.encode_batch(small), small_ref):
                seen["bad"] += 1

        class Cycle:
            def __init__(self):
                self.me = self
            def __del__(self):
                seen["finalizer"] += 1
                if not np.array_equal(enc2.encode_batch(small), small_ref):
                    seen["bad"] += 1

        signal.signal(signal.SIGALRM, handler)
        signal.setitimer(signal.ITIMER_REAL, 0.003, 0.003)
        stop = threading.Event()
        def other(t):
            fn = C["kmer_long"][0](2 + t)
            while not stop.is_set():
                if not P.same(fn(C["kmer_long"][1]), C["kmer_long"][2]):
                    seen["bad"] += 1
                Cycle(); Cycle()
        ts = [threading.Thread(target=other, args=(t,)) for t in range(2)]
        [t.start() for t in ts]
        t0 = time.monotonic()
        names = sorted(C)
        i = 0
        while time.monotonic() - t0 < {3 * STRESS_ROUNDS}:
            make, batch, ref = C[names[i % len(names)]]
            if not P.same(make(4)(batch), ref):
                seen["bad"] += 1
            Cycle()
            if i % 7 == 0:
                gc.collect()
            i += 1
        signal.setitimer(signal.ITIMER_REAL, 0, 0)
        stop.set(); [t.join() for t in ts]
        gc.collect()
        report(seen)
    """,
        timeout=200,
    )
    res.check()
    rep = res.reports[-1]
    assert rep["bad"] == 0 and rep["handler"] > 0 and rep["finalizer"] > 0, rep


# ------------------------------------------------------ thread creation
def test_helpers_cannot_be_created():
    """Under ``ulimit -u`` (RLIMIT_NPROC) at its limit pthread_create fails
    with EAGAIN: every call runs on the caller, right; once the limit is
    lifted, the next call starts helpers. (Root is exempt from the limit, so
    a root child first becomes ``nobody``.)"""
    res = run_child(
        """
        import os, resource
        import numpy as np
        import _pool_attack as P
        from deepbiop._kernels import _pool
        _pool._set_decide(False)  # the pool's mechanics, not the per-call decision
        C = P.cases()
        names = sorted(C)
        fns = {n: C[n][0](4) for n in names}
        soft, hard = resource.getrlimit(resource.RLIMIT_NPROC)
        resource.setrlimit(resource.RLIMIT_NPROC, (1, hard))
        if os.geteuid() == 0:
            os.setgid(65534)
            os.setuid(65534)
        ok_limited = all(P.same(fns[n](C[n][1]), C[n][2]) for n in names)
        during = _pool.pool_stats()
        resource.setrlimit(resource.RLIMIT_NPROC, (soft, hard))
        ok_after = all(P.same(fns[n](C[n][1]), C[n][2]) for n in names)
        report({"ok_limited": ok_limited, "ok_after": ok_after, "during": during,
                "after": _pool.pool_stats()})
    """,
        timeout=200,
    )
    res.check()
    rep = res.reports[-1]
    assert rep["ok_limited"] and rep["ok_after"], rep
    assert rep["during"]["helpers"] == 0, f"the limit let helpers start: {rep}"
    assert rep["after"]["helpers"] >= 1, rep


# -------------------------------------------------- faults in helpers
@linux_only
def test_helpers_leave_fault_signals_unblocked():
    """Helpers block asynchronous signals (Python handles those on the main
    thread) but not SIGSEGV/SIGBUS/SIGFPE/SIGILL/SIGABRT: a fault raised while
    such a signal is blocked makes the kernel reset its handler to the default
    and kill the process silently, without faulthandler's traceback or
    ASan's report."""
    res = run_child(
        """
        import os, time
        from deepbiop._kernels import _pool
        _pool._set_decide(False)  # the pool's mechanics, not the per-call decision
        before = set(os.listdir("/proc/self/task"))  # (numpy's BLAS threads too)
        _pool.probe(100_000, 64, 3)
        # glibc starts a thread with every signal blocked and sets the mask
        # it was created with only once it runs: let the helpers get there
        t0 = time.monotonic()
        while _pool.pool_stats()["helper_chunks"] == 0 and time.monotonic() - t0 < 10:
            _pool.probe(100_000, 64, 3)
        time.sleep(0.5)
        masks = {}
        for tid in set(os.listdir("/proc/self/task")) - before:
            for line in open(f"/proc/self/task/{tid}/status"):
                if line.startswith("SigBlk"):
                    masks[tid] = int(line.split()[1], 16)
        report(masks)
    """,
        timeout=60,
    )
    res.check()
    masks = res.reports[-1]
    assert masks, "no helper threads found"
    import signal

    for tid, mask in masks.items():
        for sig in (
            signal.SIGSEGV,
            signal.SIGBUS,
            signal.SIGFPE,
            signal.SIGILL,
            signal.SIGABRT,
            signal.SIGTRAP,
            signal.SIGSYS,
        ):
            assert not mask & (1 << (sig - 1)), f"helper {tid} blocks {sig.name}: {mask:x}"
        assert mask & (1 << (signal.SIGINT - 1)), f"helper {tid} takes SIGINT: {mask:x}"


_CRASH = """
import numpy as np
from deepbiop._kernels import _pool, _tokens
_pool._set_decide(False)  # the pool's mechanics, not the per-call decision
_pool.probe(100_000, 64, 2)          # the helper exists and sleeps
# row 0: 200 MB of valid bases (whoever claims it is busy for a while);
# row 1: an address that faults. Whichever thread claims row 1 crashes.
big = np.frombuffer(b"ACGT" * 50_000_000, dtype=np.uint8)
ptrs = np.array([big.ctypes.data, 16], dtype=np.int64)
lens = np.array([big.size, 4096], dtype=np.int64)
codes = np.full(256, -1, dtype=np.int16)
valid = np.zeros(256, dtype=np.uint8)
for i, c in enumerate(b"ACGT"):
    codes[c] = i
    valid[c] = 1
counts = np.zeros(2, dtype=np.int64)
status = np.full(2, -1, dtype=np.int64)
_tokens.token_counts(ptrs, lens, codes, valid, 4, 3, 1, 0, True, counts, status, 2)
"""


@linux_only
def test_fault_in_a_helper_reaches_faulthandler():
    """A segfault in a helper (here a deliberately bad address passed to the
    raw kernel) must print faulthandler's 'Fatal Python error' like one on
    the calling thread; the stress suite relies on it to name crashes."""
    if _config.sanitizer_enabled():
        pytest.skip("ASan reports the fault itself")
    for attempt in range(4):  # either thread may take the bad row
        res = run_child(_CRASH, timeout=120, mem_gib=None)
        assert res.signal_name == "SIGSEGV", res.describe()
        assert "Fatal Python error: Segmentation fault" in res.stderr, (
            f"attempt {attempt}: the process died silently\n{res.describe()}"
        )
