"""Type stub for deepbiop._kernels._kmer (the guts of KmerEncoder, dense)."""

from typing import TypeAlias

import numpy as np
from numpy.typing import NDArray

# The Cython fused type ``count_t``: the output dtypes kmer_batch accepts.
_CountArray: TypeAlias = (
    NDArray[np.float32] | NDArray[np.float64] | NDArray[np.int32] | NDArray[np.int64]
)

def kmer_batch(
    ptrs: NDArray[np.int64],
    lens: NDArray[np.int64],
    codes: NDArray[np.int16],
    k: int,
    A: int,
    canonical: bool,
    mode: int,
    out: _CountArray,
    status: NDArray[np.int64],
    n_threads: int,
) -> None:
    """Count overlapping k-mers of a packed batch into ``out`` (B, A**k)."""
