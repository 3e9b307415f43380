"""Type stub for deepbiop._kernels._pack (Python objects -> packed addresses)."""

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

class HeldRefs:
    """References to the sequence objects of one batch, held while kernels read them."""

    def __len__(self) -> int: ...
    def __getitem__(self, i: int) -> Any: ...

def pack_items(
    items: tuple[Any, ...] | list[Any],
    fallback: Callable[[Any, int], NDArray[np.uint8]],
) -> tuple[
    NDArray[np.int64],
    NDArray[np.int64],
    HeldRefs,
    list[NDArray[np.uint8]],
]:
    """Return (ptrs, lens, held, keep) for a tuple or list of sequence objects."""

def pack_fixed_width(
    table: NDArray[np.uint8],
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Addresses and lengths of the rows of a numpy ``S`` array viewed as uint8 (n, w)."""

def byte_at(addr: int, pos: int) -> int:
    """The byte at ``addr + pos`` (used to name a bad character in an error)."""

def count_outside(
    ptrs: NDArray[np.int64],
    lens: NDArray[np.int64],
    codes: NDArray[np.int16],
    max_rows: int,
    max_bytes: int,
) -> tuple[int, int]:
    """(outside, seen): sampled bytes outside an alphabet's code table."""
