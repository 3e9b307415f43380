"""The error a FASTA/FASTQ read raises, and how a parser's failure becomes one.

:class:`SequenceFileError` is a ``ValueError`` naming the file, the 0-based
record and the line. :func:`file_error` builds it from whatever ``dnaio``,
``gzip`` or the text decoder raised; for a byte that is not ASCII it reads the
file once more (only then) to name the record, its id, the line, the column
and the byte.
"""

from __future__ import annotations

import re

__all__ = ["SequenceFileError", "file_error"]


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
    if path == "-":
        return None  # standard input cannot be read again
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


def file_error(
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
