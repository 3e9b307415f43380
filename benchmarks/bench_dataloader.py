"""DataLoader reads/s from FASTQ files to model-ready batches, for 0, 1 and 2 workers.

Writes seeded FASTQ data (400,000 x 150 bp reads; 40,000 with ``--quick``) in a
temporary directory, in three layouts:

* ``bgzf``: one BGZF file (workers read byte ranges of it);
* ``4 gzip``: four ordinary gzip files (workers read whole files);
* ``1 gzip``: one ordinary gzip file (cannot be split: every worker parses it).

and times ``FastxBatchDataset(..., batch_size=512)`` through
``DataLoader(ds, batch_size=None, num_workers=w, persistent_workers=w > 0)``
for ``w`` in 0, 1, 2: the median of ``--repeat`` epochs after a first one
(which starts the workers, as a training run does once; its time is kept in
the JSON as ``first_epoch_s``), with

* ``float``: ``OneHotEncoder("dna", "skip", max_length=150)``, float32
  one-hot (16 bytes per base cross the process boundary);
* ``compact``: ``IntegerEncoder("dna", "unknown", dtype=uint8, pad_value=255)``
  and lengths (1 byte per base; no mask: built from the lengths on the device),
  expanded by ``deepbiop.torch.ExpandCodes``
  on the training side (not timed here: it belongs to the model);
* ``training``: the compact path while the main loop burns a fixed 2 ms of CPU
  per 512-read batch (64 x 64 torch matrix products on one thread, standing
  in for a training step; they release the GIL as a model's ops do); reported
  as wall time over the main loop's own work (batches x 2 ms).

Before timing, every layout and path is checked to yield every read exactly
once with the right codes. ``--repeat`` defaults to 3 (1 with ``--quick``).
``python benchmarks/bench_dataloader.py [--quick] [--json PATH]``;
:func:`measure_dataloader` returns the same figures to other scripts.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

BATCH = 512
LENGTH = 150
STEP_SECONDS = 0.002  # the simulated training step per batch
WORKERS = (0, 1, 2)
LAYOUTS = ("bgzf", "4 gzip", "1 gzip")


def _fastq_bytes(first: int, n: int, rng: np.random.Generator) -> bytes:
    """``n`` reads ``read{first}..`` of LENGTH random bases as FASTQ text."""
    bases = np.frombuffer(b"ACGT", dtype=np.uint8)[rng.integers(0, 4, size=(n, LENGTH))]
    quals = (rng.integers(20, 41, size=(n, LENGTH)) + 33).astype(np.uint8)
    out = []
    for i in range(n):
        out.append(b"@read%d\n%s\n+\n%s\n" % (first + i, bases[i].tobytes(), quals[i].tobytes()))
    return b"".join(out)


def write_layouts(tmp: Path, n: int, seed: int = 0) -> dict[str, list[Path]]:
    """The three layouts of the same ``n`` reads (in the same order)."""
    from deepbiop.io import to_bgzf

    rng = np.random.default_rng(seed)
    quarters = [
        _fastq_bytes(q * (n // 4), n // 4 if q < 3 else n - 3 * (n // 4), rng) for q in range(4)
    ]
    plain = tmp / "all.fastq"
    plain.write_bytes(b"".join(quarters))
    layouts = {
        "bgzf": [tmp / "bgzf.fastq.gz"],
        "1 gzip": [tmp / "one.fastq.gz"],
        "4 gzip": [tmp / f"part{q}.fastq.gz" for q in range(4)],
    }
    to_bgzf(plain, layouts["bgzf"][0], level=1)
    layouts["1 gzip"][0].write_bytes(gzip.compress(plain.read_bytes(), compresslevel=1))
    for q, path in enumerate(layouts["4 gzip"]):
        path.write_bytes(gzip.compress(quarters[q], compresslevel=1))
    plain.unlink()
    return layouts


def _dataset(paths: list[Path], path_kind: str, ids: bool = False):
    import deepbiop as dbp
    from deepbiop.torch import FastxBatchDataset

    if path_kind == "float":
        enc = dbp.OneHotEncoder("dna", "skip", max_length=LENGTH)
        return FastxBatchDataset(paths, enc, batch_size=BATCH, return_ids=ids)
    enc = dbp.IntegerEncoder("dna", "unknown", dtype=np.uint8, pad_value=255, max_length=LENGTH)
    # the compact path: uint8 codes and lengths; the mask is built on the device
    return FastxBatchDataset(paths, enc, batch_size=BATCH, mask_dtype=None, return_ids=ids)


_STEP_A = None


def _burn(seconds: float) -> None:
    """Busy CPU (not sleep) for ``seconds``, like a training step on the CPU:
    small torch matrix products, which release the GIL as a model's ops do
    (a pure-Python loop would hold the GIL and starve the DataLoader's own
    feeder thread, which no real training step does)."""
    import torch

    global _STEP_A
    if _STEP_A is None:
        _STEP_A = torch.randn(64, 64)
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        torch.mm(_STEP_A, _STEP_A)


def _epochs(
    paths: list[Path], path_kind: str, workers: int, epochs: int, step: float = 0.0
) -> tuple[list[float], int, int]:
    """``epochs`` epochs through one DataLoader (workers kept between epochs,
    as a training run keeps them): (seconds of each epoch, reads, batches of
    the last). The first epoch includes starting the workers."""
    import warnings

    from torch.utils.data import DataLoader

    ds = _dataset(paths, path_kind)
    loader = DataLoader(ds, batch_size=None, num_workers=workers, persistent_workers=workers > 0)
    times = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the 1-gzip layout's warning is expected
        for _ in range(epochs):
            t0 = time.perf_counter()
            reads = batches = 0
            for b in loader:
                reads += len(b["lengths"])
                batches += 1
                if step:
                    _burn(step)
            times.append(time.perf_counter() - t0)
    del loader  # stops the workers
    return times, reads, batches


def _check(layouts: dict[str, list[Path]], n: int) -> None:
    """Every layout and path yields every read once, with the codes of its sequence."""
    import warnings

    from torch.utils.data import DataLoader

    import deepbiop as dbp
    from deepbiop.io import iter_records
    from deepbiop.torch import ExpandCodes

    want = {r.id: r.sequence for r in iter_records(layouts["bgzf"])}
    assert len(want) == n
    onehot = dbp.OneHotEncoder("dna", "skip", max_length=LENGTH)
    expand = ExpandCodes(4)
    for name, paths in layouts.items():
        for kind in ("float", "compact"):
            seen = 0
            loader = DataLoader(_dataset(paths, kind, ids=True), batch_size=None, num_workers=2)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # 1 gzip: expected
                batches = list(loader)
            for b in batches:
                x = b["inputs"] if kind == "float" else expand(b["inputs"])
                ref = onehot.encode_batch([want[i] for i in b["ids"]])
                if not np.array_equal(x.numpy(), ref):
                    raise AssertionError(f"{name}/{kind}: a batch differs from the reference")
                seen += len(b["ids"])
            if seen != n:
                raise AssertionError(f"{name}/{kind}: {seen} reads, want {n}")


def measure_dataloader(quick: bool, repeat: int | None = None) -> dict:
    """Reads/s of every layout x path x worker count, the training case and the ratios.

    Returns
    -------
    dict
        ``reads``, ``repeat``, ``rows`` (one dict per measurement: layout,
        path, workers, seconds (median), reads_per_s, and for the training
        case own_work_s and wall_over_own), ``ratios`` (``compact_1w_over_0w``
        and ``training_2w_over_own`` per layout) and ``targets``.
    """
    import torch

    torch.set_num_threads(1)
    n = 40_000 if quick else 400_000
    repeat = repeat or (1 if quick else 3)
    rows: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        layouts = write_layouts(Path(tmp), n)
        _check(layouts, n)
        for name in LAYOUTS:
            for kind in ("float", "compact", "training"):
                for w in WORKERS:
                    times, reads, batches = _epochs(
                        layouts[name],
                        "compact" if kind == "training" else kind,
                        w,
                        repeat + 1,
                        STEP_SECONDS if kind == "training" else 0.0,
                    )
                    assert reads == n
                    secs = statistics.median(times[1:])
                    row = {
                        "layout": name,
                        "path": kind,
                        "workers": w,
                        "seconds": secs,
                        "reads_per_s": n / secs,
                        "first_epoch_s": times[0],
                        "runs": times[1:],
                    }
                    if kind == "training":
                        row["own_work_s"] = batches * STEP_SECONDS
                        row["wall_over_own"] = secs / row["own_work_s"]
                        row["first_over_own"] = times[0] / row["own_work_s"]
                    rows.append(row)
    get = {(r["layout"], r["path"], r["workers"]): r for r in rows}
    ratios = {}
    for name in LAYOUTS:
        ratios[name] = {
            "compact_1w_over_0w": get[name, "compact", 1]["reads_per_s"]
            / get[name, "compact", 0]["reads_per_s"],
            "float_1w_over_0w": get[name, "float", 1]["reads_per_s"]
            / get[name, "float", 0]["reads_per_s"],
            "training_2w_over_own": get[name, "training", 2]["wall_over_own"],
        }
    targets = {
        "compact_1w_over_0w >= 0.8 (bgzf, 4 gzip)": all(
            ratios[k]["compact_1w_over_0w"] >= 0.8 for k in ("bgzf", "4 gzip")
        ),
        "training_2w_over_own <= 1.1 (bgzf, 4 gzip)": all(
            ratios[k]["training_2w_over_own"] <= 1.1 for k in ("bgzf", "4 gzip")
        ),
    }
    return {
        "reads": n,
        "length": LENGTH,
        "batch": BATCH,
        "repeat": repeat,
        "cpus": os.cpu_count(),
        "rows": rows,
        "ratios": ratios,
        "targets": targets,
    }


def format_table(res: dict) -> str:
    """The figures of :func:`measure_dataloader` as a text table."""
    lines = [f"{'layout':<8} {'path':<9} " + " ".join(f"{f'{w} workers':>18}" for w in WORKERS)]
    get = {(r["layout"], r["path"], r["workers"]): r for r in res["rows"]}
    for name in LAYOUTS:
        for kind in ("float", "compact", "training"):
            cells = []
            for w in WORKERS:
                r = get[name, kind, w]
                if kind == "training":
                    cells.append(f"{r['seconds']:6.2f}s {r['wall_over_own']:5.2f}x own")
                else:
                    cells.append(f"{r['reads_per_s'] / 1e3:9.0f} k reads/s")
            lines.append(f"{name:<8} {kind:<9} " + " ".join(f"{c:>18}" for c in cells))
    lines.append("ratios (this run):")
    for name, r in res["ratios"].items():
        lines.append(
            f"  {name:<7} compact 1 worker / 0 workers {r['compact_1w_over_0w']:5.2f}x   "
            f"float 1 / 0 {r['float_1w_over_0w']:5.2f}x   training 2 workers / own "
            f"work {r['training_2w_over_own']:5.2f}x"
        )
    for name, ok in res["targets"].items():
        lines.append(f"  target {name}: {'met' if ok else 'NOT met'}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="40,000 reads instead of 400,000")
    p.add_argument("--json", metavar="PATH", help="write the results as JSON")
    p.add_argument("--repeat", type=int, default=None, help="timed epochs per cell (median)")
    args = p.parse_args(argv)
    res = measure_dataloader(args.quick, args.repeat)
    print(
        f"bench_dataloader: {res['reads']:,} x {LENGTH} bp reads, batches of {BATCH}, "
        f"{res['cpus']} CPUs, median of {res['repeat']} epochs after the first "
        f"(persistent workers; the first, with worker start-up, is in the JSON); training = "
        f"{STEP_SECONDS * 1e3:.0f} ms busy CPU per batch in the main loop"
    )
    print(format_table(res))
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=1))
    return res


if __name__ == "__main__":
    main()
