"""Whole-batch and whole-file k-mer spectra (jellyfish/KMC-style counting).

:func:`kmer_spectrum` counts every k-mer of a batch of sequences, and
:func:`kmer_spectrum_file` every k-mer of FASTA/FASTQ files (plain or gzip),
into one :class:`KmerSpectrum`: the distinct k-mer codes in ascending order
with their counts. Work is streamed in chunks of about ``chunk_bases`` bases,
so memory is bounded by the chunk (16 bytes per base while a chunk is counted)
plus the result (16 bytes per distinct k-mer), whatever the file size.

How a chunk is counted (all in :mod:`deepbiop._kernels._spectrum`): long
sequences are cut into overlapping pieces so that even one chromosome keeps
every thread busy; each piece writes the rolling 2-bit code of every window;
the codes are spread into cache-sized buckets by their top bits, and each
bucket is sorted and run-length encoded in parallel. The sorted per-chunk runs
are merged (a binary-counter schedule keeps merging O(n log chunks)).
Windows holding a character outside the alphabet (``N``) are not counted, as
in jellyfish and KMC.
"""

from __future__ import annotations

import operator
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Union

import numpy as np

from deepbiop._config import effective_n_threads
from deepbiop._kernels import _spectrum
from deepbiop._sequences import _as_1d_column, pack_batch
from deepbiop.alphabets import Alphabet, get_alphabet
from deepbiop.kmers import (
    MAX_DENSE_COLUMNS,
    check_kmer_params,
    kmer_codes,
    lookup_table,
    n_kmer_columns,
    spell_kmers,
)

__all__ = ["KmerSpectrum", "kmer_spectrum", "kmer_spectrum_file", "merge_spectra"]

PathLike = Union[str, "os.PathLike[str]"]

_SEQUENCE_TYPES = (str, bytes, bytearray, memoryview, np.ndarray)

#: Long sequences are cut into pieces of this many windows (parallel work units).
_PIECE_WINDOWS = 1 << 20


