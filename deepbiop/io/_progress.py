"""Progress of a read over FASTA/FASTQ files: input bytes, records, bases.

:class:`ReadMeter` opens the input files for ``dnaio`` (its ``opener``),
counting the bytes the decompressor takes from the disk, so the bar moves by
compressed bytes for gzip and its total is the files' size on disk: rate and
ETA need no extra pass. Records and bases are counted by the caller, which
reads in chunks anyway (:meth:`ReadMeter.update`). Standard input (``-``) has
no size: the bar then shows the counts and the rate without an ETA.
"""

from __future__ import annotations

import io
import os
import stat
import sys
from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Any, BinaryIO

__all__ = ["ReadMeter", "STDIN"]

#: the path that means standard input
STDIN = "-"


class _CountingReader(io.RawIOBase):
    """A binary file that adds every byte read from it to ``meter.bytes_read``."""

    def __init__(self, raw: BinaryIO, meter: ReadMeter, name: str) -> None:
        self._raw = raw
        self._meter = meter
        self.name = name  # xopen detects compression from a name's extension first
        self._readinto = getattr(raw, "readinto1", raw.readinto)

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        # readinto1: what a pipe holds now, not a wait for the buffer to fill
        n = self._readinto(b)
        if n:
            self._meter.bytes_read += n
        return n

    def close(self) -> None:
        if not self.closed and self._raw is not sys.stdin.buffer:
            self._raw.close()
        super().close()


def _size(path: str) -> int | None:
    """Size on disk of a regular file; None for stdin, pipes and devices."""
    if path == STDIN:
        return None
    try:
        st = os.stat(path)
    except OSError:
        return None  # reported when the file is opened
    return st.st_size if stat.S_ISREG(st.st_mode) else None


def _sized_terminal() -> bool:
    """Does standard error's terminal report its size? (A pseudo-terminal
    opened without one reports 0 x 0, where tqdm would hide the bar.)"""
    try:
        size = os.get_terminal_size(sys.stderr.fileno())
    except (OSError, ValueError, AttributeError):
        return False
    return size.columns > 0 and size.lines > 0


def _count(n: int) -> str:
    """``999``, ``1.23k``, ``45.6M``: a count in at most five characters."""
    if n < 1000:
        return str(n)
    from tqdm import tqdm

    return tqdm.format_sizeof(n)


class ReadMeter(AbstractContextManager):
    """Counts of a read (bytes, records, bases) and, when enabled, a ``tqdm`` bar.

    Parameters
    ----------
    files : sequence of str
        The input paths (``"-"``: standard input), read one after the other.
    enabled : bool
        Show the bar (on standard error); the counts are kept either way.
    desc : str or None
        The bar's label; default: the file's name, or "N files".

    Attributes
    ----------
    bytes_read, records, bases : int
    """

    def __init__(self, files: Sequence[str], *, enabled: bool, desc: str | None = None) -> None:
        self.bytes_read = 0
        self.records = 0
        self.bases = 0
        self._open: list[_CountingReader] = []
        self._bar = None
        if not enabled:
            return
        try:
            from tqdm.auto import tqdm
        except ImportError as exc:  # pragma: no cover - tqdm is a dependency
            raise ImportError(
                "progress=True needs tqdm; `pip install tqdm` or pass progress=False"
            ) from exc
        sizes = [_size(p) for p in files]
        total = None if None in sizes else sum(sizes)
        if desc is None:
            desc = "stdin" if files == [STDIN] else os.path.basename(files[0])
            if len(files) != 1:
                desc = f"{len(files)} files"
        sized = _sized_terminal()  # else 80 x 24
        self._bar = tqdm(
            total=total,
            desc=desc,
            unit="B",
            unit_scale=True,
            unit_divisor=1024,
            file=sys.stderr,
            dynamic_ncols=sized,
            ncols=None if sized else 80,
            nrows=None if sized else 24,
            mininterval=0.25,
        )
        self._bar.set_postfix_str("0 records, 0 bases", refresh=False)

    def opener(self, path: str, mode: str = "rb") -> BinaryIO:
        """Open ``path`` (``"-"``: standard input) for reading, counting bytes:
        the ``opener`` that ``dnaio.open`` calls. Decompresses by extension,
        else by content (``xopen``'s rule)."""
        from xopen import xopen  # dnaio's own opener, installed with it

        self._close_files()  # files are read one after the other
        raw = sys.stdin.buffer if path == STDIN else open(path, "rb")
        counted = _CountingReader(raw, self, "" if path == STDIN else path)
        self._open.append(counted)
        return xopen(io.BufferedReader(counted, 1 << 17), "rb", threads=0)

    def update(self, records: int, bases: int) -> None:
        """Add ``records`` records holding ``bases`` bases; move the bar."""
        self.records += records
        self.bases += bases
        bar = self._bar
        if bar is not None:
            bar.set_postfix_str(
                f"{_count(self.records)} records, {_count(self.bases)} bp", refresh=False
            )
            bar.update(self.bytes_read - bar.n)

    def _close_files(self) -> None:
        for f in self._open:
            f.close()
        self._open.clear()

    def close(self) -> None:
        """Close the files still open and the bar (leaving its last state)."""
        self._close_files()
        if self._bar is not None:
            self._bar.update(self.bytes_read - self._bar.n)
            self._bar.close()
            self._bar = None

    def __exit__(self, *exc: object) -> None:
        self.close()
