"""Whole-dataset k-mer spectra on dask: :func:`kmer_spectrum`.

Each partition (a file or a byte range of one, as :func:`read_fastx` cuts
them, or a partition of a dask collection) is counted by the one-process
counter (:func:`deepbiop.kmer_spectrum`: bucketed sort in the kernel) into
sorted (code, count) runs, cut into ``ranges`` code ranges; each range is
merged by the kernel in its own tree reduction (:func:`deepbiop.merge_spectra`),
``split_every`` runs per task, and the client joins the ranges. Nothing holds
a Python dict or an ``A**k`` vector; a task's memory is the runs it merges
(16 bytes per distinct k-mer), and the last merges hold ``1 / ranges`` of
the spectrum each.
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from deepbiop.alphabets import Alphabet, get_alphabet
from deepbiop.dask._encode import source_parts
from deepbiop.dask._fastx import FastxPart, expand_paths, parse_blocksize, plan_parts
from deepbiop.dask._modules import need
from deepbiop.io import check_fileformat, iter_shard_parts
from deepbiop.kmers import check_kmer_params
from deepbiop.spectrum import KmerSpectrum, merge_spectra
from deepbiop.spectrum import kmer_spectrum as count_spectrum

__all__ = [
    "kmer_spectrum",
    "count_file_part",
    "count_part",
    "count_split",
    "split_ranges",
    "range_bounds",
    "concat_ranges",
    "finish",
]


def count_file_part(part: FastxPart, k: int, canonical: bool, alphabet: Alphabet) -> KmerSpectrum:
    """The spectrum of one file partition, its records streamed (on a worker)."""
    shards = iter_shard_parts(part.path, part.index, part.count, fileformat=part.fileformat)
    seqs = (r.sequence for shard in shards for r in shard.records)
    return count_spectrum(seqs, k, canonical=canonical, encoding_type=alphabet)


def count_part(part: Any, column: str, k: int, canonical: bool, alphabet: Alphabet) -> KmerSpectrum:
    """The spectrum of one partition of a dask collection (on a worker)."""
    seqs = part[column] if hasattr(part, "columns") else part
    return count_spectrum(seqs, k, canonical=canonical, encoding_type=alphabet)


def range_bounds(space: int, canonical: bool, ranges: int) -> np.ndarray:
    """``ranges + 1`` code boundaries cutting ``[0, space)`` into ranges of
    about equal numbers of distinct k-mers for random sequence: equal widths,
    or for canonical codes (the smaller of a k-mer and its reverse complement,
    so denser at low codes) the quantiles of the minimum of two uniform codes,
    ``1 - sqrt(1 - r / ranges)``."""
    q = np.arange(ranges + 1, dtype=np.float64) / ranges
    if canonical:
        q = 1.0 - np.sqrt(1.0 - q)
    cuts = [min(space, int(x * space)) for x in q[1:-1]]
    return np.array([0, *cuts, space], dtype=np.uint64)


def split_ranges(spec: KmerSpectrum, bounds: np.ndarray) -> tuple[KmerSpectrum, ...]:
    """``spec`` cut at ``bounds`` into one spectrum per code range (copies,
    so a piece sent to another worker does not carry the whole arrays)."""
    at = np.searchsorted(spec.codes, bounds[1:-1])
    edges = [0, *at.tolist(), len(spec)]
    return tuple(
        KmerSpectrum(
            spec.k,
            spec.alphabet,
            spec.canonical,
            spec.codes[lo:hi].copy(),
            spec.counts[lo:hi].copy(),
        )
        for lo, hi in zip(edges[:-1], edges[1:])
    )


def count_split(fn: Any, args: tuple, bounds: np.ndarray) -> tuple[KmerSpectrum, ...]:
    """Count one partition (``fn(*args)``) and cut its spectrum into code ranges."""
    return split_ranges(fn(*args), bounds)


def concat_ranges(specs: list[KmerSpectrum]) -> KmerSpectrum:
    """The spectra of consecutive code ranges as one spectrum."""
    if len(specs) == 1:
        return specs[0]
    first = specs[0]
    codes = np.concatenate([s.codes for s in specs])
    counts = np.concatenate([s.counts for s in specs])
    return KmerSpectrum(first.k, first.alphabet, first.canonical, codes, counts)


def finish(spec: KmerSpectrum, min_count: int | None) -> KmerSpectrum:
    """The last step: the ``min_count`` filter, once every count is summed."""
    return spec if min_count is None else spec.filter(min_count)


def _is_collection(data: Any) -> bool:
    try:
        return need("dask").is_dask_collection(data)
    except ImportError:
        return False


def kmer_spectrum(
    data: Any,
    k: int,
    *,
    canonical: bool = False,
    min_count: int | None = None,
    encoding_type: str | Alphabet = "dna",
    blocksize: int | str | None = "64MiB",
    fileformat: str | None = None,
    column: str = "sequence",
    split_every: int = 4,
    ranges: int = 4,
    compute: bool = True,
) -> Any:
    """Count every k-mer of files or of a dask collection, partition by partition.

    Parameters
    ----------
    data : path, glob, list of paths and globs, or a dask collection
        FASTA/FASTQ files (split as :func:`read_fastx` splits them; records
        are streamed, never held as a frame), or a dask DataFrame (its
        ``column``), Series, Bag or 1-D Array of sequences.
    k : int
        DNA/RNA k <= 31, protein k <= 14.
    canonical : bool, default=False
        Count each k-mer with its reverse complement (``jellyfish count -C``).
    min_count : int or None, default=None
        Keep only the k-mers counted at least this often, over all the data
        (applied after the last merge, never per partition).
    encoding_type : {"dna", "rna", "protein"} or Alphabet, default="dna"
    blocksize : int, str or None, default="64MiB"
        Bytes per partition of a plain or BGZF file (see :func:`read_fastx`).
    fileformat : {"fasta", "fastq"} or None, default=None
    column : str, default="sequence"
        A frame's column of sequences.
    split_every : int, default=4
        Runs merged per task of the tree reduction (its fan-in).
    ranges : int, default=4
        Each partition's spectrum is cut into this many code ranges, each
        reduced by its own tree: the last merges run in parallel, and no
        worker holds more than about ``1 / ranges`` of the whole spectrum
        (the client joins the ranges at the end).
    compute : bool, default=True
        Compute with the current scheduler (a ``distributed.Client`` when one
        is active) and return the spectrum; False returns a
        ``dask.delayed.Delayed`` that computes it.

    Returns
    -------
    KmerSpectrum
        The same as :func:`deepbiop.kmer_spectrum_file` on the same files (or
        :func:`deepbiop.kmer_spectrum` on the same sequences), whatever the
        partitioning.

    Raises
    ------
    ValueError
        For k out of range, ``canonical`` on protein, a bad ``min_count``,
        ``split_every`` or ``ranges``.
    deepbiop.io.SequenceFileError
        When computed, for a malformed file, naming the file and record.

    Examples
    --------
    >>> import dask.bag as db
    >>> from deepbiop.dask import kmer_spectrum
    >>> seqs = db.from_sequence(["AAAC", "GTTT", "ACGT"], npartitions=3)
    >>> spec = kmer_spectrum(seqs, k=3, canonical=True, split_every=2, compute=False)
    >>> spec.compute(scheduler="sync").to_dict()
    {'AAA': 2, 'AAC': 2, 'ACG': 2}
    """
    dask = need("dask")
    alphabet = get_alphabet(encoding_type)
    k, canonical = check_kmer_params(k, alphabet, bool(canonical))
    k = int(k)
    if min_count is not None:
        min_count = operator.index(min_count)
        if min_count < 1:
            raise ValueError(f"min_count must be a positive int or None, got {min_count!r}")
    if isinstance(split_every, bool) or not isinstance(split_every, int) or split_every < 2:
        raise ValueError(f"split_every must be an int >= 2, got {split_every!r}")
    if isinstance(ranges, bool) or not isinstance(ranges, int) or ranges < 1:
        raise ValueError(f"ranges must be an int >= 1, got {ranges!r}")
    delayed = dask.delayed
    if _is_collection(data):
        parts, _, _ = source_parts(data, column)
        jobs = [(count_part, (p, column, k, canonical, alphabet)) for p in parts]
    else:
        check_fileformat(fileformat)
        pieces = plan_parts(expand_paths(data), parse_blocksize(blocksize), fileformat)
        jobs = [(count_file_part, (p, k, canonical, alphabet)) for p in pieces]
    bounds = range_bounds(alphabet.size**k, canonical, ranges)
    # Priorities (higher runs first): the counts of group g (``split_every``
    # partitions) at -2g; a merge whose last input is in group g at -2g - 3,
    # after the counts of group g + 1 and before those of group g + 2, so
    # a free worker takes the next count rather than a merge that waits on
    # counts still running elsewhere, and at most about two groups of counted
    # spectra wait for their merge.
    level: list[list[tuple[Any, int]]] = [[] for _ in range(ranges)]
    for i, (fn, args) in enumerate(jobs):
        with dask.annotate(priority=-2 * (i // split_every)):
            pieces_of_part = delayed(count_split, nout=ranges)(fn, args, bounds)
            for r in range(ranges):
                level[r].append((pieces_of_part[r], i // split_every))
    merge = delayed(merge_spectra)
    tops = []
    for runs in level:  # each code range reduced apart: the merges run in parallel
        while len(runs) > 1:
            groups = [runs[i : i + split_every] for i in range(0, len(runs), split_every)]
            runs = []
            for group in groups:
                last = group[-1][1]
                with dask.annotate(priority=-2 * last - 3):
                    runs.append((merge([spec for spec, _ in group]), last))
        tops.append(runs[0][0])
    if compute:  # the ranges come to the client apart: one transfer of the result, not two
        return finish(concat_ranges(list(dask.compute(*tops))), min_count)
    return delayed(finish)(delayed(concat_ranges)(tops), min_count)