@dataclass(frozen=True)
class KmerSpectrum:
    """Counts of every distinct k-mer of a batch or file.

    Attributes
    ----------
    k : int
    alphabet : Alphabet
    canonical : bool
        Whether each k-mer was counted together with its reverse complement
        (under the lexicographically smaller of the two).
    codes : ndarray of uint64, shape (n_distinct,)
        Distinct k-mer codes, ascending (the ``KmerEncoder`` column index:
        the k-mer read as a base-A number, first symbol most significant).
    counts : ndarray of int64, shape (n_distinct,)
        How often each k-mer occurs.

    Examples
    --------
    >>> import deepbiop as dbp
    >>> spec = dbp.kmer_spectrum(["ACGTAC", "ACGNAC"], k=2)
    >>> spec.to_dict()
    {'AC': 4, 'CG': 2, 'GT': 1, 'TA': 1}
    >>> spec["AC"], spec["TT"], spec.total, len(spec)
    (4, 0, 8, 4)
    """

    k: int
    alphabet: Alphabet
    canonical: bool
    codes: np.ndarray
    counts: np.ndarray

    def __len__(self) -> int:
        return int(self.codes.shape[0])

    @property
    def total(self) -> int:
        """Number of k-mers counted (sum of the counts)."""
        return int(self.counts.sum())

    def kmers(self) -> np.ndarray:
        """The distinct k-mers spelled out, in code order (object array of str)."""
        return spell_kmers(self.codes, self.alphabet, self.k)

    def to_dict(self) -> dict[str, int]:
        """``{k-mer: count}`` for every distinct k-mer, in code order."""
        return dict(zip(self.kmers().tolist(), self.counts.tolist()))

    def _code(self, kmer: str) -> int:
        if len(kmer) != self.k:
            raise KeyError(f"{kmer!r} is not a {self.k}-mer")
        code = 0
        syms = self.alphabet.symbols
        for ch in kmer.upper():
            i = syms.find(ch)
            if i < 0:
                raise KeyError(f"{kmer!r} holds {ch!r}, not in alphabet {syms}")
            code = code * len(syms) + i
        return code

    def __getitem__(self, kmer: str) -> int:
        """Count of one k-mer (0 when absent; with ``canonical``, ask either
        strand)."""
        code = self._code(kmer)
        if self.canonical:
            comp = self.alphabet.complement_codes.tolist()
            rc = 0
            c = code
            for _ in range(self.k):
                rc = (rc << 2) | comp[c & 3]
                c >>= 2
            code = min(code, rc)
        i = int(np.searchsorted(self.codes, np.uint64(code)))
        if i < len(self) and int(self.codes[i]) == code:
            return int(self.counts[i])
        return 0

    def most_common(self, n: int = 10) -> list[tuple[str, int]]:
        """The ``n`` most frequent k-mers (ties in code order)."""
        order = np.argsort(-self.counts, kind="stable")[:n]
        return list(
            zip(
                spell_kmers(self.codes[order], self.alphabet, self.k).tolist(),
                self.counts[order].tolist(),
            )
        )

    def filter(self, min_count: int) -> KmerSpectrum:
        """The k-mers counted at least ``min_count`` times (solid k-mers; ``1``
        keeps all).

        Examples
        --------
        >>> import deepbiop as dbp
        >>> dbp.kmer_spectrum(["AAAC"], k=2).filter(2).to_dict()
        {'AA': 2}
        """
        if isinstance(min_count, bool) or not isinstance(min_count, (int, np.integer)):
            raise TypeError(f"min_count must be an int, got {min_count!r}")
        keep = self.counts >= min_count
        return KmerSpectrum(
            self.k, self.alphabet, self.canonical, self.codes[keep], self.counts[keep]
        )

    def histogram(self) -> np.ndarray:
        """``h[c]`` = number of distinct k-mers seen exactly ``c`` times (the
        k-mer count histogram of ``jellyfish histo``; ``h[0] == 0``)."""
        return np.bincount(self.counts, minlength=1)

    def to_vector(self, columns: str = "all", dtype: Any = np.int64) -> np.ndarray:
        """Dense count vector in a ``KmerEncoder`` layout.

        Parameters
        ----------
        columns : {"all", "canonical"}, default="all"
            ``"all"``: ``A**k`` entries (like ``KmerEncoder(k)``); ``"canonical"``
            the compact canonical layout (``KmerEncoder(k, canonical="compact")``,
            needs a canonical spectrum).
        dtype : numpy dtype, default=int64

        Raises
        ------
        ValueError
            When the vector would exceed 4**12 entries, or for ``"canonical"``
            on a non-canonical spectrum.
        """
        if columns == "canonical" and not self.canonical:
            raise ValueError("columns='canonical' needs a spectrum counted with canonical=True")
        n = n_kmer_columns(self.alphabet, self.k, columns)
        if n > MAX_DENSE_COLUMNS:
            raise ValueError(
                f"a dense vector of {n:,} entries is too large; use .codes/.counts or "
                f".to_dict() for k={self.k}"
            )
        out = np.zeros(n, dtype=dtype)
        idx = self.codes
        if columns == "canonical":
            idx = np.searchsorted(kmer_codes(self.alphabet, self.k, "canonical"), self.codes)
        out[idx.astype(np.intp)] = self.counts
        return out


def check_spectrum_params(
    k: int, alphabet: Alphabet, canonical: bool, chunk_bases: int
) -> tuple[int, bool, int]:
    """Validate; return ``(k, canonical, chunk_bases)`` as exact int/bool/int
    values, read once (a subclass answering ``__int__`` or ``__bool__``
    differently each time cannot give the kernels another value)."""
    k, canonical = check_kmer_params(k, alphabet, bool(canonical))
    if not isinstance(chunk_bases, (int, np.integer)) or chunk_bases < 1:
        raise ValueError(f"chunk_bases must be a positive int, got {chunk_bases!r}")
    return k, canonical, operator.index(chunk_bases)


