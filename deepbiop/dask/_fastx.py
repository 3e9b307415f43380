"""FASTA/FASTQ files as a dask DataFrame: :func:`read_fastx`.

A partition is one file, or one byte range of a plain or BGZF file: the
ranges are those of :func:`deepbiop.io.iter_shard_parts` (range ``i`` of
``n`` starts at the first record boundary after byte ``i * size // n``), so
consecutive partitions meet exactly and every record is read once, in file
order. Files that cannot be entered in the middle (ordinary gzip, bz2, xz,
zstd) are one partition each. A partition is read on the worker that computes
it: the files must be on a filesystem every worker sees.
"""

from __future__ import annotations

import glob
import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from deepbiop.dask._modules import need
from deepbiop.io import check_fileformat, iter_shard_parts
from deepbiop.io._bgzf import MAX_BLOCK
from deepbiop.io._labels import LABEL_DTYPES, chunk_labels
from deepbiop.io._ranges import file_kind
from deepbiop.io._read import RecordChunk

__all__ = [
    "FastxPart",
    "read_fastx",
    "plan_parts",
    "load_part",
    "empty_frame",
    "expand_paths",
    "parse_blocksize",
]

#: the columns every frame has, before the label columns
COLUMNS = ("id", "sequence", "quality")
_STRING = "string[pyarrow]"


@dataclass(frozen=True)
class FastxPart:
    """One partition: byte range ``index`` of ``count`` of ``path`` (``count
    == 1``: the whole file). ``size`` and ``mtime_ns`` enter the task names,
    so a file that changed is read again instead of taken from a cache."""

    path: str
    index: int
    count: int
    fileformat: str | None
    label_keys: tuple[str, ...]
    label_type: str
    size: int
    mtime_ns: int


