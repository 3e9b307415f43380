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

from deepbiop.dask._encode import check_encoder, encode_part, templates
from deepbiop.dask._modules import need
from deepbiop.dask._records import column_values, record_columns, source_token
from deepbiop.dask._resume import Resumable, mark, save_atomic
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


def to_zarr(
    frame: Any,
    encoder: Any,
    path: str,
    *,
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
    if int(need("zarr").__version__.split(".")[0]) < 3:
        raise ImportError("to_zarr needs zarr>=3 (Python 3.11+)")
    names = check_encoder(encoder)
    metas = templates(encoder)
    if any(hasattr(m, "tocsr") for m in metas):
        raise ValueError(
            "zarr stores dense arrays; write sparse k-mer rows with to_parquet (or "
            "encode() them and keep the scipy.sparse blocks)"
        )
    cols = record_columns(frame, columns, column)
    keys = [c if c != "id" else "ids" for c in cols]
    if set(keys) & set(names):
        raise ValueError(f"a column cannot be named like an encoding array {names}")
    out = Resumable(path, source_token(frame, encoder, cols, column, "zarr"), overwrite=overwrite)
    parts = frame[list(dict.fromkeys([column, *cols]))].to_delayed()
    folders = [out.file("parts", str(i), "") for i in range(len(parts))]
    rows: list[Any] = []
    for i, part in enumerate(parts):
        done = out.result(f"part-{i}")
        rows.append(
            done
            if done is not None
            else dask.delayed(stage_part)(
                part, encoder, names, cols, column, i, folders[i], out.marker(f"part-{i}")
            )
        )
    rows = list(dask.compute(*rows))
    offsets = np.concatenate([[0], np.cumsum(rows, dtype=np.int64)]).tolist()
    n = offsets[-1]
    group_path = out.file("out.zarr")
    zarr = need("zarr")
    group = zarr.open_group(group_path, mode="a")
    meta_of = dict(zip(names, metas))
    tasks = []
    per_task = max(1, n // max(1, len(parts)))
    for name, key in [(m, m) for m in names] + list(zip(cols, keys)):
        if name in meta_of:
            dtype, row = meta_of[name].dtype, meta_of[name].shape[1:]
        else:
            sample = frame[name]._meta
            dtype, row = (sample.dtype if sample.dtype.kind in "biuf" else str), ()
        chunk = zarr_chunk_rows(dtype, row)
        if key not in group:
            group.create_array(key, shape=(n, *row), chunks=(chunk, *row), dtype=dtype)
        step = chunk * max(1, round(per_task / chunk))
        for lo in range(0, n, step):
            marker = out.marker(f"{key}-{lo}")
            if out.result(f"{key}-{lo}") is None:
                tasks.append(
                    dask.delayed(write_rows)(
                        group_path, key, name, lo, min(n, lo + step), folders, offsets, marker
                    )
                )
    dask.compute(*tasks)
    return out.commit(group_path)
