"""The one coercion point: every accepted form of sequence input becomes a
:class:`Packed` batch that the kernels read (without the GIL, except for a
borrowed batch: see :func:`pack_batch`).

Nothing else in deepbiop touches raw user input. The packed form is an array of
addresses and an array of lengths:

* ``bytes`` and ASCII ``str`` objects expose their own buffers, so their
  addresses are used directly (no copy: joining 100,000 x 200 bp strings would
  cost about as much as writing the whole integer-code output);
* a numpy ``S`` array is already one contiguous buffer, addressed row by row;
* ``bytearray``, ``memoryview`` and uint8 arrays are made contiguous once
  (a copy only when they are not already) and kept alive in ``Packed.keep``.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Union

import numpy as np

from deepbiop._kernels import _pack

__all__ = ["Packed", "pack_batch", "pack_one", "SequenceLike", "BatchLike"]

SequenceLike = Union[bytes, str, bytearray, memoryview, np.ndarray]
BatchLike = Union[Iterable[SequenceLike], np.ndarray, Any]

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
    items : list, tuple or None
        Set for a *borrowed* batch (``pack_batch(..., borrow=True)``): the
        caller's own list or tuple, whose elements were read in place without
        taking a reference to each. The addresses are then valid only while
        those objects live, so a kernel is given ``items`` instead: it keeps
        the GIL while it runs and reads each element's address and length
        from the element itself (see ``_kernels/_borrow.h``); ``lens`` gave
        the output width.
    direct : bool
        A borrowed batch that was never scanned (:func:`direct_batch`):
        ``ptrs`` is empty and ``lens`` only an estimate (every element taken
        to have one length), so the kernel's report of elements that did not
        fit decides whether the result stands.
    """

    ptrs: np.ndarray
    lens: np.ndarray
    keep: Any
    items: Any = None
    direct: bool = False

    def __len__(self) -> int:
        return int(self.lens.shape[0])

    @property
    def max_len(self) -> int:
        if not self.lens.shape[0]:
            return 0
        return int(self.lens[0]) if self.direct else int(self.lens.max())

    @property
    def total_bases(self) -> int:
        if not self.lens.shape[0]:
            return 0
        return int(self.lens[0]) * len(self) if self.direct else int(self.lens.sum())

    @property
    def kernel_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """(ptrs, lens) as the kernels take them (empty for a direct batch,
        whose kernel reads ``items`` instead)."""
        if self.direct:
            return _EMPTY, _EMPTY
        return self.ptrs, self.lens

    def char_at(self, i: int, pos: int) -> str:
        """The character at ``pos`` of sequence ``i`` (for error messages)."""
        if self.items is not None:  # borrowed: read through the object itself
            return chr(self.sequence(i)[pos])
        return chr(_pack.byte_at(int(self.ptrs[i]), int(pos)))

    def sequence(self, i: int) -> bytes:
        """A copy of sequence ``i`` as bytes."""
        n = int(self.lens[i])
        if self.items is not None:
            x = self.items[i]
            return (x.encode("ascii") if isinstance(x, str) else bytes(x))[:n]
        return bytes(_pack.byte_at(int(self.ptrs[i]), p) for p in range(n))

    def truncated(self, max_len: int) -> "Packed":
        """The same sequences cut to at most ``max_len`` bytes (no copy)."""
        if self.direct:
            return _direct(self.items, min(self.max_len, max_len))
        return Packed(self.ptrs, np.minimum(self.lens, max_len), self.keep, self.items)


_EMPTY = np.empty(0, dtype=np.int64)
_EMPTY.flags.writeable = False


def _direct(items: list | tuple, length: int) -> Packed:
    lens = np.broadcast_to(np.int64(length), (len(items),))
    return Packed(_EMPTY, lens, None, items, True)


def _first_non_ascii(s: str) -> int:
    for pos, ch in enumerate(s):
        if ord(ch) > 127:
            return pos
    return -1


def _coerce_item(x: Any, index: int) -> np.ndarray:
    """Fallback for anything that is neither bytes nor an exact ASCII str."""
    if isinstance(x, str):
        pos = _first_non_ascii(x)
        if pos < 0:
            # an ASCII str subclass (numpy.str_ from iterating a U array, ...):
            # its buffer is not exposed like an exact str's, so encode a copy
            return np.frombuffer(str.encode(x, "ascii"), dtype=np.uint8)
        raise ValueError(
            f"sequence {index}: non-ASCII character {x[pos]!r} (U+{ord(x[pos]):04X}) "
            f"at position {pos}; sequences must be ASCII text"
        )
    if isinstance(x, memoryview) and x.itemsize != 1:
        raise TypeError(
            f"sequence {index}: a memoryview sequence must hold bytes, got format "
            f"{x.format!r} (itemsize {x.itemsize})"
        )
    if isinstance(x, (bytearray, memoryview)):
        # copy: a bytearray can be resized (and its buffer freed) by another
        # thread while a kernel reads it
        return np.frombuffer(bytes(x), dtype=np.uint8)
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


# direct_batch: batches smaller than this are scanned (it costs microseconds)
_DIRECT_MIN = 4096
_DIRECT_SAMPLE = 64


