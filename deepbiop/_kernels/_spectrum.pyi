"""Type stub for deepbiop._kernels._spectrum (whole-batch k-mer spectra)."""

from typing import Final

import numpy as np
from numpy.typing import NDArray

#: Code of a window that holds a character outside the alphabet (2**64 - 1).
SKIPPED: Final[int]

def collect_codes(
    ptrs: NDArray[np.int64],
    lens: NDArray[np.int64],
    codes: NDArray[np.int16],
    k: int,
    A: int,
    canonical: bool,
    starts: NDArray[np.int64],
    out: NDArray[np.uint64],
    n_threads: int,
) -> None:
    """Write the code of every window of a packed batch to ``out``."""

def count_codes(
    keys: NDArray[np.uint64],
    scratch: NDArray[np.uint64],
    key_bits: int,
    out_keys: NDArray[np.uint64],
    out_counts: NDArray[np.int64],
    n_threads: int,
) -> int:
    """Sort and count the codes in ``keys``; return how many distinct codes."""

def merge_counts(
    a_keys: NDArray[np.uint64],
    a_counts: NDArray[np.int64],
    b_keys: NDArray[np.uint64],
    b_counts: NDArray[np.int64],
    out_keys: NDArray[np.uint64],
    out_counts: NDArray[np.int64],
) -> int:
    """Merge two ascending (code, count) runs; return the merged length."""

def sum_words(
    words: NDArray[np.uint64], occurrences: NDArray[np.int64], count_bits: int, base: int
) -> int:
    """Spill words to codes and summed counts, in place; return how many codes."""
