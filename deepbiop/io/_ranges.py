"""Split FASTA/FASTQ files between shards (DataLoader workers x ranks) so that
no shard parses records it does not yield.

The plan for shard ``s`` of ``n`` over ``files`` (:func:`plan`):

* ``n == 1``: every file whole, in order.
* at least as many files as shards: file shards, shard ``s`` reads files
  ``s, s + n, s + 2n, ...`` whole.
* fewer files than shards: each plain or BGZF file is cut into ``n`` byte
  ranges and shard ``s`` reads range ``s`` of each; a file that cannot be
  entered in the middle (ordinary gzip, bz2, xz, zstd, or a first byte that is
  neither ``@`` nor ``>``) is *shared*: every shard parses it and keeps its own
  chunks of records (the caller's round-robin).

Byte ranges. Range ``r`` of a file of ``size`` bytes is ``[r * size // n,
(r + 1) * size // n)`` (for BGZF, in compressed offsets). A record belongs to
the range that holds the line break just before it (for BGZF: the range in
which the block holding that line break starts); the file's first record
belongs to range 0. A reader therefore starts at the first record boundary
after the range start (:func:`boundary`) and stops at the next range's
boundary, so consecutive ranges meet exactly and every record is read once.

A record boundary is a line break followed by, for FASTA, a ``>``; for FASTQ,
four lines ``@...``, sequence, ``+...``, a quality line as long as the
sequence, then ``@`` or the end of the file. A quality line may start with
``@`` or ``+``, but a candidate there fails this check because the line two
below it is then a sequence line, which does not start with ``+``.
"""

from __future__ import annotations

import io
import os
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass

from deepbiop.io import _bgzf

__all__ = ["Piece", "file_kind", "plan", "boundary", "open_range"]

_GZIP = b"\x1f\x8b"
_OTHER_COMPRESSED = (b"BZh", b"\xfd7zXZ\x00", b"\x28\xb5\x2f\xfd")
_CHUNK = 1 << 20
_TRIM = 4 << 20  # drop scanned bytes beyond this (a boundary search inside a long record)

# A position in a file: an offset for plain files, (block offset, offset in the
# block's data) for BGZF.
Position = "int | tuple[int, int]"


@dataclass(frozen=True)
class Piece:
    """One unit of a shard's work.

    Attributes
    ----------
    path : str
    kind : {"whole", "shared", "plain", "bgzf"}
        ``whole``: read the file; ``shared``: every shard parses the file and
        keeps its own chunks; ``plain``/``bgzf``: byte range ``index`` of
        ``count``.
    fileformat : {"fasta", "fastq"} or None
        Known format (by content) for byte ranges; None for the other kinds.
    index, count : int
    """

    path: str
    kind: str
    fileformat: str | None = None
    index: int = 0
    count: int = 1


def file_kind(path: str, fileformat: str | None = None) -> tuple[str, str | None]:
    """``(kind, fileformat)``: kind ``"plain"``, ``"bgzf"`` or ``"stream"``
    (cannot be split), the format from ``fileformat`` or the first byte."""
    with open(path, "rb") as fh:
        head = fh.read(8)
    if head.startswith(_GZIP):
        if not _bgzf.is_bgzf(path):
            return "stream", fileformat
        kind = "bgzf"
        first = b""
        blocks = _bgzf.iter_blocks(path, 0)
        for _, data in blocks:
            first = data[:1]
            if first:
                break
        blocks.close()
    elif any(head.startswith(m) for m in _OTHER_COMPRESSED):
        return "stream", fileformat
    else:
        kind, first = "plain", head[:1]
    if fileformat is None:
        fileformat = {b"@": "fastq", b">": "fasta", b"#": "fasta"}.get(first)
    return (kind, fileformat) if fileformat is not None else ("stream", None)


def plan(
    paths: list[str], shard: int, n_shards: int, fileformat: str | None, split: bool = True
) -> list[Piece]:
    """The pieces of shard ``shard`` of ``n_shards``, in the order to read them
    (``split=False``: every file shared, the shards' shares then differ by at
    most one chunk)."""
    if n_shards == 1:
        return [Piece(p, "whole") for p in paths]
    if not split:
        return [Piece(p, "shared") for p in paths]
    if len(paths) >= n_shards:
        return [Piece(p, "whole") for p in paths[shard::n_shards]]
    pieces = []
    for p in paths:
        kind, fmt = file_kind(p, fileformat)
        if kind == "stream":
            pieces.append(Piece(p, "shared"))
        else:
            pieces.append(Piece(p, kind, fmt, shard, n_shards))
    return pieces


def _plain_chunks(path: str, pos: int) -> Iterator[tuple[int, bytes]]:
    with open(path, "rb") as fh:
        fh.seek(pos)
        while True:
            data = fh.read(_CHUNK)
            if not data:
                return
            yield pos, data
            pos += len(data)


def _bgzf_chunks(path: str, pos: int) -> Iterator[tuple[int, bytes]]:
    start = _bgzf.find_block(path, pos)
    if start < os.path.getsize(path):
        yield from _bgzf.iter_blocks(path, start)


def _line_end(buf: bytearray, i: int, eof: bool) -> int | None:
    """Index of the line break ending the line that starts at ``i`` (``len(buf)``
    for a last line without one at end of file); None when more data is needed."""
    j = buf.find(b"\n", i)
    if j >= 0:
        return j
    return len(buf) if eof else None


