"""Shards of FASTA/FASTQ files: each of ``n_shards`` readers (DataLoader
workers x ranks) gets its own records, parsing only those where the files
allow it. How files are cut is :mod:`deepbiop.io._ranges`."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from numbers import Integral
from typing import TYPE_CHECKING, Any, NamedTuple

from deepbiop.io import _ranges
from deepbiop.io._errors import file_error
from deepbiop.io._read import PathLike, as_paths, check_fileformat, dnaio_module, iter_file

if TYPE_CHECKING:  # pragma: no cover
    import dnaio

__all__ = ["ShardPart", "iter_shard", "iter_shard_parts"]


class ShardPart(NamedTuple):
    """A run of consecutive records of one file, read by one shard (see :func:`iter_shard`).

    Attributes
    ----------
    path : str
        The file.
    where : str
        Where the records are counted from: ``"its start"``, or the start of
        a byte range (``"byte 1234"``, or a BGZF block and offset).
    first : int
        0-based number, counted from ``where``, of the part's first record.
    records : iterator of dnaio.SequenceRecord
    shared : bool
        True when every shard parses this file (it cannot be split: ordinary
        gzip, bz2, xz, zstd) and keeps only its own chunks of records.
    """

    path: str
    where: str
    first: int
    records: Iterator[dnaio.SequenceRecord]
    shared: bool


def iter_shard_parts(
    paths: PathLike | Iterable[PathLike],
    shard: int,
    n_shards: int,
    *,
    fileformat: str | None = None,
    chunk_size: int = 1,
    split: bool = True,
) -> Iterator[ShardPart]:
    """The records of shard ``shard`` of ``n_shards``, as runs of consecutive records.

    :func:`iter_shard` with the file and position of each run, for error
    messages that name them. See :func:`iter_shard` for the parameters.
    """
    files = as_paths(paths)
    check_fileformat(fileformat)
    for name, value in (("n_shards", n_shards), ("chunk_size", chunk_size)):
        if isinstance(value, bool) or not isinstance(value, Integral) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    if isinstance(shard, bool) or not isinstance(shard, Integral) or not 0 <= shard < n_shards:
        raise ValueError(f"shard must be an integer in 0..n_shards-1, got {shard!r}")
    dnaio_module()
    g = 0  # records of shared files seen so far, counted over all of them
    for piece in _ranges.plan(files, shard, n_shards, fileformat, split):
        if piece.kind == "whole":
            yield ShardPart(piece.path, "its start", 0, iter_file(piece.path, fileformat), False)
        elif piece.kind != "shared":
            try:
                source, where = _ranges.open_range(piece)
            except OSError as exc:
                if isinstance(exc, FileNotFoundError):
                    raise
                raise file_error(
                    piece.path, 0, exc, fileformat, f"byte range {piece.index} of {piece.count}"
                ) from exc
            records = iter_file(piece.path, piece.fileformat, source, where)
            yield ShardPart(piece.path, where, 0, records, False)
        else:  # chunks c of chunk_size records with c % n_shards == shard
            it = iter_file(piece.path, fileformat)
            i = 0  # records seen in this file
            while True:
                want = chunk_size - g % chunk_size
                if (g // chunk_size) % n_shards == shard:
                    got = list(islice(it, want))
                    n = len(got)
                    if n:
                        yield ShardPart(piece.path, "its start", i, iter(got), True)
                else:
                    n = sum(1 for _ in islice(it, want))
                g += n
                i += n
                if n < want:
                    break  # file exhausted


def iter_shard(
    paths: PathLike | Iterable[PathLike], shard: int, n_shards: int, **options: Any
) -> Iterator[dnaio.SequenceRecord]:
    """Stream shard ``shard`` of ``n_shards`` of the records of FASTA/FASTQ files.

    The shards of ``0 .. n_shards - 1`` together yield every record exactly
    once, and each shard parses only what it yields where the files allow it.

    Parameters
    ----------
    paths : path or iterable of paths
    shard : int
        This shard, ``0 <= shard < n_shards``.
    n_shards : int
        Number of shards (for example DataLoader workers x distributed ranks).
    **options
        Keyword-only arguments, the same as :func:`iter_shard_parts` takes:
    fileformat : {"fasta", "fastq"} or None, default=None
        Force a format instead of detecting it.
    chunk_size : int, default=1
        For files that cannot be split (see Notes): the shards take turns by
        runs of this many consecutive records.
    split : bool, default=True
        False treats every file as one that cannot be split: each shard
        parses everything, and the shards' shares differ by at most one
        chunk (what distributed training with equal step counts needs).

    Yields
    ------
    dnaio.SequenceRecord

    Raises
    ------
    SequenceFileError
        For a malformed file, naming the file and, for a part of a split
        file, the byte where the part starts.

    Notes
    -----
    With at least as many files as shards, shard ``s`` reads files ``s, s +
    n_shards, ...`` whole. With fewer, each plain or BGZF (detected by
    content) file is cut into ``n_shards`` byte ranges and shard ``s`` reads
    range ``s`` of each: a record belongs to the range holding the line break
    before it (for BGZF, to the range where that line break's block starts),
    and a reader starts at the first record boundary of its range. Other
    compressed files (ordinary gzip, bz2, xz, zstd) cannot be entered in the
    middle: every shard parses them and keeps chunk ``c`` (of ``chunk_size``
    records, counted over all such files) when ``c % n_shards == shard``; so
    they give no speed-up with several shards (split them into several files,
    or recompress them with ``bgzip`` or :func:`to_bgzf`). Within a shard,
    records come in file order.

    Examples
    --------
    >>> import os, tempfile
    >>> from deepbiop.io import iter_shard
    >>> p = os.path.join(tempfile.mkdtemp(), "x.fa")
    >>> _ = open(p, "w").write(">a\\nAC\\n>b\\nGG\\n>c\\nTT\\n>d\\nCA\\n")
    >>> [[r.id for r in iter_shard(p, s, 2)] for s in range(2)]
    [['a', 'b', 'c'], ['d']]
    """
    for part in iter_shard_parts(paths, shard, n_shards, **options):
        yield from part.records