def expand_paths(paths: Any) -> list[str]:
    """Paths, globs (``"runs/*.fastq.gz"``) or a list of either, as a list of
    files: each glob's matches sorted, in the order given.

    Raises
    ------
    FileNotFoundError
        For a path that does not exist or a glob that matches nothing.
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    if isinstance(paths, (bytes, bytearray)):
        raise TypeError("file paths must be str or os.PathLike, not bytes")
    files: list[str] = []
    for p in paths:
        p = os.fspath(p)
        if os.path.exists(p) or not glob.has_magic(p):
            if not os.path.exists(p):
                raise FileNotFoundError(f"no such file: {p!r}")
            files.append(p)
            continue
        found = sorted(glob.glob(p))
        if not found:
            raise FileNotFoundError(f"no file matches {p!r}")
        files += found
    if not files:
        raise ValueError("no input files")
    return files


def parse_blocksize(blocksize: int | str | None) -> int | None:
    if blocksize is None:
        return None
    if isinstance(blocksize, str):
        blocksize = need("dask.utils").parse_bytes(blocksize)
    if isinstance(blocksize, bool) or not isinstance(blocksize, (int, np.integer)) or blocksize < 1:
        raise ValueError(f"blocksize must be a positive number of bytes or None, got {blocksize!r}")
    return int(blocksize)


def _label_keys(label_keys: str | Sequence[str] | None, label_type: str) -> tuple[str, ...]:
    if label_keys is None:
        keys: tuple[str, ...] = ()
    else:
        keys = (label_keys,) if isinstance(label_keys, str) else tuple(label_keys)
    if label_type not in LABEL_DTYPES:
        raise ValueError(f"label_type must be one of {sorted(LABEL_DTYPES)}, got {label_type!r}")
    clash = set(keys) & set(COLUMNS)
    if clash or len(set(keys)) != len(keys):
        raise ValueError(
            f"label keys must be distinct and not named like the columns {COLUMNS}, got {keys}"
        )
    return keys


def plan_parts(
    files: Iterable[str],
    blocksize: int | None,
    fileformat: str | None = None,
    label_keys: tuple[str, ...] = (),
    label_type: str = "int",
) -> list[FastxPart]:
    """The partitions of ``files``: each plain file cut into ``ceil(size /
    blocksize)`` byte ranges, each BGZF file likewise with ranges of at least
    one block (64 KiB), every other file whole."""
    parts = []
    for path in files:
        st = os.stat(path)
        count = 1
        if blocksize is not None and st.st_size > blocksize:
            kind = file_kind(path, fileformat)[0]
            if kind == "plain":
                count = math.ceil(st.st_size / blocksize)
            elif kind == "bgzf":
                # a range holds records only if a block starts in it: no range
                # smaller than the largest block
                count = math.ceil(st.st_size / max(blocksize, MAX_BLOCK))
        parts += [
            FastxPart(
                path, i, count, fileformat, label_keys, label_type, st.st_size, st.st_mtime_ns
            )
            for i in range(count)
        ]
    return parts


def _frame(ids: list, seqs: list, quals: list, labels: dict[str, np.ndarray]):
    pd = need("pandas")
    cols = {
        "id": pd.array(ids, dtype=_STRING),
        "sequence": pd.array(seqs, dtype=_STRING),
        "quality": pd.array(quals, dtype=_STRING),
    }
    cols.update(labels)
    return pd.DataFrame(cols)


def empty_frame(label_keys: tuple[str, ...] = (), label_type: str = "int"):
    """A frame with no rows and the columns and dtypes of every partition."""
    dtype = LABEL_DTYPES[label_type]
    return _frame([], [], [], {k: np.zeros(0, dtype) for k in label_keys})


def load_part(part: FastxPart):
    """Read one partition into a pandas DataFrame (on a worker).

    Raises
    ------
    SequenceFileError
        For a malformed record, or a missing or bad label, naming the file,
        the record (counted from the part's start) and, for labels, its id.
    """
    records: list = []
    where = None
    shards = iter_shard_parts(part.path, part.index, part.count, fileformat=part.fileformat)
    for shard in shards:
        records += shard.records
        where = shard.where
    chunk = RecordChunk(records, [(part.path, 0, 0)], where)
    dtype = LABEL_DTYPES[part.label_type]
    labels = {key: chunk_labels(chunk, key, dtype) for key in part.label_keys}
    return _frame(
        [r.id for r in records],
        [r.sequence for r in records],
        [r.qualities for r in records],
        labels,
    )


def read_fastx(
    paths: Any,
    *,
    blocksize: int | str | None = "64MiB",
    label_keys: str | Sequence[str] | None = None,
    label_type: str = "int",
    fileformat: str | None = None,
):
    """Read FASTA/FASTQ files into a dask DataFrame, lazily.

    Parameters
    ----------
    paths : path, glob, or list of paths and globs
        FASTA/FASTQ files, plain or compressed (gzip, BGZF, bz2, xz, zstd),
        on a filesystem every worker sees. A glob's matches are taken sorted.
    blocksize : int, str or None, default="64MiB"
        Bytes per partition for plain and BGZF files (a byte range starting
        at a record boundary; for BGZF, compressed bytes, at least 64 KiB);
        other files are one partition each. None: one partition per file. A
        range smaller than a record can hold none: an empty partition (which
        ``dask_ml``'s ``ParallelPostFit`` cannot predict on).
    label_keys : str or sequence of str, optional
        Header fields (``>r7 label=1``) read into columns of that name.
    label_type : {"int", "float"}, default="int"
        The dtype of the label columns (int64 or float64).
    fileformat : {"fasta", "fastq"} or None, default=None
        Force a format instead of detecting it.

    Returns
    -------
    dask.dataframe.DataFrame
        Columns ``id``, ``sequence``, ``quality`` (strings; quality missing
        for FASTA) and one per label key; partitions in file order, records
        in file order within each.

    Raises
    ------
    FileNotFoundError
        For a missing file or a glob that matches nothing (at once).
    deepbiop.io.SequenceFileError
        When computed, for a malformed record or label, naming the file and
        the record.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from deepbiop.dask import read_fastx
    >>> fa = Path(tempfile.mkdtemp()) / "x.fa"
    >>> fa.write_text(">a label=1\\nACGT\\n>b label=0\\nGG\\n")
    30
    >>> df = read_fastx(str(fa), label_keys="label")
    >>> df.compute()[["id", "sequence", "label"]].values.tolist()
    [['a', 'ACGT', 1], ['b', 'GG', 0]]
    """
    dd = need("dask.dataframe")
    check_fileformat(fileformat)
    keys = _label_keys(label_keys, label_type)
    parts = plan_parts(
        expand_paths(paths), parse_blocksize(blocksize), fileformat, keys, label_type
    )
    return dd.from_map(
        load_part,
        parts,
        meta=empty_frame(keys, label_type),
        label="read-fastx",
        enforce_metadata=False,
    )
