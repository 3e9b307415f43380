"""Writing a k-mer spectrum: ``tsv`` (``jellyfish dump -c -t``), ``histo``
(``jellyfish histo``) or ``parquet``.

The writers take the spectrum as blocks of ``(codes, counts)`` in ascending
code order: a :class:`~deepbiop.KmerSpectrum` is cut into blocks, a
:class:`~deepbiop.SpectrumBlocks` (the counter that bins k-mers on disk)
yields them as it counts. Each block is formatted as bytes at once (no Python
object per k-mer; text by :mod:`deepbiop._kernels._spectrum_text`), so memory
beyond the spectrum is one block of text.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from typing import IO, Any

import numpy as np

from deepbiop._kernels import _spectrum_text
from deepbiop.io._staging import StagedPaths
from deepbiop.kmers import kmer_letters

__all__ = ["SPECTRUM_FORMATS", "write_spectrum"]

SPECTRUM_FORMATS = ("tsv", "histo", "parquet")
_BLOCK = 1 << 18  # k-mers formatted and written at a time


def _blocks(spec: Any, min_count: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Blocks of at most ``_BLOCK`` k-mers seen at least ``min_count`` times.

    A streamed block may be a view of a large buffer: neither this generator
    nor its callers keep one while the next is asked for (``del``), so that
    only one such buffer is alive at a time.
    """
    source: Iterable[tuple[np.ndarray, np.ndarray]]
    if hasattr(spec, "codes"):  # a KmerSpectrum: the whole spectrum in memory
        source = [(spec.codes, spec.counts)]
    else:
        source = spec
    for all_codes, all_counts in source:
        for lo in range(0, len(all_codes), _BLOCK):
            codes, counts = all_codes[lo : lo + _BLOCK], all_counts[lo : lo + _BLOCK]
            if min_count > 1:
                keep = counts >= min_count
                if not keep.all():
                    codes, counts = codes[keep], counts[keep]
            if len(codes):
                yield codes, counts
            del codes, counts
        del all_codes, all_counts


def _tsv(spec: Any, fh: IO[bytes], min_count: int) -> None:
    symbols = np.frombuffer(spec.alphabet.symbols.encode("ascii"), dtype=np.uint8)
    k = spec.k
    for codes, counts in _blocks(spec, min_count):
        width = k + 2 + len(str(int(counts.max())))
        text = np.empty(len(codes) * width, dtype=np.uint8)
        n = _spectrum_text.format_tsv(
            np.ascontiguousarray(codes, dtype=np.uint64),
            np.ascontiguousarray(counts, dtype=np.int64),
            k,
            symbols,
            text,
        )
        fh.write(memoryview(text)[:n])
        del codes, counts  # see _blocks


def _histo(spec: Any, fh: IO[bytes], min_count: int) -> None:
    hist = np.zeros(1, dtype=np.int64)
    big: dict[int, int] = {}  # counts too large for a bincount table
    for codes, counts in _blocks(spec, min_count):
        small = counts
        if int(counts.max()) >= 1 << 20:
            small = counts[counts < 1 << 20]
            values, n = np.unique(counts[counts >= 1 << 20], return_counts=True)
            for v, c in zip(values.tolist(), n.tolist()):
                big[v] = big.get(v, 0) + c
        h = np.bincount(small)
        del codes, counts, small  # see _blocks
        if h.size > hist.size:
            h[: hist.size] += hist
            hist = h
        else:
            hist[: h.size] += h
    rows = [(int(c), int(hist[c])) for c in np.flatnonzero(hist)] + sorted(big.items())
    fh.write("".join(f"{c}\t{n}\n" for c, n in rows).encode("ascii"))


def _parquet(spec: Any, sink: Any, min_count: int) -> None:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise ImportError(
            f"writing parquet needs pyarrow: pip install 'deepbiop[cli]' ({exc})"
        ) from exc
    schema = pa.schema([("kmer", pa.string()), ("count", pa.int64())])
    k = spec.k
    with pq.ParquetWriter(sink, schema) as writer:
        for codes, counts in _blocks(spec, min_count):
            n = len(codes)
            letters = np.ascontiguousarray(kmer_letters(codes, spec.alphabet, k))
            offsets = np.arange(0, (n + 1) * k, k, dtype=np.int32)
            kmers = pa.Array.from_buffers(
                pa.string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(letters)]
            )
            columns = [kmers, pa.array(counts, pa.int64())]
            writer.write_table(pa.table(columns, schema=schema))
            del codes, counts, columns  # see _blocks


class _TextSink:
    """Bytes written to a text stream that has no ``buffer`` (a ``StringIO``
    standing in for standard output)."""

    def __init__(self, fh: IO[str]) -> None:
        self._fh = fh

    def write(self, data: bytes | memoryview) -> int:
        return self._fh.write(bytes(data).decode("ascii"))

    def flush(self) -> None:
        self._fh.flush()


def write_spectrum(
    spectrum: Any,
    output: str | os.PathLike[str] = "-",
    *,
    format: str = "tsv",
    min_count: int = 1,
    force: bool = False,
) -> None:
    """Write a k-mer spectrum as jellyfish-style text or parquet.

    Parameters
    ----------
    spectrum : KmerSpectrum or SpectrumBlocks
        A spectrum in memory, or the sorted blocks of
        :func:`deepbiop.iter_kmer_spectrum_file` (consumed; written as they
        are counted, so the spectrum is never held whole).
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
        sys.stdout.flush()  # text already written goes first
        sink = getattr(sys.stdout, "buffer", None) or _TextSink(sys.stdout)
        write(spectrum, sink, min_count)
        sink.flush()
        return
    staged = StagedPaths(force)
    temp = staged.add(output)
    try:
        if format == "parquet":
            write(spectrum, temp, min_count)
        else:
            with open(temp, "wb") as fh:
                write(spectrum, fh, min_count)
    except BaseException:
        staged.abort()
        raise
    staged.commit()
