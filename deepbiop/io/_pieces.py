"""Sequences of FASTA/FASTQ files in pieces of bounded length, without
holding a whole record: what counting k-mers within a memory budget reads.

``dnaio`` hands a FASTA record over whole, so a chromosome costs its length
two or three times over while it is read (a 250 Mbp chromosome, ~700 MB).
:func:`iter_sequence_pieces` reads FASTA a block at a time instead, and cuts
every sequence (FASTA or FASTQ) into pieces of at most ``max_len`` bases that
overlap by ``overlap`` bases: with ``overlap = k - 1`` every k-mer window of a
record lies in exactly one piece. Lines are read as ``dnaio`` reads them
(``\n``, ``\r\n`` or ``\r`` ends a line; stripped of surrounding
whitespace; blank lines and lines starting with ``#`` skipped), so the
pieces spell the same sequences; a line longer than a block (a chromosome on
one line) is not held whole either. When something is wrong with a file
(text before the first header, a byte that is not ASCII) the file is handed
to ``dnaio`` to raise its usual :class:`~deepbiop.io.SequenceFileError`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import BinaryIO

from deepbiop.io._errors import SequenceFileError, file_error
from deepbiop.io._progress import STDIN, ReadMeter
from deepbiop.io._read import PathLike, as_paths, check_fileformat, dnaio_module, iter_file

__all__ = ["iter_sequence_pieces"]

_BLOCK = 1 << 22  # bytes of FASTA read at a time


class _BadFasta(Exception):
    """Raised inside the block reader; turned into dnaio's own error."""


def _cut(seq: bytes | str, max_len: int, overlap: int) -> Iterator[bytes | str]:
    step = max_len - overlap
    if len(seq) <= max_len:
        yield seq
        return
    for i in range(0, len(seq) - overlap, step):
        yield seq[i : i + max_len]


def _fasta_pieces(fh: BinaryIO, max_len: int, overlap: int, tally: list[int]) -> Iterator[bytes]:
    """Pieces of every record of the FASTA stream ``fh``; ``tally[0]`` counts
    the records begun."""
    pending = bytearray()  # the current record's bases not yet handed out
    in_record = emitted = False
    continuing = False  # the first line of ``data`` goes on from the last block
    tail = b""  # an unfinished line
    read = getattr(fh, "read1", fh.read)  # what is there: a pipe is not waited on to fill

    def pieces() -> Iterator[bytes]:
        nonlocal emitted
        while len(pending) >= max_len:
            yield bytes(pending[:max_len])
            del pending[: max_len - overlap]
            emitted = True

    while True:
        block = read(_BLOCK)
        if block and not block.isascii():
            raise _BadFasta
        # a lone \r ends a line too, as in dnaio's text reader (universal newlines)
        data = (tail + block).replace(b"\r", b"\n")
        tail = b""
        if block:
            cut = data.rfind(b"\n") + 1
            data, tail = data[:cut], data[cut:]
        for line in data.split(b"\n") if data else ():
            if continuing:  # the end of a line begun in an earlier block
                continuing = False
                pending += line.rstrip()
                yield from pieces()
                continue
            line = line.strip()
            if not line or line[0] == 35:  # blank, or "#"
                continue
            if line[0] == 62:  # ">": a new record
                if pending and (not emitted or len(pending) > overlap):
                    yield bytes(pending)
                pending.clear()
                in_record, emitted = True, False
                tally[0] += 1
                continue
            if not in_record:
                raise _BadFasta
            pending += line
            yield from pieces()
        if len(tail) > _BLOCK and in_record:
            # a line longer than a block (a chromosome on one line): its bases
            # so far go on now, all but trailing blanks that may end the line
            head = tail if continuing else tail.lstrip()
            if not continuing and not head:
                # only the blanks a line may begin with so far: dropped, as
                # strip() drops them from a line that fits a block (kept, the
                # line's first bases would follow them into the record)
                tail = b""
            elif continuing or head[:1] not in (b">", b"#"):
                body = head.rstrip()
                pending += body
                tail = head[len(body) :]
                continuing = True
                yield from pieces()
        if not block:
            break
    if pending and (not emitted or len(pending) > overlap):
        yield bytes(pending)


