"""Type stub for deepbiop._kernels._spectrum_text (k-mer spectra as text)."""

import numpy as np
from numpy.typing import NDArray

def format_tsv(
    codes: NDArray[np.uint64],
    counts: NDArray[np.int64],
    k: int,
    symbols: NDArray[np.uint8],
    out: NDArray[np.uint8],
) -> int:
    """Write ``KMER<TAB>COUNT<NEWLINE>`` lines to ``out``; return the bytes written."""
