"""Labels from FASTA/FASTQ headers (``>seq0 label=1``) or from a table."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from deepbiop.io._read import PathLike, RecordChunk, iter_records

__all__ = ["parse_label", "HeaderLabel", "read_labelled", "chunk_labels", "LABEL_DTYPES"]

#: the label types a header field is read as (``label_type=``, ``--label-type``)
LABEL_DTYPES = {"int": np.int64, "float": np.float64}


def _convert(value: str) -> int | float | str:
    try:
        return int(value)
    except ValueError:
        pass
    try:
        return float(value)
    except ValueError:
        return value


@lru_cache(maxsize=64)
def _label_pattern(key: str) -> re.Pattern:
    return re.compile(r"(?:^|[\s;|,])" + re.escape(key) + r"=([^\s;|,]+)")


@lru_cache(maxsize=64)
def _batch_label_pattern(key: str) -> re.Pattern:
    # the leftmost key=VALUE of each line (headers joined by newlines): the
    # prefix is empty or ends with a separator, and cannot cross a line
    return re.compile(
        r"^(?:|[^\n]*?(?:[^\S\n]|[;|,]))" + re.escape(key) + r"=([^\s;|,]+)", re.MULTILINE
    )


def parse_label(header: str, key: str = "label", *, dtype: Callable[[str], Any] | None = None):
    """Value of ``key=VALUE`` in a FASTA/FASTQ header.

    Parameters
    ----------
    header : str
        Whole header line, without ``>``/``@`` (a record's ``name``).
    key : str, default="label"
    dtype : callable or None, default=None
        Applied to the value text; ``None`` gives an int when the text is an
        integer, else a float when it parses as one, else the text.

    Returns
    -------
    int, float or str

    Raises
    ------
    KeyError
        When the header has no ``key=`` field (naming the header).

    Examples
    --------
    >>> from deepbiop.io import parse_label
    >>> parse_label("read7 label=1")
    1
    >>> parse_label("r sample=a;label=0.5 x", dtype=float)
    0.5
    """
    m = _label_pattern(key).search(header)
    if m is None:
        raise KeyError(f"header {header!r} has no '{key}=' field")
    text = m.group(1)
    return _convert(text) if dtype is None else dtype(text)


class HeaderLabel:
    """Picklable label function: read ``key=VALUE`` from a record's header.

    Pass it as ``label_fn`` to :class:`deepbiop.torch.FastxDataset`; unlike a
    ``lambda`` it survives the pickling that spawn-based DataLoader workers do.

    Parameters
    ----------
    key : str, default="label"
    dtype : callable or None, default=int
        Applied to the value text (``None``: int, float or str as it parses).

    Examples
    --------
    >>> import dnaio
    >>> from deepbiop.io import HeaderLabel
    >>> HeaderLabel()(dnaio.SequenceRecord("read3 label=1", "ACGT"))
    1
    """

    def __init__(self, key: str = "label", dtype: Callable[[str], Any] | None = int) -> None:
        self.key = key
        self.dtype = dtype

    def __call__(self, record: Any) -> Any:
        header = record if isinstance(record, str) else record.name
        return parse_label(header, self.key, dtype=self.dtype)

    def batch(self, records: Sequence[Any]) -> list:
        """Labels of many records with one regular-expression pass.

        Equal to ``[self(r) for r in records]`` (and raises the same errors,
        by falling back to it when a header lacks the key).

        Examples
        --------
        >>> from deepbiop.io import HeaderLabel
        >>> HeaderLabel().batch(["r0 label=1", "r1 x=2;label=0 label=5"])
        [1, 0]
        """
        names = [r if isinstance(r, str) else r.name for r in records]
        if not names:
            return []
        values = _batch_label_pattern(self.key).findall("\n".join(names))
        if len(values) == len(names):  # at most one match per line: exactly one each
            try:
                if self.dtype is None:
                    return [_convert(v) for v in values]
                return list(map(self.dtype, values))
            except (TypeError, ValueError):
                pass  # the per-record path raises the error
        return [parse_label(h, self.key, dtype=self.dtype) for h in names]

    def __repr__(self) -> str:
        dt = getattr(self.dtype, "__name__", repr(self.dtype))
        return f"HeaderLabel(key={self.key!r}, dtype={dt})"


def read_labelled(
    path: PathLike | Iterable[PathLike],
    key: str = "label",
    *,
    labels: Mapping[str, Any] | None = None,
    progress: bool = False,
) -> tuple[list[str], np.ndarray]:
    """Sequences and their labels, from ``key=VALUE`` headers or a table.

    Parameters
    ----------
    path : path or iterable of paths
        FASTA/FASTQ file(s), plain or gzip.
    key : str, default="label"
        Header field holding the label (as written by
        :mod:`deepbiop.datasets`: ``>seq0 label=1``).
    labels : mapping of record id to label, optional
        A labels table (dict, or pandas Series indexed by id) used instead of
        the headers.
    progress : bool, default=False

    Returns
    -------
    sequences : list of str
    labels : ndarray
        int64 when every label is an integer, float64 when numeric, else object.

    Raises
    ------
    KeyError
        Naming the record whose header has no label, or whose id is missing
        from ``labels``.

    Examples
    --------
    >>> import tempfile, os
    >>> from deepbiop.io import read_labelled
    >>> p = os.path.join(tempfile.mkdtemp(), "x.fa")
    >>> _ = open(p, "w").write(">a label=1\\nACGT\\n>b label=0\\nGG\\n")
    >>> read_labelled(p)
    (['ACGT', 'GG'], array([1, 0]))
    """
    seqs, ys = [], []
    for i, rec in enumerate(iter_records(path, progress=progress)):
        seqs.append(rec.sequence)
        if labels is not None:
            try:
                ys.append(labels[rec.id])
            except KeyError:
                raise KeyError(f"record {i} (id {rec.id!r}) is missing from labels") from None
        else:
            try:
                ys.append(parse_label(rec.name, key))
            except KeyError as exc:
                raise KeyError(f"record {i}: {exc.args[0]}") from None
    return seqs, np.asarray(ys)


def chunk_labels(chunk: RecordChunk, key: str, dtype: type) -> np.ndarray:
    """The ``key=VALUE`` header field of every record of ``chunk`` as an array
    of ``dtype`` (a value of :data:`LABEL_DTYPES`), in one pass.

    Raises
    ------
    SequenceFileError
        Naming the file, record and id of the first record whose header has
        no ``key=`` field or whose value is not a ``dtype``.
    """
    conv = int if dtype is np.int64 else float
    try:
        return np.asarray(HeaderLabel(key, conv).batch(chunk.records), dtype=dtype)
    except (KeyError, ValueError) as exc:
        error = exc
    for i, rec in enumerate(chunk.records):  # find the record to name
        try:
            parse_label(rec.name, key, dtype=conv)
        except KeyError:
            raise chunk.error(i, "label", f"its header has no '{key}=' field") from None
        except ValueError:
            text = parse_label(rec.name, key, dtype=str)
            hint = "; pass --label-type float (label_type='float')" if conv is int else ""
            raise chunk.error(i, "label", f"{key}={text} is not a {conv.__name__}{hint}") from None
    raise error
