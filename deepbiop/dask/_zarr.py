"""Encoded records to one zarr group, resumable: :func:`to_zarr`.

A partition's row count is known only once its file range is read, so the
write has two steps, both tasks on the cluster. 1. Each partition is encoded
and its arrays saved as ``.npy`` in the work directory (its row count
recorded). 2. With every row's place known, each array of the group is
written by tasks that own whole zarr chunks (no two tasks write one chunk),
reading the rows they need from those files. The layout is that of
:func:`deepbiop.encode_file`'s ``.zarr`` output (same arrays, chunks and
dtypes).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from deepbiop.dask._encode import encode_part, templates
from deepbiop.dask._modules import need
from deepbiop.dask._records import RecordWrite, column_values, start_write
from deepbiop.dask._resume import mark, save_atomic
from deepbiop.io._writers import zarr_chunk_rows

__all__ = ["to_zarr", "stage_part", "write_rows"]


def stage_part(
    part: Any,
    encoder: Any,
    names: list[str],
    cols: list[str],
    column: str,
    index: int,
    folder: str,
    marker: str,
) -> int:
    """Step 1 for one partition: its arrays to ``folder/<name>.npy``; its row count."""
    arrays = dict(zip(names, encode_part(part, encoder, column, index, "id" in cols)))
    arrays.update({c: column_values(part, c) for c in cols})
    os.makedirs(folder, exist_ok=True)
    for name, a in arrays.items():
        save_atomic(os.path.join(folder, name + ".npy"), a)
    rows = len(part)
    mark(marker, rows)
    return rows


def write_rows(
    group_path: str,
    key: str,
    name: str,
    lo: int,
    hi: int,
    folders: list[str],
    offsets: list[int],
    marker: str,
) -> None:
    """Step 2: rows ``[lo, hi)`` of the group's array ``key``, from the
    staged arrays ``name``."""
    zarr = need("zarr")
    first = int(np.searchsorted(offsets, lo, side="right")) - 1
    pieces = []
    i = first
    while i < len(folders) and offsets[i] < hi:
        a = np.load(os.path.join(folders[i], name + ".npy"), mmap_mode="r")
        pieces.append(a[max(lo - offsets[i], 0) : min(hi - offsets[i], a.shape[0])])
        i += 1
    data = np.concatenate(pieces) if len(pieces) > 1 else np.asarray(pieces[0])
    arr = zarr.open_array(os.path.join(group_path, key), mode="r+")
    arr[lo:hi] = data.astype(object) if data.dtype.kind == "U" else data
    mark(marker, hi - lo)


def _stage_all(w: RecordWrite, encoder: Any, column: str) -> tuple[list[str], list[int]]:
    """Step 1 for every partition not staged yet; the staging folders and the
    row offsets of the partitions (``offsets[-1]``: all rows)."""
    dask = need("dask")
    folders = [w.out.file("parts", str(i), "") for i in range(len(w.parts))]
    rows: list[Any] = []
    for i, part in enumerate(w.parts):
        key = f"part-{i}"
        done = w.out.result(key)
        if done is None:
            done = dask.delayed(stage_part)(
                part, encoder, w.names, w.cols, column, i, folders[i], w.out.marker(key)
            )
        rows.append(done)
    rows = list(dask.compute(*rows))
    return folders, np.concatenate([[0], np.cumsum(rows, dtype=np.int64)]).tolist()


def _layout(frame: Any, encoder: Any, w: RecordWrite) -> list[tuple[str, str, Any, tuple]]:
    """``(key in the group, staged name, dtype, row shape)`` of every array."""
    out = [(name, name, t.dtype, t.shape[1:]) for name, t in zip(w.names, templates(encoder))]
    for c in w.cols:
        dtype = frame[c]._meta.dtype
        out.append(("ids" if c == "id" else c, c, dtype if dtype.kind in "biuf" else str, ()))
    return out


def to_zarr(
    frame: Any,
    encoder: Any,
    path: str,
    *,
    chunk_rows: int | None = None,
    columns: Sequence[str] | None = None,
    column: str = "sequence",
    overwrite: bool = False,
) -> str:
    """Encode a frame of records into a zarr group on disk, on the cluster;
    a rerun after an interruption resumes.

    Parameters
    ----------
    frame : dask DataFrame
        Records with an ``id`` column and a sequence column (as
        :func:`read_fastx` gives).
    encoder : OneHotEncoder, IntegerEncoder, dense KmerEncoder or TransformerEncoder
        With a fixed width (see :func:`encode`). Sparse k-mer rows go to
        :func:`to_parquet`.
    path : str
        The ``.zarr`` directory, on a filesystem every worker sees.
    chunk_rows : int, optional
        Rows per zarr chunk of every array; default: about 4 MiB of each
        array per chunk, as :func:`deepbiop.encode_file` chunks them.
    columns : sequence of str, optional
        Frame columns written beside the encoding (default: every column but
        the sequences and qualities, so the labels); ``id`` always (as ``ids``).
    column : str, default="sequence"
    overwrite : bool, default=False
        Replace ``path``; else ``FileExistsError`` before any work.

    Returns
    -------
    str
        ``path``: a zarr group with one array per encoding name (``onehot``,
        ``integer``, ``kmer``, or ``input_ids`` and ``attention_mask``), one
        per column, and ``ids``; the layout :func:`deepbiop.encode_file`
        writes to ``.zarr``, with the same rows.

    Notes
    -----
    Progress is kept in ``.<name>.deepbiop-partial`` beside ``path``: call
    again with the same frame and encoder after a failure (a worker lost for
    good, the client interrupted) and only the missing work runs. The staged
    parts take as much disk as the uncompressed encoding, until the end.
    """
    dask = need("dask")
    zarr = need("zarr")
    if int(zarr.__version__.split(".")[0]) < 3:
        raise ImportError("to_zarr needs zarr>=3 (Python 3.11+)")
    if chunk_rows is not None and (not isinstance(chunk_rows, int) or chunk_rows < 1):
        raise ValueError(f"chunk_rows must be a positive int or None, got {chunk_rows!r}")
    if any(hasattr(t, "tocsr") for t in templates(encoder)):
        raise ValueError(
            "zarr stores dense arrays; write sparse k-mer rows with to_parquet (or "
            "encode() them and keep the scipy.sparse blocks)"
        )
    opts = {"columns": columns, "column": column, "overwrite": overwrite}
    w = start_write(frame, encoder, path, opts, f"zarr-{chunk_rows}")
    folders, offsets = _stage_all(w, encoder, column)
    n = offsets[-1]
    group_path = w.out.file("out.zarr")
    group = zarr.open_group(group_path, mode="a")
    # about a quarter of a partition's rows per task: the tasks of this step
    # start together, and a few large ones left one worker idle at the end
    per_task = max(1, n // max(1, 4 * len(w.parts)))
    tasks = []
    for key, name, dtype, row in _layout(frame, encoder, w):
        chunk = chunk_rows or zarr_chunk_rows(dtype, row)
        if key not in group:
            group.create_array(key, shape=(n, *row), chunks=(chunk, *row), dtype=dtype)
        step = chunk * max(1, round(per_task / chunk))  # whole chunks: no chunk has two writers
        for lo in range(0, n, step):
            done = f"{key}-{lo}"
            if w.out.result(done) is None:
                tasks.append(
                    dask.delayed(write_rows)(
                        group_path,
                        key,
                        name,
                        lo,
                        min(n, lo + step),
                        folders,
                        offsets,
                        w.out.marker(done),
                    )
                )
    dask.compute(*tasks)
    return w.out.commit(group_path)
