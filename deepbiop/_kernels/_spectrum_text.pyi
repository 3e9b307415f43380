"""Type stub for deepbiop._kernels._spectrum_text (k-mer spectra as text)."""

from typing import TypeAlias

import numpy as np
from numpy.typing import NDArray

_Bytes: TypeAlias = NDArray[np.uint8]

def format_tsv(
    codes: NDArray[np.uint64], counts: NDArray[np.int64], k: int, symbols: _Bytes, out: _Bytes
) -> int:
    """Write ``KMER<TAB>COUNT<NEWLINE>`` lines to ``out``; return the bytes written."""
