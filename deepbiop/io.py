"""Streaming FASTA/FASTQ readers (plain or gzip) built on ``dnaio``.

Records are read one at a time with bounded memory by `dnaio
<https://github.com/marcelm/dnaio>`_, the fastest well-kept parser measured
for this project (200,000 x 150 bp reads from FASTQ.gz in about 0.15 s).
Each record is a :class:`dnaio.SequenceRecord` with attributes

* ``id``: the header up to the first whitespace (``"read7"``);
* ``name``: the whole header (``"read7 label=1"``);
* ``comment``: the header after the first whitespace (``"label=1"``) or None;
* ``sequence``: the bases as an ASCII ``str`` (which the encoders read in
  place, without a copy);
* ``qualities``: the Phred+33 quality string (FASTQ) or None (FASTA).

A malformed file (truncated record, quality length that differs from the
sequence length, missing ``@``/``>``, a gzip stream that ends early, non-ASCII
bytes) raises :class:`SequenceFileError`, a ``ValueError`` naming the file, the
record number and the line; nothing is silently skipped. A byte that is not
ASCII (in FASTA or FASTQ, plain or compressed, including bytes that are not
UTF-8 at all) is located exactly: the error names the record's number and id,
the line, the column and the byte.

``dnaio`` is installed by the ``io`` extra (``pip install -e ".[io]"``); it is
imported only when a file is opened, so ``import deepbiop`` does not need it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from functools import lru_cache
from itertools import islice
from numbers import Integral
from typing import TYPE_CHECKING, Any, NamedTuple, Union

import numpy as np

from deepbiop import _shards
from deepbiop._bgzf import to_bgzf

if TYPE_CHECKING:  # pragma: no cover
    import dnaio

__all__ = [
    "SequenceFileError",
    "iter_records",
    "iter_shard",
    "iter_shard_parts",
    "ShardPart",
    "to_bgzf",
    "read_fasta",
    "read_fastq",
    "read_labelled",
    "count_records",
    "parse_label",
    "HeaderLabel",
    "quality_scores",
]

PathLike = Union[str, "os.PathLike[str]"]


class SequenceFileError(ValueError):
    """A FASTA/FASTQ file could not be read.

    Attributes
    ----------
    path : str or None
        The file.
    record : int or None
        0-based number of the record that could not be read (the number of
        records read successfully before it).
    line : int or None
        1-based line where the parser stopped, when known.
    record_id : str or None
        Id of that record (its header up to the first whitespace), when known.
        A byte of the id that is not ASCII shows as U+FFFD.

    Notes
    -----
    The original exception (from ``dnaio``, ``gzip`` or the text decoder) is
    kept as ``__cause__``.
    """

    def __init__(
        self,
        message: str,
        path: str | None = None,
        record: int | None = None,
        line: int | None = None,
        record_id: str | None = None,
    ) -> None:
        # the extra fields are optional so that PyTorch's DataLoader can
        # re-create the error from its message when a worker raises it
        super().__init__(message)
        self.path = path
        self.record = record
        self.line = line
        self.record_id = record_id

    def __reduce__(self):  # keep it picklable (DataLoader workers re-raise it)
        return (type(self), (self.args[0], self.path, self.record, self.line, self.record_id))


def _dnaio():
    try:
        import dnaio
    except ImportError as exc:
        raise ImportError(
            "FASTA/FASTQ reading needs dnaio: pip install -e '.[io]' "
            f"(or pip install dnaio); the import failed with: {exc}"
        ) from exc
    return dnaio


def _as_paths(paths: PathLike | Iterable[PathLike]) -> list[str]:
    if isinstance(paths, (str, os.PathLike)):
        return [os.fspath(paths)]
    if isinstance(paths, (bytes, bytearray)):
        raise TypeError("file paths must be str or os.PathLike, not bytes")
    try:
        out = [os.fspath(p) for p in paths]
    except TypeError:
        raise TypeError(f"expected a path or a list of paths, got {type(paths).__name__}") from None
    return out


_LINE_RE = re.compile(r"\s*(?:Error in FAST[AQ] file at (?:line \d+|unknown line):\s*)?(.*)", re.S)


def _find_non_ascii(
    path: str, fileformat: str | None
) -> tuple[int, str | None, int, int, int] | None:
    """Locate the first byte of ``path`` that is not ASCII.

    Returns ``(record, record_id, line, column, byte)`` (record 0-based, line
    and column 1-based), or None when there is no such byte or the file cannot
    be read again. Used only after a read failed, so the extra pass costs
    nothing on good files.
    """
    try:
        from xopen import xopen  # dnaio's own opener (plain, gz, bz2, xz, zst)

        fastq = None if fileformat is None else fileformat == "fastq"
        record, header = -1, None
        with xopen(path, "rb", threads=0) as fh:
            for lineno, raw in enumerate(fh, 1):
                if fastq is None and raw.strip():
                    fastq = raw.lstrip()[:1] == b"@"
                is_header = (lineno % 4 == 1) if fastq else raw.lstrip()[:1] == b">"
                if is_header:
                    record, header = record + 1, raw
                if raw.isascii():
                    continue
                col = next(i for i, b in enumerate(raw) if b > 127)
                rid = None
                if header is not None:
                    words = header[1:].split(None, 1)
                    rid = words[0].decode("ascii", "replace") if words else ""
                return max(record, 0), rid, lineno, col + 1, raw[col]
    except Exception:  # noqa: BLE001 - the error being reported matters more than the search
        return None
    return None


def _is_encoding_error(exc: BaseException) -> bool:
    # a byte that is not UTF-8 (FASTA, decoded as text) or not ASCII (dnaio's
    # "Non-ASCII characters found" for FASTQ, "must be ASCII" for FASTA)
    return isinstance(exc, UnicodeError) or "ascii" in str(exc).lower()


def _file_error(
    path: str,
    record: int,
    exc: BaseException,
    fileformat: str | None = None,
    where: str | None = None,
) -> SequenceFileError:
    """The error for a failed read; ``where`` names the start of a byte-range
    part (records and lines then count from there)."""
    kind = type(exc).__name__
    name = repr(path) if where is None else f"{path!r} (the part from {where})"
    if _is_encoding_error(exc):
        found = _find_non_ascii(path, fileformat)
        if found is not None:
            rec, rid, line1, col, byte = found
            where = f"record {rec} (0-based" + ("" if rid is None else f", id {rid!r}") + ")"
            return SequenceFileError(
                f"cannot read {path!r} at {where}, line {line1}: byte 0x{byte:02x} at column "
                f"{col} is not ASCII (FASTA/FASTQ must be ASCII text: another encoding, or "
                f"not a sequence file?) [{kind}]",
                path,
                rec,
                line1,
                rid,
            )
    line = getattr(exc, "line", None)
    line1 = int(line) + 1 if isinstance(line, int) else None
    # dnaio's message restates the line; keep only the reason
    reason = _LINE_RE.match(str(exc)).group(1) or type(exc).__name__
    if not hasattr(exc, "line"):
        # decompression or format-detection failure: the parser reads ahead in
        # blocks, so the bad record is somewhere after the last one delivered
        if isinstance(exc, EOFError):
            reason = f"compressed stream ended early (truncated file?): {reason}"
        return SequenceFileError(
            f"cannot read {name} after {record} complete records: {reason} [{kind}]",
            path,
            record,
            None,
        )
    at = f"record {record} (0-based)"
    if line1 is not None:
        at += f", line {line1}"
    return SequenceFileError(f"cannot read {name} at {at}: {reason} [{kind}]", path, record, line1)


def _iter_one(
    path: str, fileformat: str | None, source: Any = None, where: str | None = None
) -> Iterator[dnaio.SequenceRecord]:
    """Records of ``path``, or of ``source`` (an open binary stream over the
    byte-range part of ``path`` that starts at ``where``; closed at the end)."""
    dnaio = _dnaio()
    n = 0
    try:
        with dnaio.open(
            path if source is None else source, fileformat=fileformat, open_threads=0
        ) as reader:
            for rec in reader:
                yield rec
                n += 1
    except (dnaio.FileFormatError, dnaio.UnknownFileFormat, EOFError, UnicodeError) as exc:
        # UnicodeDecodeError: dnaio decodes FASTA as UTF-8 text
        raise _file_error(path, n, exc, fileformat, where) from exc
    except OSError as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        # gzip.BadGzipFile, zlib errors surfaced as OSError
        raise _file_error(path, n, exc, fileformat, where) from exc
    finally:
        if source is not None:
            source.close()


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
    files = _as_paths(paths)
    if fileformat is not None and fileformat not in ("fasta", "fastq"):
        raise ValueError(f"fileformat must be 'fasta', 'fastq' or None, got {fileformat!r}")
    for name, value in (("n_shards", n_shards), ("chunk_size", chunk_size)):
        if isinstance(value, bool) or not isinstance(value, Integral) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    if isinstance(shard, bool) or not isinstance(shard, Integral) or not 0 <= shard < n_shards:
        raise ValueError(f"shard must be an integer in 0..n_shards-1, got {shard!r}")
    _dnaio()
    g = 0  # records of shared files seen so far, counted over all of them
    for piece in _shards.plan(files, shard, n_shards, fileformat, split):
        if piece.kind == "whole":
            yield ShardPart(piece.path, "its start", 0, _iter_one(piece.path, fileformat), False)
        elif piece.kind != "shared":
            try:
                source, where = _shards.open_range(piece)
            except OSError as exc:
                if isinstance(exc, FileNotFoundError):
                    raise
                raise _file_error(
                    piece.path, 0, exc, fileformat, f"byte range {piece.index} of {piece.count}"
                ) from exc
            records = _iter_one(piece.path, piece.fileformat, source, where)
            yield ShardPart(piece.path, where, 0, records, False)
        else:  # chunks c of chunk_size records with c % n_shards == shard
            it = _iter_one(piece.path, fileformat)
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
    paths: PathLike | Iterable[PathLike],
    shard: int,
    n_shards: int,
    *,
    fileformat: str | None = None,
    chunk_size: int = 1,
    split: bool = True,
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
    for part in iter_shard_parts(
        paths, shard, n_shards, fileformat=fileformat, chunk_size=chunk_size, split=split
    ):
        yield from part.records


def iter_records(
    paths: PathLike | Iterable[PathLike],
    *,
    fileformat: str | None = None,
    progress: bool = False,
) -> Iterator[dnaio.SequenceRecord]:
    """Stream the records of one or several FASTA/FASTQ files, in order.

    Parameters
    ----------
    paths : path or iterable of paths
        FASTA or FASTQ files, plain or compressed (``.gz``, ``.bz2``, ``.xz``,
        ``.zst``); the format is taken from the extension or the first byte.
    fileformat : {"fasta", "fastq"} or None, default=None
        Force a format instead of detecting it.
    progress : bool, default=False
        Show a ``tqdm`` progress bar counting records (needs ``tqdm``).

    Yields
    ------
    dnaio.SequenceRecord
        With ``id``, ``name``, ``comment``, ``sequence`` and ``qualities``
        (None for FASTA).

    Raises
    ------
    SequenceFileError
        For a malformed or truncated file, naming the file, the 0-based record
        number and the line.
    FileNotFoundError
        For a missing file.
    ImportError
        When dnaio is not installed (``pip install -e '.[io]'``).

    Notes
    -----
    Memory is bounded (one parser buffer per file); files are opened one after
    the other, each only when the previous one is exhausted.

    Examples
    --------
    >>> import tempfile, os
    >>> from deepbiop.io import iter_records
    >>> d = tempfile.mkdtemp(); p = os.path.join(d, "x.fastq")
    >>> _ = open(p, "w").write("@r0 label=1\\nACGT\\n+\\nIIII\\n@r1\\nGG\\n+\\n!!\\n")
    >>> [(r.id, r.sequence, r.qualities) for r in iter_records(p)]
    [('r0', 'ACGT', 'IIII'), ('r1', 'GG', '!!')]
    """
    files = _as_paths(paths)
    if fileformat is not None and fileformat not in ("fasta", "fastq"):
        raise ValueError(f"fileformat must be 'fasta', 'fastq' or None, got {fileformat!r}")
    _dnaio()  # a missing dnaio fails here, not at the first next()

    def gen() -> Iterator[dnaio.SequenceRecord]:
        for path in files:
            yield from _iter_one(path, fileformat)

    if not progress:
        return gen()
    try:
        from tqdm.auto import tqdm
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "progress=True needs tqdm; `pip install tqdm` or pass progress=False"
        ) from exc
    desc = os.path.basename(files[0]) if len(files) == 1 else f"{len(files)} files"
    return iter(tqdm(gen(), desc=desc, unit=" records", unit_scale=True))


def read_fasta(path: PathLike, *, progress: bool = False) -> tuple[list[str], list[str]]:
    """Read a whole FASTA (or FASTQ) file into memory.

    Parameters
    ----------
    path : path
        FASTA file, plain or gzip.
    progress : bool, default=False
        Show a progress bar.

    Returns
    -------
    ids : list of str
        Header up to the first whitespace.
    sequences : list of str

    Examples
    --------
    >>> import tempfile, os
    >>> from deepbiop.io import read_fasta
    >>> p = os.path.join(tempfile.mkdtemp(), "x.fa")
    >>> _ = open(p, "w").write(">a desc\\nACG\\nTT\\n>b\\nNN\\n")
    >>> read_fasta(p)
    (['a', 'b'], ['ACGTT', 'NN'])
    """
    ids, seqs = [], []
    for rec in iter_records(path, progress=progress):
        ids.append(rec.id)
        seqs.append(rec.sequence)
    return ids, seqs


def read_fastq(path: PathLike, *, progress: bool = False) -> tuple[list[str], list[str], list[str]]:
    """Read a whole FASTQ file into memory: ``(ids, sequences, qualities)``.

    Examples
    --------
    >>> import tempfile, os
    >>> from deepbiop.io import read_fastq
    >>> p = os.path.join(tempfile.mkdtemp(), "x.fq")
    >>> _ = open(p, "w").write("@r0\\nACGT\\n+\\nIIII\\n")
    >>> read_fastq(p)
    (['r0'], ['ACGT'], ['IIII'])
    """
    ids, seqs, quals = [], [], []
    for rec in iter_records(path, fileformat="fastq", progress=progress):
        ids.append(rec.id)
        seqs.append(rec.sequence)
        quals.append(rec.qualities)
    return ids, seqs, quals


def count_records(paths: PathLike | Iterable[PathLike]) -> int:
    """Number of records in one or several FASTA/FASTQ files (a full parse)."""
    n = 0
    for _ in iter_records(paths):
        n += 1
    return n


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


def quality_scores(qualities: str | bytes, offset: int = 33) -> np.ndarray:
    """Phred scores of a quality string as a uint8 array.

    Raises
    ------
    ValueError
        For a character below ``offset`` or, in a ``str``, one that is not
        ASCII, naming the character and its position.

    Examples
    --------
    >>> from deepbiop.io import quality_scores
    >>> quality_scores("!+I").tolist()
    [0, 10, 40]
    """
    if isinstance(qualities, str):
        try:
            raw = qualities.encode("ascii")
        except UnicodeEncodeError as exc:
            raise ValueError(
                f"quality character {qualities[exc.start]!r} at position {exc.start} is not "
                f"ASCII (Phred+{offset} qualities are ASCII characters)"
            ) from exc
    else:
        raw = bytes(qualities)
    arr = np.frombuffer(raw, dtype=np.uint8)
    if arr.size and int(arr.min()) < offset:
        pos = int(np.argmin(arr))
        raise ValueError(
            f"quality character {chr(arr[pos])!r} at position {pos} is below the "
            f"Phred offset {offset}"
        )
    return arr - np.uint8(offset)
