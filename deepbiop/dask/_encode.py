"""Encoders on dask collections: :func:`encode`.

Every partition is encoded by the encoder's own ``encode_batch`` on the
worker that holds it, so a row is the same bytes whatever the partitioning or
the number of workers. The output's columns must not depend on the partition:
per-position encoders need ``max_length`` (padding to each partition's
longest sequence would give each partition its own width), and draws that
depend on a sequence's index in its batch (``ambiguous_strategy="random"``)
are refused.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deepbiop.dask._modules import need
from deepbiop.encoders._base import failed_sequence
from deepbiop.file_encoding import array_names

__all__ = ["encode", "check_encoder", "encode_part", "templates", "block_meta", "source_parts"]


def check_encoder(encoder: Any) -> list[str]:
    """The names of the arrays ``encoder`` gives per record (see
    :func:`deepbiop.file_encoding.array_names`), after checking that its
    output does not depend on how the records are partitioned.

    Raises
    ------
    ValueError
        For a per-position encoder without ``max_length`` (a
        ``TransformerEncoder`` also needs ``padding="max_length"``), or
        ``ambiguous_strategy="random"``.
    TypeError
        For an object that is not one of deepbiop's encoders.
    """
    names = array_names(encoder)
    if getattr(encoder, "ambiguous_strategy", None) == "random":
        raise ValueError(
            f"{type(encoder).__name__}(ambiguous_strategy='random') draws by a sequence's "
            "index in its batch, so a partitioned encoding would depend on the partitions; "
            "pick another ambiguous_strategy (or encode in one process)"
        )
    return names


def templates(encoder: Any) -> tuple:
    """The encoder's output for no records, one per array: the dtype, the row
    shape and the array type (numpy or ``scipy.sparse``) of every block."""
    out = encoder.encode_batch([])
    return out if isinstance(out, tuple) else (out,)


def block_meta(template: Any) -> Any:
    """The ``meta`` of a dask array whose blocks are like ``template``: an
    empty array of its type and dtype (``scipy.sparse`` or numpy)."""
    if hasattr(template, "tocsr"):
        return type(template)((0, 0), dtype=template.dtype)
    return np.empty((0,) * template.ndim, dtype=template.dtype)


def source_parts(data: Any, column: str) -> tuple[list, list[float], bool]:
    """``(parts, lengths, has_ids)``: one delayed object per partition of
    ``data`` (a pandas frame or series, a list, or a numpy array of
    sequences), the number of records of each (NaN when unknown), and whether
    the parts carry an ``id`` column to name a record by."""
    dd = need("dask.dataframe")
    db = need("dask.bag")
    da = need("dask.array")
    if isinstance(data, dd.DataFrame):
        if column not in data.columns:
            raise KeyError(
                f"the frame has no column {column!r} (columns: {list(data.columns)}); pass column="
            )
        has_ids = "id" in data.columns and column != "id"
        frame = data[[column, "id"]] if has_ids else data[[column]]
        parts = list(frame.to_delayed())
        return parts, [np.nan] * len(parts), has_ids
    if isinstance(data, dd.Series):
        parts = list(data.to_delayed())
        return parts, [np.nan] * len(parts), False
    if isinstance(data, db.Bag):
        parts = list(data.to_delayed())
        return parts, [np.nan] * len(parts), False
    if isinstance(data, da.Array):
        if data.ndim != 1:
            raise ValueError(f"a dask array of sequences must be 1-D, got {data.ndim}-D")
        return list(data.to_delayed().ravel()), [float(n) for n in data.chunks[0]], False
    raise TypeError(
        "encode() takes a dask DataFrame (its sequence column), Series, Bag or 1-D Array "
        f"of sequences, got {type(data).__name__}"
    )


def encode_part(part: Any, encoder: Any, column: str, index: int, has_ids: bool) -> tuple:
    """Encode one partition (on a worker); a tuple of arrays, one per name.

    Raises
    ------
    ValueError
        The encoder's error, naming the partition and the record (by id when
        the partition has an ``id`` column).
    """
    seqs = part[column] if has_ids or hasattr(part, "columns") else part
    try:
        out = encoder.encode_batch(seqs)
    except ValueError as exc:
        failed = failed_sequence(exc, len(seqs))
        if failed is None:
            raise
        i, reason = failed
        rid = f", id {part['id'].iloc[i]!r}" if has_ids else ""
        raise ValueError(
            f"cannot encode partition {index} at record {i} (0-based{rid}): {reason}"
        ) from exc
    return out if isinstance(out, tuple) else (out,)


def encode(data: Any, encoder: Any, *, column: str = "sequence") -> Any:
    """Encode a dask collection of sequences into a dask array, partition by
    partition.

    Parameters
    ----------
    data : dask DataFrame, Series, Bag or 1-D Array
        The sequences: a frame's ``column`` (as :func:`read_fastx` gives it),
        a series, a bag of ``str``, or a 1-D array of ``str``/``bytes``.
    encoder : OneHotEncoder, IntegerEncoder, KmerEncoder or TransformerEncoder
        Fitted when it learns anything (``KmerEncoder(min_count=...)``).
        Per-position encoders need ``max_length``; a ``TransformerEncoder``
        also ``padding="max_length"``.
    column : str, default="sequence"
        The frame's column holding the sequences.

    Returns
    -------
    dask.array.Array
        Chunked along rows only, one block per partition (block sizes unknown,
        NaN, until computed, except for an input array); blocks are
        ``scipy.sparse`` CSR matrices for sparse k-mer output (the array's
        ``meta`` says so). A ``TransformerEncoder`` gives the pair
        ``(input_ids, attention_mask)``.

    Raises
    ------
    ValueError
        For an encoder whose width would depend on the partition (no
        ``max_length``), or ``ambiguous_strategy="random"``; when computed,
        the encoder's error naming the partition and record.

    Examples
    --------
    >>> import dask.bag as db
    >>> import deepbiop as dbp
    >>> from deepbiop.dask import encode
    >>> seqs = db.from_sequence(["ACGT", "GGNA", "TT"], npartitions=2)
    >>> X = encode(seqs, dbp.IntegerEncoder("dna", "unknown", max_length=3, dtype="int8"))
    >>> X.compute(scheduler="sync").tolist()
    [[0, 1, 2], [2, 2, 4], [3, 3, -1]]
    """
    da = need("dask.array")
    delayed = need("dask").delayed
    check_encoder(encoder)
    metas = templates(encoder)
    parts, lengths, has_ids = source_parts(data, column)
    token = need("dask.base").tokenize(encoder, column, has_ids)
    columns: list[list] = [[] for _ in metas]
    for i, (part, n) in enumerate(zip(parts, lengths)):
        out = delayed(encode_part, pure=True, nout=len(metas))(
            part, encoder, column, i, has_ids, dask_key_name=f"deepbiop-encode-{token}-{i}"
        )
        for col, meta, block in zip(columns, metas, out):
            col.append(
                da.from_delayed(
                    block, shape=(n, *meta.shape[1:]), dtype=meta.dtype, meta=block_meta(meta)
                )
            )
    arrays = tuple(da.concatenate(col, axis=0) for col in columns)
    return arrays if len(arrays) > 1 else arrays[0]
