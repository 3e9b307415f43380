"""Encoded records to a directory of parquet files, resumable: :func:`to_parquet`.

Each partition is encoded and written by one task to its own file,
``part.00000.parquet``, ... in partition order, in the layout of
:func:`deepbiop.encode_file`'s ``.parquet`` output (``id``, the encoding as
fixed-size lists or, for sparse k-mer rows, ``<name>_indices`` and
``<name>_values`` lists, and the columns asked for). A file appears under its
name only once complete, so a rerun writes only the missing ones. The
directory reads as one table (``pyarrow.dataset``, ``pandas.read_parquet``,
HuggingFace ``datasets``).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from deepbiop.dask._encode import encode_part
from deepbiop.dask._modules import need
from deepbiop.dask._records import column_values, start_write
from deepbiop.io import open_output

__all__ = ["to_parquet", "write_part"]


def write_part(
    part: Any, encoder: Any, names: list[str], cols: list[str], column: str, index: int, path: str
) -> int:
    """Encode one partition into the parquet file ``path``; its row count."""
    arrays = dict(zip(names, encode_part(part, encoder, column, index, True)))
    arrays.update({c: column_values(part, c) for c in cols if c != "id"})
    # force: a task run twice (its worker lost after it finished) rewrites the same file
    with open_output(path, list(arrays), format="parquet", force=True) as out:
        out.write(column_values(part, "id").tolist(), arrays)
    return len(part)


def to_parquet(
    frame: Any,
    encoder: Any,
    path: str,
    *,
    columns: Sequence[str] | None = None,
    column: str = "sequence",
    overwrite: bool = False,
) -> str:
    """Encode a frame of records into a directory of parquet files, on the
    cluster; a rerun after an interruption resumes.

    Parameters
    ----------
    frame : dask DataFrame
        Records with an ``id`` column and a sequence column (as
        :func:`read_fastx` gives).
    encoder : OneHotEncoder, IntegerEncoder, KmerEncoder or TransformerEncoder
        With a fixed width (see :func:`encode`); sparse k-mer rows too.
    path : str
        The output directory, on a filesystem every worker sees.
    columns, column, overwrite
        As :func:`to_zarr` takes them: the frame columns written beside the
        encoding (default: the labels; ``id`` always), the sequence column,
        and whether to replace ``path`` (else ``FileExistsError`` at once).

    Returns
    -------
    str
        ``path``: one ``part.NNNNN.parquet`` per partition, in order, each in
        the layout :func:`deepbiop.encode_file` writes to ``.parquet``.
    """
    dask = need("dask")
    opts = {"columns": columns, "column": column, "overwrite": overwrite}
    names, cols, out, parts = start_write(frame, encoder, path, opts, "parquet")
    folder = out.file("out", "")
    tasks = []
    for i, part in enumerate(parts):
        file = os.path.join(folder, f"part.{i:05d}.parquet")
        if not os.path.exists(file):
            tasks.append(dask.delayed(write_part)(part, encoder, names, cols, column, i, file))
    dask.compute(*tasks)
    return out.commit(folder.rstrip(os.sep))
