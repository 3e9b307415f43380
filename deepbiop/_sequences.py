"""The one coercion point: every accepted form of sequence input becomes a
:class:`Packed` batch that the kernels read without the GIL.

Nothing else in deepbiop touches raw user input. The packed form is an array of
addresses and an array of lengths:

* ``bytes`` and ASCII ``str`` objects expose their own buffers, so their
  addresses are used directly (no copy: joining 100,000 x 200 bp strings would
  cost about as much as writing the whole integer-code output);
* a numpy ``S`` array is already one contiguous buffer, addressed row by row;
* ``bytearray`` and ``memoryview`` are copied (another thread could resize
  a bytearray while a kernel reads it), uint8 arrays made contiguous (a copy
  only when they are not already); all are kept alive in ``Packed.keep``.

There is one input mode: ``Packed.keep`` holds a reference to every object
the addresses point into, taken in one pass that runs no Python code (so a
list is read as it was at one instant, whatever other threads do to it), and
the kernels then run with the GIL released.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from deepbiop._kernels import _pack

__all__ = ["Packed", "as_items", "pack_batch", "pack_one", "SequenceLike", "BatchLike"]

SequenceLike = bytes | str | bytearray | memoryview | np.ndarray
BatchLike = Iterable[SequenceLike] | np.ndarray | Any

_ACCEPTED = "bytes, str, bytearray, memoryview or a 1-D uint8 array"


@dataclass(frozen=True)
class Packed:
    """A batch in the form every kernel reads.

    Attributes
    ----------
    ptrs : ndarray of int64, shape (n,)
        Address of each sequence's first byte.
    lens : ndarray of int64, shape (n,)
        Length of each sequence in bytes.
    keep : object
        Everything the addresses point into; hold it while a kernel runs.
    """

    ptrs: np.ndarray
    lens: np.ndarray
    keep: Any

    def __len__(self) -> int:
        return int(self.lens.shape[0])

    @property
    def max_len(self) -> int:
        return int(self.lens.max()) if self.lens.shape[0] else 0

    @property
    def total_bases(self) -> int:
        return int(self.lens.sum()) if self.lens.shape[0] else 0

    def char_at(self, i: int, pos: int) -> str:
        """The character at ``pos`` of sequence ``i`` (for error messages)."""
        return chr(_pack.byte_at(int(self.ptrs[i]), int(pos)))

    def sequence(self, i: int) -> bytes:
        """A copy of sequence ``i`` as bytes."""
        n = int(self.lens[i])
        return bytes(_pack.byte_at(int(self.ptrs[i]), p) for p in range(n))

    def truncated(self, max_len: int) -> Packed:
        """The same sequences cut to at most ``max_len`` bytes (no copy)."""
        return Packed(self.ptrs, np.minimum(self.lens, max_len), self.keep)

    def overlaps(self, out: np.ndarray) -> bool:
        """True if any sequence's bytes share memory with the array ``out``.

        Compares address ranges, so it catches every kind of aliasing (a
        ``np.frombuffer`` view, a row of the output itself, ...). ``out`` is
        C-contiguous (checked by the caller).
        """
        if not out.size or not self.lens.shape[0]:
            return False
        lo = out.ctypes.data
        hi = lo + out.nbytes
        live = self.lens > 0
        return bool(np.any(live & (self.ptrs < hi) & (self.ptrs + self.lens > lo)))


def _first_non_ascii(s: str) -> int:
    for pos, ch in enumerate(s):
        if ord(ch) > 127:
            return pos
    return -1


def _coerce_item(x: Any, index: int) -> np.ndarray:
    """Fallback for anything that is neither an exact bytes nor an exact ASCII str.

    Subclasses of str and bytes are read through the base type's own methods
    (``str.encode``, ``bytes.__getitem__``), so an overridden ``__len__``,
    ``__iter__`` or ``encode`` cannot change what is encoded.
    """
    if isinstance(x, str):
        text = str.__getitem__(x, slice(None))  # an exact str copy
        if text.isascii():
            return np.frombuffer(text.encode("ascii"), dtype=np.uint8)
        pos = _first_non_ascii(text)
        raise ValueError(
            f"sequence {index}: non-ASCII character {text[pos]!r} (U+{ord(text[pos]):04X}) "
            f"at position {pos}; sequences must be ASCII text"
        )
    if isinstance(x, bytes):
        return np.frombuffer(bytes.__getitem__(x, slice(None)), dtype=np.uint8)
    if isinstance(x, memoryview):
        try:
            itemsize = x.itemsize  # raises ValueError on a released memoryview
        except ValueError:
            raise ValueError(f"sequence {index}: a released memoryview") from None
        if itemsize != 1:
            raise TypeError(
                f"sequence {index}: a memoryview sequence must hold bytes, got format "
                f"{x.format!r} (itemsize {x.itemsize})"
            )
        if x.ndim > 1:
            raise TypeError(
                f"sequence {index}: a memoryview sequence must be 1-D, got shape {x.shape}"
            )
    if isinstance(x, (bytearray, memoryview)):
        # copy: a bytearray can be resized (and its buffer freed) by another
        # thread while a kernel reads it
        return np.frombuffer(x.tobytes() if isinstance(x, memoryview) else bytes(x), dtype=np.uint8)
    if isinstance(x, np.ndarray):
        if x.ndim != 1 or x.dtype != np.uint8:
            raise TypeError(
                f"sequence {index}: an ndarray sequence must be 1-D uint8, got "
                f"shape {x.shape} dtype {x.dtype}; batches of strings go in a list "
                "or a 1-D array of dtype S, U or object"
            )
        return np.ascontiguousarray(x)
    raise TypeError(
        f"sequence {index}: expected {_ACCEPTED}, got {type(x).__name__}"
        + (" (missing value?)" if x is None else "")
    )


def _pack_items(items: list | tuple) -> Packed:
    ptrs, lens, held, keep = _pack.pack_items(items, _coerce_item)
    return Packed(ptrs, lens, (held, keep))


def pack_one(seq: SequenceLike) -> Packed:
    """Pack a single sequence as a batch of one.

    Raises
    ------
    TypeError
        For an unsupported type (a list of sequences: use ``encode_batch``).
    ValueError
        For a ``str`` holding a non-ASCII character.
    """
    if isinstance(seq, (list, tuple)) or (isinstance(seq, np.ndarray) and seq.dtype.kind in "SUO"):
        raise TypeError(
            f"encode() takes one sequence ({_ACCEPTED}); got a "
            f"{type(seq).__name__} of sequences, use encode_batch() instead"
        )
    return _pack_items((seq,))


def _as_1d_column(X: Any) -> Any:
    """Unwrap pandas/polars containers and (n, 1) arrays into a 1-D sequence container."""
    mod = type(X).__module__
    if mod.startswith(("pandas", "polars")):
        if hasattr(X, "columns"):  # DataFrame
            if X.shape[1] != 1:
                raise ValueError(
                    f"expected a DataFrame with one column of sequences, got "
                    f"{X.shape[1]} columns; select the sequence column first"
                )
            X = X.iloc[:, 0] if mod.startswith("pandas") else X.to_series(0)
        if mod.startswith("polars"):
            return X.to_list()  # str (or bytes) objects, None for nulls
        return X.to_numpy(dtype=object)
    if isinstance(X, np.ndarray) and X.ndim == 2 and X.shape[1] == 1:
        return X[:, 0]
    return X


def as_items(X: BatchLike) -> list | tuple:
    """The elements of a batch, as a list or tuple (see :func:`pack_batch` for
    what a batch may be). An exact list or tuple is returned as it is; the
    caller copies a list it will read more than once.

    Raises
    ------
    TypeError
        When ``X`` is a single sequence, a numeric array or not iterable.
    ValueError
        For a DataFrame of several columns or an array of more than one
        dimension.
    """
    if isinstance(X, (bytes, str, bytearray, memoryview)):
        raise TypeError(
            f"expected a collection of sequences, got a single {type(X).__name__}; "
            "wrap it in a list or use the one-sequence function"
        )
    X = _as_1d_column(X)
    if isinstance(X, np.ndarray):
        if X.dtype.kind not in "SUO":
            # a numeric array (of any shape) is the wrong type, not the wrong shape
            raise TypeError(
                f"expected an array of dtype S, U or object holding sequences, got dtype "
                f"{X.dtype}; a single encoded sequence goes to encode()"
            )
        if X.ndim != 1:
            raise ValueError(f"expected a 1-D array of sequences, got an array of shape {X.shape}")
        return X.tolist()
    if type(X) in (list, tuple):
        return X
    try:
        return tuple(X)
    except TypeError:
        raise TypeError(f"expected a collection of sequences, got {type(X).__name__}") from None


def pack_batch(X: BatchLike) -> Packed:
    """Pack a batch of sequences.

    Parameters
    ----------
    X : list, tuple or iterator of sequences, 1-D ndarray of dtype S, U or object,
        pandas or polars Series, one-column pandas or polars DataFrame or
        (n, 1) ndarray
        Each element is bytes, str (ASCII), bytearray, memoryview or a 1-D uint8
        array. A list is read as it is at one instant (one pass that runs no
        Python code takes a reference to each element), so another thread
        changing it during the call changes nothing in the result.

    Returns
    -------
    Packed

    Raises
    ------
    TypeError
        Naming the index and type of the first element that is not a sequence,
        or when ``X`` itself is a single sequence or not iterable.
    ValueError
        Naming the sequence and position of a non-ASCII character.
    """
    if isinstance(X, (bytes, str, bytearray, memoryview)):
        raise TypeError(
            f"encode_batch() takes a collection of sequences; got a single "
            f"{type(X).__name__}. Wrap it in a list or use encode()"
        )
    X = _as_1d_column(X)
    if (
        isinstance(X, np.ndarray)
        and X.dtype.kind == "S"
        and X.ndim == 1
        and X.dtype.itemsize
        and len(X)
    ):
        # read in place (like any numpy function, a thread writing the
        # array meanwhile is a data race: see docs/user_guide/performance.rst)
        raw = np.ascontiguousarray(X).view(np.uint8).reshape(len(X), X.dtype.itemsize)
        ptrs, lens = _pack.pack_fixed_width(raw)
        return Packed(ptrs, lens, raw)
    return _pack_items(as_items(X))
