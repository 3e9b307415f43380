"""Crops: a window of a sequence in any representation (text, integer codes,
one-hot rows)."""

from __future__ import annotations

from numbers import Integral
from typing import Any

import numpy as np

from deepbiop._random import RandomState, as_generator

__all__ = ["crop"]

_CROP_MODES = ("random", "start", "center", "end")


def crop(
    seq: Any,
    length: int,
    mode: str = "random",
    *,
    axis: int = 0,
    random_state: RandomState = None,
) -> Any:
    """Cut a window of ``length`` positions; shorter sequences are returned whole.

    Works on anything sliceable along ``axis``: text, integer codes ``(L,)``,
    one-hot ``(L, A)`` (``axis=1`` for ``(A, L)``).

    Parameters
    ----------
    seq : str, bytes, ndarray, ...
    length : int >= 0
    mode : {"random", "start", "center", "end"}, default="random"
        Where the window sits: uniformly random start, the first ``length``
        positions, the middle (left of centre when the excess is odd), or the
        last ``length`` positions.
    axis : int, default=0
        Sequence axis for arrays.
    random_state : None, int, SeedSequence or Generator, default=None
        Used only by ``mode="random"``.

    Returns
    -------
    Same type as ``seq``; arrays are views (no copy).

    Examples
    --------
    >>> from deepbiop.augment import crop
    >>> crop("AACCGGTT", 4, "start"), crop("AACCGGTT", 4, "center"), crop("AACCGGTT", 4, "end")
    ('AACC', 'CCGG', 'GGTT')
    >>> crop("ACG", 10), len(crop("AACCGGTT", 3, random_state=0))
    ('ACG', 3)
    """
    if isinstance(length, bool) or not isinstance(length, Integral) or length < 0:
        raise ValueError(f"length must be a non-negative integer, got {length!r}")
    if mode not in _CROP_MODES:
        raise ValueError(f"mode must be one of {', '.join(map(repr, _CROP_MODES))}; got {mode!r}")
    if isinstance(seq, np.ndarray):
        n = seq.shape[axis]
    else:
        n = len(seq)
    excess = n - int(length)
    if excess <= 0:
        return seq
    if mode == "start":
        start = 0
    elif mode == "end":
        start = excess
    elif mode == "center":
        start = excess // 2
    else:
        start = int(as_generator(random_state).integers(0, excess + 1))
    if isinstance(seq, np.ndarray):
        sl = [slice(None)] * seq.ndim
        sl[axis] = slice(start, start + int(length))
        return seq[tuple(sl)]
    return seq[start : start + int(length)]
