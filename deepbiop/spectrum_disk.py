"""K-mer spectra of files larger than memory: k-mers binned on disk (as KMC
does), streamed out in code order.

:func:`iter_kmer_spectrum_file` counts like :func:`deepbiop.kmer_spectrum_file`
but within a memory budget, and hands the spectrum out as a
:class:`SpectrumBlocks`: ``(codes, counts)`` blocks in ascending code order,
which :func:`deepbiop.io.write_spectrum` writes as they come (what ``deepbiop
kmers --max-memory`` runs).

How (``max_memory`` = B bytes):

1. The input is read in chunks of at most B/32 bases (records are cut into
   pieces overlapping by k - 1 bases, and FASTA is read a block at a time, by
   :func:`deepbiop.io.iter_sequence_pieces`, so no record is held whole);
   each chunk is counted in memory by the kernels of :mod:`deepbiop.spectrum`
   into a sorted ``(code, count)`` run. Runs are merged in memory while they
   fit: twice their size (room to merge) plus a chunk within B. Small inputs
   end here, without touching the disk; no estimate of the input's size is
   needed (gzip, standard input).
2. The first time the runs would not fit, they are written to a spill file in
   ``tmp_dir``, and so is every later run (8 bytes per distinct k-mer of the
   chunk, at most 8 bytes per k-mer occurrence; see
   :mod:`deepbiop._spectrum_spill`).
3. After the last chunk, the code space is cut into bins of consecutive code
   prefixes holding at most B/20 spilled words each. Each bin is read back
   from every run, counted (sort, run-length, counts summed) and yielded:
   bins in order are the spectrum in code order, identical to the one counted
   in memory.

The temporary directory (``deepbiop-kmers-*`` in ``tmp_dir``) is removed when
the blocks are exhausted or closed, on an error and on Ctrl-C.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import weakref
from collections.abc import Iterable, Iterator
from numbers import Integral
from typing import Any

import numpy as np

from deepbiop._config import effective_n_threads
from deepbiop._spectrum_spill import SpillFile
from deepbiop.alphabets import Alphabet, get_alphabet
from deepbiop.spectrum import (
    KmerSpectrum,
    PathLike,
    check_spectrum_params,
    chunk_spectra,
    merge_runs,
)

__all__ = ["SpectrumBlocks", "iter_kmer_spectrum_file", "parse_memory"]

_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}
_SIZE = re.compile(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*([kmgt]?)(?:i?b)?\s*", re.IGNORECASE)

#: Bytes a chunk costs to count, per base: 16 for its window codes and their
#: sort scratch, the rest for its text (read, then packed) and the run.
_CHUNK_BYTES_PER_BASE = 24
#: Budget bytes per chunk base: a chunk takes ~3/4 of the budget.
_CHUNK_DIVISOR = 32
#: Budget bytes per spilled word in one bin: 16 bytes per word (the words,
#: then their counts, and the sort scratch) take 4/5 of the budget, the rest
#: is left for the writer.
_BIN_DIVISOR = 20
#: The smallest chunk, whatever the budget (one kernel call has a fixed cost).
_MIN_CHUNK_BASES = 1 << 12


def parse_memory(value: Any) -> int:
    """Bytes from an int or a size string: ``"256M"``, ``"2G"``, ``"1.5g"``,
    ``"512MiB"``, ``"100000"`` (suffixes K, M, G, T are powers of 1024; a
    trailing ``B``/``iB`` is allowed).

    Raises
    ------
    ValueError
        For anything else, or a size below 1 byte.

    Examples
    --------
    >>> from deepbiop.spectrum_disk import parse_memory
    >>> parse_memory("256M"), parse_memory("1.5G"), parse_memory(4096)
    (268435456, 1610612736, 4096)
    """
    n: float | int
    if isinstance(value, Integral) and not isinstance(value, bool):
        n = int(value)
    elif isinstance(value, str) and (m := _SIZE.fullmatch(value)):
        n = int(float(m[1]) * _UNITS[m[2].lower()])
    else:
        raise ValueError(
            f"max_memory must be a number of bytes or a size such as '256M' or '2G' "
            f"(K, M, G, T: powers of 1024), got {value!r}"
        )
    if n < 1:
        raise ValueError(f"max_memory must be at least 1 byte, got {value!r}")
    return n


def _release_freed_memory() -> None:
    """Hand memory freed by the chunks back to the system before the bins
    are counted (glibc keeps freed heap pages of the chunks' text for reuse,
    which the bins, allocated with mmap, cannot use). Nothing elsewhere."""
    try:
        import ctypes

        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass


def _held(run: tuple[np.ndarray, np.ndarray]) -> int:
    """Bytes a run keeps alive (a view keeps its whole buffer)."""
    return sum(a.nbytes if a.base is None else a.base.nbytes for a in run)


class SpectrumBlocks:
    """The k-mer spectrum of files as ``(codes, counts)`` blocks in ascending
    code order, counted as they are iterated (once).

    Returned by :func:`iter_kmer_spectrum_file`. Each block is a pair of
    arrays, ``codes`` (uint64, ascending across blocks) and ``counts``
    (int64), of any length; together they are :attr:`KmerSpectrum.codes
    <deepbiop.KmerSpectrum>` and ``counts`` of the same input. Pass the object
    to :func:`deepbiop.io.write_spectrum`, iterate it, or gather it with
    :meth:`to_spectrum` when it fits in memory.

    Attributes
    ----------
    k : int
    alphabet : Alphabet
    canonical : bool
    n_bins : int
        Bins counted from disk (0 when the spectrum fitted in memory); known
        once iteration has reached the first block.
    spilled_bytes : int
        Size of the spill file (0 when nothing was spilled).

    Notes
    -----
    Use it as a context manager (or call :meth:`close`) when the iteration
    may stop early: the temporary files stay until the blocks are exhausted,
    closed or garbage collected.
    """

    def __init__(
        self,
        k: int,
        alphabet: Alphabet,
        canonical: bool,
        seqs: Iterable[Any],
        max_memory: int | None,
        tmp_dir: str | None,
        chunk_bases: int,
        n_threads: int,
    ) -> None:
        # ``seqs``: whole records, or with ``max_memory`` pieces of at most
        # ``chunk_bases`` bases
        self.k = k
        self.alphabet = alphabet
        self.canonical = canonical
        self.n_bins = 0
        self.spilled_bytes = 0
        self._seqs = seqs
        self._budget = max_memory
        self._tmp_dir = tmp_dir
        self._chunk_bases = chunk_bases
        self._n_threads = n_threads
        self._blocks: Iterator[tuple[np.ndarray, np.ndarray]] | None = None
        self._started = False
        self._workdir: str | None = None
        self._finalizer: weakref.finalize | None = None

    def __iter__(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        if self._started:
            raise RuntimeError(
                "the blocks of a SpectrumBlocks can be read once; call "
                "iter_kmer_spectrum_file() again"
            )
        self._started = True
        self._blocks = self._generate()
        return self._blocks

    def __enter__(self) -> SpectrumBlocks:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        """Stop counting and remove the temporary files."""
        if self._blocks is not None:
            self._blocks.close()
        self._started = True
        self._remove_workdir()

    def to_spectrum(self) -> KmerSpectrum:
        """Every block gathered into one :class:`~deepbiop.KmerSpectrum`
        (16 bytes per distinct k-mer in memory)."""
        codes, counts = [], []
        for c, n in self:
            codes.append(c.copy())
            counts.append(n.copy())
            del c, n
        if not codes:
            codes, counts = [np.empty(0, np.uint64)], [np.empty(0, np.int64)]
        return KmerSpectrum(
            self.k, self.alphabet, self.canonical, np.concatenate(codes), np.concatenate(counts)
        )

    # -- counting ------------------------------------------------------------------
    def _generate(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        try:
            yield from self._count()
        finally:
            self._remove_workdir()

    def _count(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        budget = self._budget
        chunk = self._chunk_bases
        seqs = self._seqs
        chunk_cost = _CHUNK_BYTES_PER_BASE * chunk
        runs: list[tuple[np.ndarray, np.ndarray]] = []
        spill: SpillFile | None = None
        n_threads = self._n_threads
        try:
            for run in chunk_spectra(seqs, self.k, self.alphabet, self.canonical, chunk, n_threads):
                if spill is not None:
                    spill.add(*run)
                    del run
                    continue
                runs.append(run)
                del run
                while len(runs) >= 2 and runs[-2][0].size <= 2 * runs[-1][0].size:
                    b = runs.pop()
                    runs.append(merge_runs(runs.pop(), b))
                if budget is not None and 2 * sum(map(_held, runs)) + chunk_cost > budget:
                    spill = SpillFile(self._make_workdir(), self._code_bits())
                    while runs:
                        spill.add(*runs.pop(0))
            if spill is None:
                while len(runs) >= 2:
                    b = runs.pop()
                    runs.append(merge_runs(runs.pop(), b))
                yield runs.pop()
                return
            spill.finish()
            _release_freed_memory()
            self.spilled_bytes = 8 * spill.words
            plan = spill.plan(max(1, budget // _BIN_DIVISOR))
            self.n_bins = len(plan)
            for p0, p1 in plan:
                block = spill.count_bin(p0, p1, n_threads)
                yield block
                del block
        finally:
            if spill is not None:
                spill.close()

    def _code_bits(self) -> int:
        return max(1, (self.alphabet.size**self.k - 1).bit_length())

    def _make_workdir(self) -> str:
        self._workdir = tempfile.mkdtemp(prefix="deepbiop-kmers-", dir=self._tmp_dir)
        # removed even if the blocks are dropped unfinished, at the latest on exit
        self._finalizer = weakref.finalize(self, shutil.rmtree, self._workdir, True)
        return self._workdir

    def _remove_workdir(self) -> None:
        if self._finalizer is not None:
            self._finalizer()


def iter_kmer_spectrum_file(
    path: PathLike | Iterable[PathLike],
    k: int,
    *,
    canonical: bool = False,
    encoding_type: str | Alphabet = "dna",
    max_memory: int | str | None = None,
    tmp_dir: PathLike | None = None,
    chunk_bases: int = 8_000_000,
    n_jobs: int | None = None,
    progress: bool = False,
    fileformat: str | None = None,
) -> SpectrumBlocks:
    """Count every k-mer of FASTA/FASTQ file(s) within a memory budget,
    spilling bins to disk; stream the spectrum out in code order.

    The spectrum is the one :func:`deepbiop.kmer_spectrum_file` returns, handed
    out as blocks so that it never has to be in memory whole: write it with
    :func:`deepbiop.io.write_spectrum`, or iterate it.

    Parameters
    ----------
    path : path or iterable of paths
        FASTA or FASTQ files, plain or compressed; ``"-"`` is standard input.
    k : int
        K-mer length: DNA/RNA k <= 31, protein k <= 14.
    canonical : bool, default=False
        Count each k-mer with its reverse complement (``jellyfish count -C``).
    encoding_type : {"dna", "rna", "protein"} or Alphabet, default="dna"
    max_memory : int, str or None, default=None
        Memory the counting may use on top of what the process already
        holds, in bytes or as ``"256M"``, ``"2G"`` (powers of 1024; see
        :func:`parse_memory`); a target, not a hard limit (about 3/4 of it is
        planned for the arrays). The spectrum stays in memory while it fits,
        else k-mers are binned on disk; records are read in pieces, so a
        chromosome is never held whole. ``None``: everything in memory, as in
        :func:`deepbiop.kmer_spectrum_file`. (``deepbiop kmers --max-memory``
        is the whole process's peak: it passes what is left after the
        interpreter and libraries.)
    tmp_dir : path or None, default=None
        Where the bins go (a ``deepbiop-kmers-*`` directory, removed at the
        end, on an error and on Ctrl-C); ``None``: the system's temporary
        directory (``TMPDIR``).
    chunk_bases : int, default=8_000_000
        Bases counted at a time (with ``max_memory``: at most max_memory/32).
    n_jobs : int or None, default=None
        Threads (``None``: all OpenMP may use).
    progress : bool, default=False
        A progress bar over the input on standard error.
    fileformat : {"fasta", "fastq"} or None, default=None
        Force a format instead of detecting it.

    Returns
    -------
    SpectrumBlocks
        Counts on first iteration; ``(codes, counts)`` blocks in ascending
        code order.

    Raises
    ------
    ValueError
        For k out of range, ``canonical`` on protein, or a ``max_memory``
        that is not a size.
    NotADirectoryError
        When ``tmp_dir`` is not a directory.

    See Also
    --------
    kmer_spectrum_file : the spectrum in memory, as one :class:`KmerSpectrum`.

    Notes
    -----
    Disk: the spill file holds, for every chunk, its distinct k-mers as 8-byte
    words (code and count in one word); at most 8 bytes per k-mer occurrence
    in the input (for a genome, about 8 bytes per base), less where k-mers
    repeat within a chunk. Nothing is written when the spectrum fits in
    ``max_memory``. Each bin's blocks are views of buffers of their own (not
    reused): keeping a block keeps its bin's buffers.

    Examples
    --------
    >>> import pathlib, tempfile, deepbiop as dbp
    >>> fa = pathlib.Path(tempfile.mkdtemp()) / "x.fa"
    >>> _ = fa.write_text(">a\\nACGTN\\nACG\\n>b\\nacgt\\n")
    >>> with dbp.iter_kmer_spectrum_file(fa, k=3, max_memory="64K") as blocks:
    ...     for codes, counts in blocks:
    ...         print(codes, counts)
    [ 6 27] [3 2]
    """
    alphabet = get_alphabet(encoding_type)
    k, canonical, chunk_bases = check_spectrum_params(k, alphabet, canonical, chunk_bases)
    budget = None if max_memory is None else parse_memory(max_memory)
    if tmp_dir is not None:
        tmp_dir = os.fspath(tmp_dir)
        if not os.path.isdir(tmp_dir):
            raise NotADirectoryError(f"tmp_dir {tmp_dir!r} is not a directory")
    from deepbiop.io import iter_records, iter_sequence_pieces

    if budget is None:
        records = iter_records(path, fileformat=fileformat, progress=progress)
        seqs: Iterable[Any] = (r.sequence for r in records)
    else:
        chunk_bases = max(_MIN_CHUNK_BASES, min(chunk_bases, budget // _CHUNK_DIVISOR))
        seqs = iter_sequence_pieces(
            path, chunk_bases, k - 1, fileformat=fileformat, progress=progress
        )
    return SpectrumBlocks(
        int(k),
        alphabet,
        bool(canonical),
        seqs,
        budget,
        tmp_dir,
        int(chunk_bases),
        effective_n_threads(n_jobs),
    )
