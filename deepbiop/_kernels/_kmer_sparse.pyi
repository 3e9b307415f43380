"""Type stub for deepbiop._kernels._kmer_sparse (sparse and hashed k-mer rows, canonical ranks)."""

from typing import TypeAlias

import numpy as np
from numpy.typing import NDArray

# The Cython fused types ``idx_t`` (CSR column indices) and ``count_t`` (CSR data).
_IdxArray: TypeAlias = NDArray[np.int32] | NDArray[np.int64]
_CountArray: TypeAlias = (
    NDArray[np.float32] | NDArray[np.float64] | NDArray[np.int32] | NDArray[np.int64]
)

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
    n_features: int,
    alternate_sign: bool,
    starts: NDArray[np.int64],
    indices: _IdxArray,
    data: _CountArray,
    nnz: NDArray[np.int64],
    status: NDArray[np.int64],
    n_threads: int,
) -> None:
    """Build the CSR rows (exact or hashed columns) of a packed batch, each in its own slice."""

def csr_compact(
    starts: NDArray[np.int64],
    nnz: NDArray[np.int64],
    indices: _IdxArray,
    data: _CountArray,
    indptr: NDArray[np.int64],
) -> None:
    """Move each row's entries down so the rows are contiguous; fill ``indptr``."""

def hash_codes(
    codes: NDArray[np.uint64],
    n_features: int,
    alternate_sign: bool,
    columns: NDArray[np.int64],
    signs: NDArray[np.int8],
) -> None:
    """The hashed column and the sign (+1 or -1) of each k-mer code."""
