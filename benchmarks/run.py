"""deepbiop benchmarks: one command, every encoder beside its baselines.

Usage::

    python benchmarks/run.py                 # the core suite, full sizes
    python benchmarks/run.py --quick         # 10x smaller inputs, well under a minute
    python benchmarks/run.py --suite W1      # one workload of the core suite
    python benchmarks/run.py --suite all     # core + every benchmarks/bench_<name>.py
    python benchmarks/run.py --suite tokens  # just benchmarks/bench_tokens.py
    python benchmarks/run.py --json out.json

For each workload (see ``_workloads.py``) and encoder, the same inputs go
through deepbiop, the fresh-output floor, a NumPy lookup-table implementation,
a numba ``@njit`` implementation and the installed peers (seqpro, tangermeme,
``CountVectorizer``), all in this process. Before timing, each baseline's output
is checked equal to deepbiop's on the first sequences of the workload.

Columns: ``thr`` threads; ``ms`` median wall time; ``Mb/s`` million bases per
second; ``Mreads/s`` sequences per second; ``x floor`` throughput relative to
writing the same output into fresh memory with the same number of threads;
``db x`` how many times faster deepbiop (all threads, same output dtype) is
than that row; ``peak MB`` the rise of the process's peak RSS during the call
(output included); ``extra MB`` that peak minus the output's size.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import os
import platform
import statistics
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import numpy as np  # noqa: E402

import _baselines as bl  # noqa: E402
import deepbiop as dbp  # noqa: E402
from _workloads import WORKLOAD_NAMES, Workload, make_workloads  # noqa: E402

#: benchmark modules colleagues own; reported as skipped when absent.
EXPECTED_SUITES = ("tokens", "io", "kmer_sparse", "contention", "cli", "kmers_disk", "dask")


# -- measurement ---------------------------------------------------------------
def _fresh_large_allocations() -> bool:
    """Make glibc serve every allocation >= 1 MiB from fresh mmap'd pages.

    glibc raises its mmap threshold (up to 32 MiB) after large blocks are freed
    and then recycles them, so ``--quick``-sized outputs would skip the page
    faults a user's full-size output pays. Fixing the threshold keeps "fresh
    output" meaning the same at every size, for every implementation.
    """
    try:
        import ctypes

        libc = ctypes.CDLL(None)
        M_MMAP_THRESHOLD = -3
        return bool(libc.mallopt(M_MMAP_THRESHOLD, 1 << 20))
    except (OSError, AttributeError):
        return False


def _rss_reset() -> bool:
    """Reset the kernel's peak-RSS counter (Linux); False where unsupported."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def _rss_kb(key: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def measure(fn: Callable[[], Any], repeat: int) -> tuple[list[float], float | None, int]:
    """Run ``fn`` ``repeat`` times; return wall times, the rise of peak RSS during
    the first run (MB, None where unmeasurable) and the result's size in bytes."""
    enabled = gc.isenabled()
    gc.disable()  # a collection inside a timed call would be charged to it
    try:
        return _measure(fn, repeat)
    finally:
        if enabled:
            gc.enable()


def _measure(fn, repeat):
    times = []
    peak = None
    nbytes = 0
    for r in range(repeat):
        tracked = r == 0 and _rss_reset()
        before = _rss_kb("VmRSS") if tracked else 0
        t0 = time.perf_counter()
        res = fn()
        times.append(time.perf_counter() - t0)
        if tracked:
            peak = (_rss_kb("VmHWM") - before) / 1024
        nbytes = getattr(res, "nbytes", 0)
        del res
    return times, peak, nbytes


@dataclass
class Row:
    workload: str
    task: str
    impl: str
    threads: int
    seconds: float
    n_bases: int
    n_seqs: int
    out_mb: float
    peak_mb: float | None
    checked: str
    note: str = ""
    mbases_s: float = 0.0
    reads_s: float = 0.0
    x_floor: float | None = None
    deepbiop_x: float | None = None
    times: list = field(default_factory=list)


@dataclass
class Impl:
    name: str
    fn: Callable[[list], Any]
    threads: int = 1
    kind: str = "baseline"  # floor | deepbiop | baseline | peer
    ref: Callable[[list], Any] | None = None  # deepbiop output to compare with
    subset: int | None = None  # time on the first `subset` sequences only
    upper: bool = False  # feed the upper-cased sequences (case-sensitive peers)
    vs: str | None = None  # the deepbiop row this one is compared with
    skip: str | None = None  # reason it cannot run here
    prepare: Callable[[list], Any] | None = None  # untimed set-up, result passed on


