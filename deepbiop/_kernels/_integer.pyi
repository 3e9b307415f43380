"""Type stub for deepbiop._kernels._integer (the guts of IntegerEncoder)."""

from typing import TypeAlias

import numpy as np
from numpy.typing import NDArray

# The Cython fused type ``code_t``: the output dtypes integer_batch accepts.
_CodeArray: TypeAlias = (
    NDArray[np.float32]
    | NDArray[np.float64]
    | NDArray[np.int8]
    | NDArray[np.int16]
    | NDArray[np.int32]
    | NDArray[np.int64]
    | NDArray[np.uint8]
)

def integer_batch(
    ptrs: NDArray[np.int64],
    lens: NDArray[np.int64],
    codes: NDArray[np.int16],
    A: int,
    mode: int,
    pad: float,
    out: _CodeArray,
    seed: int,
    status: NDArray[np.int64],
    n_threads: int,
) -> None:
    """Write alphabet codes of a packed batch into ``out`` (B, L)."""

def simd_isa() -> str:
    """The instruction set the byte lookup uses here: "avx2" or "scalar"."""

def lookup_codes(
    s: NDArray[np.uint8],
    codes: NDArray[np.int16],
    unknown: int,
    simd: bool,
    dtype: type | np.dtype = ...,
) -> tuple[NDArray[np.generic], bool]:
    """Translate bytes to codes with one lookup path (for tests)."""
