"""Type stub for deepbiop._kernels._augment (batch mutation / reverse complement)."""

import numpy as np
from numpy.typing import NDArray

def augment_packed(
    ptrs: NDArray[np.int64],
    lens: NDArray[np.int64],
    offsets: NDArray[np.int64],
    out: NDArray[np.uint8],
    codes: NDArray[np.int16],
    upper: NDArray[np.uint8],
    lower: NDArray[np.uint8],
    is_lower: NDArray[np.uint8],
    A: int,
    threshold: int,
    seed: int,
    flip: NDArray[np.uint8],
    comp_dna: NDArray[np.uint8],
    comp_rna: NDArray[np.uint8],
    auto_rna: bool,
    n_threads: int,
) -> None:
    """Point-mutate and optionally reverse-complement every sequence of a batch."""
