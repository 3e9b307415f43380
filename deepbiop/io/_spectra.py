"""Writing a k-mer spectrum: ``tsv`` (``jellyfish dump -c -t``), ``histo``
(``jellyfish histo``) or ``parquet``.

The writers take the spectrum as blocks of ``(codes, counts)`` in ascending
code order and spell the k-mers a block at a time, so memory beyond the
spectrum itself is one block. A counter that spills sorted runs to disk could
feed them the same blocks.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from typing import IO, Any

import numpy as np

from deepbiop.io._staging import StagedPaths
from deepbiop.kmers import spell_kmers

__all__ = ["SPECTRUM_FORMATS", "write_spectrum"]

SPECTRUM_FORMATS = ("tsv", "histo", "parquet")
_BLOCK = 1 << 20  # k-mers spelled and written at a time


def _blocks(spec: Any, min_count: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    for lo in range(0, len(spec), _BLOCK):
        codes, counts = spec.codes[lo : lo + _BLOCK], spec.counts[lo : lo + _BLOCK]
        keep = counts >= min_count
        if not keep.all():
            codes, counts = codes[keep], counts[keep]
        yield codes, counts


def _tsv(spec: Any, fh: IO[str], min_count: int) -> None:
    for codes, counts in _blocks(spec, min_count):
        kmers = spell_kmers(codes, spec.alphabet, spec.k).tolist()
        fh.write("".join(f"{m}\t{c}\n" for m, c in zip(kmers, counts.tolist())))


def _histo(spec: Any, fh: IO[str], min_count: int) -> None:
    hist = spec.histogram()
    fh.write("".join(f"{c}\t{hist[c]}\n" for c in np.flatnonzero(hist) if c >= min_count))


def _parquet(spec: Any, sink: Any, min_count: int) -> None:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise ImportError(
            f"writing parquet needs pyarrow: pip install 'deepbiop[cli]' ({exc})"
        ) from exc
    schema = pa.schema([("kmer", pa.string()), ("count", pa.int64())])
    with pq.ParquetWriter(sink, schema) as writer:
        for codes, counts in _blocks(spec, min_count):
            kmers = spell_kmers(codes, spec.alphabet, spec.k)
            columns = [pa.array(kmers, pa.string()), pa.array(counts, pa.int64())]
            writer.write_table(pa.table(columns, schema=schema))


def write_spectrum(
    spectrum: Any,
    output: str | os.PathLike[str] = "-",
    *,
    format: str = "tsv",
    min_count: int = 1,
    force: bool = False,
) -> None:
    """Write a :class:`~deepbiop.KmerSpectrum` as jellyfish-style text or parquet.

    Parameters
    ----------
    spectrum : KmerSpectrum
    output : path, default="-"
        A file (written under a temporary name, renamed when complete) or
        ``"-"`` for standard output.
    format : {"tsv", "histo", "parquet"}, default="tsv"
        ``tsv``: ``KMER<TAB>COUNT`` lines in k-mer order (``jellyfish dump -c
        -t``); ``histo``: ``COUNT<TAB>NUMBER_OF_KMERS`` for every count that
        occurs (``jellyfish histo``, without its upper bound); ``parquet``:
        columns ``kmer`` (string) and ``count`` (int64).
    min_count : int, default=1
        Leave out k-mers seen fewer times (histo: the counts below it).
    force : bool, default=False
        Replace an existing ``output``; else ``FileExistsError``.

    Examples
    --------
    >>> import deepbiop as dbp
    >>> from deepbiop.io import write_spectrum
    >>> spec = dbp.kmer_spectrum(["ACGTAC", "ACG"], k=2)
    >>> write_spectrum(spec)  # doctest: +NORMALIZE_WHITESPACE
    AC	3
    CG	2
    GT	1
    TA	1
    >>> write_spectrum(spec, format="histo")  # doctest: +NORMALIZE_WHITESPACE
    1	2
    2	1
    3	1
    """
    if format not in SPECTRUM_FORMATS:
        raise ValueError(f"format must be one of {SPECTRUM_FORMATS}, got {format!r}")
    if isinstance(min_count, bool) or not isinstance(min_count, int) or min_count < 1:
        raise ValueError(f"min_count must be a positive integer, got {min_count!r}")
    write = {"tsv": _tsv, "histo": _histo, "parquet": _parquet}[format]
    output = os.fspath(output)
    if output == "-":
        if format == "parquet":
            write(spectrum, sys.stdout.buffer, min_count)
            sys.stdout.buffer.flush()
        else:
            write(spectrum, sys.stdout, min_count)
            sys.stdout.flush()
        return
    staged = StagedPaths(force)
    temp = staged.add(output)
    try:
        if format == "parquet":
            write(spectrum, temp, min_count)
        else:
            with open(temp, "w", encoding="ascii", newline="\n") as fh:
                write(spectrum, fh, min_count)
    except BaseException:
        staged.abort()
        raise
    staged.commit()
