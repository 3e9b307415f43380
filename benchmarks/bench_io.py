"""Records/s from a FASTQ.gz file to encoded batches, beside the parser floor.

Writes a seeded FASTQ.gz (200,000 x 150 bp reads; 20,000 with ``--quick``)
and times, on the same file in the same process:

* ``dnaio`` (the floor): plain iteration of the parser, touching each sequence;
* ``deepbiop.io.iter_records``: our error-wrapping reader on top of it;
* ``dnaio + encode_batch``: the hand-written loop a user would write without
  our dataset layer (collect 256 reads, one ``OneHotEncoder`` call);
* ``FastxDataset + EncodeCollate``, DataLoader with ``num_workers=0`` and
  ``num_workers=2`` (worker start-up included: one fresh epoch), plus the
  2-worker run with a seeded reverse-complement augmentation;
* ``FastxBatchDataset`` (whole encoded batches per DataLoader step) with
  ``num_workers=0`` and ``2``, float32 and compact (uint8 one-hot, bool mask),
  with and without augmentation (random reverse complement + 1% mutations);
* the per-read cost of ``mutate``/``random_reverse_complement`` (numpy, per
  read) against the batch kernels.

Before timing, every path's output is checked against the hand-written loop
(same number of records, same total of one-hot entries, same lengths). Prints
records/s, bases/s and the ratio to the parser floor, so the overhead of our
layer is visible. ``python benchmarks/bench_io.py [--quick] [--json PATH]``.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np

BATCH = 256


def write_reads(path: Path, n: int, length: int, seed: int = 0) -> None:
    import dnaio

    rng = np.random.default_rng(seed)
    bases = np.frombuffer(b"ACGT", dtype=np.uint8)
    seqs = bases[rng.integers(0, 4, size=(n, length))]
    quals = (rng.integers(20, 41, size=(n, length)) + 33).astype(np.uint8)
    labels = rng.integers(0, 2, size=n)
    with dnaio.open(path, mode="w", compression_level=1) as out:
        for i in range(n):
            out.write(
                dnaio.SequenceRecord(
                    f"read{i} label={labels[i]}",
                    seqs[i].tobytes().decode(),
                    quals[i].tobytes().decode(),
                )
            )


def _floor(path: Path) -> dict:
    import dnaio

    n = bases = 0
    with dnaio.open(path) as reader:
        for rec in reader:
            n += 1
            bases += len(rec.sequence)
    return {"records": n, "bases": bases}


def _ours_reader(path: Path) -> dict:
    from deepbiop.io import iter_records

    n = bases = 0
    for rec in iter_records(path):
        n += 1
        bases += len(rec.sequence)
    return {"records": n, "bases": bases}


def _summarise(batches) -> dict:
    n = bases = 0
    total = 0.0
    for x, lengths in batches:
        n += len(lengths)
        bases += int(np.asarray(lengths).sum())
        total += float(x.sum())
    return {"records": n, "bases": bases, "onehot_sum": total}


def _hand_loop(path: Path) -> dict:
    import dnaio

    import deepbiop as dbp

    enc = dbp.OneHotEncoder("dna", "skip", channels_first=True)

    def gen():
        buf = []
        with dnaio.open(path) as reader:
            for rec in reader:
                buf.append(rec.sequence)
                if len(buf) == BATCH:
                    yield enc.encode_batch(buf), [len(s) for s in buf]
                    buf = []
        if buf:
            yield enc.encode_batch(buf), [len(s) for s in buf]

    return _summarise(gen())


def _loader(path: Path, num_workers: int, augment: bool = False) -> dict:
    from torch.utils.data import DataLoader

    import deepbiop as dbp
    from deepbiop.io import HeaderLabel
    from deepbiop.torch import EncodeCollate, FastxDataset

    ds = FastxDataset(
        path,
        label_fn=HeaderLabel(),
        transform=dbp.augment.RandomReverseComplement(0.5) if augment else None,
        seed=0,
    )
    loader = DataLoader(
        ds,
        batch_size=BATCH,
        num_workers=num_workers,
        collate_fn=EncodeCollate(dbp.OneHotEncoder("dna", "skip", channels_first=True)),
    )
    return _summarise((b["inputs"], b["lengths"]) for b in loader)


def _batch_loader(
    path: Path, num_workers: int, augment: bool = False, compact: bool = False
) -> dict:
    import torch
    from torch.utils.data import DataLoader

    import deepbiop as dbp
    from deepbiop.io import HeaderLabel
    from deepbiop.torch import FastxBatchDataset

    dtype = np.uint8 if compact else np.float32
    transform = (
        dbp.augment.Compose(
            [dbp.augment.RandomReverseComplement(0.5), dbp.augment.RandomMutation(0.01)]
        )
        if augment
        else None
    )
    ds = FastxBatchDataset(
        path,
        dbp.OneHotEncoder("dna", "skip", channels_first=True, dtype=dtype),
        batch_size=BATCH,
        label_fn=HeaderLabel(),
        transform=transform,
        mask_dtype=torch.bool if compact else torch.int64,
        seed=0,
    )
    loader = DataLoader(ds, batch_size=None, num_workers=num_workers)
    return _summarise((b["inputs"], b["lengths"]) for b in loader)


def _mutate_rows(n: int, length: int) -> list[dict]:
    """Per-read cost of point mutation: numpy mutate() per read vs one mutate_batch call."""
    import deepbiop as dbp

    rng = np.random.default_rng(1)
    bases = np.frombuffer(b"ACGT", dtype=np.uint8)
    seqs = [bases[rng.integers(0, 4, size=length)].tobytes().decode() for _ in range(n)]
    aug = dbp.augment
    one = aug.mutate_batch(seqs, 0.01, random_state=0, n_jobs=1)
    assert [len(s) for s in one] == [len(s) for s in seqs]
    cases = [
        (
            "mutate() per read (numpy)",
            lambda: [aug.mutate(s, 0.01, random_state=rng) for s in seqs],
        ),
        (
            "mutate_batch (kernel, 1 thread)",
            lambda: aug.mutate_batch(seqs, 0.01, random_state=rng, n_jobs=1),
        ),
        (
            "random_reverse_complement() per read",
            lambda: [aug.random_reverse_complement(s, 0.5, random_state=rng) for s in seqs],
        ),
        (
            "random_reverse_complement_batch (1 thread)",
            lambda: aug.random_reverse_complement_batch(seqs, 0.5, random_state=rng, n_jobs=1),
        ),
    ]
    rows = []
    for name, fn in cases:
        secs, _ = _time(fn, 3)
        rows.append(
            {
                "name": name,
                "records": n,
                "length": length,
                "seconds": secs,
                "us_per_read": secs / n * 1e6,
            }
        )
        print(f"  {name:<44} {secs / n * 1e6:8.2f} us/read")
    return rows


def _time(fn, repeat: int) -> tuple[float, dict]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main(argv: list[str] | None = None) -> list[dict]:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="20,000 reads instead of 200,000")
    p.add_argument("--json", metavar="PATH", help="write the results as JSON")
    p.add_argument("--repeat", type=int, default=None, help="timed runs (best is kept)")
    args = p.parse_args(argv)
    n = 20_000 if args.quick else 200_000
    length = 150
    repeat = args.repeat or (2 if args.quick else 3)

    import torch

    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "reads.fastq.gz"
        write_reads(path, n, length)
        size_mb = os.path.getsize(path) / 1e6
        print(
            f"bench_io: {n:,} x {length} bp reads, FASTQ.gz {size_mb:.1f} MB, "
            f"batches of {BATCH}, best of {repeat}"
        )

        cases = [
            ("dnaio iteration (floor)", lambda: _floor(path)),
            ("deepbiop.io.iter_records", lambda: _ours_reader(path)),
            ("dnaio + encode_batch loop", lambda: _hand_loop(path)),
            ("FastxDataset+EncodeCollate, workers=0", lambda: _loader(path, 0)),
            ("FastxDataset+EncodeCollate, workers=2", lambda: _loader(path, 2)),
            ("  ... workers=2 + RandomReverseComplement", lambda: _loader(path, 2, True)),
            ("FastxBatchDataset, workers=0", lambda: _batch_loader(path, 0)),
            ("FastxBatchDataset, workers=2", lambda: _batch_loader(path, 2)),
            (
                "  ... workers=2, uint8 one-hot + bool mask",
                lambda: _batch_loader(path, 2, compact=True),
            ),
            (
                "  ... workers=2, uint8 + RC 0.5 + mutation 0.01",
                lambda: _batch_loader(path, 2, True, True),
            ),
        ]
        # outputs agree before anything is timed
        ref = _hand_loop(path)
        assert ref["records"] == n and ref["bases"] == n * length
        assert ref["onehot_sum"] == n * length  # ACGT only: one 1 per base
        for name, fn in cases:
            got = fn()
            for key in ("records", "bases", "onehot_sum"):
                if key in got and got[key] != ref[key]:
                    raise AssertionError(f"{name}: {key} {got[key]} != {ref[key]}")

        results = []
        floor = None
        for name, fn in cases:
            secs, _ = _time(fn, repeat)
            rate = n / secs
            floor = floor or rate
            results.append(
                {
                    "name": name,
                    "records": n,
                    "length": length,
                    "seconds": secs,
                    "records_per_s": rate,
                    "bases_per_s": rate * length,
                    "ratio_to_floor": rate / floor,
                }
            )
            print(
                f"  {name:<44} {secs:7.3f} s  {rate / 1e3:8.1f} k rec/s  "
                f"{rate * length / 1e6:7.1f} Mbases/s  {rate / floor:5.2f} x floor"
            )
        print(f"augmentation cost, {min(n, 20_000):,} x {length} bp reads, best of 3:")
        results += _mutate_rows(min(n, 20_000), length)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    return results


if __name__ == "__main__":
    main()
