"""What the file writers (:func:`to_zarr`, :func:`to_parquet`) take from a
frame besides the encoding: the record ids and the other columns asked for."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from deepbiop.dask._encode import check_encoder
from deepbiop.dask._modules import need
from deepbiop.dask._resume import Resumable

__all__ = ["record_columns", "column_values", "source_token", "RecordWrite", "start_write"]


def record_columns(frame: Any, columns: Sequence[str] | None, column: str) -> list[str]:
    """The frame's columns written beside the encoding: ``id`` first, then
    ``columns`` (default: every column but ``column`` and ``quality``, so
    the label columns of :func:`read_fastx`).

    Raises
    ------
    TypeError
        When ``frame`` is not a dask DataFrame.
    ValueError
        When it has no ``id`` column, or a named column is missing.
    """
    dd = need("dask.dataframe")
    if not isinstance(frame, dd.DataFrame):
        raise TypeError(
            "writing records needs a dask DataFrame with 'id' and sequence columns (as "
            f"read_fastx gives), got {type(frame).__name__}; for other collections, "
            "encode() them and store the array with dask.array.to_zarr"
        )
    have = list(frame.columns)
    if "id" not in have:
        raise ValueError(f"the frame needs an 'id' column to name the records (has {have})")
    if columns is None:
        extra = [c for c in have if c not in ("id", column, "quality")]
    else:
        extra = [c for c in ([columns] if isinstance(columns, str) else columns) if c != "id"]
    missing = [c for c in extra + [column] if c not in have]
    if missing:
        raise ValueError(f"the frame has no column {missing[0]!r} (columns: {have})")
    return ["id", *extra]


def column_values(part: Any, name: str) -> np.ndarray:
    """One column of a pandas partition as a numpy array (strings as ``U``)."""
    s = part[name]
    if s.dtype.kind in "biuf":
        return s.to_numpy()
    return np.asarray(s.to_numpy(dtype=object, na_value=""), dtype=str)


def source_token(frame: Any, encoder: Any, *extra: Any) -> str:
    """A deterministic token of a frame (its files, with their sizes and
    modification times), an encoder and the write options."""
    return need("dask.base").tokenize(frame, encoder, *extra)


class RecordWrite(NamedTuple):
    """A write of encoded records that :func:`start_write` checked and began.

    Attributes
    ----------
    names : list of str
        The encoder's arrays (:func:`deepbiop.file_encoding.array_names`).
    cols : list of str
        The frame's columns written beside them, ``id`` first.
    out : Resumable
        The output's work directory.
    parts : list of dask.delayed.Delayed
        The frame's partitions, holding the sequences and ``cols``.
    """

    names: list[str]
    cols: list[str]
    out: Resumable
    parts: list


def start_write(
    frame: Any, encoder: Any, path: str, options: dict[str, Any], fmt: str
) -> RecordWrite:
    """Check a write of ``frame`` encoded by ``encoder`` to ``path`` (``options``:
    the writer's ``columns``, ``column`` and ``overwrite``) and open its work
    directory (resuming one left by an interrupted run of the same write).

    Raises
    ------
    ValueError
        For a frame column named like an encoding array, and as
        :func:`check_encoder` and :func:`record_columns` raise.
    FileExistsError
        When ``path`` exists and ``overwrite`` is False.
    """
    names = check_encoder(encoder)
    column = options["column"]
    cols = record_columns(frame, options["columns"], column)
    if {*cols, "ids"} & set(names):
        raise ValueError(f"a column cannot be named like an encoding array {names}")
    token = source_token(frame, encoder, cols, column, fmt)
    out = Resumable(path, token, overwrite=options["overwrite"])
    parts = list(frame[list(dict.fromkeys([column, *cols]))].to_delayed())
    return RecordWrite(names, cols, out, parts)
