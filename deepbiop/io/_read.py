"""Opening FASTA/FASTQ files and streaming their records (see :mod:`deepbiop.io`).

:func:`iter_file` is the one place a file is handed to ``dnaio`` and a parser
failure becomes a :class:`~deepbiop.io.SequenceFileError`; everything that
reads records (:func:`iter_records`, the whole-file readers, the shards) goes
through it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import TYPE_CHECKING, Any, BinaryIO, NamedTuple, Union

import numpy as np

from deepbiop.io._errors import SequenceFileError, file_error
from deepbiop.io._progress import ReadMeter

if TYPE_CHECKING:  # pragma: no cover
    import dnaio

__all__ = [
    "PathLike",
    "FILEFORMATS",
    "as_paths",
    "check_fileformat",
    "dnaio_module",
    "iter_file",
    "iter_records",
    "RecordChunk",
    "iter_chunks",
    "read_fasta",
    "read_fastq",
    "count_records",
    "quality_scores",
]

PathLike = Union[str, "os.PathLike[str]"]

#: the formats ``fileformat=`` accepts (None: detect from the name or the first byte)
FILEFORMATS = ("fasta", "fastq")


def dnaio_module():
    """The dnaio module, or an ImportError that says how to install it."""
    try:
        import dnaio
    except ImportError as exc:
        raise ImportError(
            "FASTA/FASTQ reading needs dnaio: pip install -e '.[io]' "
            f"(or pip install dnaio); the import failed with: {exc}"
        ) from exc
    return dnaio


def as_paths(paths: PathLike | Iterable[PathLike]) -> list[str]:
    """One path or an iterable of paths as a list of str (bytes refused).

    The rule every function taking ``paths`` follows.

    Raises
    ------
    TypeError
        For bytes, or an object that is neither a path nor an iterable of paths.

    Examples
    --------
    >>> from deepbiop.io import as_paths
    >>> as_paths("reads.fq"), as_paths(["a.fa", "b.fa"])
    (['reads.fq'], ['a.fa', 'b.fa'])
    """
    if isinstance(paths, (str, os.PathLike)):
        return [os.fspath(paths)]
    if isinstance(paths, (bytes, bytearray)):
        raise TypeError("file paths must be str or os.PathLike, not bytes")
    try:
        out = [os.fspath(p) for p in paths]
    except TypeError:
        raise TypeError(f"expected a path or a list of paths, got {type(paths).__name__}") from None
    return out


def check_fileformat(fileformat: str | None) -> str | None:
    """Check a ``fileformat=`` argument: ``"fasta"``, ``"fastq"`` or None.

    Returns
    -------
    str or None
        ``fileformat`` unchanged.

    Raises
    ------
    ValueError
        Naming the value and the accepted ones.

    Examples
    --------
    >>> from deepbiop.io import check_fileformat
    >>> check_fileformat("fastq"), check_fileformat(None)
    ('fastq', None)
    """
    if fileformat is not None and fileformat not in FILEFORMATS:
        raise ValueError(f"fileformat must be 'fasta', 'fastq' or None, got {fileformat!r}")
    return fileformat


def iter_file(
    path: str,
    fileformat: str | None,
    source: Any = None,
    where: str | None = None,
    opener: Callable[[str, str], BinaryIO] | None = None,
) -> Iterator[dnaio.SequenceRecord]:
    """Records of ``path`` (``"-"``: standard input), or of ``source`` (an open
    binary stream over the byte-range part of ``path`` that starts at
    ``where``; closed at the end). ``opener(path, "rb")`` opens ``path``
    instead of ``xopen`` (a :class:`~deepbiop.io._progress.ReadMeter` counting
    bytes)."""
    dnaio = dnaio_module()
    n = 0
    kwargs: dict[str, Any] = {"open_threads": 0} if opener is None else {"opener": opener}
    try:
        with dnaio.open(
            path if source is None else source, fileformat=fileformat, **kwargs
        ) as reader:
            for rec in reader:
                yield rec
                n += 1
    except (dnaio.FileFormatError, dnaio.UnknownFileFormat, EOFError, UnicodeError) as exc:
        # UnicodeDecodeError: dnaio decodes FASTA as UTF-8 text
        raise file_error(path, n, exc, fileformat, where) from exc
    except OSError as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        # gzip.BadGzipFile, zlib errors surfaced as OSError
        raise file_error(path, n, exc, fileformat, where) from exc
    finally:
        if source is not None:
            source.close()


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
        FASTA or FASTQ files, plain or compressed (gzip, bz2, xz, zstd: by the
        extension, else by the content); ``"-"`` is standard input. FASTA or
        FASTQ is taken from the extension or the first byte.
    fileformat : {"fasta", "fastq"} or None, default=None
        Force a format instead of detecting it.
    progress : bool, default=False
        Show a ``tqdm`` progress bar on standard error: input bytes read
        (compressed bytes for gzip) against the files' size, records, bases,
        rate and ETA.

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
    files = as_paths(paths)
    check_fileformat(fileformat)
    dnaio_module()  # a missing dnaio fails here, not at the first next()
    return _iter_counted(files, fileformat, ReadMeter(files, enabled=progress), progress)


def _iter_counted(
    files: list[str], fileformat: str | None, meter: ReadMeter, count: bool
) -> Iterator[dnaio.SequenceRecord]:
    """The records of ``files``, opened by ``meter`` (which reads ``"-"`` as
    standard input) and, with ``count``, counted on it."""
    with meter:
        if not count:
            for path in files:
                yield from iter_file(path, fileformat, opener=meter.opener)
            return
        n = bases = 0
        for path in files:
            for rec in iter_file(path, fileformat, opener=meter.opener):
                yield rec
                n += 1
                bases += len(rec.sequence)
                if n == 4096:  # the bar moves every few thousand records
                    meter.update(n, bases)
                    n = bases = 0
        meter.update(n, bases)


class RecordChunk(NamedTuple):
    """Consecutive records read together, and where each came from.

    Attributes
    ----------
    records : list of dnaio.SequenceRecord
    spans : list of (path, first, start)
        The records from ``start`` on (up to the next span's ``start``) come
        from ``path``, the first of them being its record ``first`` (0-based).
    where : str or None, default=None
        For the records of one byte-range part of a file: where that part
        starts (``"byte 1234"``, as :class:`~deepbiop.io.ShardPart` says);
        record numbers then count from there.
    """

    records: list
    spans: list[tuple[str, int, int]]
    where: str | None = None

    def locate(self, i: int) -> tuple[str, int]:
        """``(path, 0-based record number in that file)`` of ``records[i]``."""
        path, first, start = next(s for s in reversed(self.spans) if s[2] <= i)
        return path, first + i - start

    def error(self, i: int, what: str, reason: str) -> SequenceFileError:
        """The error for ``records[i]``, naming its file, number and id:
        ``cannot {what} 'x.fq' at record 3 (0-based, id 'r3'): {reason}``."""
        path, number = self.locate(i)
        rid = self.records[i].id
        name = repr(path)
        if self.where not in (None, "its start"):
            name += f" (the part from {self.where})"
        return SequenceFileError(
            f"cannot {what} {name} at record {number} (0-based, id {rid!r}): {reason}",
            path,
            number,
            None,
            rid,
        )


def iter_chunks(
    files: list[str], fileformat: str | None, size: int, meter: ReadMeter
) -> Iterator[RecordChunk]:
    """The records of ``files`` (in order) in chunks of ``size`` (the last one
    shorter, none empty), counted on ``meter``, which opens the files."""
    records: list = []
    spans: list[tuple[str, int, int]] = []
    for path in files:
        it = iter_file(path, fileformat, opener=meter.opener)
        first = 0
        while True:
            got = list(islice(it, size - len(records)))
            if got:
                spans.append((path, first, len(records)))
                records += got
                first += len(got)
            if len(records) < size:
                break  # this file is exhausted
            meter.update(len(records), sum(len(r.sequence) for r in records))
            yield RecordChunk(records, spans)
            records, spans = [], []
    if records:
        meter.update(len(records), sum(len(r.sequence) for r in records))
        yield RecordChunk(records, spans)


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


def count_records(paths: PathLike | Iterable[PathLike], *, progress: bool = False) -> int:
    """Number of records in one or several FASTA/FASTQ files (a full parse;
    ``progress``: a bar as :func:`iter_records` shows it)."""
    n = 0
    for _ in iter_records(paths, progress=progress):
        n += 1
    return n


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
