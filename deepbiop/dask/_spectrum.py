"""Whole-dataset k-mer spectra on dask: :func:`kmer_spectrum`.

Each partition (a file or a byte range of one, as :func:`read_fastx` cuts
them, or a partition of a dask collection) is counted by the one-process
counter (:func:`deepbiop.kmer_spectrum`: bucketed sort in the kernel) into
sorted (code, count) runs; the runs are then merged by the kernel in a tree
reduction (:func:`deepbiop.merge_spectra`), ``split_every`` runs per task.
Nothing holds a Python dict or an ``A**k`` vector; a task's memory is the
runs it merges (16 bytes per distinct k-mer).
"""

from __future__ import annotations

import operator
from typing import Any

from deepbiop.alphabets import Alphabet, get_alphabet
from deepbiop.dask._encode import source_parts
from deepbiop.dask._fastx import FastxPart, expand_paths, parse_blocksize, plan_parts
from deepbiop.dask._modules import need
from deepbiop.io import check_fileformat, iter_shard_parts
from deepbiop.kmers import check_kmer_params
from deepbiop.spectrum import KmerSpectrum, merge_spectra
from deepbiop.spectrum import kmer_spectrum as count_spectrum

__all__ = ["kmer_spectrum", "count_file_part", "count_part", "finish"]


def count_file_part(part: FastxPart, k: int, canonical: bool, alphabet: Alphabet) -> KmerSpectrum:
    """The spectrum of one file partition, its records streamed (on a worker)."""
    shards = iter_shard_parts(part.path, part.index, part.count, fileformat=part.fileformat)
    seqs = (r.sequence for shard in shards for r in shard.records)
    return count_spectrum(seqs, k, canonical=canonical, encoding_type=alphabet)


def count_part(part: Any, column: str, k: int, canonical: bool, alphabet: Alphabet) -> KmerSpectrum:
    """The spectrum of one partition of a dask collection (on a worker)."""
    seqs = part[column] if hasattr(part, "columns") else part
    return count_spectrum(seqs, k, canonical=canonical, encoding_type=alphabet)


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
        For k out of range, ``canonical`` on protein, a bad ``min_count`` or
        ``split_every``.
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
    delayed = dask.delayed
    if _is_collection(data):
        parts, _, _ = source_parts(data, column)
        level = [delayed(count_part)(p, column, k, canonical, alphabet) for p in parts]
    else:
        check_fileformat(fileformat)
        pieces = plan_parts(expand_paths(data), parse_blocksize(blocksize), fileformat)
        level = [delayed(count_file_part)(p, k, canonical, alphabet) for p in pieces]
    merge = delayed(merge_spectra)
    while len(level) > 1:
        level = [merge(level[i : i + split_every]) for i in range(0, len(level), split_every)]
    result = delayed(finish)(level[0], min_count)
    return dask.compute(result)[0] if compute else result
