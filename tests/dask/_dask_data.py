"""Seeded FASTA/FASTQ files for the deepbiop.dask tests, and the references
they are compared with (one-process deepbiop on the same files)."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np

from deepbiop.io import iter_records, to_bgzf

LABELS = ("label", "weight")


def _reads(rng: np.random.Generator, n: int, prefix: str) -> list[tuple[str, str, str]]:
    out = []
    for i in range(n):
        length = int(rng.integers(0, 140))
        seq = "".join(rng.choice(list("ACGTACGTACGTNacgt"), length))
        qual = "".join(rng.choice(list("!+5?I"), length))
        header = f"{prefix}{i} label={i % 2} weight={i / 4:.2f}"
        out.append((header, seq, qual))
    return out


def _fastq(records) -> str:
    return "".join(f"@{h}\n{s}\n+\n{q}\n" for h, s, q in records)


def _fasta(records) -> str:
    # sequences wrapped at 60 columns, as genome FASTA files are
    return "".join(
        f">{h}\n" + "".join(s[i : i + 60] + "\n" for i in range(0, len(s), 60))
        for h, s, _ in records
    )


def write_datasets(folder: Path) -> dict[str, str]:
    """Write the files; return their paths by name.

    * ``plain``: 400 FASTQ records, plain text (split into byte ranges);
    * ``gzip``: 150 FASTQ records, ordinary gzip (one partition);
    * ``bgzf``: 2,500 FASTQ records as BGZF (several blocks, split);
    * ``fasta``: 200 FASTA records, plain, wrapped lines;
    * ``bad``: a FASTQ file whose record 57 has a quality line of the wrong length.
    """
    rng = np.random.default_rng(20240601)
    paths = {
        "plain": folder / "a_plain.fq",
        "gzip": folder / "b_gzip.fq.gz",
        "bgzf": folder / "c_bgzf.fq.gz",
        "fasta": folder / "d_plain.fa",
        "bad": folder / "bad.fq",
    }
    paths["plain"].write_text(_fastq(_reads(rng, 400, "p")))
    with gzip.open(paths["gzip"], "wt") as fh:
        fh.write(_fastq(_reads(rng, 150, "g")))
    src = folder / "c_source.fq"
    src.write_text(_fastq(_reads(rng, 2500, "z")))
    to_bgzf(src, paths["bgzf"])
    src.unlink()
    paths["fasta"].write_text(_fasta(_reads(rng, 200, "f")))
    bad = _reads(rng, 100, "x")
    h, s, q = bad[57]
    bad[57] = (h, s + "A", q)
    paths["bad"].write_text(_fastq(bad))
    return {k: str(v) for k, v in paths.items()}


def records(paths) -> list:
    """Every record of ``paths``, in order, read in one process."""
    return list(iter_records(paths))


def good_files(datasets: dict[str, str]) -> list[str]:
    return [datasets[k] for k in ("plain", "gzip", "bgzf", "fasta")]
