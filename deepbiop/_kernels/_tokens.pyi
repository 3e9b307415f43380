"""Type stub for deepbiop._kernels._tokens (the guts of TransformerEncoder)."""

import numpy as np
from numpy.typing import NDArray

def token_counts(
    ptrs: NDArray[np.int64],
    lens: NDArray[np.int64],
    codes: NDArray[np.int16],
    valid: NDArray[np.uint8],
    A: int,
    k: int,
    stride: int,
    greedy: int,
    check: int,
    counts: NDArray[np.int64],
    status: NDArray[np.int64],
    n_threads: int,
) -> None:
    """Number of content tokens of each sequence (before truncation)."""

def tokens_batch(
    ptrs: NDArray[np.int64],
    lens: NDArray[np.int64],
    counts: NDArray[np.int64],
    codes: NDArray[np.int16],
    char_ids: NDArray[np.int64],
    A: int,
    k: int,
    stride: int,
    greedy: int,
    kmer_offset: int,
    unk_id: int,
    cls_id: int,
    sep_id: int,
    pad_id: int,
    max_content: int,
    left: int,
    ids: NDArray[np.int64],
    attn: NDArray[np.int64],
    special: NDArray[np.int64],
    offsets: NDArray[np.int64],
    n_threads: int,
) -> None:
    """Token ids of a packed batch, one padded row per sequence."""
