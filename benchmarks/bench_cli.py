"""`deepbiop encode` from a shell against the do-it-yourself pipeline.

Writes seeded reads (1,000,000 x 150 bp FASTQ.gz; 20,000 with ``--quick``) and
times, on the same file:

* the command a user types: ``deepbiop encode reads.fastq.gz -e onehot
  --max-length 150 -q -o x.npy``, run as ``python -m deepbiop`` in a fresh
  process (interpreter start and imports included), its wall time and peak
  RSS (``ru_maxrss`` of the child);
* the same process with ``--version`` only: the start-up part of that time
  and the memory every run starts with;
* the pipeline written by hand, in this process: dnaio parse to a list of
  sequences, ``OneHotEncoder(max_length=150).encode_batch`` of all of it, and
  ``np.save`` of the result (each timed apart).

Before timing, the command's ``x.npy`` is checked equal to the hand-written
array. Prints the ratio of the command's time to the sum of the three parts
(the target is at most 1.3; at ``--quick`` sizes the start-up dominates, so
the ratio without it is printed too), and the command's peak RSS above its
start-up against the size of one chunk of output (target: under 2x).
``python benchmarks/bench_cli.py [--quick] [--json PATH]``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from _process import run_child  # noqa: E402
from bench_io import write_reads  # noqa: E402

LENGTH = 150
CHUNK = 10_000  # the command's default --chunk-size
ROOT = HERE.parent
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}


def _child(args: list[str]) -> tuple[float, int]:
    """Wall seconds and peak RSS (bytes) of a command that must succeed."""
    return run_child(args, ENV)


def _by_hand(reads: Path, out: Path) -> tuple[dict, np.ndarray]:
    import dnaio

    import deepbiop as dbp

    t0 = time.perf_counter()
    with dnaio.open(reads) as fh:
        seqs = [rec.sequence for rec in fh]
    t1 = time.perf_counter()
    x = dbp.OneHotEncoder(max_length=LENGTH).encode_batch(seqs)
    t2 = time.perf_counter()
    np.save(out, x)
    t3 = time.perf_counter()
    return {"parse": t1 - t0, "encode": t2 - t1, "save": t3 - t2}, x


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="20,000 reads instead of 1,000,000")
    p.add_argument("--reads", type=int, default=None, help="number of reads")
    p.add_argument("--repeat", type=int, default=None)
    p.add_argument("--json", default=None, help="write the results here")
    args = p.parse_args(argv)
    n = args.reads or (20_000 if args.quick else 1_000_000)
    repeat = args.repeat or (3 if args.quick else 2)

    with tempfile.TemporaryDirectory(prefix="deepbiop-bench-cli-") as tmp:
        d = Path(tmp)
        reads = d / "reads.fastq.gz"
        t0 = time.perf_counter()
        write_reads(reads, n, LENGTH)
        print(f"{n:,} reads x {LENGTH} bp written in {time.perf_counter() - t0:.1f} s")

        command = [sys.executable, "-m", "deepbiop", "encode", str(reads)]
        command += ["-e", "onehot", "--max-length", str(LENGTH), "-q", "--force"]
        out = d / "x.npy"
        _child([*command, "-o", str(out)])  # checked first, and warms the page cache
        hand, want = _by_hand(reads, d / "hand.npy")
        got = np.load(out, mmap_mode="r")
        if got.shape != want.shape or not np.array_equal(got, want):
            raise AssertionError("deepbiop encode's x.npy differs from the hand-written array")
        del got, want

        runs, starts, hands = [], [], []
        for _ in range(repeat):
            runs.append(_child([*command, "-o", str(out)]))
            starts.append(_child([sys.executable, "-m", "deepbiop", "--version"]))
            hands.append(_by_hand(reads, d / "hand.npy")[0])
            (d / "hand.npy").unlink()

    wall, peak = min(runs)
    start, start_rss = min(starts)
    parts = {k: min(h[k] for h in hands) for k in hands[0]}
    total = sum(parts.values())
    chunk_bytes = CHUNK * LENGTH * 4 * 4  # float32 one-hot rows of one chunk
    extra = peak - start_rss
    result = {
        "reads": n,
        "length": LENGTH,
        "command_s": wall,
        "startup_s": start,
        "by_hand_s": parts,
        "by_hand_total_s": total,
        "ratio": wall / total,
        "ratio_without_startup": (wall - start) / total,
        "peak_rss_mb": peak / 1e6,
        "startup_rss_mb": start_rss / 1e6,
        "chunk_output_mb": chunk_bytes / 1e6,
        "extra_over_chunk": extra / chunk_bytes,
        "output_mb": n * LENGTH * 16 / 1e6,
    }
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))
    print(
        f"\n{'path':<44}{'s':>8}{'Mreads/s':>10}\n"
        f"{'deepbiop encode (fresh process)':<44}{wall:>8.2f}{n / wall / 1e6:>10.2f}\n"
        f"{'  of which start-up (--version)':<44}{start:>8.2f}\n"
        f"{'by hand: dnaio parse':<44}{parts['parse']:>8.2f}\n"
        f"{'by hand: OneHotEncoder.encode_batch':<44}{parts['encode']:>8.2f}\n"
        f"{'by hand: np.save':<44}{parts['save']:>8.2f}\n"
        f"{'by hand: total':<44}{total:>8.2f}{n / total / 1e6:>10.2f}\n"
    )
    print(
        f"command / by hand: {result['ratio']:.2f}x (target <= 1.3), "
        f"without start-up {result['ratio_without_startup']:.2f}x"
    )
    print(
        f"peak RSS {peak / 1e6:.0f} MB, start-up {start_rss / 1e6:.0f} MB: "
        f"{extra / 1e6:.0f} MB above start-up for chunks of {chunk_bytes / 1e6:.0f} MB "
        f"({result['extra_over_chunk']:.2f}x a chunk, target < 2; the whole output is "
        f"{result['output_mb']:.0f} MB)"
    )
    return result


if __name__ == "__main__":
    main()