def _split_pieces(ptrs: np.ndarray, lens: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Cut sequences with more than ``_PIECE_WINDOWS`` windows into pieces
    overlapping by k - 1 bases (each window lands in exactly one piece)."""
    windows = np.maximum(lens - (k - 1), 0)
    n_pieces = np.maximum(1, -(-windows // _PIECE_WINDOWS))
    if int(n_pieces.max(initial=1)) == 1:
        return ptrs, lens
    seq = np.repeat(np.arange(lens.size), n_pieces)
    first = np.cumsum(n_pieces) - n_pieces
    j = np.arange(seq.size) - first[seq]
    w0 = j * _PIECE_WINDOWS
    w = np.minimum(_PIECE_WINDOWS, windows[seq] - w0)
    piece_lens = np.where(windows[seq] > 0, w + (k - 1), lens[seq])
    return (ptrs[seq] + w0).astype(np.int64), piece_lens.astype(np.int64)


def _count_chunk(
    batch: list, k: int, alphabet: Alphabet, canonical: bool, n_threads: int
) -> tuple[np.ndarray, np.ndarray]:
    packed = pack_batch(batch)
    out = count_packed(packed.ptrs, packed.lens, k, alphabet, canonical, n_threads)
    del packed
    return out


def count_packed(
    ptrs: np.ndarray, lens: np.ndarray, k: int, alphabet: Alphabet, canonical: bool, n_threads: int
) -> tuple[np.ndarray, np.ndarray]:
    """Distinct k-mer codes (ascending uint64) and counts (int64) of packed
    sequences (whose owner the caller keeps alive); windows with a character
    outside the alphabet are skipped."""
    ptrs, lens = _split_pieces(ptrs, lens, k)
    windows = np.maximum(lens - (k - 1), 0)
    starts = np.zeros(lens.size, dtype=np.int64)
    if lens.size > 1:
        np.cumsum(windows[:-1], out=starts[1:])
    n = int(windows.sum())
    keys = np.empty(n, dtype=np.uint64)
    scratch = np.empty(n, dtype=np.uint64)
    threads = max(1, min(n_threads, n // 65536 + 1))
    _spectrum.collect_codes(
        ptrs,
        lens,
        lookup_table(alphabet, canonical),
        k,
        alphabet.size,
        canonical,
        starts,
        keys,
        threads,
    )
    key_bits = max(1, (alphabet.size**k - 1).bit_length())
    # the distinct codes overwrite scratch and their counts keys, front to back
    counts = keys.view(np.int64)
    m = _spectrum.count_codes(keys, scratch, key_bits, scratch, counts, threads)
    return _trim(scratch, counts, m)


def _trim(keys: np.ndarray, counts: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray]:
    """The first ``m`` entries: views when they fill most of the buffers (a copy
    would cost more than the unused tail), else compact copies."""
    if 2 * m >= keys.size:
        return keys[:m], counts[:m]
    return keys[:m].copy(), counts[:m].copy()


def merge_runs(a: tuple, b: tuple) -> tuple[np.ndarray, np.ndarray]:
    """Merge two ascending ``(codes, counts)`` runs, adding the counts of equal
    codes."""
    n = a[0].size + b[0].size
    keys = np.empty(n, dtype=np.uint64)
    counts = np.empty(n, dtype=np.int64)
    m = _spectrum.merge_counts(a[0], a[1], b[0], b[1], keys, counts)
    return _trim(keys, counts, m)


def chunk_spectra(
    seqs: Iterable[Any],
    k: int,
    alphabet: Alphabet,
    canonical: bool,
    chunk_bases: int,
    n_threads: int,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """The spectrum of each chunk of ``seqs`` (whole sequences, at most
    ``chunk_bases`` bases unless one sequence is longer; at least one chunk,
    maybe empty), as ascending
    ``(codes, counts)`` runs. An element that is not a sequence raises,
    named by its index in ``seqs``."""

    def count(batch: list, first: int) -> tuple[np.ndarray, np.ndarray]:
        try:
            return _count_chunk(batch, k, alphabet, canonical, n_threads)
        except (TypeError, ValueError) as exc:
            # name the sequence by its index in the whole stream, not the chunk
            msg = re.sub(r"^sequence (\d+)", lambda m: f"sequence {first + int(m[1])}", str(exc))
            raise type(exc)(msg) from None

    batch: list = []
    size = 0
    first = 0
    counted = False
    for i, s in enumerate(seqs):
        if not isinstance(s, _SEQUENCE_TYPES):
            count(batch + [s], first)  # the packer names the bad element
        try:
            n = len(s)
        except (TypeError, ValueError):  # a released memoryview, ...
            count(batch + [s], first)  # the packer names the bad element
            raise
        if batch and size + n > chunk_bases:
            run = count(batch, first)
            batch, size, first, counted = [], 0, i, True
            yield run
            del run  # not held while the next chunk is counted
        batch.append(s)
        size += n
    if batch or not counted:
        run = count(batch, first)
        del batch
        yield run


def merge_spectra(spectra: Iterable[KmerSpectrum]) -> KmerSpectrum:
    """The sum of spectra counted with the same k, alphabet and ``canonical``
    (the spectrum of all their sequences together).

    Sorted (code, count) runs are merged two at a time by the kernel, in
    O(total distinct k-mers) per level of a balanced tree; no dict and no
    ``A**k`` vector. This is how spectra of partitions are combined
    (:func:`deepbiop.dask.kmer_spectrum` calls it in a tree reduction).

    Raises
    ------
    ValueError
        For no spectra, or spectra of different k, alphabets or ``canonical``.

    Examples
    --------
    >>> import deepbiop as dbp
    >>> a, b = dbp.kmer_spectrum(["ACGT"], k=2), dbp.kmer_spectrum(["CGAA"], k=2)
    >>> dbp.merge_spectra([a, b]).to_dict()
    {'AA': 1, 'AC': 1, 'CG': 2, 'GA': 1, 'GT': 1}
    """
    specs = list(spectra)
    if not specs:
        raise ValueError("merge_spectra() needs at least one spectrum")
    first = specs[0]
    for s in specs[1:]:
        if (s.k, s.alphabet, s.canonical) != (first.k, first.alphabet, first.canonical):
            raise ValueError(
                f"cannot merge a spectrum of k={s.k}, alphabet '{s.alphabet.name}', "
                f"canonical={s.canonical} into one of k={first.k}, alphabet "
                f"'{first.alphabet.name}', canonical={first.canonical}"
            )
    runs = [(s.codes, s.counts) for s in specs]
    while len(runs) > 1:
        runs = [
            merge_runs(*runs[i : i + 2]) if i + 1 < len(runs) else runs[i]
            for i in range(0, len(runs), 2)
        ]
    codes, counts = runs[0]
    return KmerSpectrum(first.k, first.alphabet, first.canonical, codes, counts)


def _count_stream(
    seqs: Iterable[Any],
    k: int,
    alphabet: Alphabet,
    canonical: bool,
    chunk_bases: int,
    n_jobs: int | None,
) -> KmerSpectrum:
    n_threads = effective_n_threads(n_jobs)
    runs: list[tuple[np.ndarray, np.ndarray]] = []
    for run in chunk_spectra(seqs, k, alphabet, canonical, chunk_bases, n_threads):
        runs.append(run)
        while len(runs) >= 2 and runs[-2][0].size <= 2 * runs[-1][0].size:
            b = runs.pop()
            runs.append(merge_runs(runs.pop(), b))
    while len(runs) >= 2:
        b = runs.pop()
        runs.append(merge_runs(runs.pop(), b))
    codes, counts = runs[0]
    return KmerSpectrum(int(k), alphabet, bool(canonical), codes, counts)


def _progress(it: Iterable[Any], desc: str) -> Iterator[Any]:
    try:
        from tqdm.auto import tqdm
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "progress=True needs tqdm; `pip install tqdm` or pass progress=False"
        ) from exc
    return iter(tqdm(it, desc=desc, unit=" seqs", unit_scale=True))


def kmer_spectrum(
    seqs: Any,
    k: int,
    *,
    canonical: bool = False,
    encoding_type: str | Alphabet = "dna",
    chunk_bases: int = 8_000_000,
    n_jobs: int | None = None,
    progress: bool = False,
) -> KmerSpectrum:
    """Count every k-mer of a batch of sequences into one spectrum.

    Parameters
    ----------
    seqs : batch of sequences
        Anything ``KmerEncoder.transform`` accepts (list/iterator of str or
        bytes, numpy array, pandas Series, ...). An iterator is consumed in
        chunks, never held whole.
    k : int
        K-mer length: DNA/RNA k <= 31, protein k <= 14.
    canonical : bool, default=False
        Count each k-mer with its reverse complement (DNA/RNA, or a 4-letter
        ``Alphabet`` whose complement is an involution), like
        ``jellyfish count -C`` and KMC's default.
    encoding_type : {"dna", "rna", "protein"} or Alphabet, default="dna"
    chunk_bases : int, default=8_000_000
        Bases counted at a time; memory is about 16 bytes per chunk base plus
        16 bytes per distinct k-mer.
    n_jobs : int or None, default=None
        Threads (``None``: all OpenMP may use).
    progress : bool, default=False
        Show a ``tqdm`` progress bar over sequences (needs ``tqdm``).

    Returns
    -------
    KmerSpectrum

    Raises
    ------
    ValueError
        For k out of range or ``canonical`` on protein.
    TypeError
        For an element that is not a sequence (named by index).

    See Also
    --------
    kmer_spectrum_file : the same for FASTA/FASTQ files.
    KmerEncoder : one count vector per sequence.

    Examples
    --------
    >>> import deepbiop as dbp
    >>> spec = dbp.kmer_spectrum(["AAAC", "GTTT"], k=3, canonical=True)
    >>> spec.to_dict()
    {'AAA': 2, 'AAC': 2}
    """
    alphabet = get_alphabet(encoding_type)
    k, canonical, chunk_bases = check_spectrum_params(k, alphabet, canonical, chunk_bases)
    if isinstance(seqs, (bytes, str, bytearray, memoryview)):
        raise TypeError(
            f"kmer_spectrum() takes a collection of sequences; got a single "
            f"{type(seqs).__name__}. Wrap it in a list; for a file use kmer_spectrum_file()"
        )
    seqs = _as_1d_column(seqs)
    it: Iterable[Any] = seqs
    if progress:
        it = _progress(seqs, "k-mers")
    return _count_stream(it, int(k), alphabet, canonical, int(chunk_bases), n_jobs)


def kmer_spectrum_file(
    path: PathLike | Iterable[PathLike],
    k: int,
    *,
    canonical: bool = False,
    encoding_type: str | Alphabet = "dna",
    chunk_bases: int = 8_000_000,
    n_jobs: int | None = None,
    progress: bool = False,
    fileformat: str | None = None,
) -> KmerSpectrum:
    """Count every k-mer of FASTA/FASTQ file(s), plain or gzip, streamed.

    Needs ``dnaio`` (``pip install -e ".[io]"``; an ImportError says so).
    Records are read with :func:`deepbiop.io.iter_records` (dnaio; ``"-"``
    is standard input, ``fileformat`` forces FASTA or FASTQ) and counted in
    chunks of ``chunk_bases`` bases; see :func:`kmer_spectrum` for the
    parameters. ``progress`` shows a progress bar on standard error (input
    bytes read, records, bases).

    Returns
    -------
    KmerSpectrum

    Raises
    ------
    deepbiop.io.SequenceFileError
        For a malformed file (naming file, record and line).
    FileNotFoundError
        For a missing file.

    See Also
    --------
    iter_kmer_spectrum_file : the same within a memory budget (bins on disk),
        streamed out as sorted blocks.

    Examples
    --------
    >>> import os, tempfile
    >>> import deepbiop as dbp
    >>> p = os.path.join(tempfile.mkdtemp(), "x.fa")
    >>> _ = open(p, "w").write(">a\\nACGTN\\nACG\\n>b\\nacgt\\n")
    >>> dbp.kmer_spectrum_file(p, k=3).to_dict()
    {'ACG': 3, 'CGT': 2}
    """
    from deepbiop.io import iter_records

    alphabet = get_alphabet(encoding_type)
    k, canonical, chunk_bases = check_spectrum_params(k, alphabet, canonical, chunk_bases)
    records = iter_records(path, fileformat=fileformat, progress=progress)
    return _count_stream(
        (r.sequence for r in records), int(k), alphabet, canonical, int(chunk_bases), n_jobs
    )
