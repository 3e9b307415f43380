"""Type stub for deepbiop._kernels._kmer_sparse (sparse k-mer rows, spectra)."""

from typing import Final, TypeAlias

import numpy as np
from numpy.typing import NDArray

# The Cython fused types ``idx_t`` (CSR column indices) and ``count_t`` (CSR data).
_IdxArray: TypeAlias = NDArray[np.int32] | NDArray[np.int64]
_CountArray: TypeAlias = (
    NDArray[np.float32] | NDArray[np.float64] | NDArray[np.int32] | NDArray[np.int64]
)

#: Code of a window that holds a character outside the alphabet (2**64 - 1).
SKIPPED: Final[int]

def canonical_rank(
    codes: NDArray[np.uint64], k: int, comp: NDArray[np.int16], out: NDArray[np.uint64]
) -> None:
    """Rank of each code among the canonical k-mers in lexicographic order."""

def canonical_unrank(
    ranks: NDArray[np.uint64], k: int, comp: NDArray[np.int16], out: NDArray[np.uint64]
) -> None:
    """The canonical k-mer code of each compact canonical column."""

def csr_rows(
    ptrs: NDArray[np.int64],
    lens: NDArray[np.int64],
    codes: NDArray[np.int16],
    k: int,
    A: int,
    canonical: bool,
    compact: bool,
    mode: int,
    starts: NDArray[np.int64],
    indices: _IdxArray,
    data: _CountArray,
    nnz: NDArray[np.int64],
    status: NDArray[np.int64],
    n_threads: int,
) -> None:
    """Build the CSR rows of a packed batch, each in its own slice."""

def csr_compact(
    starts: NDArray[np.int64],
    nnz: NDArray[np.int64],
    indices: _IdxArray,
    data: _CountArray,
    indptr: NDArray[np.int64],
) -> None:
    """Move each row's entries down so the rows are contiguous; fill ``indptr``."""

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
