"""`deepbiop kmers --max-memory` (k-mers binned on disk) against the in-memory
count, KMC and jellyfish, each a fresh process: wall time and peak RSS.

Writes a seeded genome (``make_genome``: 120,000,000 bp in two records;
``--quick``: 4,000,000 bp) as FASTA: an AT-rich background, ~30% interspersed
repeat copies (60 families of 0.3-6 kb at 2-15% divergence, half reverse
complemented, soft-masked), microsatellites and runs of N. Then, canonical
21-mers with the same thread count everywhere:

* ``deepbiop kmers genome.fa -k 21 --canonical`` in memory and with
  ``--max-memory 256M`` (tsv, the sorted ``KMER<TAB>COUNT`` list, and histo);
* ``kmc -k21 -ci1 -cs<big> -fm`` then ``kmc_tools transform ... dump``
  (unsorted text) or ``... histogram``; KMC's time is reported alone and with
  the dump/histogram step;
* ``jellyfish count -m 21 -C -s <size>`` then ``jellyfish dump -c -t`` or
  ``jellyfish histo``.

A tool that is not installed is reported as skipped. Before anything is timed,
every histogram must equal deepbiop's in-memory one, the --max-memory tsv must
equal the in-memory tsv byte for byte, and (``--quick``) the tools' dumps must
hold the same k-mers and counts. The peak RSS is the child's ``ru_maxrss``
(read by a small launcher, so it is the command's own); ``--version`` gives the
memory the command holds before counting (interpreter and imports). Ratios are
printed whichever way they go.

``python benchmarks/bench_kmers_disk.py [--quick] [--bases N] [--threads N] [--json PATH]``
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from _process import run_child  # noqa: E402

ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
K = 21
MAX_MEMORY = "256M"

_ACGT = np.frombuffer(b"ACGT", dtype=np.uint8)
_COMPLEMENT = bytes.maketrans(b"ACGTacgt", b"TGCAtgca")


def make_genome(n_bases: int, seed: int = 20) -> np.ndarray:
    """A seeded, genome-like DNA sequence (uint8 ASCII, mixed case, with N)."""
    rng = np.random.default_rng(seed)
    g = rng.choice(_ACGT, size=n_bases, p=[0.295, 0.205, 0.205, 0.295])
    families = [rng.choice(_ACGT, size=int(rng.integers(300, 6000))) for _ in range(60)]
    covered = 0
    while covered < 0.3 * n_bases:  # interspersed repeats; three families are young and common
        f = families[int(rng.integers(60)) if rng.random() < 0.5 else int(rng.integers(3))]
        pos = int(rng.integers(0, n_bases - f.size))
        copy = f.copy()
        hit = rng.random(f.size) < rng.uniform(0.02, 0.15)
        copy[hit] = rng.choice(_ACGT, size=int(hit.sum()))
        if rng.random() < 0.5:
            copy = np.frombuffer(copy[::-1].tobytes().translate(_COMPLEMENT), dtype=np.uint8)
        g[pos : pos + f.size] = copy | 0x20  # soft-masked
        covered += f.size
    for _ in range(n_bases // 20_000):  # microsatellites
        unit = rng.choice(_ACGT, size=int(rng.integers(1, 7)))
        n = int(rng.integers(20, 200))
        pos = int(rng.integers(0, n_bases - n))
        g[pos : pos + n] = np.resize(unit, n)
    for _ in range(max(1, n_bases // 2_000_000)):  # assembly gaps
        n = int(rng.integers(100, 50_000))
        pos = int(rng.integers(0, n_bases - n))
        g[pos : pos + n] = ord("N")
    return g


def write_fasta(path: Path, genome: np.ndarray, records: int, width: int = 80) -> None:
    bounds = np.linspace(0, genome.size, records + 1).astype(np.int64)
    with open(path, "wb") as fh:
        for r in range(records):
            fh.write(f">chr{r + 1}\n".encode())
            s = genome[bounds[r] : bounds[r + 1]]
            full = s.size // width
            lines = np.full((full, width + 1), ord("\n"), dtype=np.uint8)
            lines[:, :width] = s[: full * width].reshape(full, width)
            fh.write(lines.tobytes())
            if s.size > full * width:
                fh.write(s[full * width :].tobytes() + b"\n")


def _histo(path: Path) -> dict[int, int]:
    out = {}
    for line in path.read_text().splitlines():
        if line.strip():
            c, n = line.split()
            if int(n):
                out[int(c)] = int(n)
    return out


def _dump(path: Path) -> dict[str, int]:
    return {m: int(c) for m, c in (line.split() for line in path.read_text().splitlines())}


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="4,000,000 bp instead of 120,000,000")
    ap.add_argument("--bases", type=int, default=None, help="genome size")
    ap.add_argument("--records", type=int, default=2, help="FASTA records (chromosomes)")
    ap.add_argument("--threads", type=int, default=None, help="threads for every counter")
    ap.add_argument("--repeat", type=int, default=1, help="runs per row (the fastest is kept)")
    ap.add_argument("--json", metavar="PATH", help="write the results as JSON")
    args = ap.parse_args(argv)
    n_bases = args.bases or (4_000_000 if args.quick else 120_000_000)
    import deepbiop as dbp

    threads = args.threads or dbp.effective_n_threads(None)
    print(
        f"deepbiop {dbp.__version__}: canonical {K}-mers of a {n_bases:,} bp genome "
        f"({args.records} records), {threads} threads, --max-memory {MAX_MEMORY}"
    )
    steps: dict[str, tuple[float, int]] = {}  # one command: (seconds, peak RSS bytes)
    skipped: dict[str, str] = {}

    def step(name: str, args: list[str], stdout: Path | None = None) -> None:
        steps[name] = min(run_child(args, ENV, stdout) for _ in range(args_repeat))

    args_repeat = args.repeat
    with tempfile.TemporaryDirectory(prefix="deepbiop-bench-kmers-") as tmp:
        d = Path(tmp)
        fasta = d / "genome.fa"
        t0 = time.perf_counter()
        write_fasta(fasta, make_genome(n_bases), args.records)
        print(f"genome written in {time.perf_counter() - t0:.1f} s ({fasta.stat().st_size:,} B)")
        db = [sys.executable, "-m", "deepbiop", "kmers", str(fasta), "-k", str(K)]
        db += ["--canonical", "-q", "--force", "-j", str(threads)]
        disk = ["--max-memory", MAX_MEMORY, "--tmp-dir", str(d)]
        histo = ["--format", "histo"]

        step("start-up", [sys.executable, "-m", "deepbiop", "--version"])
        step("mem tsv", [*db, "-o", str(d / "mem.tsv")])
        step("disk tsv", [*db, "-o", str(d / "disk.tsv"), *disk])
        step("mem histo", [*db, *histo, "-o", str(d / "mem.histo")])
        step("disk histo", [*db, *histo, "-o", str(d / "disk.histo"), *disk])
        if subprocess.run(["cmp", "-s", str(d / "mem.tsv"), str(d / "disk.tsv")]).returncode:
            raise AssertionError("--max-memory's tsv differs from the in-memory tsv")
        want_histo = _histo(d / "mem.histo")
        if _histo(d / "disk.histo") != want_histo:
            raise AssertionError("--max-memory's histogram differs from the in-memory one")
        n_distinct = sum(want_histo.values())
        (d / "disk.tsv").unlink()
        ours = _dump(d / "mem.tsv") if args.quick else None

        if shutil.which("kmc") and shutil.which("kmc_tools"):
            work = d / "kmc_tmp"
            work.mkdir()
            kdb = str(d / "kmcdb")
            step("kmc", ["kmc", f"-k{K}", "-ci1", "-cs4294967295", f"-t{threads}", "-fm",
                         str(fasta), kdb, str(work)])  # fmt: skip
            # the histogram table has -cx entries
            step("kmc histo", ["kmc_tools", "transform", kdb, "histogram",
                               str(d / "kmc.histo"), f"-cx{max(want_histo)}"])  # fmt: skip
            step("kmc dump", ["kmc_tools", "transform", kdb, "dump", str(d / "kmc.txt")])
            if _histo(d / "kmc.histo") != want_histo:
                raise AssertionError("KMC's histogram differs from deepbiop's")
            if ours is not None and _dump(d / "kmc.txt") != ours:
                raise AssertionError("KMC's dump differs from deepbiop's tsv")
            (d / "kmc.txt").unlink()
        else:
            skipped["kmc"] = "not installed (apt-get install kmc)"
        if shutil.which("jellyfish"):
            jdb = str(d / "genome.jf")
            size = str(max(n_distinct, 1 << 20))  # the hash never grows
            step("jellyfish", ["jellyfish", "count", "-m", str(K), "-s", size, "-C",
                               "-t", str(threads), "-o", jdb, str(fasta)])  # fmt: skip
            step("jellyfish histo", ["jellyfish", "histo", "-h", str(max(want_histo)), jdb],
                 d / "jf.histo")  # fmt: skip
            step("jellyfish dump", ["jellyfish", "dump", "-c", "-t", jdb], d / "jf.txt")
            if _histo(d / "jf.histo") != want_histo:
                raise AssertionError("jellyfish's histogram differs from deepbiop's")
            if ours is not None and _dump(d / "jf.txt") != ours:
                raise AssertionError("jellyfish's dump differs from deepbiop's tsv")
        else:
            skipped["jellyfish"] = "not installed (apt-get install jellyfish)"

    def row(*names: str) -> dict:
        return {
            "seconds": sum(steps[n][0] for n in names),
            "peak_rss_mib": max(steps[n][1] for n in names) / 2**20,
        }

    rows = {
        "deepbiop --version (start-up)": row("start-up"),
        "deepbiop kmers, in memory (tsv)": row("mem tsv"),
        f"deepbiop kmers --max-memory {MAX_MEMORY} (tsv)": row("disk tsv"),
        "deepbiop kmers, in memory (histo)": row("mem histo"),
        f"deepbiop kmers --max-memory {MAX_MEMORY} (histo)": row("disk histo"),
    }
    if "kmc" in steps:
        rows["kmc (count only)"] = row("kmc")
        rows["kmc + kmc_tools dump (unsorted text)"] = row("kmc", "kmc dump")
        rows["kmc + kmc_tools histogram"] = row("kmc", "kmc histo")
    if "jellyfish" in steps:
        rows["jellyfish count (count only)"] = row("jellyfish")
        rows["jellyfish count + dump"] = row("jellyfish", "jellyfish dump")
        rows["jellyfish count + histo"] = row("jellyfish", "jellyfish histo")
    start_rss = rows["deepbiop --version (start-up)"]["peak_rss_mib"]
    mem = rows["deepbiop kmers, in memory (tsv)"]
    disk_tsv = rows[f"deepbiop kmers --max-memory {MAX_MEMORY} (tsv)"]
    disk_histo = rows[f"deepbiop kmers --max-memory {MAX_MEMORY} (histo)"]
    print(f"\n{n_distinct:,} distinct canonical {K}-mers; outputs agree")
    print(f"  {'command':48s} {'s':>8s} {'Mb/s':>7s} {'peak MiB':>9s} {'x disk tsv':>11s}")
    for name, r in rows.items():
        print(
            f"  {name:48s} {r['seconds']:8.2f} {n_bases / r['seconds'] / 1e6:7.1f} "
            f"{r['peak_rss_mib']:9.0f} {r['seconds'] / disk_tsv['seconds']:11.2f}"
        )
    for name, why in skipped.items():
        print(f"  {name:48s} skipped: {why}")
    print(
        f"--max-memory {MAX_MEMORY}: tsv {disk_tsv['seconds'] / mem['seconds']:.2f}x the "
        f"in-memory time, {disk_tsv['peak_rss_mib']:.0f} MiB peak vs "
        f"{mem['peak_rss_mib']:.0f} MiB ({start_rss:.0f} MiB of it start-up)"
    )
    if "kmc + kmc_tools histogram" in rows:
        kh = rows["kmc + kmc_tools histogram"]["seconds"]
        kd = rows["kmc + kmc_tools dump (unsorted text)"]["seconds"]
        print(
            f"vs KMC: histo {disk_histo['seconds'] / kh:.2f}x kmc + histogram, "
            f"tsv {disk_tsv['seconds'] / kd:.2f}x kmc + dump (target <= 1.5x)"
        )
    result = {
        "bases": n_bases,
        "records": args.records,
        "k": K,
        "threads": threads,
        "max_memory": MAX_MEMORY,
        "distinct": n_distinct,
        "rows": rows,
        "skipped": skipped,
        "quick": args.quick,
    }
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(result, fh, indent=2)
    return result


if __name__ == "__main__":
    main()
