"""Type stub for deepbiop._kernels._onehot (the guts of OneHotEncoder)."""

from typing import TypeVar

import numpy as np
from numpy.typing import NDArray

# The Cython fused type ``out_t``; float16 output travels as its uint16 bit pattern.
_OutT = TypeVar("_OutT", np.uint8, np.uint16, np.float32, np.float64)

def onehot_batch(
    ptrs: NDArray[np.int64],
    lens: NDArray[np.int64],
    codes: NDArray[np.int16],
    table: NDArray[_OutT],
    one: _OutT | float,
    out: NDArray[_OutT],
    channels_first: bool,
    mode: int,
    seed: int,
    status: NDArray[np.int64],
    n_threads: int,
) -> None:
    """One-hot encode a packed batch into ``out`` (B, L, A) or (B, A, L)."""