# -- encoder set-ups ------------------------------------------------------------
def _alpha(w: Workload) -> str:
    return w.alphabet


def _db_call(enc, w: Workload, out=None):
    if w.single:
        return lambda seqs: enc.encode(seqs[0])
    if out is not None:
        return lambda seqs: enc.encode_batch(seqs, out=out)
    return lambda seqs: enc.encode_batch(seqs)


def _single(fn, w: Workload):
    """Baselines encode batches; for W3 return the one row, as encode() does."""
    if w.single:
        return lambda seqs: fn(seqs)[0]
    return fn


def _peer_impl(name, module, fn, **kw) -> Impl:
    mod = bl.peer(module)
    skip = mod if isinstance(mod, str) else None
    return Impl(name, fn, kind="peer", skip=skip, **kw)


def _tasks(w: Workload, quick: bool, n_all: int) -> list[tuple[str, tuple, Any, list[Impl]]]:
    """(task, output shape, dtype, implementations) for one workload."""
    a = _alpha(w)
    A = len(bl.SYMBOLS[a])
    B, L = w.n_seqs, w.max_len
    tasks = []
    nb_skip = None if bl.numba_available() else "numba not installed"
    fixed = len({len(s) for s in w.seqs}) == 1
    threads = sorted({1, n_all})
    slow_subset = 1_000 if quick else 5_000
    # the big workloads' baselines (seconds per call, gigabytes of temporaries)
    # are timed on a tenth of the sequences; throughput is per base either way
    heavy = {"W4": B // 5, "W5": B // 10}.get(w.name)

    def floors(shape, dtype):
        return [
            Impl(
                f"floor (fresh {np.dtype(dtype).name} output)",
                lambda seqs, t=t: bl.floor(shape, dtype, t),
                threads=t,
                kind="floor",
            )
            for t in threads
        ]

    def deepbiop_rows(make, shape, dtype):
        name = "deepbiop"
        rows = [Impl(name, _db_call(make(t), w), threads=t, kind="deepbiop") for t in threads]
        if not w.single:
            rows.append(
                Impl(
                    "deepbiop out=",
                    None,
                    threads=n_all,
                    kind="deepbiop",
                    prepare=lambda seqs, t=n_all: _db_call(make(t), w, out=np.empty(shape, dtype)),
                )
            )
        return rows

    # one-hot
    if w.name in ("W1", "W2", "W3", "W4", "W5", "P"):
        shape = (L, A) if w.single else (B, L, A)
        ref = _db_call(dbp.OneHotEncoder(a, "skip"), w)
        impls = floors(shape, np.float32) + deepbiop_rows(
            lambda t: dbp.OneHotEncoder(a, "skip", n_jobs=t), shape, np.float32
        )
        impls += [
            Impl("numpy", _single(lambda s: bl.numpy_onehot(s, a), w), ref=ref, subset=heavy),
            Impl(
                "numba",
                _single(lambda s: bl.numba_onehot(s, a), w),
                threads=n_all,
                subset=heavy,
                ref=ref,
                skip=nb_skip,
            ),
        ]
        if w.name == "W1":
            u8 = dbp.OneHotEncoder(a, "skip", dtype=np.uint8)
            u8cf = dbp.OneHotEncoder(a, "skip", dtype=np.uint8, channels_first=True)
            impls += [
                Impl("deepbiop uint8", _db_call(u8, w), threads=n_all, kind="deepbiop"),
                _peer_impl(
                    "seqpro.ohe (uint8)",
                    "seqpro",
                    bl.seqpro_ohe,
                    threads=n_all,
                    ref=_db_call(u8, w),
                    upper=True,
                    vs="deepbiop uint8",
                ),
                Impl(
                    "deepbiop uint8 channels_first",
                    _db_call(u8cf, w),
                    threads=n_all,
                    kind="deepbiop",
                ),
                _peer_impl(
                    "tangermeme (int8, (B,4,L))",
                    "tangermeme",
                    bl.tangermeme_ohe,
                    ref=_db_call(u8cf, w),
                    upper=True,
                    subset=slow_subset,
                    vs="deepbiop uint8 channels_first",
                ),
            ]
        tasks.append(("one-hot float32", shape, np.float32, impls))

    # integer codes
    if w.name in ("W1", "W2", "W3", "W4", "W5", "P"):
        shape = (L,) if w.single else (B, L)
        ref = _db_call(dbp.IntegerEncoder(a, "unknown"), w)
        impls = floors(shape, np.float32) + deepbiop_rows(
            lambda t: dbp.IntegerEncoder(a, "unknown", n_jobs=t), shape, np.float32
        )
        impls += [
            Impl("numpy", _single(lambda s: bl.numpy_integer(s, a), w), ref=ref, subset=heavy),
            Impl(
                "numba",
                _single(lambda s: bl.numba_integer(s, a), w),
                threads=n_all,
                subset=heavy,
                ref=ref,
                skip=nb_skip,
            ),
        ]
        if a == "dna" and fixed and not w.single:
            i32 = dbp.IntegerEncoder(a, "unknown", dtype=np.int32)
            impls += [
                Impl("deepbiop int32", _db_call(i32, w), threads=n_all, kind="deepbiop"),
                _peer_impl(
                    "seqpro.tokenize (int32)",
                    "seqpro",
                    bl.seqpro_tokenize,
                    threads=n_all,
                    ref=_db_call(i32, w),
                    vs="deepbiop int32",
                ),
            ]
        tasks.append(("integer float32", shape, np.float32, impls))

    # dense k-mers
    ks = {"W1": (3, 5) if quick else (3, 4, 5, 6), "W5": (3,), "P": (2,)}.get(w.name, (5,))
    for k in ks:
        shape = (A**k,) if w.single else (B, A**k)
        ref = _db_call(dbp.KmerEncoder(k, encoding_type=a), w)
        impls = floors(shape, np.float32) + [
            Impl(
                "deepbiop",
                _db_call(dbp.KmerEncoder(k, encoding_type=a, n_jobs=t), w),
                threads=t,
                kind="deepbiop",
            )
            for t in threads
        ]
        impls += [
            Impl(
                "numpy",
                _single(lambda s, k=k: bl.numpy_kmer(s, a, k), w),
                ref=ref,
                subset=heavy or (B // 5 if k >= 6 else None),
            ),
            Impl(
                "numba",
                _single(lambda s, k=k: bl.numba_kmer(s, a, k), w),
                threads=n_all,
                subset=heavy,
                ref=ref,
                skip=nb_skip,
            ),
        ]
        if w.name == "W1":
            impls.append(
                _peer_impl(
                    "CountVectorizer",
                    "sklearn",
                    lambda s, k=k: bl.countvectorizer_kmer(s, a, k),
                    ref=ref,
                    upper=True,
                    subset=slow_subset // 5,
                )
            )
        tasks.append((f"k-mer k={k} float32", shape, np.float32, impls))
    return tasks


# -- running --------------------------------------------------------------------
def _agree(got, want) -> bool:
    got = np.asarray(got)
    return got.shape == want.shape and bool(np.array_equal(got, want))


def _run_task(
    w: Workload, task: str, shape: tuple, dtype, impls: list[Impl], repeat: int, check_n: int
) -> list[Row]:
    """Check every implementation against deepbiop, then time them in
    interleaved rounds (one call of each per round), so that a burst of load
    from other users of the machine hits all rows alike rather than one."""
    out_mb = float(np.prod(shape)) * np.dtype(dtype).itemsize / 2**20
    slots: list = []  # per impl: Row (skipped) or [im, fn, seqs, n_rep, checked]
    for im in impls:
        seqs_all = w.upper if im.upper else w.seqs
        seqs = seqs_all[: im.subset] if im.subset else seqs_all
        n_bases = sum(map(len, seqs)) if im.subset else w.n_bases
        if im.skip:
            slots.append(
                Row(
                    w.name,
                    task,
                    im.name,
                    im.threads,
                    float("nan"),
                    n_bases,
                    len(seqs),
                    out_mb,
                    None,
                    "skipped",
                    im.skip,
                )
            )
            continue
        bl.set_numba_threads(im.threads)
        fn = im.fn if im.prepare is None else im.prepare(seqs)
        checked = "-"
        check_s = 0.0
        try:
            if im.ref is not None:  # also the warm-up (numba compiles here)
                t0 = time.perf_counter()
                got = fn(seqs_all[:check_n])
                check_s = time.perf_counter() - t0
                ok = _agree(got, np.asarray(im.ref(w.seqs[:check_n])))
                checked = "ok" if ok else "MISMATCH"
                if not ok:
                    raise AssertionError(f"{im.name} disagrees with deepbiop on {task}")
        except AssertionError:
            raise
        except Exception as exc:  # a peer failing on this input is reported, not fatal
            if im.kind != "peer":
                raise
            slots.append(
                Row(
                    w.name,
                    task,
                    im.name,
                    im.threads,
                    float("nan"),
                    n_bases,
                    len(seqs),
                    out_mb,
                    None,
                    "skipped",
                    f"{type(exc).__name__}: {exc}"[:80],
                )
            )
            continue
        # baselines and peers are timed as often as deepbiop (a median of as
        # many samples, so one burst of load cannot skew theirs more) unless a
        # full call would take over a second; the first call compiled numba,
        # so the estimate from it errs on the slow side
        est = check_s * len(seqs) / max(1, min(check_n, len(seqs)))
        n_rep = repeat if im.kind in ("floor", "deepbiop") or est < 1.0 else max(2, repeat - 2)
        slots.append([im, fn, seqs, n_bases, n_rep, checked, [], None, 0])
    # One untimed call of the floor and deepbiop rows first: on a virtual
    # machine the first touch of guest memory the host has not backed yet costs
    # 5-10x a normal page fault, and would be charged to whichever row ran first.
    for slot in slots:
        if not isinstance(slot, Row) and slot[0].kind in ("floor", "deepbiop"):
            res = slot[1](slot[2])
            del res
    for r in range(repeat):
        for slot in slots:
            if isinstance(slot, Row) or r >= slot[4]:
                continue
            im, fn, seqs = slot[0], slot[1], slot[2]
            bl.set_numba_threads(im.threads)
            times, peak, nbytes = measure(lambda: fn(seqs), 1)
            slot[6].extend(times)
            if r == 0:
                slot[7], slot[8] = peak, nbytes
    rows = []
    for slot in slots:
        if isinstance(slot, Row):
            rows.append(slot)
            continue
        im, _, seqs, n_bases, _, checked, times, peak, nbytes = slot
        sec = statistics.median(times)
        note = f"first {len(seqs):,} seqs" if im.subset else ""
        if im.upper:
            note = (note + "; " if note else "") + "upper-cased input"
        # out= writes into a buffer the caller already holds: no new output
        new_out = 0.0 if im.prepare is not None else (nbytes / 2**20 if nbytes else out_mb)
        row = Row(
            w.name,
            task,
            im.name,
            im.threads,
            sec,
            n_bases,
            len(seqs),
            new_out,
            peak,
            checked,
            note,
            mbases_s=n_bases / sec / 1e6,
            reads_s=len(seqs) / sec,
            times=times,
        )
        row.vs = im.vs  # type: ignore[attr-defined]
        rows.append(row)
    return rows


def run_workload(w: Workload, quick: bool, repeat: int, n_all: int) -> tuple[list[Row], dict]:
    rows: list[Row] = []
    check_n = 1 if w.single else min(w.n_seqs, 2_000)
    info: dict = {"workload": w.name, "description": w.description}
    print(f"\n=== {w.name}: {w.description} ({w.n_bases / 1e6:.1f} Mbases) ===")
    if not w.single:
        # what every encoder does before its kernel: one pass taking a
        # reference to each element and reading its address and length (the
        # references are dropped when the packed batch goes)
        from deepbiop._sequences import pack_batch

        times, _, _ = measure(lambda: pack_batch(w.seqs), repeat)
        info["pack_seconds"] = statistics.median(times)
    for task, shape, dtype, impls in _tasks(w, quick, n_all):
        task_rows = _run_task(w, task, shape, dtype, impls, repeat, check_n)
        _ratios(task_rows, n_all)
        _print_task(task, task_rows)
        rows.extend(task_rows)
    if "pack_seconds" in info:
        main = [
            r
            for r in rows
            if r.impl == "deepbiop" and r.threads == n_all and r.task.startswith("integer")
        ]
        if main:
            info["pack_share_integer"] = info["pack_seconds"] / main[0].seconds
        main = [
            r
            for r in rows
            if r.impl == "deepbiop" and r.threads == n_all and r.task.startswith("one-hot")
        ]
        if main:
            info["pack_share_onehot"] = info["pack_seconds"] / main[0].seconds
        shares = ", ".join(
            f"{k.split('_')[-1]} {v:.0%}" for k, v in info.items() if k.startswith("pack_share")
        )
        print(
            f"input handling (before the integer kernel): "
            f"{info['pack_seconds'] * 1e3:.2f} ms"
            + (f" = share of deepbiop total: {shares}" if shares else "")
        )
    return rows, info


def _ratios(rows: list[Row], n_all: int) -> None:
    floors = {r.threads: r for r in rows if r.impl.startswith("floor") and r.seconds == r.seconds}
    db = {
        r.impl: r
        for r in rows
        if r.impl.startswith("deepbiop") and r.threads == n_all and r.seconds == r.seconds
    }
    main = next(
        (
            r
            for r in rows
            if r.impl.strip() == "deepbiop" and r.threads == n_all and r.seconds == r.seconds
        ),
        None,
    )
    for r in rows:
        if r.seconds != r.seconds:
            continue
        f = floors.get(r.threads) or floors.get(n_all)
        if f is not None and not r.note:
            r.x_floor = f.seconds / r.seconds
        ref = db.get(getattr(r, "vs", None) or "") or main
        if ref is not None and not r.impl.startswith(("deepbiop", "floor")):
            r.deepbiop_x = r.seconds / ref.seconds * ref.n_bases / r.n_bases


def _fmt(v, spec, none="-"):
    return none if v is None or v != v else format(v, spec)


def _print_task(task: str, rows: list[Row]) -> None:
    print(f"\n  {task}")
    hdr = (
        f"  {'implementation':34s} {'thr':>3s} {'ms':>9s} {'Mb/s':>8s} {'Mreads/s':>8s} "
        f"{'x floor':>7s} {'db x':>7s} {'peak MB':>8s} {'extra MB':>8s}  check"
    )
    print(hdr)
    for r in rows:
        if r.checked == "skipped":
            print(f"  {r.impl:34s} {'':>3s} skipped: {r.note}")
            continue
        extra = None if r.peak_mb is None else r.peak_mb - r.out_mb
        print(
            f"  {r.impl:34s} {r.threads:3d} {r.seconds * 1e3:9.2f} {r.mbases_s:8.1f} "
            f"{r.reads_s / 1e6:8.3f} {_fmt(r.x_floor, '7.2f')} {_fmt(r.deepbiop_x, '7.1f')} "
            f"{_fmt(r.peak_mb, '8.1f')} {_fmt(extra, '8.1f')}  {r.checked}"
            + (f"  ({r.note})" if r.note else "")
        )


def machine_info() -> dict:
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    thp = ""
    try:
        thp = Path("/sys/kernel/mm/transparent_hugepage/enabled").read_text().strip()
    except OSError:
        pass
    versions = {"deepbiop": dbp.__version__, "numpy": np.__version__}
    for mod in ("numba", "seqpro", "tangermeme", "sklearn"):
        m = sys.modules.get(mod)
        if m is not None:
            versions[mod] = getattr(m, "__version__", "?")
    return {
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "deepbiop_threads": dbp.effective_n_threads(None),
        "openmp": dbp.openmp_enabled(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "transparent_hugepage": thp,
        "versions": versions,
    }


def run_core(args, workloads: tuple) -> tuple[list[Row], list[dict]]:
    n_all = dbp.effective_n_threads(None)
    repeat = args.repeat or (3 if args.quick else 5)
    t0 = time.perf_counter()
    ws = make_workloads(quick=args.quick, names=workloads)
    print(f"workloads generated in {time.perf_counter() - t0:.1f} s")
    rows, infos = [], []
    gc.collect()
    gc.freeze()  # the workloads' objects stay alive; keep them out of collections
    for name in workloads:
        t1 = time.perf_counter()
        r, info = run_workload(ws.pop(name), args.quick, repeat, n_all)
        info["elapsed_seconds"] = time.perf_counter() - t1
        print(f"({name} took {info['elapsed_seconds']:.1f} s)")
        rows.extend(r)
        infos.append(info)
        gc.collect()
    return rows, infos


def best_floor(rows: list[Row]) -> Row | None:
    """The faster of the floor rows (1 thread or all threads).

    Summary and targets compare deepbiop (all threads) with this one: on a
    loaded machine the all-thread floor sometimes comes out slower than the
    1-thread floor, and comparing with it would flatter the encoder.
    """
    floors = [r for r in rows if r.impl.startswith("floor") and r.seconds == r.seconds]
    return min(floors, key=lambda r: r.seconds) if floors else None


def summary_table(rows: list[Row], n_all: int) -> str:
    """One Markdown line per (workload, encoder): deepbiop's throughput with one
    and all threads, its fraction of the floor, how many times faster it is
    than each baseline, and the memory it needs beyond its output."""
    groups: dict = {}
    for r in rows:
        groups.setdefault((r.workload, r.task), []).append(r)
    head = (
        f"| workload | encoder | Mb/s 1 thr | Mb/s {n_all} thr | Mreads/s | x floor "
        f"| x numba | x numpy | x peers | extra MB |"
    )
    lines = [head, "|---|---|---:|---:|---:|---:|---:|---:|---|---:|"]
    for (wl, task), rs in groups.items():
        ok = [r for r in rs if r.seconds == r.seconds]
        one = next((r for r in ok if r.impl == "deepbiop" and r.threads == 1), None)
        allt = next((r for r in ok if r.impl == "deepbiop" and r.threads == n_all), None)
        if allt is None:
            continue
        best = one if one is not None and one.seconds < allt.seconds else allt
        floor_all = best_floor(ok)

        def x(name):
            r = next((r for r in ok if r.impl == name), None)
            return "-" if r is None or r.deepbiop_x is None else f"{r.deepbiop_x:.1f}"

        peers = (
            ", ".join(
                f"{r.impl.split(' ')[0]} {r.deepbiop_x:.1f}"
                for r in ok
                if not r.impl.startswith(("deepbiop", "floor", "numpy", "numba"))
                and r.deepbiop_x is not None
            )
            or "-"
        )
        # a floor for an output of a few KB (one k-mer row) means nothing
        xf = (
            "-"
            if floor_all is None or allt.out_mb < 1
            else f"{floor_all.seconds / allt.seconds:.2f}"
        )
        extra = "-" if allt.peak_mb is None else f"{allt.peak_mb - allt.out_mb:.1f}"
        lines.append(
            f"| {wl} | {task.replace(' float32', '')} | "
            f"{'-' if one is None else f'{one.mbases_s:.0f}'} | {allt.mbases_s:.0f} | "
            f"{best.reads_s / 1e6:.2f} | {xf} | {x('numba')} | {x('numpy')} | {peers} | "
            f"{extra} |"
        )
    return "\n".join(lines)


def target_checks(rows: list[Row], infos: list[dict], n_all: int) -> list[dict]:
    """The speed targets deepbiop is held to, each checked against this run.

    One entry per (target, workload) that the run measured: the measured
    value, the required one and whether it is met. Ratios use deepbiop with
    all threads, as in the summary table.
    """
    ok = [r for r in rows if r.seconds == r.seconds]
    by_task: dict = {}
    for r in ok:
        by_task.setdefault((r.workload, r.task), []).append(r)
    checks: list[dict] = []

    def add(target, workload, value, need, higher=True):
        if value is None:
            return
        met = value >= need if higher else value < need
        checks.append(
            {
                "target": target,
                "workload": workload,
                "value": value,
                "required": need,
                "higher_is_better": higher,
                "met": met,
            }
        )

    def main_row(rs):
        return next((r for r in rs if r.impl == "deepbiop" and r.threads == n_all), None)

    def floor_ratio(rs, output_dominates=False):
        db = main_row(rs)
        fl = best_floor(rs)
        if db is None or fl is None or db.out_mb < 1:
            return None
        if output_dominates and db.out_mb * 2**20 < db.n_bases:  # bytes out < bytes in
            return None
        return fl.seconds / db.seconds

    def vs(rs, name_start):
        r = next((r for r in rs if r.impl.startswith(name_start)), None)
        return None if r is None else r.deepbiop_x

    for (wl, task), rs in by_task.items():
        if task.startswith("one-hot"):
            if wl in ("W1", "W2", "W4", "W5"):
                add("one-hot x floor", wl, floor_ratio(rs), 0.8)
            add("one-hot x numba", wl, vs(rs, "numba"), 1.6)
        elif task.startswith("integer"):
            add("integer x floor", wl, floor_ratio(rs), 0.6)
            add("integer x numba", wl, vs(rs, "numba"), 2.0)
            add("integer x seqpro", wl, vs(rs, "seqpro"), 2.0)
            db = main_row(rs)
            if wl == "W5" and db is not None:
                add("W5 integer reads/s", wl, db.reads_s, 2e6)
        elif task.startswith("k-mer"):
            k = int(task.split("k=")[1].split()[0])
            if k >= 5:  # "where the output dominates": more bytes out than in
                add(f"k-mer k={k} x floor", wl, floor_ratio(rs, output_dominates=True), 0.8)
            if k == 3:
                add("k-mer k=3 x numba", wl, vs(rs, "numba"), 1.5)
                db = main_row(rs)
                if wl == "W5" and db is not None:
                    add("W5 k-mer k=3 reads/s", wl, db.reads_s, 2e6)
            add(f"k-mer k={k} x CountVectorizer", wl, vs(rs, "CountVectorizer"), 100.0)
    for info in infos:
        if info.get("workload") == "W1" and "pack_share_integer" in info:
            add(
                "input share of the integer call",
                "W1",
                info["pack_share_integer"],
                0.25,
                higher=False,
            )
    return checks


def targets_table(checks: list[dict]) -> str:
    lines = ["| target | workload | measured | required | met |", "|---|---|---:|---:|---|"]
    for c in checks:
        v, need = c["value"], c["required"]
        fmt = (lambda x: f"{x / 1e6:.2f}M") if need >= 1e6 else (lambda x: f"{x:.2f}")
        op = ">=" if c["higher_is_better"] else "<"
        lines.append(
            f"| {c['target']} | {c['workload']} | {fmt(v)} | {op} {fmt(need)} | "
            f"{'yes' if c['met'] else 'NO'} |"
        )
    n_met = sum(c["met"] for c in checks)
    lines.append(
        f"\n{n_met} of {len(checks)} targets met in this run "
        "(ratios move +-30% run to run on a shared machine)"
    )
    return "\n".join(lines)


def _load_suite(name: str):
    path = HERE / f"bench_{name}.py"
    if not path.exists():
        return None, f"benchmarks/bench_{name}.py not present"
    spec = importlib.util.spec_from_file_location(f"bench_{name}", path)
    mod = importlib.util.module_from_spec(spec)
    # registered under its name, as an import would, so that functions it
    # hands to multiprocessing pickle by reference (bench_contention's fork check)
    sys.modules[spec.name] = mod
    try:
        spec.loader.exec_module(mod)
    except ImportError as exc:
        sys.modules.pop(spec.name, None)
        return None, f"missing optional dependency ({exc})"
    if not callable(getattr(mod, "main", None)):
        return None, f"benchmarks/bench_{name}.py has no main(argv)"
    return mod, None


def run_suite(name: str, quick: bool, want_json: bool) -> dict:
    """Run ``benchmarks/bench_<name>.py``'s ``main``; never raise for a skip."""
    print(f"\n##### suite {name} #####")
    mod, reason = _load_suite(name)
    if mod is None:
        print(f"suite {name}: skipped ({reason})")
        return {"status": "skipped", "reason": reason}
    argv = ["--quick"] if quick else []
    tmp = None
    if want_json:
        fd, tmp = tempfile.mkstemp(suffix=f".{name}.json")
        os.close(fd)
        argv += ["--json", tmp]
    result: dict = {}
    t0 = time.perf_counter()
    try:
        rc = mod.main(argv)
        # main may return an exit code (non-zero = failure) or its results
        if isinstance(rc, int) and not isinstance(rc, bool) and rc != 0:
            result = {"status": "failed", "reason": f"main returned {rc}"}
        else:
            result = {"status": "ok"}
            if rc is not None and not isinstance(rc, int):
                result["returned"] = rc
    except ImportError as exc:
        result = {"status": "skipped", "reason": f"missing optional dependency ({exc})"}
    except SystemExit as exc:
        result = (
            {"status": "ok"}
            if exc.code in (None, 0)
            else {"status": "failed", "reason": f"exit {exc.code}"}
        )
    except Exception as exc:  # noqa: BLE001 - any failure is reported as this script's result
        traceback.print_exc()
        result = {"status": "failed", "reason": f"{type(exc).__name__}: {exc}"}
    if tmp:
        try:
            text = Path(tmp).read_text()
            if text.strip():
                result["results"] = json.loads(text)
        except (OSError, ValueError):
            pass
        finally:
            Path(tmp).unlink(missing_ok=True)
    result["elapsed_seconds"] = time.perf_counter() - t0
    print(
        f"suite {name}: {result['status']} in {result['elapsed_seconds']:.1f} s"
        + (f" ({result['reason']})" if "reason" in result else "")
    )
    return result


def _suite_names() -> list[str]:
    found = {p.stem[len("bench_") :] for p in HERE.glob("bench_*.py")}
    return sorted(found | set(EXPECTED_SUITES))


def _jsonable(o: Any) -> Any:
    if isinstance(o, (np.integer, np.floating)):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    return str(o)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="10x smaller inputs (CI)")
    p.add_argument("--json", metavar="PATH", help="also write every result as JSON")
    p.add_argument(
        "--suite",
        default="core",
        help="core (default), all, a workload (W1..W5, P) or a "
        "benchmarks/bench_<name>.py module name",
    )
    p.add_argument(
        "--repeat", type=int, default=None, help="timed runs per measurement (default 5, --quick 3)"
    )
    args = p.parse_args(argv)

    fresh = _fresh_large_allocations()
    info = machine_info()
    info["fresh_mmap_allocations"] = fresh
    cmd = "python benchmarks/run.py " + " ".join(sys.argv[1:] if argv is None else argv)
    print(f"deepbiop benchmarks: {cmd.strip()}")
    print(
        f"machine: {info['cpu']}, {info['cpus']} CPUs, deepbiop threads "
        f"{info['deepbiop_threads']} (OpenMP {'on' if info['openmp'] else 'off'}), "
        f"THP {info['transparent_hugepage']}"
    )

    suite = args.suite
    rows: list[Row] = []
    infos: list[dict] = []
    suites: dict = {}
    if suite in ("core", "all") or suite in WORKLOAD_NAMES:
        names = WORKLOAD_NAMES if suite in ("core", "all") else (suite,)
        rows, infos = run_core(args, names)
    if rows:
        print(
            "\n=== summary (deepbiop; x = times faster than the baseline; x floor: "
            f"deepbiop with {info['deepbiop_threads']} threads over the faster floor) ==="
        )
        print(summary_table(rows, info["deepbiop_threads"]))
        checks = target_checks(rows, infos, info["deepbiop_threads"])
        if checks:
            print(
                "\n=== targets (this run"
                + (
                    ", --quick sizes: the targets are set for the full workloads"
                    if args.quick
                    else ""
                )
                + ") ==="
            )
            print(targets_table(checks))
    if suite == "all":
        for name in _suite_names():
            suites[name] = run_suite(name, args.quick, bool(args.json))
    elif suite not in ("core",) and suite not in WORKLOAD_NAMES:
        suites[suite] = run_suite(suite, args.quick, bool(args.json))
        if suites[suite]["status"] == "skipped" and suite not in EXPECTED_SUITES:
            print(
                f"unknown suite {suite!r}: choose core, all, one of {WORKLOAD_NAMES} "
                f"or one of {_suite_names()}"
            )
            return 2

    info["versions"].update(machine_info()["versions"])
    if args.json:
        payload = {
            "command": cmd.strip(),
            "quick": args.quick,
            "machine": info,
            "workloads": infos,
            "results": [asdict(r) | {"vs": getattr(r, "vs", None)} for r in rows],
            "targets": target_checks(rows, infos, info["deepbiop_threads"]) if rows else [],
            "suites": suites,
        }
        Path(args.json).write_text(json.dumps(payload, indent=1, default=_jsonable))
        print(f"\nwrote {args.json}")
    failed = [n for n, s in suites.items() if s["status"] == "failed"]
    if failed:
        print(f"\nFAILED suites: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
