"""Seeded benchmark workloads (nothing is downloaded).

Each workload is a list of Python ``str`` (what FASTA/FASTQ parsers hand to
users), generated from a fixed seed so every run and every machine encodes the
same sequences:

====== ======================================================= =============
name   what                                                    ``--quick``
====== ======================================================= =============
W1     100,000 DNA x 200 bp, ~1% N, mixed case                 10,000 x 200
W2     1,000 DNA x 10,000 bp                                   100 x 10,000
W3     one DNA sequence of 10,000,000 bp (``encode``)          1,000,000 bp
W4     50,000 DNA, lengths uniform in 50..1000 (padded)        5,000
W5     1,000,000 reads x 150 bp ("reads per second")           50,000 x 150
P      20,000 protein x 500 aa                                 2,000 x 500
====== ======================================================= =============

DNA is drawn uniformly from ``ACGTacgt`` (so about half the bases are
soft-masked lower case), then about 1% of positions become ``N``/``n``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["Workload", "make_workloads", "WORKLOAD_NAMES"]

WORKLOAD_NAMES = ("W1", "W2", "W3", "W4", "W5", "P")

_DNA = np.frombuffer(b"ACGTacgt", dtype=np.uint8)
_PROTEIN = np.frombuffer(b"ACDEFGHIKLMNPQRSTVWY", dtype=np.uint8)
_N_RATE = 0.01


@dataclass
class Workload:
    """One benchmark input.

    Attributes
    ----------
    name : str
        ``"W1"`` ... ``"W5"`` or ``"P"``.
    description : str
    alphabet : str
        ``"dna"`` or ``"protein"``.
    seqs : list of str
        The sequences.
    single : bool
        True when the workload is one sequence passed to ``encode``.
    """

    name: str
    description: str
    alphabet: str
    seqs: list
    single: bool = False
    _upper: list | None = field(default=None, repr=False)

    @property
    def n_seqs(self) -> int:
        return len(self.seqs)

    @property
    def n_bases(self) -> int:
        return sum(map(len, self.seqs))

    @property
    def max_len(self) -> int:
        return max(map(len, self.seqs)) if self.seqs else 0

    @property
    def upper(self) -> list:
        """The same sequences upper-cased, for peers that are case-sensitive."""
        if self._upper is None:
            self._upper = [s.upper() for s in self.seqs]
        return self._upper


def _dna_bytes(rng: np.random.Generator, n: int) -> np.ndarray:
    buf = _DNA[rng.integers(0, len(_DNA), size=n)]
    n_mask = rng.random(n) < _N_RATE
    # keep the case of the base an N replaces: soft-masked runs stay lower case
    buf[n_mask] = np.where(buf[n_mask] >= ord("a"), ord("n"), ord("N"))
    return buf


def _split(buf: np.ndarray, lens: np.ndarray) -> list:
    """Cut one ASCII buffer into Python ``str`` of the given lengths."""
    text = buf.tobytes().decode("ascii")
    ends = np.cumsum(lens).tolist()
    starts = [0, *ends[:-1]]
    return [text[a:b] for a, b in zip(starts, ends)]


def _fixed(rng: np.random.Generator, n: int, length: int, protein: bool = False) -> list:
    if protein:
        buf = _PROTEIN[rng.integers(0, len(_PROTEIN), size=n * length)]
    else:
        buf = _dna_bytes(rng, n * length)
    return _split(buf, np.full(n, length, dtype=np.int64))


def make_workloads(quick: bool = False, names: tuple = WORKLOAD_NAMES) -> dict:
    """Build the named workloads.

    Parameters
    ----------
    quick : bool, default=False
        Scale every workload down 10x (``--quick``).
    names : tuple of str
        Which workloads to build.

    Returns
    -------
    dict of str to Workload

    Examples
    --------
    >>> w = make_workloads(quick=True, names=("W1",))["W1"]
    >>> w.n_seqs, w.max_len
    (10000, 200)
    """
    s = 10 if quick else 1
    out = {}
    for name in names:
        rng = np.random.default_rng({"W1": 1, "W2": 2, "W3": 3, "W4": 4, "W5": 5, "P": 6}[name])
        if name == "W1":
            seqs = _fixed(rng, 100_000 // s, 200)
            desc = f"{len(seqs):,} DNA x 200 bp, ~1% N, mixed case"
            out[name] = Workload(name, desc, "dna", seqs)
        elif name == "W2":
            seqs = _fixed(rng, 1_000 // s, 10_000)
            desc = f"{len(seqs):,} DNA x 10,000 bp"
            out[name] = Workload(name, desc, "dna", seqs)
        elif name == "W3":
            seqs = _fixed(rng, 1, 10_000_000 // s)
            desc = f"one DNA sequence of {len(seqs[0]):,} bp, encode()"
            out[name] = Workload(name, desc, "dna", seqs, single=True)
        elif name == "W4":
            n = 50_000 // s
            lens = rng.integers(50, 1001, size=n)
            seqs = _split(_dna_bytes(rng, int(lens.sum())), lens)
            desc = f"{n:,} DNA, lengths uniform 50..1000, padded to the longest"
            out[name] = Workload(name, desc, "dna", seqs)
        elif name == "W5":
            seqs = _fixed(rng, 1_000_000 // (2 * s if quick else 1), 150)
            desc = f"{len(seqs):,} reads x 150 bp"
            out[name] = Workload(name, desc, "dna", seqs)
        elif name == "P":
            seqs = _fixed(rng, 20_000 // s, 500, protein=True)
            desc = f"{len(seqs):,} protein x 500 aa"
            out[name] = Workload(name, desc, "protein", seqs)
        else:
            raise ValueError(f"unknown workload {name!r}; choose from {WORKLOAD_NAMES}")
    return out