def _is_fasta(fh: BinaryIO, fileformat: str | None) -> bool:
    if fileformat is not None:
        return fileformat == "fasta"
    head = fh.peek(1 << 12).lstrip()
    return head[:1] in (b">", b"#")


def _file_pieces(
    path: str,
    fileformat: str | None,
    max_len: int,
    overlap: int,
    meter: ReadMeter,
    tally: list[int],
) -> Iterator[bytes | str]:
    """Pieces of one file; ``tally[0]`` counts its records begun."""
    import io

    raw = meter.opener(path, "rb")
    fh = raw if hasattr(raw, "peek") else io.BufferedReader(raw)
    try:
        fasta = _is_fasta(fh, fileformat)
    except (OSError, EOFError) as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        raise file_error(path, 0, exc, fileformat) from exc
    if not fasta:  # dnaio reads on from the bytes peeked at (standard input too)
        for rec in iter_file(path, fileformat, source=fh):
            tally[0] += 1
            yield from _cut(rec.sequence, max_len, overlap)
        return
    try:
        yield from _fasta_pieces(fh, max_len, overlap, tally)
    except _BadFasta:
        pass
    except (OSError, EOFError) as exc:  # a damaged gzip stream
        raise file_error(path, max(tally[0] - 1, 0), exc, "fasta") from exc
    else:
        return
    finally:
        fh.close()
    # let dnaio find and name the problem
    if path != STDIN:
        for _ in iter_file(path, "fasta"):
            pass
    raise SequenceFileError(
        f"cannot read {path!r}: not a FASTA file (text before the first '>' header, "
        "or a byte that is not ASCII)",
        path,
    )


def iter_sequence_pieces(
    paths: PathLike | Iterable[PathLike],
    max_len: int,
    overlap: int,
    *,
    fileformat: str | None = None,
    progress: bool = False,
) -> Iterator[bytes | str]:
    """The sequences of FASTA/FASTQ files cut into overlapping pieces.

    Parameters
    ----------
    paths : path or iterable of paths
        FASTA or FASTQ files, plain or compressed; ``"-"`` is standard input.
    max_len : int
        Longest piece (bases); must exceed ``overlap``.
    overlap : int
        Bases each piece of a record shares with the next (``k - 1`` for
        k-mers).
    fileformat : {"fasta", "fastq"} or None, default=None
        Force a format instead of detecting it from the first byte.
    progress : bool, default=False
        A progress bar of the bytes read on standard error.

    Yields
    ------
    bytes or str
        Pieces in file and record order: a record no longer than ``max_len``
        is one piece (FASTA: bytes; FASTQ: the record's ``str``).

    Raises
    ------
    SequenceFileError
        For a malformed file.

    Examples
    --------
    >>> import pathlib, tempfile, deepbiop as dbp
    >>> fa = pathlib.Path(tempfile.mkdtemp()) / "x.fa"
    >>> _ = fa.write_text(">a\\nACGTAC\\nGTA\\n>b\\nTT\\n")
    >>> list(dbp.io.iter_sequence_pieces(fa, max_len=5, overlap=2))
    [b'ACGTA', b'TACGT', b'GTA', b'TT']
    """
    files = as_paths(paths)
    check_fileformat(fileformat)
    if not 0 <= overlap < max_len:
        raise ValueError(f"need 0 <= overlap < max_len, got overlap={overlap}, max_len={max_len}")
    dnaio_module()  # a missing dnaio fails here, not at the first next()
    return _iter_pieces(files, fileformat, max_len, overlap, progress)


def _iter_pieces(
    files: list[str], fileformat: str | None, max_len: int, overlap: int, progress: bool
) -> Iterator[bytes | str]:
    with ReadMeter(files, enabled=progress) as meter:
        for path in files:
            tally = [0]  # records begun in this file
            n = bases = shown = 0
            for piece in _file_pieces(path, fileformat, max_len, overlap, meter, tally):
                yield piece
                n += 1
                bases += len(piece)
                if n == 256:  # the bar moves every few hundred pieces
                    meter.update(tally[0] - shown, bases)
                    shown, n, bases = tally[0], 0, 0
            meter.update(tally[0] - shown, bases)
