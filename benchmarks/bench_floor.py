"""Where an encode call's time goes, measured against the fresh-output floor.

``python benchmarks/bench_floor.py [--quick] [--json PATH] [--workloads W1,W5]``

For each workload and encoder it times, interleaved in one process:

* ``floor``: ``np.empty`` + write every element with all threads (the
  reference of ``run.py``'s "x floor" column);
* ``faults``: ``np.empty`` + touch one byte per 4 KiB page, split over the
  same threads: only the operating system's share of the floor (mapping and
  zeroing fresh pages, transparent huge pages where the kernel gives them);
* ``write``: writing every element of an already-mapped output (no faults):
  the least work any encoder must do besides reading its input;
* ``input``: reading the Python objects before the kernel, as the encoder
  does (one pass taking a reference to each element and reading its address
  and length, and the pass dropping those references afterwards);
* ``work``: the whole ``encode_batch(..., out=buf)`` call into a buffer that is
  already mapped (input handling + kernel, no page faults);
* ``fresh``: the ordinary ``encode_batch`` call that returns new memory.

The fault handler zeroes each page in the thread that touches it, and every
thread is busy in both phases, so an encoder writing fresh memory spends
``faults + work`` CPU time however the two are interleaved. The table prints
``fresh / (faults + work)`` (about 1 when that holds) and the ratio it
implies: ``floor / (faults + work)``, the best "x floor" an encoder doing
this much work can reach. A target above that ratio needs less work, not
better overlap. ``serial input`` = ``floor / (floor + input)`` is what an
encoder that wrote as fast as the floor and read its input in a pass of its
own would reach: an estimate, not a bound (page faults and writes already
overlap in the floor, and reading input can overlap writing too).
"""

from __future__ import annotations

import argparse
import ctypes
import json
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import _baselines as bl  # noqa: E402
import deepbiop as dbp  # noqa: E402
from _workloads import make_workloads  # noqa: E402

PAGE = 4096
_POOL: ThreadPoolExecutor | None = None


def _fresh_mmap() -> None:
    """Serve every allocation >= 1 MiB from fresh pages (as run.py does)."""
    try:
        ctypes.CDLL(None).mallopt(-3, 1 << 20)  # M_MMAP_THRESHOLD
    except (OSError, AttributeError):
        pass


def faults_only(shape: tuple, dtype, n_threads: int) -> np.ndarray:
    """Fresh array with one byte written per page: the page-fault cost alone."""
    global _POOL
    out = np.empty(shape, dtype=dtype)
    raw = out.reshape(-1).view(np.uint8)
    if n_threads <= 1 or raw.size < 1 << 22:
        raw[::PAGE] = 0
        return out
    if _POOL is None:
        _POOL = ThreadPoolExecutor(max_workers=n_threads)
    # split on page boundaries so that no page is faulted by two threads
    pages = (raw.size + PAGE - 1) // PAGE
    cuts = [int(c) * PAGE for c in np.linspace(0, pages, n_threads + 1).astype(np.int64)]

    def touch(ab):
        raw[ab[0] : ab[1] : PAGE] = 0

    list(_POOL.map(touch, zip(cuts[:-1], cuts[1:])))
    return out


def write_mapped(buf: np.ndarray, n_threads: int) -> np.ndarray:
    """Write every element of an already-mapped array, split over threads."""
    global _POOL
    flat = buf.reshape(-1)
    if n_threads <= 1 or flat.size < 1 << 20:
        flat.fill(1)
        return buf
    if _POOL is None:
        _POOL = ThreadPoolExecutor(max_workers=n_threads)
    cuts = np.linspace(0, flat.size, n_threads + 1).astype(np.int64)
    list(_POOL.map(lambda ab: flat[int(ab[0]) : int(ab[1])].fill(1), zip(cuts[:-1], cuts[1:])))
    return buf


def _encoders(w, n_all: int) -> list[tuple[str, object, tuple]]:
    a = w.alphabet
    A = len(bl.SYMBOLS[a])
    B, L = w.n_seqs, w.max_len
    rows = [
        ("one-hot float32", dbp.OneHotEncoder(a, "skip", n_jobs=n_all), (B, L, A)),
        ("integer float32", dbp.IntegerEncoder(a, "unknown", n_jobs=n_all), (B, L)),
    ]
    if a == "dna" and w.name in ("W1", "W4"):
        rows.append(("k-mer k=5 float32", dbp.KmerEncoder(5, n_jobs=n_all), (B, 4**5)))
    return rows


def _input(enc, seqs):
    """The batch the encoder's kernel gets (see the ``input`` column)."""
    from deepbiop._sequences import pack_batch

    return pack_batch(seqs)


_COUNT = None