def direct_batch(X: Any, n_threads: int, width: int | None, need_width: bool) -> Packed | None:
    """A borrowed batch whose kernel reads every element itself, unscanned.

    The scan of ``pack_batch(borrow=True)`` reads every object once to find
    the lengths, and the kernel reads them again: for a million short reads
    that first pass is 10-14 ms (memory bound) of a 75 ms integer encode. It
    can be skipped when the row width is known without it: ``width``
    (``max_length``) or, for ``need_width`` encoders without one, the common
    length of 64 elements sampled evenly across the batch (first and last
    included) when they all agree. The kernel then reports every element
    that is longer than that width or not plain str/bytes, and stops early;
    the caller falls back to the scanned path. K-mer counting
    (``need_width=False``) needs no width at all.

    Returns None (use ``pack_batch``) unless ``X`` is an exact list or tuple
    of at least 4,096 elements, the call uses several threads, and every
    sampled element is an exact ASCII str or bytes.
    """
    if type(X) not in (list, tuple) or n_threads < 2 or len(X) < _DIRECT_MIN:
        return None
    if not _gil_enabled():
        return None
    n = len(X)
    lens = []
    for j in np.linspace(0, n - 1, _DIRECT_SAMPLE).astype(np.int64).tolist():
        x = X[j]
        t = type(x)
        if not (t is bytes or (t is str and x.isascii())):
            return None
        lens.append(len(x))
    if not need_width:
        return _direct(X, sum(lens) // len(lens))
    if width is None:
        if min(lens) != max(lens) or lens[0] == 0:
            return None  # lengths vary: a scan finds the longest
        width = lens[0]
    return _direct(X, int(width))


def _gil_enabled() -> bool:
    # free-threaded CPython (3.13t) can run without a GIL; borrowing needs one
    check = getattr(sys, "_is_gil_enabled", None)
    return True if check is None else bool(check())


def _pack_list(items: list | tuple, borrow: bool, n_threads: int) -> Packed:
    if borrow and _gil_enabled():
        scanned = _pack.scan_plain(items, n_threads)
        if scanned is not None:
            return Packed(scanned[0], scanned[1], None, items)
    return _pack_items(items)


def pack_one(seq: SequenceLike) -> Packed:
    """Pack a single sequence as a batch of one.

    Raises
    ------
    TypeError
        For an unsupported type (a list of sequences: use ``encode_batch``).
    ValueError
        For a ``str`` holding a non-ASCII character.
    """
    if isinstance(seq, (list, tuple)) or (
        isinstance(seq, np.ndarray) and seq.dtype.kind in "SUO"
    ):
        raise TypeError(
            f"encode() takes one sequence ({_ACCEPTED}); got a "
            f"{type(seq).__name__} of sequences, use encode_batch() instead"
        )
    return _pack_items((seq,))


def _as_1d_column(X: Any) -> Any:
    """Unwrap pandas containers and (n, 1) arrays into a 1-D sequence container."""
    mod = type(X).__module__
    if mod.startswith("pandas"):
        if hasattr(X, "columns"):  # DataFrame
            if X.shape[1] != 1:
                raise ValueError(
                    f"expected a DataFrame with one column of sequences, got "
                    f"{X.shape[1]} columns; select the sequence column first"
                )
            X = X.iloc[:, 0]
        return X.to_numpy(dtype=object)
    if isinstance(X, np.ndarray) and X.ndim == 2 and X.shape[1] == 1:
        return X[:, 0]
    return X


def pack_batch(X: BatchLike, *, borrow: bool = False, n_threads: int = 1) -> Packed:
    """Pack a batch of sequences.

    Parameters
    ----------
    X : list, tuple or iterator of sequences, 1-D ndarray of dtype S, U or object,
        pandas Series, one-column DataFrame or (n, 1) ndarray
        Each element is bytes, str (ASCII), bytearray, memoryview or a 1-D uint8
        array.
    borrow : bool, default=False
        For a list or tuple of exact ``bytes`` / ASCII ``str`` objects, read
        the elements in place without taking a reference to each (one pass
        over the objects shared by ``n_threads`` threads, and no release pass
        afterwards): the result's ``items`` is then ``X``, and only kernels
        that accept ``items`` may read it. Anything else is packed as usual.
    n_threads : int, default=1
        Threads for the borrowed scan.

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
    if isinstance(X, np.ndarray):
        kind = X.dtype.kind
        if kind not in "SUO":
            # a numeric array (of any shape) is the wrong type, not the wrong shape
            raise TypeError(
                f"expected an array of dtype S, U or object holding sequences, got dtype "
                f"{X.dtype}; a single encoded sequence goes to encode()"
            )
        if X.ndim != 1:
            raise ValueError(
                f"expected a 1-D array of sequences, got an array of shape {X.shape}"
            )
        if kind == "S":
            if X.dtype.itemsize == 0 or len(X) == 0:
                return _pack_items(X.tolist())
            raw = np.ascontiguousarray(X).view(np.uint8).reshape(len(X), X.dtype.itemsize)
            ptrs, lens = _pack.pack_fixed_width(raw)
            return Packed(ptrs, lens, raw)
        return _pack_list(X.tolist(), borrow, n_threads)  # dtype U or object
    if type(X) in (list, tuple):
        return _pack_list(X, borrow, n_threads)
    try:
        items = tuple(X)
    except TypeError:
        raise TypeError(
            f"expected a collection of sequences, got {type(X).__name__}"
        ) from None
    return _pack_list(items, borrow, n_threads)
