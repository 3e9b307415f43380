"""Encode FASTA/FASTQ files straight to arrays on disk, chunk by chunk.

:func:`encode_file` reads records in chunks (:mod:`deepbiop.io`), encodes
each chunk with an encoder's ``encode_batch`` (into one reused buffer when the
encoder takes ``out=``) and appends it to an output
(:func:`deepbiop.io.open_output`). Memory holds one chunk of records, one
chunk of output and the writer's own buffer, whatever the input size. This is
what ``deepbiop encode`` and ``deepbiop tokenize`` run.

It sits above both :mod:`deepbiop.io` and the encoders (``deepbiop.io`` is
below the encoders: k-mer spectra read files through it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from numbers import Integral
from typing import Any

import numpy as np

from deepbiop.encoders import IntegerEncoder, KmerEncoder, OneHotEncoder
from deepbiop.encoders._base import failed_sequence
from deepbiop.encoders.tokens import TransformerEncoder
from deepbiop.io import check_fileformat, open_output
from deepbiop.io._labels import LABEL_DTYPES, chunk_labels
from deepbiop.io._progress import ReadMeter
from deepbiop.io._read import PathLike, RecordChunk, as_paths, iter_chunks

__all__ = ["EncodeResult", "encode_file", "array_names"]


@dataclass(frozen=True)
class EncodeResult:
    """What :func:`encode_file` wrote.

    Attributes
    ----------
    records, bases : int
        Records read and their total length.
    paths : list of str
        The files (and directories) written.
    """

    records: int
    bases: int
    paths: list[str]


def array_names(encoder: Any) -> list[str]:
    """Names of the arrays ``encoder`` gives per record, as written to files:
    ``onehot``, ``integer``, ``kmer``, or ``input_ids`` and ``attention_mask``.

    Raises
    ------
    ValueError
        When the rows would not all have one width: a per-position encoder
        without ``max_length`` (a ``TransformerEncoder`` also needs
        ``padding="max_length"``).
    TypeError
        For an object that is not one of deepbiop's four encoders.
    """
    if isinstance(encoder, TransformerEncoder):
        if encoder.max_length is None or encoder.padding != "max_length":
            raise ValueError(
                "token ids are written with one row width: pass max_length and "
                "padding='max_length' (the command line's --max-length)"
            )
        return ["input_ids", "attention_mask"]
    if isinstance(encoder, KmerEncoder):
        return ["kmer"]
    for cls, name in ((OneHotEncoder, "onehot"), (IntegerEncoder, "integer")):
        if isinstance(encoder, cls):
            if encoder.max_length is None:
                raise ValueError(
                    f"{type(encoder).__name__} output is written with one row width: pass "
                    "max_length (the command line's --max-length); longer sequences are cut "
                    "and shorter ones padded"
                )
            return [name]
    raise TypeError(
        "encoder must be a OneHotEncoder, IntegerEncoder, KmerEncoder or TransformerEncoder, "
        f"got {type(encoder).__name__}"
    )


def _encoder(encoder: Any, names: list[str]) -> Callable[[RecordChunk], dict[str, Any]]:
    """``chunk -> {name: array}``, writing into one buffer reused across chunks
    (dense encoders take ``out=``), errors naming the file and the record."""
    buffers: dict[str, np.ndarray] = {}
    # KmerEncoder takes out= for dense rows in the full layout only (read after
    # a first call, once its parameters are known to be valid)
    reuse = not isinstance(encoder, TransformerEncoder)

    def encode(chunk: RecordChunk) -> dict[str, Any]:
        seqs = [r.sequence for r in chunk.records]
        try:
            buf = buffers.get(names[0])
            if reuse and buf is not None and len(seqs) <= buf.shape[0]:
                return {names[0]: encoder.encode_batch(seqs, out=buf[: len(seqs)])}
            out = encoder.encode_batch(seqs)
        except ValueError as exc:
            failed = failed_sequence(exc, len(seqs))
            if failed is None:
                raise
            raise chunk.error(failed[0], "encode", failed[1]) from exc
        if isinstance(out, tuple):
            return dict(zip(names, out))
        if reuse and getattr(encoder, "takes_out", True):
            buffers[names[0]] = out
        return {names[0]: out}

    return encode


def encode_file(
    inputs: PathLike | Iterable[PathLike],
    encoder: Any,
    output: PathLike,
    *,
    label_key: str | Sequence[str] | None = None,
    label_type: str = "int",
    format: str | None = None,
    force: bool = False,
    chunk_size: int = 10_000,
    progress: bool = False,
    fileformat: str | None = None,
) -> EncodeResult:
    """Encode the records of FASTA/FASTQ files into an array file, streamed.

    Parameters
    ----------
    inputs : path or iterable of paths
        FASTA/FASTQ files, plain or compressed (detected by content when the
        name does not say), read in order; ``"-"`` is standard input.
    encoder : OneHotEncoder, IntegerEncoder, KmerEncoder or TransformerEncoder
        Per-position encoders need ``max_length`` (every row one width; see
        :func:`array_names`).
    output : path
        ``.npy``, ``.npz``, ``.zarr`` or ``.parquet`` (``"-"``: parquet on
        standard output); layouts in :func:`deepbiop.io.open_output`.
    label_key : str or sequence of str, optional
        Header fields (``key=VALUE``) written beside the encoding, one array
        each, named by the key.
    label_type : {"int", "float"}, default="int"
    format : {"npy", "npz", "zarr", "parquet"} or None, default=None
        Instead of the extension.
    force : bool, default=False
        Replace existing outputs; else ``FileExistsError`` before any read.
    chunk_size : int, default=10_000
        Records read, encoded and written at a time. The output does not
        depend on it.
    progress : bool, default=False
        A progress bar on standard error (input bytes, records, bases).
    fileformat : {"fasta", "fastq"} or None, default=None
        Force the input format.

    Returns
    -------
    EncodeResult

    Raises
    ------
    SequenceFileError
        A malformed input, a sequence the encoder refuses, or a missing or bad
        label, naming the file and record. Nothing is left at ``output``.
    FileExistsError
        ``output`` (or a sidecar) exists and ``force`` is False.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> import deepbiop as dbp
    >>> d = tempfile.mkdtemp(); fa = os.path.join(d, "x.fa")
    >>> _ = open(fa, "w").write(">a label=1\\nACGT\\n>b label=0\\nGGN\\n")
    >>> out = os.path.join(d, "x.npy")
    >>> enc = dbp.IntegerEncoder("dna", "unknown", max_length=4, dtype="int8")
    >>> dbp.encode_file(fa, enc, out, label_key="label").records
    2
    >>> np.load(out).tolist(), np.load(os.path.join(d, "x.label.npy")).tolist()
    ([[0, 1, 2, 3], [2, 2, 4, -1]], [1, 0])
    """
    files = as_paths(inputs)
    if not files:
        raise ValueError("no input files")
    check_fileformat(fileformat)
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, Integral) or chunk_size < 1:
        raise ValueError(f"chunk_size must be a positive integer, got {chunk_size!r}")
    if label_type not in LABEL_DTYPES:
        raise ValueError(f"label_type must be one of {sorted(LABEL_DTYPES)}, got {label_type!r}")
    keys = (
        [] if label_key is None else [label_key] if isinstance(label_key, str) else list(label_key)
    )
    names = array_names(encoder)
    if set(keys) & set(names):
        raise ValueError(f"a label key cannot be named like an encoding array {names}")
    dtype = LABEL_DTYPES[label_type]
    encode = _encoder(encoder, names)
    with (
        ReadMeter(files, enabled=progress) as meter,
        open_output(output, names + keys, format=format, force=force) as out,
    ):
        paths = out.paths
        for chunk in iter_chunks(files, fileformat, int(chunk_size), meter):
            arrays = encode(chunk)
            for key in keys:
                arrays[key] = chunk_labels(chunk, key, dtype)
            out.write([r.id for r in chunk.records], arrays)
        if out.rows == 0:  # no records: an empty output of the right shape and dtype
            empty = RecordChunk([], [])
            out.write([], {**encode(empty), **{key: np.zeros(0, dtype) for key in keys}})
    return EncodeResult(out.rows, meter.bases, paths)
