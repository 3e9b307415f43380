"""A ``.npy`` file written in chunks of rows, its header fixed up at the end.

A ``.npy`` file is a header (dtype, shape) then the raw C-order data, so rows
can be appended as they are encoded and the shape written last: memory holds
one chunk, never the whole array, and the file ``np.load(path,
mmap_mode="r")`` maps is the one a single ``np.save`` would have written (but
for spaces padding the header).
"""

from __future__ import annotations

import io
import struct
from contextlib import AbstractContextManager
from typing import Any, BinaryIO

import numpy as np
from numpy.lib import format as npformat

__all__ = ["NpyWriter"]

#: the placeholder row count in the header until the real one is known; it has
#: the most digits a count can have, so the final header is never longer
_PLACEHOLDER_ROWS = 2**63 - 1
_PREFIX = 10  # magic (6), version (2), header length (2) of a version 1.0 header


def _header(dtype: np.dtype, shape: tuple[int, ...], size: int | None = None) -> bytes:
    """A version 1.0 ``.npy`` header, padded with spaces to ``size`` bytes
    (numpy's own padding keeps the data 64-byte aligned; ``size`` is a multiple
    of 64 too, so padding up to it keeps that)."""
    buf = io.BytesIO()
    npformat.write_array_header_1_0(
        buf,
        {"descr": npformat.dtype_to_descr(dtype), "fortran_order": False, "shape": shape},
    )
    head = buf.getvalue()
    if size is None or len(head) == size:
        return head
    text = head[_PREFIX:-1] + b" " * (size - len(head)) + b"\n"
    return head[:8] + struct.pack("<H", len(text)) + text


class NpyWriter(AbstractContextManager):
    """Write a ``.npy`` file chunk by chunk along its first axis.

    Parameters
    ----------
    file : path or binary file
        A path (created or truncated), or a seekable binary file opened for
        writing, positioned at its start (left open by :meth:`close`).
    dtype : dtype
    row_shape : tuple of int
        Shape of one row: the file holds ``(n_rows, *row_shape)``.

    Notes
    -----
    The header first holds a placeholder row count (the largest a count can
    be, so the final header has the same size); :meth:`close` writes the real
    one. A file not closed has that placeholder, which ``np.load`` rejects
    (the data are shorter than it says), so a half-written file cannot be read
    as a whole one.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from deepbiop.io import NpyWriter
    >>> p = os.path.join(tempfile.mkdtemp(), "x.npy")
    >>> with NpyWriter(p, np.int8, (2,)) as w:
    ...     w.write(np.array([[1, 2]], np.int8))
    ...     w.write(np.array([[3, 4], [5, 6]], np.int8))
    >>> np.load(p, mmap_mode="r").tolist()
    [[1, 2], [3, 4], [5, 6]]
    """

    def __init__(self, file: Any, dtype: Any, row_shape: tuple[int, ...]) -> None:
        self.dtype = np.dtype(dtype)
        if self.dtype.hasobject:
            raise ValueError(f"cannot write dtype {self.dtype} to .npy without pickling")
        self.row_shape = tuple(int(n) for n in row_shape)
        self.rows = 0
        self._own = not hasattr(file, "write")
        self._fh: BinaryIO = open(file, "wb") if self._own else file
        placeholder = _header(self.dtype, (_PLACEHOLDER_ROWS, *self.row_shape))
        self._size = len(placeholder)
        self._fh.write(placeholder)

    def write(self, rows: np.ndarray) -> None:
        """Append ``rows``, an array of shape ``(n, *row_shape)`` and this dtype."""
        rows = np.asarray(rows)
        if rows.shape[1:] != self.row_shape or rows.dtype != self.dtype:
            raise ValueError(
                f"rows of shape {rows.shape[1:]} and dtype {rows.dtype} cannot be appended "
                f"to a .npy of rows {self.row_shape} and dtype {self.dtype}"
            )
        if rows.size:
            self._fh.write(memoryview(np.ascontiguousarray(rows)).cast("B"))
        self.rows += rows.shape[0]

    def close(self) -> None:
        """Write the real shape into the header (and close a file opened by path)."""
        if self._fh is None:
            return
        end = self._fh.tell()
        self._fh.seek(0)
        self._fh.write(_header(self.dtype, (self.rows, *self.row_shape), self._size))
        self._fh.seek(end)
        if self._own:
            self._fh.close()
        self._fh = None

    def abort(self) -> None:
        """Close without writing the real shape (the caller removes the file)."""
        if self._fh is not None and self._own:
            self._fh.close()
        self._fh = None

    def __exit__(self, *exc: object) -> None:
        self.close()
