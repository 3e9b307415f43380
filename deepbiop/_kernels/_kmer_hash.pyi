"""Type stub for deepbiop._kernels._kmer_hash (hashed k-mer rows: feature hashing)."""

from typing import TypeAlias

import numpy as np
from numpy.typing import NDArray

# The Cython fused types ``idx_t`` (CSR column indices) and ``count_t`` (CSR data).
_IdxArray: TypeAlias = NDArray[np.int32] | NDArray[np.int64]
_CountArray: TypeAlias = (
    NDArray[np.float32] | NDArray[np.float64] | NDArray[np.int32] | NDArray[np.int64]
)

def hashed_rows(
    ptrs: NDArray[np.int64],
    lens: NDArray[np.int64],
    codes: NDArray[np.int16],
    k: int,
    A: int,
    canonical: bool,
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
    """Build the hashed CSR rows of a packed batch, each in its own slice."""

def hash_codes(
    codes: NDArray[np.uint64],
    n_features: int,
    alternate_sign: bool,
    columns: NDArray[np.int64],
    signs: NDArray[np.int8],
) -> None:
    """The column and the sign (+1 or -1) of each k-mer code."""
