"""Seeded synthetic sequence data with planted motifs.

Everything the examples, tests and benchmarks train on is made here, so the
bundled sample files can be regenerated bit for bit::

    python -m deepbiop.datasets --out examples/data

writes ``motifs.fa`` (1,000 labelled DNA sequences) and ``reads.fastq.gz``
(2,000 labelled reads with qualities) with seed 0.

How the data are made: background bases are drawn uniformly from ACGT; a
positive sequence gets ``motif`` planted at a random position (with each motif
base mutated with probability ``motif_mutation_rate``), a negative one gets
nothing; then a fraction ``n_rate`` of positions become ``N`` and a fraction
``lowercase_rate`` become lower case (soft masking). The label is 1 for
positives. Headers carry the label as ``label=1``.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import io
from pathlib import Path

import numpy as np

__all__ = ["make_motif_sequences", "write_fasta", "write_fastq", "main"]

_BASES = np.frombuffer(b"ACGT", dtype=np.uint8)


def make_motif_sequences(
    n_sequences: int = 1000,
    length: int | tuple[int, int] = 200,
    *,
    motif: str = "TATAATGCGC",
    positive_fraction: float = 0.5,
    motif_mutation_rate: float = 0.1,
    n_rate: float = 0.005,
    lowercase_rate: float = 0.05,
    seed: int = 0,
) -> tuple[list[str], np.ndarray]:
    """Random DNA sequences, a fraction with ``motif`` planted.

    Parameters
    ----------
    n_sequences : int, default=1000
    length : int or (int, int), default=200
        Fixed length, or inclusive (min, max) for uniformly drawn lengths
        (which must be >= ``len(motif)``).
    motif : str, default="TATAATGCGC"
    positive_fraction : float, default=0.5
    motif_mutation_rate : float, default=0.1
        Probability that each planted motif base is replaced by a random base.
    n_rate : float, default=0.005
        Fraction of positions turned into ``N``.
    lowercase_rate : float, default=0.05
        Fraction of positions written in lower case.
    seed : int, default=0

    Returns
    -------
    sequences : list of str
    labels : ndarray of int64, shape (n_sequences,)

    Examples
    --------
    >>> from deepbiop.datasets import make_motif_sequences
    >>> seqs, y = make_motif_sequences(4, 20, seed=1)
    >>> len(seqs), [len(s) for s in seqs], y.tolist()
    (4, [20, 20, 20, 20], [0, 0, 1, 0])
    """
    rng = np.random.default_rng(seed)
    motif_b = np.frombuffer(motif.upper().encode("ascii"), dtype=np.uint8)
    if isinstance(length, tuple):
        lo, hi = length
        lengths = rng.integers(lo, hi + 1, size=n_sequences)
    else:
        lengths = np.full(n_sequences, int(length))
    if (lengths < len(motif_b)).any():
        raise ValueError("every sequence must be at least as long as the motif")
    labels = (rng.random(n_sequences) < positive_fraction).astype(np.int64)
    seqs = []
    for L, label in zip(lengths.tolist(), labels.tolist()):
        s = _BASES[rng.integers(0, 4, size=L)]
        if label:
            m = motif_b.copy()
            mutate = rng.random(len(m)) < motif_mutation_rate
            m[mutate] = _BASES[rng.integers(0, 4, size=int(mutate.sum()))]
            start = int(rng.integers(0, L - len(m) + 1))
            s[start : start + len(m)] = m
        s[rng.random(L) < n_rate] = ord("N")
        lower = rng.random(L) < lowercase_rate
        s[lower] = s[lower] + 32  # ASCII upper -> lower
        seqs.append(s.tobytes().decode("ascii"))
    return seqs, labels


@contextlib.contextmanager
def _open_text(path: Path):
    """Text writer; gzip (with a fixed header, so output is reproducible) for .gz."""
    if path.suffix != ".gz":
        with open(path, "w") as fh:
            yield fh
        return
    with (
        open(path, "wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz,
        io.TextIOWrapper(gz, encoding="ascii") as fh,
    ):
        yield fh


def write_fasta(path: str | Path, sequences, labels=None, *, line_width: int = 80) -> None:
    """Write sequences as FASTA (gzip if the name ends in ``.gz``)."""
    with _open_text(Path(path)) as fh:
        for i, s in enumerate(sequences):
            label = "" if labels is None else f" label={int(labels[i])}"
            fh.write(f">seq{i}{label}\n")
            for j in range(0, len(s), line_width):
                fh.write(s[j : j + line_width] + "\n")


def write_fastq(path: str | Path, sequences, labels=None, *, seed: int = 0) -> None:
    """Write sequences as FASTQ with seeded random Phred+33 qualities."""
    rng = np.random.default_rng(seed)
    with _open_text(Path(path)) as fh:
        for i, s in enumerate(sequences):
            label = "" if labels is None else f" label={int(labels[i])}"
            qual = (rng.integers(20, 41, size=len(s)) + 33).astype(np.uint8).tobytes()
            fh.write(f"@read{i}{label}\n{s}\n+\n{qual.decode('ascii')}\n")


def main(argv: list[str] | None = None) -> None:
    """Regenerate the bundled sample files."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="examples/data", help="output folder")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    seqs, y = make_motif_sequences(1000, 200, seed=args.seed)
    write_fasta(out / "motifs.fa", seqs, y)
    reads, ry = make_motif_sequences(2000, 150, seed=args.seed + 1)
    write_fastq(out / "reads.fastq.gz", reads, ry, seed=args.seed + 2)
    print(
        f"wrote {out / 'motifs.fa'} ({len(seqs)} sequences) and "
        f"{out / 'reads.fastq.gz'} ({len(reads)} reads)"
    )


if __name__ == "__main__":  # pragma: no cover
    main()