def count_only(n_windows: int, n_cols: int, n_threads: int):
    """The least work a dense k-mer counter adds to writing its output.

    Adds 1 at ``n_windows`` indices (uniform over ``n_cols``, read from a
    64 Ki-entry table that stays in cache) into one L1-resident row per
    thread: no input to read, no index to compute, no row to zero. Every
    counter does at least this (one read-modify-write per window), so
    ``floor / (floor + count)`` bounds the "x floor" of any of them. Needs
    numba (the ``bench`` extra); None without it.
    """
    global _COUNT
    if not bl.numba_available():
        return None
    if _COUNT is None:
        import numba

        @numba.njit(parallel=True)
        def count(idx, reps, n_threads, n_cols):
            rows = np.zeros((n_threads, n_cols), dtype=np.float32)
            for t in numba.prange(n_threads):
                r = rows[t]
                for _ in range(reps):
                    for j in range(idx.size):
                        r[idx[j]] += 1.0
            return rows

        _COUNT = count
    idx = np.random.default_rng(0).integers(0, n_cols, size=1 << 16).astype(np.int32)
    reps = max(1, n_windows // (idx.size * n_threads))
    return lambda: _COUNT(idx, reps, n_threads, n_cols)


def run(names: tuple, quick: bool, repeat: int) -> list[dict]:
    n_all = dbp.effective_n_threads(None)
    ws = make_workloads(quick=quick, names=names)
    results = []
    for name in names:
        w = ws.pop(name)
        print(
            f"\n=== {w.name}: {w.description} ({w.n_bases / 1e6:.1f} Mbases), "
            f"{n_all} threads; median ms ==="
        )
        print(
            f"  {'encoder':18s} {'floor':>8s} {'faults':>8s} {'write':>7s} {'input':>7s} "
            f"{'work':>8s} {'fresh':>8s} {'x floor':>7s} {'fresh/(faults+work)':>19s} "
            f"{'best x floor':>12s} {'serial input':>12s}"
        )
        for label, enc, shape in _encoders(w, n_all):
            buf = np.zeros(shape, dtype=np.float32)
            scratch = np.zeros(shape, dtype=np.float32)
            seqs = w.seqs
            enc.encode_batch(seqs, out=buf)  # warm-up and check the call works
            fns = {
                "floor": lambda: bl.floor(shape, np.float32, n_all),
                "count": count_only(sum(max(0, len(s) - 4) for s in seqs), shape[1], n_all)
                if label.startswith("k-mer")
                else None,
                "faults": lambda: faults_only(shape, np.float32, n_all),
                "write": lambda: write_mapped(scratch, n_all),  # noqa: F821 (del after the loop body)
                "input": lambda: _input(enc, seqs),
                "work": lambda: enc.encode_batch(seqs, out=buf),  # noqa: F821 (del after the loop body)
                "fresh": lambda: enc.encode_batch(seqs),
            }
            fns = {k: f for k, f in fns.items() if f is not None}
            times: dict = {k: [] for k in fns}
            for f in fns.values():  # untimed first touch of every path
                r = f()
                del r
            for _ in range(repeat):
                for key, f in fns.items():
                    t0 = time.perf_counter()
                    r = f()
                    del r  # freeing is part of each call's cost
                    times[key].append(time.perf_counter() - t0)
            med = {k: statistics.median(v) for k, v in times.items()}
            summed = med["faults"] + med["work"]
            res = {
                "workload": w.name,
                "encoder": label,
                "threads": n_all,
                **{f"{k}_ms": v * 1e3 for k, v in med.items()},
                "x_floor": med["floor"] / med["fresh"],
                "fresh_over_sum": med["fresh"] / summed,
                "best_x_floor": med["floor"] / summed,
                "serial_input_x_floor": med["floor"] / (med["floor"] + med["input"]),
            }
            results.append(res)
            print(
                f"  {label:18s} {med['floor'] * 1e3:8.2f} {med['faults'] * 1e3:8.2f} "
                f"{med['write'] * 1e3:7.2f} {med['input'] * 1e3:7.2f} "
                f"{med['work'] * 1e3:8.2f} {med['fresh'] * 1e3:8.2f} {res['x_floor']:7.2f} "
                f"{res['fresh_over_sum']:19.2f} {res['best_x_floor']:12.2f} "
                f"{res['serial_input_x_floor']:12.2f}"
            )
            if "count" in med:
                res["count_bound_x_floor"] = med["floor"] / (med["floor"] + med["count"])
                print(
                    f"  {'':18s} counting alone (numba, one hot row per thread): "
                    f"{med['count'] * 1e3:.2f} ms; floor / (floor + count) = "
                    f"{res['count_bound_x_floor']:.2f} bounds any dense counter"
                )
            del buf, scratch
    return results


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="10x smaller inputs (CI)")
    p.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    p.add_argument(
        "--workloads", default="W1,W5", help="comma-separated workload names (default W1,W5)"
    )
    p.add_argument("--repeat", type=int, default=None, help="timed rounds (default 7, --quick 5)")
    args = p.parse_args(argv)
    _fresh_mmap()
    names = tuple(n.strip() for n in args.workloads.split(",") if n.strip())
    repeat = args.repeat or (5 if args.quick else 7)
    results = run(names, args.quick, repeat)
    if args.json:
        Path(args.json).write_text(json.dumps({"quick": args.quick, "results": results}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