def _is_record(buf: bytearray, i: int, fastq: bool, eof: bool) -> bool | None:
    """Does a record start at ``buf[i]`` (which follows a line break)? None: need more data."""
    if i >= len(buf):
        return False if eof else None
    if not fastq:
        return buf[i] == 0x3E  # '>'
    if buf[i] != 0x40:  # '@'
        return False
    ends = []
    start = i
    for _ in range(4):
        if start > len(buf):
            return False  # the file ends inside the record
        j = _line_end(buf, start, eof)
        if j is None:
            return None
        ends.append((start, j))
        start = j + 1
    (s2, e2), (s3, _), (s4, e4) = ends[1], ends[2], ends[3]
    if s3 >= len(buf) or buf[s3] != 0x2B:  # '+'
        return False
    seq_len = e2 - s2 - (1 if e2 > s2 and buf[e2 - 1] == 0x0D else 0)  # '\r\n' endings
    qual_len = e4 - s4 - (1 if e4 > s4 and buf[e4 - 1] == 0x0D else 0)
    if seq_len != qual_len:
        return False
    if start < len(buf):
        return buf[start] == 0x40
    return True if eof else None


def _first_record(chunks: Iterator[tuple[int, bytes]], fastq: bool) -> tuple[int, int] | None:
    """``(chunk token, offset in that chunk)`` of the first record that starts
    right after a line break of the stream ``chunks``; None if there is none."""
    buf = bytearray()
    starts: list[int] = []  # stream offset where each kept chunk starts
    tokens: list[int] = []
    base = 0  # stream offset of buf[0]
    scan = 0  # stream offset to look for the next line break from
    eof = False

    def more() -> bool:
        nonlocal eof
        for token, data in chunks:
            starts.append(base + len(buf))
            tokens.append(token)
            buf.extend(data)
            return True
        eof = True
        return False

    while True:
        if scan - base > _TRIM:  # bytes before `scan` are settled: drop whole chunks of them
            keep = bisect_right(starts, scan) - 1
            cut = starts[keep] - base
            del buf[:cut], starts[:keep], tokens[:keep]
            base += cut
        i = buf.find(b"\n", scan - base)
        if i < 0:
            scan = base + len(buf)
            if not more():
                return None
            continue
        cand = base + i + 1
        verdict = _is_record(buf, cand - base, fastq, eof)
        while verdict is None:
            more()
            verdict = _is_record(buf, cand - base, fastq, eof)
        if verdict:
            k = bisect_right(starts, cand) - 1
            return tokens[k], cand - starts[k]
        scan = cand


def boundary(path: str, kind: str, fileformat: str, pos: int):
    """First record boundary of range start ``pos`` (a compressed offset for
    BGZF): an int offset (plain) or ``(block offset, offset in block)`` (BGZF);
    None when no record starts after ``pos``."""
    if pos == 0:
        return 0 if kind == "plain" else (0, 0)
    chunks = _plain_chunks(path, pos) if kind == "plain" else _bgzf_chunks(path, pos)
    try:
        found = _first_record(chunks, fileformat == "fastq")
    finally:
        chunks.close()
    if found is None or kind != "plain":
        return found
    return found[0] + found[1]


def _plain_range(path: str, start: int, stop: int | None) -> Iterator[bytes]:
    for pos, data in _plain_chunks(path, start):
        if stop is not None and pos + len(data) >= stop:
            yield data[: stop - pos]
            return
        yield data


def _bgzf_range(path: str, start: tuple[int, int], stop: tuple[int, int] | None) -> Iterator[bytes]:
    first = True
    for blk, data in _bgzf.iter_blocks(path, start[0]):
        lo = start[1] if first else 0
        first = False
        if stop is not None and blk >= stop[0]:
            yield data[lo : stop[1]]
            return
        yield data[lo:] if lo else data


class _Concat(io.RawIOBase):
    """A read-only binary stream over an iterator of byte strings."""

    def __init__(self, parts: Iterator[bytes], name: str) -> None:
        self._parts = parts
        self._cur = memoryview(b"")
        self.name = name

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        while not self._cur:
            nxt = next(self._parts, None)
            if nxt is None:
                return 0
            self._cur = memoryview(nxt)
        n = min(len(b), len(self._cur))
        b[:n] = self._cur[:n]
        self._cur = self._cur[n:]
        return n

    def close(self) -> None:
        if not self.closed:
            self._parts.close()
        super().close()


def open_range(piece: Piece) -> tuple[io.BufferedReader, str]:
    """A binary stream over the records of byte range ``piece``, and a text
    naming where the range starts (for error messages)."""
    size = os.path.getsize(piece.path)
    lo = piece.index * size // piece.count
    hi = (piece.index + 1) * size // piece.count
    start = boundary(piece.path, piece.kind, piece.fileformat, lo)
    stop = boundary(piece.path, piece.kind, piece.fileformat, hi) if hi < size else None
    if start is None or start == stop:
        parts: Iterator[bytes] = (b for b in ())
    elif piece.kind == "plain":
        parts = _plain_range(piece.path, start, stop)
    else:
        parts = _bgzf_range(piece.path, start, stop)
    if start in (None, 0, (0, 0)):
        where = "its start"
    elif piece.kind == "plain":
        where = f"byte {start}"
    else:
        where = f"the BGZF block at byte {start[0]}, offset {start[1]}"
    return io.BufferedReader(_Concat(parts, piece.path), 1 << 16), where
