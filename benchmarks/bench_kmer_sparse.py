"""Sparse k-mer counts at large k, and whole-file k-mer spectra, beside baselines.

Part 1, ``KmerEncoder(k, sparse=True)`` on W1 (100,000 x 200 bp, ~1% N, mixed
case; ``--quick``: 10,000) for k = 8, 12, 21, against, in the same process on
the same sequences:

* NumPy: rolling 2-bit index over the joined buffer, window validity from a
  cumulative N count, ``np.unique(row * 4**k + code, return_counts=True)``
  turned into CSR (sorted, duplicates summed);
* numba ``@njit(parallel=True)``: the same rolling hash per row, ``np.sort`` of
  each row's codes and a run-length pass into CSR (two passes: counts, fill);
* scikit-learn ``CountVectorizer(analyzer="char", ngram_range=(k, k))`` on the
  upper-cased sequences, timed on the first ``--cv-rows`` sequences only (its
  vocabulary holds one Python string per distinct k-mer: millions at k=21),
  and compared per base.

Every baseline's CSR is checked equal to ours (CountVectorizer: on the first
200 rows, k-mers with N dropped) before timing.

Part 2, whole-file counting of W3 (one 10,000,000 bp sequence written as
FASTA; ``--quick``: 1,000,000) with canonical 21-mers: ``kmer_spectrum_file``
against ``jellyfish count -C`` and ``kmc`` (both with the same thread count,
their output databases written to a temp dir) where installed; a missing tool
is reported as skipped. Agreement: jellyfish ``dump`` must equal our spectrum;
KMC's ``kmc_tools transform histogram`` must equal our count histogram.

``python benchmarks/bench_kmer_sparse.py [--quick] [--json PATH] [--threads N]``
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import deepbiop as dbp  # noqa: E402
from _workloads import make_workloads  # noqa: E402

_LUT = np.full(256, -1, dtype=np.int8)
for _i, _c in enumerate("ACGT"):
    _LUT[ord(_c)] = _LUT[ord(_c.lower())] = _i


def _join(seqs: list) -> tuple[np.ndarray, np.ndarray]:
    data = "".join(seqs).encode("ascii")
    lens = np.fromiter(map(len, seqs), dtype=np.int64, count=len(seqs))
    offsets = np.zeros(len(seqs) + 1, dtype=np.int64)
    np.cumsum(lens, out=offsets[1:])
    return np.frombuffer(data, dtype=np.uint8), offsets


# ------------------------------------------------------------------ baselines
def numpy_csr(seqs: list, k: int) -> sp.csr_matrix:
    buf, offsets = _join(seqs)
    B = len(seqs)
    codes = _LUT[buf]
    bad = codes < 0
    m = buf.size - k + 1
    if m <= 0:
        return sp.csr_matrix((B, 4**k), dtype=np.float32)
    c = np.where(bad, 0, codes).astype(np.int64)
    idx = np.zeros(m, dtype=np.int64)
    for j in range(k):
        idx <<= 2
        idx |= c[j : j + m]
    nbad = np.concatenate([[0], np.cumsum(bad, dtype=np.int64)])
    ok = nbad[k : k + m] == nbad[:m]
    row = np.repeat(np.arange(B, dtype=np.int64), np.diff(offsets))
    ok &= row[:m] == row[k - 1 : k - 1 + m]
    flat, counts = np.unique(row[:m][ok] * 4**k + idx[ok], return_counts=True)
    rows, cols = np.divmod(flat, 4**k)
    indptr = np.zeros(B + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=B), out=indptr[1:])
    return sp.csr_matrix((counts.astype(np.float32), cols, indptr), shape=(B, 4**k))


_NB: dict = {}


def _numba_kernels():
    if not _NB:
        import numba as nb

        @nb.njit(parallel=True, cache=True)
        def rows_sorted(buf, offsets, lut, k, codes, lens, nnz):
            B = offsets.shape[0] - 1
            mask = (1 << (2 * k)) - 1
            for i in nb.prange(B):
                s = offsets[i]
                idx = 0
                run = 0
                m = 0
                for p in range(s, offsets[i + 1]):
                    c = lut[buf[p]]
                    if c < 0:
                        run = 0
                        continue
                    idx = ((idx << 2) | c) & mask
                    run += 1
                    if run >= k:
                        codes[s + m] = idx
                        m += 1
                codes[s : s + m] = np.sort(codes[s : s + m])
                u = 0
                for t in range(m):
                    if t == 0 or codes[s + t] != codes[s + t - 1]:
                        u += 1
                lens[i] = m
                nnz[i] = u

        @nb.njit(parallel=True, cache=True)
        def fill(offsets, k, codes, lens, indptr, indices, data):
            B = offsets.shape[0] - 1
            for i in nb.prange(B):
                s = offsets[i]
                m = lens[i]
                o = indptr[i] - 1
                for t in range(m):
                    if t == 0 or codes[s + t] != codes[s + t - 1]:
                        o += 1
                        indices[o] = codes[s + t]
                        data[o] = 1.0
                    else:
                        data[o] += 1.0

        _NB.update(rows_sorted=rows_sorted, fill=fill)
    return _NB


def numba_csr(seqs: list, k: int) -> sp.csr_matrix:
    kern = _numba_kernels()
    buf, offsets = _join(seqs)
    B = len(seqs)
    codes = np.empty(buf.size, dtype=np.int64)
    nnz = np.zeros(B, dtype=np.int64)
    lens = np.zeros(B, dtype=np.int64)
    kern["rows_sorted"](buf, offsets, _LUT, k, codes, lens, nnz)
    indptr = np.zeros(B + 1, dtype=np.int64)
    np.cumsum(nnz, out=indptr[1:])
    indices = np.empty(int(indptr[-1]), dtype=np.int64)
    data = np.empty(int(indptr[-1]), dtype=np.float32)
    kern["fill"](offsets, k, codes, lens, indptr, indices, data)
    return sp.csr_matrix((data, indices, indptr), shape=(B, 4**k))


def countvectorizer_dicts(seqs: list, k: int) -> list[dict]:
    from sklearn.feature_extraction.text import CountVectorizer

    cv = CountVectorizer(analyzer="char", ngram_range=(k, k), lowercase=False)
    X = cv.fit_transform([s.upper() for s in seqs]).tocsr()
    names = cv.get_feature_names_out()
    out = []
    for i in range(X.shape[0]):
        row = X[i]
        out.append({names[j]: int(v) for j, v in zip(row.indices, row.data) if "N" not in names[j]})
    return out


def countvectorizer_time(seqs: list, k: int) -> None:
    from sklearn.feature_extraction.text import CountVectorizer

    CountVectorizer(analyzer="char", ngram_range=(k, k), lowercase=False).fit_transform(
        [s.upper() for s in seqs]
    )


# ------------------------------------------------------------------- helpers
def _median_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def _same_csr(a: sp.csr_matrix, b: sp.csr_matrix) -> bool:
    a, b = a.tocsr(), b.tocsr()
    a.sort_indices()
    b.sort_indices()
    return (
        a.shape == b.shape
        and np.array_equal(a.indptr, b.indptr)
        and np.array_equal(a.indices, b.indices)
        and np.array_equal(a.data, b.data)
    )


def _row_dicts(X: sp.csr_matrix, names, n: int) -> list[dict]:
    out = []
    for i in range(n):
        lo, hi = X.indptr[i], X.indptr[i + 1]
        out.append({names[int(j)]: int(v) for j, v in zip(X.indices[lo:hi], X.data[lo:hi])})
    return out


def bench_sparse(seqs: list, ks: list, threads: int, cv_rows: int, repeat: int) -> list:
    results = []
    n_bases = sum(map(len, seqs))
    have_numba = True
    try:
        import numba  # noqa: F401
    except ImportError:
        have_numba = False
    for k in ks:
        enc = dbp.KmerEncoder(k=k, sparse=True, n_jobs=threads)
        ours = enc.transform(seqs)
        rows = {}
        # agreement first
        if not _same_csr(numpy_csr(seqs, k), ours):
            raise AssertionError(f"NumPy baseline disagrees with deepbiop at k={k}")
        if have_numba:
            numba_csr(seqs[:100], k)  # compile
            if not _same_csr(numba_csr(seqs, k), ours):
                raise AssertionError(f"numba baseline disagrees with deepbiop at k={k}")
        names = enc.get_feature_names_out()
        n_check = min(200, len(seqs))
        if countvectorizer_dicts(seqs[:n_check], k) != _row_dicts(ours, names, n_check):
            raise AssertionError(f"CountVectorizer disagrees with deepbiop at k={k}")

        one = dbp.KmerEncoder(k=k, sparse=True, n_jobs=1)
        rows[f"deepbiop ({threads} thr)"] = _median_time(lambda: enc.transform(seqs), repeat)
        if threads > 1:
            rows["deepbiop (1 thr)"] = _median_time(lambda: one.transform(seqs), repeat)
        rows["numpy rolling hash + unique"] = _median_time(lambda: numpy_csr(seqs, k), repeat)
        if have_numba:
            rows[f"numba njit ({threads} thr)"] = _median_time(lambda: numba_csr(seqs, k), repeat)
        cv_seqs = seqs[:cv_rows]
        t_cv = _median_time(lambda: countvectorizer_time(cv_seqs, k), 1)
        rows[f"CountVectorizer (first {len(cv_seqs):,})"] = (
            t_cv * n_bases / sum(map(len, cv_seqs))
        )  # scaled to the whole workload
        ours_t = rows[f"deepbiop ({threads} thr)"]
        best_base = min(v for name, v in rows.items() if not name.startswith("deepbiop"))
        print(
            f"\nsparse k={k}: {len(seqs):,} x 200 bp, nnz={ours.nnz:,}, {ours.shape[1]:,} columns"
        )
        print(f"  {'method':36s} {'ms':>9s} {'Mb/s':>8s} {'db x':>7s}")
        for name, t in rows.items():
            scaled = " (scaled)" if name.startswith("CountVectorizer") else ""
            print(f"  {name:36s} {t * 1e3:9.1f} {n_bases / t / 1e6:8.1f} {t / ours_t:7.2f}{scaled}")
        print(f"  deepbiop vs best baseline: {best_base / ours_t:.2f}x (target >= 5x)")
        results.append(
            {
                "k": k,
                "n_seqs": len(seqs),
                "n_bases": n_bases,
                "nnz": int(ours.nnz),
                "seconds": rows,
                "ratio_vs_best_baseline": best_base / ours_t,
            }
        )
    return results


def _write_fasta(path: Path, seq: str) -> None:
    with open(path, "w") as fh:
        fh.write(">w3\n")
        for i in range(0, len(seq), 80):
            fh.write(seq[i : i + 80])
            fh.write("\n")


def bench_spectrum(seq: str, k: int, threads: int, repeat: int, tool_repeat: int) -> dict:
    out: dict = {"k": k, "n_bases": len(seq), "seconds": {}, "skipped": {}}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        fasta = tmp / "w3.fa"
        _write_fasta(fasta, seq)
        ours = dbp.kmer_spectrum_file(fasta, k, canonical=True, n_jobs=threads)
        hist = ours.histogram()
        t = out["seconds"]
        t[f"deepbiop kmer_spectrum_file ({threads} thr)"] = _median_time(
            lambda: dbp.kmer_spectrum_file(fasta, k, canonical=True, n_jobs=threads), repeat
        )
        if threads > 1:
            t["deepbiop kmer_spectrum_file (1 thr)"] = _median_time(
                lambda: dbp.kmer_spectrum_file(fasta, k, canonical=True, n_jobs=1), repeat
            )
        if shutil.which("jellyfish"):
            db = tmp / "w3.jf"
            cmd = [
                "jellyfish",
                "count",
                "-m",
                str(k),
                "-s",
                str(2 * len(seq)),
                "-C",
                "-t",
                str(threads),
                "-o",
                str(db),
                str(fasta),
            ]
            subprocess.run(cmd, check=True, capture_output=True)
            dump = subprocess.run(
                ["jellyfish", "dump", "-c", str(db)], check=True, capture_output=True, text=True
            ).stdout
            jf = {a: int(b) for a, b in (line.split() for line in dump.splitlines())}
            if jf != ours.to_dict():
                raise AssertionError("jellyfish disagrees with kmer_spectrum_file")
            t[f"jellyfish count -C ({threads} thr)"] = _median_time(
                lambda: subprocess.run(cmd, check=True, capture_output=True), tool_repeat
            )
        else:
            out["skipped"]["jellyfish"] = "not installed (apt-get install jellyfish)"
        if shutil.which("kmc") and shutil.which("kmc_tools"):
            work = tmp / "kmc_tmp"
            work.mkdir()
            db = tmp / "w3kmc"
            cmd = [
                "kmc",
                f"-k{k}",
                "-ci1",
                "-cs1000000000",
                f"-t{threads}",
                "-fm",
                str(fasta),
                str(db),
                str(work),
            ]
            subprocess.run(cmd, check=True, capture_output=True)
            histo = tmp / "histo.txt"
            subprocess.run(
                [
                    "kmc_tools",
                    "transform",
                    str(db),
                    "histogram",
                    str(histo),
                    f"-cx{int(ours.counts.max())}",
                ],
                check=True,
                capture_output=True,
            )
            kh = {}
            for line in histo.read_text().split("\n"):
                if line.strip():
                    a, b = line.split()
                    if int(b):
                        kh[int(a)] = int(b)
            if kh != {c: int(n) for c, n in enumerate(hist) if n}:
                raise AssertionError("KMC's histogram disagrees with kmer_spectrum_file")
            t[f"kmc ({threads} thr)"] = _median_time(
                lambda: subprocess.run(cmd, check=True, capture_output=True), tool_repeat
            )
        else:
            out["skipped"]["kmc"] = "not installed (apt-get install kmc)"
    ours_t = t[f"deepbiop kmer_spectrum_file ({threads} thr)"]
    print(
        f"\nwhole-file canonical {k}-mers: one {len(seq):,} bp sequence (FASTA), "
        f"{len(ours):,} distinct"
    )
    print(f"  {'method':40s} {'ms':>9s} {'Mb/s':>8s} {'db x':>7s}")
    for name, s in t.items():
        print(f"  {name:40s} {s * 1e3:9.1f} {len(seq) / s / 1e6:8.1f} {s / ours_t:7.2f}")
    for name, why in out["skipped"].items():
        print(f"  {name:40s} skipped: {why}")
    return out


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="10x smaller inputs")
    ap.add_argument("--json", metavar="PATH", help="write the results as JSON")
    ap.add_argument(
        "--threads",
        type=int,
        default=None,
        help="threads for deepbiop, numba and the k-mer counters (default: all)",
    )
    ap.add_argument(
        "--cv-rows",
        type=int,
        default=None,
        help="sequences given to CountVectorizer (default 5,000; quick 500)",
    )
    args = ap.parse_args(argv)
    threads = args.threads or dbp.effective_n_threads(None)
    try:
        import numba

        numba.set_num_threads(max(1, min(threads, numba.config.NUMBA_NUM_THREADS)))
    except ImportError:
        print("numba not installed: its baseline is skipped")
    w = make_workloads(quick=args.quick, names=("W1", "W3"))
    cv_rows = args.cv_rows or (500 if args.quick else 5_000)
    repeat = 3
    print(
        f"deepbiop {dbp.__version__}, {threads} threads, "
        f"{'quick' if args.quick else 'full'} sizes; os.cpu_count()={os.cpu_count()}"
    )
    results = {
        "sparse": bench_sparse(w["W1"].seqs, [8, 12, 21], threads, cv_rows, repeat),
        # KMC has a fixed start-up cost of seconds: time the tools once in --quick
        "spectrum": bench_spectrum(
            w["W3"].seqs[0], 21, threads, repeat, 1 if args.quick else repeat
        ),
        "threads": threads,
        "quick": args.quick,
    }
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return results


if __name__ == "__main__":
    main()
